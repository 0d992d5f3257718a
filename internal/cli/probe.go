package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// dbProbe measures what the service's database did around each scenario.
type dbProbe interface {
	Before(ctx context.Context) error
	After(ctx context.Context, requests int64) (*model.DB, error)
	Warnings() []string
	Close()
}

// pgProbe adapts pgenv.Probe to the run loop and adds whether the seven
// indexes are present.
type pgProbe struct {
	p       *pgenv.Probe
	dsn     string
	indexes pgenv.IndexReport
}

// openProbe connects the probe before any load: a DSN that does not
// connect ends the run with exit 3. When the run is labelled "after" and
// the seven indexes are missing, it warns at once: it is the checklist's
// first step when performance has not improved.
func openProbe(ctx context.Context, dsn, label string, errOut io.Writer) (dbProbe, error) {
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("%w; check --db-probe (it is the service's database DSN)", err))
	}
	rep, err := pgenv.VerifyIndexes(ctx, dsn)
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
			label, len(rep.Missing), strings.Join(rep.Missing, ", "), pgenv.RedactDSN(dsn))
	}
	return &pgProbe{p: p, dsn: dsn, indexes: rep}, nil
}

func (g *pgProbe) Before(ctx context.Context) error { return g.p.Begin(ctx) }

func (g *pgProbe) After(ctx context.Context, requests int64) (*model.DB, error) {
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

func (g *pgProbe) Warnings() []string { return g.p.Warnings() }

func (g *pgProbe) Close() { g.p.Close() }
