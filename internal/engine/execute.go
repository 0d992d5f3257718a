package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// ExecuteOptions tune Execute: where the run directory goes, what is
// probed and sampled, and what the caller does at the start and with the
// finished run.
type ExecuteOptions struct {
	// Run tunes the run itself (Run). Execute fills its Dir, Probe and
	// Service, and adds its own warnings to Warnings; a Shard divides the
	// plan (ShardPlan.Divide) and marks the run directory (shard.json).
	Run RunOptions
	// Out is the run directory to create, new or empty (CreateRunDir);
	// Replace lets it replace a perfgate run directory already there.
	// When Out is "", Execute creates reports/<UTC time>-<label> with the
	// shard's suffix (CreateNamedRunDir) and, for a whole (unsharded) run,
	// points reports/latest-<label> at it (LinkLatest).
	Out     string
	Replace bool
	// DSN, when set, is the service's database, probed around every
	// scenario (pgenv.OpenRunProbe, with ProbeOptions). A shard other than
	// 0 ignores it, with a warning (ShardPlan.ProbeWarning).
	DSN          string
	ProbeOptions []pgenv.ProbeOption
	// ServicePID is the process whose CPU and memory are sampled
	// (FindService: 0 for the one listening on the target's port).
	ServicePID int
	// Log gets warnings as they arise (stderr); nil discards them.
	Log io.Writer
	// Start, when set, is called once the run directory dir exists, just
	// before the first request: a header printed then shows what runs,
	// and an error from it ends the run before any load.
	Start func(dir string) error
	// Write, when set, saves the run into dir in the caller's formats:
	// the finished run, or after a failure what was measured before it,
	// with model.Run.Incomplete saying why.
	Write func(dir string, run *model.Run) error
}

// Execution is a run carried out by Execute.
type Execution struct {
	Run *model.Run
	// Dir is the run directory.
	Dir string
	// Latest is the reports/latest-<label> link made to Dir, "" when none.
	Latest string
}

// Execute carries out a planned run from start to finish: it divides the
// plan for a shard, finds the service's process, opens the database
// probe, tries the target once (Preflight), creates the run directory,
// runs (Run), writes the run (Write) and links the latest run of a label.
// A run that could not be measured returns the error with the run's
// Write attempted first. An interrupted run returns its Execution and an
// exit.Unavailable error that says where its results are; a run that
// merely fails its criteria is no error (Execution.Run.Pass).
func Execute(ctx context.Context, ps []Planned, o ExecuteOptions) (*Execution, error) {
	ro := o.Run
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	now := orNow(ro.Now)
	var marker *model.ShardMarker
	if ro.Shard != nil {
		ps, marker = ro.Shard.Divide(ps, ro.Target, ro.Label)
	}
	dsn := o.DSN
	if w := ro.Shard.ProbeWarning(); w != "" && dsn != "" {
		fmt.Fprintf(log, "perfgate: %s\n", w)
		ro.Warnings = append(slices.Clip(ro.Warnings), w)
		dsn = ""
	}

	service, err := FindService(ro.Target, o.ServicePID)
	if err != nil {
		return nil, err
	}
	ro.Service = service
	if dsn != "" {
		p, err := pgenv.OpenRunProbe(ctx, dsn, ro.Label, log, o.ProbeOptions...)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		ro.Probe = p
	}
	if err := Preflight(ctx, ps, ro.TLS); err != nil {
		return nil, err
	}
	var rd *RunDir
	if o.Out != "" {
		rd, err = CreateRunDir(o.Out, o.Replace)
	} else {
		rd, err = CreateNamedRunDir(now(), ro.Label, ro.Shard.DirSuffix())
	}
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	ro.Dir = rd.Path
	if marker != nil {
		if err := model.WriteShardMarker(ro.Dir, marker); err != nil {
			return nil, err
		}
	}
	if o.Start != nil {
		if err := o.Start(ro.Dir); err != nil {
			return nil, err
		}
	}
	ex := &Execution{Dir: ro.Dir}
	write := func(run *model.Run) error {
		if o.Write == nil {
			return nil
		}
		return o.Write(ex.Dir, run)
	}
	ex.Run, err = Run(ctx, ps, ro)
	if err != nil {
		// Keep what was measured before the failure, marked as such.
		ex.Run.Incomplete = err.Error()
		if werr := write(ex.Run); werr != nil {
			return nil, errors.Join(err, werr)
		}
		return nil, err
	}
	if err := write(ex.Run); err != nil {
		return nil, err
	}
	if o.Out == "" && ro.Shard == nil {
		if ex.Latest, err = LinkLatest(ex.Dir, ro.Label); err != nil {
			fmt.Fprintf(log, "perfgate: warning: %v\n", err)
		}
	}
	if ex.Run.Interrupted {
		return ex, exit.Unavailable(fmt.Errorf("interrupted: the results gathered so far are in %s", ex.Dir))
	}
	return ex, nil
}
