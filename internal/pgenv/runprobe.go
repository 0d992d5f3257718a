package pgenv

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// RunProbe is the probe a run uses (engine.Probe): a Probe around each
// scenario, the figures per request in the run model's form, and whether
// the seven indexes are present.
type RunProbe struct {
	p       *Probe
	dsn     string
	indexes IndexReport
}

// OpenRunProbe connects the probe before any load: a DSN that does not
// connect ends the run with exit 3. When the run is labelled "after" and
// the seven indexes are missing, it warns at once: it is the checklist's
// first step when performance has not improved.
func OpenRunProbe(ctx context.Context, dsn, label string, errOut io.Writer) (*RunProbe, error) {
	p, err := OpenProbe(ctx, dsn)
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("%w; check --db-probe (it is the service's database DSN)", err))
	}
	rep, err := VerifyIndexes(ctx, dsn)
	if err != nil {
		p.Close()
		return nil, exit.Unavailable(err)
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(errOut, "perfgate: warning: %s\n", w)
	}
	if !rep.OK() && strings.Contains(strings.ToLower(label), "after") {
		fmt.Fprintf(errOut, "perfgate: warning: run %q probes a database that lacks %d of the seven indexes (%s); "+
			"the checklist's first step when performance has not improved: perfgate db indexes apply --dsn %s\n",
			label, len(rep.Missing), strings.Join(rep.Missing, ", "), RedactDSN(dsn))
	}
	return &RunProbe{p: p, dsn: dsn, indexes: rep}, nil
}

// Before snapshots the statistics just before a scenario's load.
func (g *RunProbe) Before(ctx context.Context) error { return g.p.Begin(ctx) }

// After snapshots them again after the load and returns what the
// database did per request.
func (g *RunProbe) After(ctx context.Context, requests int64) (*model.DB, error) {
	f, err := g.p.End(ctx, requests)
	if err != nil {
		return nil, err
	}
	db := &model.DB{
		StatementsPerRequest: f.StatementsPerRequest,
		SeqScansPerRequest:   f.SeqScansPerRequest,
		IndexScansPerRequest: f.IndexScansPerRequest,
		RowsReadPerRequest:   f.RowsReadPerRequest,
		IndexesPresent:       g.indexes.OK(),
		MissingIndexes:       g.indexes.Missing,
		StatementsAvailable:  f.StatementsAvailable,
	}
	for _, s := range f.Slowest {
		db.SlowestStatements = append(db.SlowestStatements, model.Statement{Query: s.Query, Calls: s.Calls, MeanTime: s.MeanTime, Rows: s.Rows})
	}
	return db, nil
}

// Warnings are the probe's problems that do not stop a run.
func (g *RunProbe) Warnings() []string { return g.p.Warnings() }

// Close ends the probe's connection.
func (g *RunProbe) Close() { g.p.Close() }
