package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// defaultServeAddr is where serve listens unless --addr says otherwise:
// loopback only, on the port the checklist's curl commands use.
const defaultServeAddr = "127.0.0.1:3000"

// serveOptions are serve's flags and injected dependencies.
type serveOptions struct {
	DSN      string
	Strategy string
	Addr     string
	Prefix   string
	// Detach starts the server in the background and returns once it
	// listens; Stop stops the one detached on Addr.
	Detach bool
	Stop   bool
	// StateFile, when set, makes serve record itself there once it
	// listens, and remove the file when it stops: what --detach's
	// background process does.
	StateFile string

	Streams Streams
	// connect opens the database; tests replace it.
	connect func(ctx context.Context, dsn string) (coursestatus.DB, func(), error)
	// ready, when set, is called with the listening address once the
	// server accepts connections.
	ready func(addr net.Addr)
}

func newServeCmd(streams Streams) *cobra.Command {
	return newServeCmdWith(streams, runServe)
}

// newServeCmdWith builds the command around run, which tests replace to
// see the options that flags produced.
func newServeCmdWith(streams Streams, run func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{Streams: streams, connect: connectPool}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the course-status endpoint, before (naive) or after (optimized)",
		Args:  cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.DSN, "dsn", "", "Postgres connection string (as printed by perfgate db up as PERFGATE_DSN)")
	f.StringVar(&opts.Strategy, "strategy", string(coursestatus.Optimized), "naive (the original N+1 loop) or optimized (one aggregated statement)")
	f.StringVar(&opts.Addr, "addr", defaultServeAddr, "host:port to listen on")
	f.StringVar(&opts.Prefix, "prefix", coursestatus.DefaultPrefix, `path prefix of the endpoint; "/v1/tracking" is the service's own, "" serves it at the root`)
	f.BoolVar(&opts.Detach, "detach", false, "return once the server listens and leave it running in the background; stop it with perfgate serve --stop")
	f.BoolVar(&opts.Stop, "stop", false, "stop the serve that --detach started on --addr")
	f.StringVar(&opts.StateFile, "state-file", "", "where a detached serve records itself (set by --detach)")
	_ = f.MarkHidden("state-file")
	strategies := make([]string, len(coursestatus.Strategies))
	for i, st := range coursestatus.Strategies {
		strategies[i] = string(st)
	}
	completeWords(cmd, "strategy", strategies...)
	return cmd
}

func runServe(ctx context.Context, opts *serveOptions) error {
	if opts.Stop {
		if opts.Detach {
			return exit.Usagef("--stop and --detach: pass one of them")
		}
		return stopServe(ctx, opts.Addr, opts.Streams.ErrOut)
	}
	strategy, err := coursestatus.ParseStrategy(opts.Strategy)
	if err != nil {
		return exit.Usagef("--strategy: %v", err)
	}
	if strings.TrimSpace(opts.DSN) == "" {
		return exit.Usagef("--dsn is required: pass a Postgres connection string or set PERFGATE_DSN (perfgate db up prints one)")
	}
	// The handler is built before connecting so that a bad --prefix is a
	// usage error even when the database is down.
	var db lazyDB
	logger := slog.New(slog.NewTextHandler(opts.Streams.ErrOut, nil))
	h, err := coursestatus.NewHandler(&db, strategy, coursestatus.Prefix(opts.Prefix), coursestatus.Logger(logger))
	if err != nil {
		return exit.Usagef("--prefix: %v", err)
	}
	if opts.Detach {
		return detachServe(ctx, opts)
	}
	conn, closeDB, err := opts.connect(ctx, opts.DSN)
	if err != nil {
		return exit.Unavailable(fmt.Errorf("database is not reachable: %w; is it running? start one with perfgate db up, or fix --dsn", err))
	}
	defer closeDB()
	db.DB = conn

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return exit.Unavailable(fmt.Errorf("listen on %s: %w; is another server using it? set --addr", opts.Addr, err))
	}
	base := "http://" + ln.Addr().String()
	prefix := strings.TrimRight(opts.Prefix, "/")
	if opts.StateFile != "" {
		if err := coursestatus.WriteState(opts.StateFile, base, strategy); err != nil {
			ln.Close()
			return exit.Unavailable(fmt.Errorf("serve: state file: %w", err))
		}
		defer os.Remove(opts.StateFile)
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", base)
	fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s: POST %s%s%s, GET %s%s; Ctrl-C stops\n",
		strategy, base, prefix, coursestatus.StatusPath, base, coursestatus.HealthPath)
	if opts.ready != nil {
		opts.ready(ln.Addr())
	}
	if err := (coursestatus.Server{Handler: h}).Serve(ctx, ln); err != nil {
		return exit.Unavailable(err)
	}
	fmt.Fprintln(opts.Streams.ErrOut, "perfgate serve: stopped")
	return nil
}

// lazyDB lets the handler be built before the database is connected.
type lazyDB struct{ coursestatus.DB }

func connectPool(ctx context.Context, dsn string) (coursestatus.DB, func(), error) {
	pool, err := coursestatus.Connect(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return pool, pool.Close, nil
}

// detachServe starts serve again in the background, the DSN in its
// environment, and prints PERFGATE_TARGET like a foreground serve once it
// listens.
func detachServe(ctx context.Context, opts *serveOptions) error {
	if _, port, err := net.SplitHostPort(opts.Addr); err != nil || port == "0" {
		return exit.Usagef("--detach needs --addr with a fixed port, such as 127.0.0.1:3000 (serve --stop finds the server by it)")
	}
	args := []string{"serve", "--strategy", opts.Strategy, "--addr", opts.Addr, "--prefix", opts.Prefix, "--state-file", coursestatus.StateFile(opts.Addr)}
	st, err := coursestatus.StartDetached(ctx, opts.Addr, args, append(os.Environ(), "PERFGATE_DSN="+opts.DSN))
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", st.Target)
	fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s at %s, in the background (pid %d, log %s); perfgate serve --stop --addr %s stops it\n",
		st.Strategy, st.Target, st.PID, st.Log, opts.Addr)
	return nil
}

// stopServe stops the detached serve on addr and says what it found.
func stopServe(ctx context.Context, addr string, log io.Writer) error {
	outcome, st, err := coursestatus.StopDetached(ctx, addr, coursestatus.DefaultDetachStopTimeout)
	switch {
	case err != nil:
		return err
	case outcome == detach.NotFound:
		fmt.Fprintf(log, "no detached serve listens on %s (no %s); a foreground serve stops on Ctrl-C\n", addr, coursestatus.StateFile(addr))
	case outcome == detach.Stale:
		fmt.Fprintf(log, "the detached serve on %s (pid %d) was no longer running; removed its state file\n", addr, st.PID)
	default:
		fmt.Fprintf(log, "stopped serve (pid %d, strategy %s) on %s\n", st.PID, st.Strategy, addr)
	}
	return nil
}
