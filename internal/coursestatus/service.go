package coursestatus

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
)

// DefaultAddr is where perfgate serve listens unless told otherwise:
// loopback only, on the port the checklist's curl commands use.
const DefaultAddr = "127.0.0.1:3000"

// ServeOptions are what a Service runs the endpoint with: perfgate serve's
// flags, and what tests replace.
type ServeOptions struct {
	// DSN is the database to serve from (required).
	DSN string
	// Strategy is Naive or Optimized.
	Strategy Strategy
	// Addr is the host:port to listen on (DefaultAddr when empty).
	Addr string
	// Prefix is the endpoint's path prefix (see the Prefix option).
	Prefix string
	// StateFile, when set, is where the service records itself once it
	// listens (WriteState), removed when it stops: what a detached serve
	// does.
	StateFile string
	// Log, when set, gets the server-side failures (5xx answers) as slog
	// text lines.
	Log io.Writer
	// Connect opens the database and returns it with its close function;
	// nil means a pgx pool (Connect). Tests replace it.
	Connect func(ctx context.Context, dsn string) (DB, func(), error)
}

// Service is the endpoint as perfgate serve runs it: options checked and
// the handler built before anything is connected, then a database, a
// listener and, when asked, a state file, for as long as its context lasts.
type Service struct {
	opts    ServeOptions
	db      *lazyDB
	handler http.Handler
}

// lazyDB lets the handler be built before the database is connected.
type lazyDB struct{ DB }

// NewService checks o and builds the handler. It does not connect: a bad
// strategy, a missing DSN or a bad prefix is a usage error (exit 2) even
// when the database is down, and a detached serve is refused before it
// starts.
func NewService(o ServeOptions) (*Service, error) {
	if _, err := ParseStrategy(string(o.Strategy)); err != nil {
		return nil, exit.Usagef("--strategy: %v", err)
	}
	if strings.TrimSpace(o.DSN) == "" {
		return nil, exit.Usagef("--dsn is required: pass a Postgres connection string or set PERFGATE_DSN (perfgate db up prints one)")
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Connect == nil {
		o.Connect = connectPool
	}
	hopts := []Option{Prefix(o.Prefix)}
	if o.Log != nil {
		hopts = append(hopts, Logger(slog.New(slog.NewTextHandler(o.Log, nil))))
	}
	db := &lazyDB{}
	h, err := NewHandler(db, o.Strategy, hopts...)
	if err != nil {
		return nil, exit.Usagef("--prefix: %v", err)
	}
	return &Service{opts: o, db: db, handler: h}, nil
}

// connectPool is ServeOptions.Connect's default: a pgx pool (Connect).
func connectPool(ctx context.Context, dsn string) (DB, func(), error) {
	pool, err := Connect(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return pool, pool.Close, nil
}

// Run connects to the database, listens on the service's address, records
// the state file when asked, calls ready (when not nil) with the base URL
// it serves at ("http://host:port"), and serves until ctx ends (Server).
// It returns nil after a graceful shutdown. A database that does not
// answer, an address in use or a state file that cannot be written is
// exit 3, with what to do about it.
func (s *Service) Run(ctx context.Context, ready func(base string)) error {
	conn, closeDB, err := s.opts.Connect(ctx, s.opts.DSN)
	if err != nil {
		return exit.Unavailable(fmt.Errorf("database is not reachable: %w; is it running? start one with perfgate db up, or fix --dsn", err))
	}
	defer closeDB()
	s.db.DB = conn

	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return exit.Unavailable(fmt.Errorf("listen on %s: %w; is another server using it? set --addr", s.opts.Addr, err))
	}
	base := "http://" + ln.Addr().String()
	if s.opts.StateFile != "" {
		if err := WriteState(s.opts.StateFile, base, s.opts.Strategy); err != nil {
			ln.Close()
			return exit.Unavailable(fmt.Errorf("serve: state file: %w", err))
		}
		defer os.Remove(s.opts.StateFile)
	}
	if ready != nil {
		ready(base)
	}
	if err := (Server{Handler: s.handler}).Serve(ctx, ln); err != nil {
		return exit.Unavailable(err)
	}
	return nil
}
