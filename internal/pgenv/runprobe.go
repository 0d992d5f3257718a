package pgenv

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
)

// OpenRunProbe opens the Probe a run uses (run --db-probe, the demo)
// before any load: a DSN that does not connect ends the run with exit 3.
// It prints the probe's warnings to errOut, and when the run is labelled
// "after" and the seven indexes are missing it warns at once: it is the
// checklist's first step when performance has not improved.
func OpenRunProbe(ctx context.Context, dsn, label string, errOut io.Writer, opts ...ProbeOption) (*Probe, error) {
	p, err := OpenProbe(ctx, dsn, opts...)
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("%w; check --db-probe (it is the service's database DSN)", err))
	}
	p.mu.Lock()
	rep, err := verifyIndexes(ctx, p.conn)
	p.mu.Unlock()
	if err != nil {
		p.Close()
		return nil, exit.Unavailable(fmt.Errorf("verify indexes: %w", scrubErr(dsn, err)))
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(errOut, "perfgate: warning: %s\n", w)
	}
	if !rep.OK() && strings.Contains(strings.ToLower(label), "after") {
		fmt.Fprintf(errOut, "perfgate: warning: run %q probes a database that lacks %d of the seven indexes (%s); "+
			"the checklist's first step when performance has not improved: perfgate db indexes apply --dsn %s\n",
			label, len(rep.Missing), strings.Join(rep.Missing, ", "), RedactDSN(dsn))
	}
	return p, nil
}
