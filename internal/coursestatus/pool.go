package coursestatus

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/internal/pgenv"
)

// DB is what the handler needs from a database: a *pgxpool.Pool has it.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Ping(ctx context.Context) error
}

var _ DB = (*pgxpool.Pool)(nil)

// Connect opens a pgx pool on dsn with StatementTracer installed and checks
// that the database answers. Pool settings such as pool_max_conns can be
// given in the DSN. The caller closes the pool. Its errors never carry the
// DSN's password (pgenv.RedactError).
func Connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", pgenv.RedactError(dsn, err))
	}
	cfg.ConnConfig.Tracer = StatementTracer{}
	// Like node-postgres under TypeORM, send every statement unnamed, so
	// that PostgreSQL plans it for the actual IDs each time. pgx's default
	// prepares named statements, and after five runs PostgreSQL may switch
	// to a generic plan that cannot see how many IDs the arrays hold and
	// scans content_tracking_details in full even with the indexes. A
	// default_query_exec_mode in the DSN still wins.
	if _, set := cfg.ConnConfig.RuntimeParams["default_query_exec_mode"]; !set && !strings.Contains(dsn, "default_query_exec_mode") {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", pgenv.RedactError(dsn, err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", pgenv.RedactError(dsn, err))
	}
	return pool, nil
}
