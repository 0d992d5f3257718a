package pgenv

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// sqlFiles holds the SQL that perfgate runs; the same files live in
// internal/pgenv/sql for people who apply them by hand.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// Table names of the service's two entities.
const (
	TableContentTracking        = "content_tracking"
	TableContentTrackingDetails = "content_tracking_details"
)

// SQL returns the embedded SQL file name (schema.sql, indexes_apply.sql,
// indexes_rollback.sql). perfgate runs schema.sql as it is; the two index
// files are the migration for people who apply it by hand, and perfgate
// builds its own statements from Indexes and the catalog instead (see
// ChangeIndexes).
func SQL(name string) (string, error) {
	b, err := sqlFiles.ReadFile("sql/" + name)
	if err != nil {
		return "", fmt.Errorf("embedded sql %s: %w", name, err)
	}
	return string(b), nil
}

// statements splits a SQL file into its statements, dropping comments.
// The files are perfgate's own, so a split on ';' at line ends is enough.
func statements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Querier is what pgenv reads the catalog through: *pgx.Conn,
// *pgxpool.Pool and pgx.Tx all satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var _ Querier = (*pgx.Conn)(nil)

// connect opens one connection to dsn; its errors never carry the password.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	if dsn == "" {
		return nil, errNoDSN
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", RedactDSN(dsn), scrubErr(dsn, err))
	}
	return conn, nil
}

// CreateSchema creates the two tables of the service (DESIGN §5) in the
// database at dsn, with their primary keys and nothing else. Tables that
// already exist are left as they are.
func CreateSchema(ctx context.Context, dsn string) error {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return createSchema(ctx, conn)
}

func createSchema(ctx context.Context, conn *pgx.Conn) error {
	src, err := SQL("schema.sql")
	if err != nil {
		return err
	}
	for _, stmt := range statements(src) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
