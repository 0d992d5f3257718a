package pgenv

import (
	"context"
	"fmt"
)

// Analyze brings the planner's statistics of the service's two tables up
// to date (ANALYZE), as the checklist's "performance not improved" step 2
// asks: freshly loaded data has none until autovacuum gets to it, and a
// run would then measure plans made without them.
func Analyze(ctx context.Context, dsn string) error {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, probeTag+` ANALYZE `+TableContentTracking+`, `+TableContentTrackingDetails); err != nil {
		return fmt.Errorf("analyze: %w", scrubErr(dsn, err))
	}
	return nil
}
