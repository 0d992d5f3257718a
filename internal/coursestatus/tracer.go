package coursestatus

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// StatementsHeader is the response header in which the handler reports how
// many SQL statements it sent for the request.
const StatementsHeader = "X-Statements"

// StatementTracer is a pgx query tracer that counts every Query, QueryRow
// and Exec against the StatementCounter in the call's context. Connect
// installs it; install it yourself on a pool you build otherwise.
type StatementTracer struct{}

var _ pgx.QueryTracer = StatementTracer{}

// TraceQueryStart counts the statement.
func (StatementTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if c, ok := ctx.Value(statementCounterKey{}).(*StatementCounter); ok {
		c.n.Add(1)
	}
	return ctx
}

// TraceQueryEnd does nothing: a statement counts when it is sent.
func (StatementTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// StatementCounter counts the statements sent under one context.
type StatementCounter struct{ n atomic.Int64 }

// Count returns the number of statements counted so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }

type statementCounterKey struct{}

// WithStatementCounter returns a context under which StatementTracer counts
// statements into the returned counter.
func WithStatementCounter(ctx context.Context) (context.Context, *StatementCounter) {
	c := &StatementCounter{}
	return context.WithValue(ctx, statementCounterKey{}, c), c
}
