package equiv

import (
	"context"
	"crypto/tls"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// Options are a whole diff's, as perfgate diff's flags give them: how its
// cases are made (CaseOptions), which scenario files they come from and
// how the two versions are reached.
type Options struct {
	CaseOptions
	// Paths are the scenario files and directories (default scenarios/).
	Paths []string
	// Overrides choose the scenarios (Only, Skip) and fill their
	// templates (Fixtures, Sets); Timeout, when set, replaces each
	// scenario's load.timeout.
	Overrides engine.Overrides
	// TLS is how an https version's certificate is trusted, at the
	// preflight and for every request (load.TLSConfig; nil: Go's
	// defaults).
	TLS *tls.Config
}

// DefaultOptions are perfgate diff's defaults, aimed at before and after.
func DefaultOptions(before, after string) Options {
	return Options{CaseOptions: DefaultCaseOptions(before, after)}
}

// Check checks what needs no scenario file: both base URLs, MaxSubset,
// and the Ignore and Unordered paths. Every error is a usage error that
// names the flag.
func (o Options) Check() error {
	if err := engine.CheckBaseURL("--before", o.Before); err != nil {
		return err
	}
	if err := engine.CheckBaseURL("--after", o.After); err != nil {
		return err
	}
	if o.MaxSubset < 1 {
		return exit.Usagef("--max-subset must be at least 1")
	}
	if _, err := NewNormalizer(o.Ignore, o.Unordered); err != nil {
		return exit.Usagef("--%v", err)
	}
	return nil
}

// DiffVersions is a whole diff: it checks o, plans the scenarios against
// o.Before, prepares the cases (Prepare), tries both versions, sends every
// case to both (Session.Run, which hands each outcome to each as soon as
// it is known) and summarizes what they answered. Usage errors (exit 2)
// come before anything is sent, and nothing is sent unless both versions
// answer the preflight; an unreachable version, a request without answer
// or the end of ctx is exit 3.
func DiffVersions(ctx context.Context, o Options, each func(Outcome)) ([]Outcome, *diffreport.Report, error) {
	if err := o.Check(); err != nil {
		return nil, nil, err
	}
	ps, err := engine.Plan(o.Paths, o.Overrides, o.Before)
	if err != nil {
		return nil, nil, err
	}
	data, err := engine.TemplateData(o.Overrides)
	if err != nil {
		return nil, nil, err
	}
	session, err := Prepare(ps, data, o.CaseOptions)
	if err != nil {
		return nil, nil, err
	}
	// Both versions must answer before either is sent anything.
	for _, target := range []string{o.Before, o.After} {
		if err := load.Preflight(ctx, target, load.DefaultPreflightTimeout, o.TLS); err != nil {
			return nil, nil, exit.Unavailable(err)
		}
	}
	outs, err := session.Run(ctx, load.SenderTLS(o.TLS), each)
	if err != nil {
		return nil, nil, err
	}
	return outs, session.Summarize(outs), nil
}
