package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// serveOptions are serve's flags and injected dependencies.
type serveOptions struct {
	// ServeOptions are the endpoint's: DSN, strategy, address, prefix and
	// (set by --detach for its background process) the state file.
	coursestatus.ServeOptions
	// Detach starts the server in the background and returns once it
	// listens; Stop stops the one detached on Addr.
	Detach bool
	Stop   bool

	Streams Streams
	// rerun is this command line as a detached background process runs
	// it (detachArgs), without its state file.
	rerun []string
	// ready, when set, is called with the base URL once the server
	// accepts connections (tests).
	ready func(base string)
}

func newServeCmd(streams Streams, run func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the course-status endpoint, before (naive) or after (optimized)",
		Args:  cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.rerun = detachArgs(cmd)
			return run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.DSN, "dsn", "", "Postgres connection string (as printed by perfgate db up as PERFGATE_DSN)")
	f.StringVar((*string)(&opts.Strategy), "strategy", string(coursestatus.Optimized), "naive (the original N+1 loop) or optimized (one aggregated statement)")
	f.StringVar(&opts.Addr, "addr", coursestatus.DefaultAddr, "host:port to listen on")
	f.StringVar(&opts.Prefix, "prefix", coursestatus.DefaultPrefix, `path prefix of the endpoint; "/v1/tracking" is the service's own, "" serves it at the root`)
	f.BoolVar(&opts.Detach, "detach", false, "return once the server listens and leave it running in the background; stop it with perfgate serve --stop")
	f.BoolVar(&opts.Stop, "stop", false, "stop the serve that --detach started on --addr")
	f.StringVar(&opts.StateFile, "state-file", "", "where a detached serve records itself (set by --detach)")
	_ = f.MarkHidden("state-file")
	completeWords(cmd, "strategy", coursestatus.StrategyNames()...)
	return cmd
}

func runServe(ctx context.Context, opts *serveOptions) error {
	if opts.Stop {
		if opts.Detach {
			return exit.Usagef("--stop and --detach: pass one of them")
		}
		return stopServe(ctx, opts.Addr, opts.Streams.ErrOut)
	}
	opts.Log = opts.Streams.ErrOut
	svc, err := coursestatus.NewService(opts.ServeOptions)
	if err != nil {
		return err
	}
	if opts.Detach {
		return detachServe(ctx, opts)
	}
	err = svc.Run(ctx, func(base string) {
		fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", base)
		fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s: POST %s%s%s, GET %s%s; Ctrl-C stops\n",
			opts.Strategy, base, strings.TrimRight(opts.Prefix, "/"), coursestatus.StatusPath, base, coursestatus.HealthPath)
		if opts.ready != nil {
			opts.ready(base)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.Streams.ErrOut, "perfgate serve: stopped")
	return nil
}

// detachServe starts serve again in the background, the DSN in its
// environment, and prints PERFGATE_TARGET like a foreground serve once it
// listens.
func detachServe(ctx context.Context, opts *serveOptions) error {
	args := append(opts.rerun, "--state-file", coursestatus.StateFile(opts.Addr))
	st, err := coursestatus.StartDetached(ctx, opts.Addr, args, append(os.Environ(), "PERFGATE_DSN="+opts.DSN))
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", st.Target)
	fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s at %s, in the background (pid %d, log %s); perfgate serve --stop --addr %s stops it\n",
		st.Strategy, st.Target, st.PID, st.Log, opts.Addr)
	return nil
}

// stopServe stops the detached serve on addr and says what it found.
func stopServe(ctx context.Context, addr string, log io.Writer) error {
	outcome, st, err := coursestatus.StopDetached(ctx, addr, coursestatus.DefaultDetachStopTimeout)
	switch {
	case err != nil:
		return err
	case outcome == detach.NotFound:
		fmt.Fprintf(log, "no detached serve listens on %s (no %s); a foreground serve stops on Ctrl-C\n", addr, coursestatus.StateFile(addr))
	case outcome == detach.Stale:
		fmt.Fprintf(log, "the detached serve on %s (pid %d) was no longer running; removed its state file\n", addr, st.PID)
	default:
		fmt.Fprintf(log, "stopped serve (pid %d, strategy %s) on %s\n", st.PID, st.Strategy, addr)
	}
	return nil
}
