package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/report"
)

type runOptions struct {
	streams Streams
	paths   []string
	loadFlags
	tlsFlags
	overrides engine.Overrides
	// exec gets the flags that say how the run is carried out and where
	// it goes: --out, --replace, --db-probe, --service-pid, --label and
	// --allow-inconclusive.
	exec       engine.ExecuteOptions
	formats    string
	noProgress bool
	shard      string // --shard i/N
}

func newRunCmd(streams Streams, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{streams: streams, exec: engine.ExecuteOptions{Run: engine.RunOptions{Now: time.Now}}}
	cmd := &cobra.Command{
		Use:   "run [PATH...]",
		Short: "Drive scenario files with vegeta against --target and judge them",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.loadFlags.register(cmd)
	registerScenarioFlags(cmd, &opts.overrides, true)
	fl.StringVar(&opts.exec.Out, "out", "", "run directory to write, new or empty (default reports/<UTC time>-<label>)")
	fl.BoolVar(&opts.exec.Replace, "replace", false, "let --out replace a perfgate run directory that is already there")
	fl.StringVar(&opts.exec.Run.Label, "label", "", "name of this run, e.g. before or after")
	fl.StringVar(&opts.formats, "format", report.DefaultRunFormats, "formats to write: text (stdout), json, md, junit, html")
	completeList(cmd, "format", fixed(report.RunFormats(nil).Names()...))
	fl.StringVar(&opts.exec.DSN, "db-probe", "", "Postgres DSN of the service's database: measure statements, scans and rows per request")
	fl.IntVar(&opts.exec.ServicePID, "service-pid", 0, "PID of the service's process, to sample its CPU and memory during each scenario (default: the process listening on --target's port when it is on this machine)")
	fl.BoolVar(&opts.noProgress, "no-progress", false, fmt.Sprintf("print no progress on stderr (by default: a bar on a terminal, else a line every %s; and each scenario's result as it ends)", load.DefaultPlainProgressEvery))
	fl.StringVar(&opts.shard, "shard", "", "run shard i (0-based) of N of a distributed run: i/N, or auto/N to read $JOB_COMPLETION_INDEX; merge the shards with perfgate report")
	fl.BoolVar(&opts.exec.Run.AllowInconclusive, "allow-inconclusive", false, "let a criterion too few requests can judge pass, marked inconclusive, instead of failing the run")
	fl.StringArrayVar(&opts.overrides.Expect, "expect", nil, "extra criterion for every scenario: p95=2s, errors=1%, status=200, db.statements_per_request=1")
	registerDeliveryFlags(cmd, &opts.overrides)
	opts.tlsFlags.register(cmd)
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	all := report.RunFormats(nil)
	formats, err := all.Parse(opts.formats)
	if err != nil {
		return exit.Usage(err)
	}
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.target)
	if err != nil {
		return err
	}
	ex := opts.exec
	ro := &ex.Run
	if ro.MaxBody, err = opts.loadFlags.check(); err != nil {
		return err
	}
	if ro.TLS, err = opts.tlsFlags.config(); err != nil {
		return err
	}
	if ro.Shard, err = engine.ParseShard(opts.shard, os.Getenv); err != nil {
		return err
	}
	ro.Target, ro.MaxWorkers, ro.Tool = opts.target, opts.maxWorkers, model.ThisTool()
	ex.Log = opts.streams.ErrOut
	ex.ProbeOptions = []pgenv.ProbeOption{pgenv.WithSettleLog(opts.streams.ErrOut)}
	// The header goes out before the first scenario starts, and each
	// scenario's result as soon as it is judged: a CI log shows what runs
	// instead of minutes of silence.
	text := formats.Has(report.FormatText)
	if text {
		ex.Start = func(string) error { return report.TextHeader(opts.streams.Out, ro.Label, opts.target) }
	}
	ro.Progress, ro.Done = runProgress(opts.streams, opts.noProgress)
	ex.Write = func(dir string, run *model.Run) error {
		return writeRun(dir, run, formats.With(all, report.FormatJSON), opts.streams.Out, text)
	}
	result, err := engine.Execute(ctx, ps, ex)
	if result != nil && result.Latest != "" && text {
		fmt.Fprintf(opts.streams.Out, "latest %q run: %s\n", ro.Label, result.Latest)
	}
	if err == nil && !result.Run.Pass {
		err = exit.ErrGateFailed
	}
	return err
}

// runProgress returns what a run reports while it works, on stderr: a
// bar per scenario on a terminal, a plain line every
// load.DefaultPlainProgressEvery otherwise (a CI log), and in both cases a
// line with each scenario's result as soon as it is judged; nothing with
// --no-progress.
func runProgress(streams Streams, off bool) (io.Writer, func(*model.Scenario)) {
	if off {
		return nil, nil
	}
	var progress io.Writer = &load.PlainProgress{W: streams.ErrOut}
	if streams.ErrIsTerminal {
		progress = streams.ErrOut
	}
	return progress, func(sc *model.Scenario) { fmt.Fprintln(streams.ErrOut, report.ScenarioLine(sc)) }
}

// writeRun writes a run's formats into dir (summary.json when formats has
// json), the text table to out, and where the run directory is. With
// headerShown, the text leaves out the header printed at the start.
func writeRun(dir string, run *model.Run, formats report.Formats[*model.Run], out io.Writer, headerShown bool) error {
	formats = report.RunFormats(report.RawDir(dir, load.ReadPoints)).Only(formats.Names())
	if headerShown {
		formats = formats.Rendered(report.FormatText, report.TextTable)
	}
	if err := formats.Write(dir, run, out); err != nil {
		return err
	}
	if formats.Has(report.FormatText) {
		fmt.Fprintf(out, "run directory: %s\n", dir)
	}
	return nil
}
