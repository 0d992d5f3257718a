package pgenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of the local provider.
const (
	// DefaultStartTimeout bounds initdb plus server start-up.
	DefaultStartTimeout = 60 * time.Second
	// DefaultStopTimeout is how long a fast shutdown may take before the
	// server is killed.
	DefaultStopTimeout = 15 * time.Second
	// DefaultLocalUser is the system user the server runs as when perfgate
	// runs as root (PostgreSQL refuses to run as root).
	DefaultLocalUser = "postgres"
)

// DisposableSettings are the server settings of the local cluster: a
// throw-away database that trades crash safety for speed. They never change
// query plans, so latencies measured on it stay comparable with production
// apart from the commit cost.
var DisposableSettings = []string{
	"fsync=off",              // no flush to disk: a crash loses the cluster, which is temporary anyway
	"synchronous_commit=off", // commits return before the WAL is written
	"full_page_writes=off",   // no torn-page protection needed without crash recovery
	"wal_level=minimal",      // no replication or archiving
	"max_wal_senders=0",      // required by wal_level=minimal
	"checkpoint_timeout=30min",
	"max_wal_size=4GB",           // no checkpoints in the middle of a bulk load
	"maintenance_work_mem=256MB", // faster CREATE INDEX on the claim profile
	"shared_preload_libraries=pg_stat_statements",
	"pg_stat_statements.track=all", // the probe counts the statements of the N+1 loop
}

// LocalOption configures StartLocal.
type LocalOption func(*localConfig)

type localConfig struct {
	binDir       string
	runAs        string
	startTimeout time.Duration
	log          io.Writer
	settings     []string
}

// WithBinDir uses the server binaries in dir instead of searching for them.
func WithBinDir(dir string) LocalOption { return func(c *localConfig) { c.binDir = dir } }

// WithRunAs sets the system user the server runs as when perfgate runs as
// root (default DefaultLocalUser). Ignored when perfgate is not root.
func WithRunAs(name string) LocalOption { return func(c *localConfig) { c.runAs = name } }

// WithStartTimeout bounds initdb plus start-up (default DefaultStartTimeout).
func WithStartTimeout(d time.Duration) LocalOption {
	return func(c *localConfig) { c.startTimeout = d }
}

// WithLog receives the server's log as it runs (default: kept in the
// cluster's directory and quoted in start-up errors).
func WithLog(w io.Writer) LocalOption { return func(c *localConfig) { c.log = w } }

// WithSetting adds a server setting (name=value) after DisposableSettings.
func WithSetting(kv string) LocalOption {
	return func(c *localConfig) { c.settings = append(c.settings, kv) }
}

// WithPlanCapture has the server log the plan of each statement its
// clients run, for a sampled share rate of them, where the probe reads them
// (PlanCaptureSettings; Local.ServerLog is the file). Rate 0 loads
// auto_explain switched off, for SetPlanCapture to switch while it runs.
func WithPlanCapture(rate float64) LocalOption {
	return func(c *localConfig) { c.settings = append(c.settings, PlanCaptureSettings(rate)...) }
}

// Local is an ephemeral PostgreSQL cluster in a temporary directory,
// listening on 127.0.0.1 at a free port. Stop it with Stop; cancelling the
// context given to StartLocal stops it too.
type Local struct {
	dir    string
	binDir string
	port   int
	cmd    *exec.Cmd
	exited chan struct{} // closed when the server process has exited
	log    *tailBuffer
	// password is the superuser's: the cluster trusts no one without it.
	password string

	stopOnce sync.Once
	stopErr  error
}

// StartLocal creates a cluster with initdb in a new temporary directory,
// starts it on a free port of 127.0.0.1 with pg_stat_statements preloaded and
// DisposableSettings, and waits until it accepts connections. The cluster is
// stopped and its directory removed by Stop or when ctx is cancelled.
func StartLocal(ctx context.Context, opts ...LocalOption) (*Local, error) {
	cfg := localConfig{runAs: DefaultLocalUser, startTimeout: DefaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.binDir == "" {
		dir, err := FindBinDir()
		if err != nil {
			return nil, err
		}
		cfg.binDir = dir
	} else if err := hasServerBinaries(cfg.binDir); err != nil {
		return nil, fmt.Errorf("%w; %s", err, InstallHint)
	}
	cred, err := serverCredential(cfg.runAs)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "perfgate-pg-")
	if err != nil {
		return nil, fmt.Errorf("local postgres: %w", err)
	}
	l := &Local{dir: dir, binDir: cfg.binDir, log: &tailBuffer{max: 16 << 10}}
	fail := func(err error) (*Local, error) {
		_ = l.Stop()
		return nil, err
	}
	if err := markCluster(dir, serverUID(cred)); err != nil {
		return fail(fmt.Errorf("local postgres: mark %s: %w", dir, err))
	}
	pwfile, err := l.writePasswordFile(cred)
	if err != nil {
		return fail(err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(fmt.Errorf("local postgres: hand %s to user %s: %w", dir, cfg.runAs, err))
		}
	}
	startCtx, cancel := context.WithTimeout(ctx, cfg.startTimeout)
	defer cancel()

	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(startCtx, filepath.Join(cfg.binDir, "initdb"),
		"-D", data, "-U", "postgres", "--auth=scram-sha-256", "--pwfile="+pwfile, "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := initdb.CombinedOutput()
	_ = os.Remove(pwfile)
	if err != nil {
		return fail(fmt.Errorf("local postgres: initdb: %w\n%s", err, bytes.TrimSpace(out)))
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = l.start(startCtx, cfg, cred, data); lastErr == nil {
			break
		}
		if startCtx.Err() != nil || !strings.Contains(l.log.String(), "could not bind") {
			break
		}
	}
	if lastErr != nil {
		return fail(lastErr)
	}
	// Stop on cancellation: Ctrl-C and SIGTERM reach here as ctx.Done.
	go func() {
		select {
		case <-ctx.Done():
			_ = l.Stop()
		case <-l.exited:
		}
	}()
	return l, nil
}

// start launches the server on a fresh free port and waits for it.
func (l *Local) start(ctx context.Context, cfg localConfig, cred *syscall.Credential, data string) error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("local postgres: find a free port: %w", err)
	}
	l.port = port
	args := []string{"-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + l.dir}
	for _, kv := range append(append([]string{}, DisposableSettings...), cfg.settings...) {
		args = append(args, "-c", kv)
	}
	// Not CommandContext: the server must outlive the start-up deadline.
	cmd := exec.Command(filepath.Join(l.binDir, "postgres"), args...)
	cmd.Dir = l.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Its own process group: the terminal's Ctrl-C reaches perfgate,
		// which then shuts the server down in order.
		Setpgid: true,
		// If perfgate dies without cleaning up, the server stops too.
		Pdeathsig: syscall.SIGINT,
	}
	var logw io.Writer = l.log
	if cfg.log != nil {
		logw = io.MultiWriter(l.log, cfg.log)
	}
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("local postgres: start %s: %w", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	l.cmd, l.exited = cmd, exited

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := connect(ctx, l.DSN())
		if err == nil {
			_, err = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
			if err == nil {
				// New databases copy template1: give them the extension too.
				err = execIn(ctx, l.DSNFor("template1"), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
			}
			conn.Close(context.Background())
			if err != nil {
				return fmt.Errorf("local postgres: %w", err)
			}
			return nil
		}
		select {
		case <-exited:
			l.cmd = nil
			return fmt.Errorf("local postgres exited during start-up: %s", strings.TrimSpace(l.log.String()))
		case <-ctx.Done():
			return fmt.Errorf("local postgres not ready after start-up timeout: %w\n%s", ctx.Err(), strings.TrimSpace(l.log.String()))
		case <-tick.C:
		}
	}
}

// execIn runs one statement in the database at dsn.
func execIn(ctx context.Context, dsn, stmt string) error {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return scrubErr(dsn, err)
	}
	return nil
}

// DSN returns the URL of the cluster's postgres database, as user postgres
// with the cluster's generated password: print it through RedactDSN.
func (l *Local) DSN() string { return l.DSNFor("postgres") }

// DSNFor returns the URL of database db on the cluster, password included.
func (l *Local) DSNFor(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword("postgres", l.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(l.port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Port returns the TCP port the cluster listens on.
func (l *Local) Port() int { return l.port }

// Dir returns the temporary directory holding the data directory, the
// server's socket and perfgate's marker (see RemoveLeftovers); Stop
// removes it.
func (l *Local) Dir() string { return l.dir }

// BinDir returns the directory of the server binaries in use.
func (l *Local) BinDir() string { return l.binDir }

// Log returns the tail of the server's log.
func (l *Local) Log() string { return l.log.String() }

// ServerLog returns the server's JSON log file when the cluster was started
// WithPlanCapture, else "". With capture on, the server's messages go there
// rather than to Log.
func (l *Local) ServerLog() string {
	p := filepath.Join(l.dir, "data", "log", strings.TrimSuffix(planLogName, ".log")+".json")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Stop shuts the server down (fast shutdown, then kill after
// DefaultStopTimeout) and removes its directory. It is safe to call more
// than once, concurrently, and on a nil *Local.
func (l *Local) Stop() error {
	if l == nil {
		return nil
	}
	l.stopOnce.Do(func() { l.stopErr = l.stop() })
	return l.stopErr
}

func (l *Local) stop() error {
	var errs []error
	if l.cmd != nil && l.cmd.Process != nil {
		select {
		case <-l.exited:
		default:
			// SIGINT is PostgreSQL's fast shutdown: clients are disconnected.
			_ = l.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-l.exited:
			case <-time.After(DefaultStopTimeout):
				_ = syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
				<-l.exited
				errs = append(errs, fmt.Errorf("local postgres did not stop within %s; killed", DefaultStopTimeout))
			}
		}
	}
	if l.dir != "" {
		if err := os.RemoveAll(l.dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", l.dir, err))
		}
	}
	return errors.Join(errs...)
}

// writePasswordFile generates the superuser's password and writes it where
// initdb --pwfile reads it: a new file of mode 0600, owned by the server's
// user, inside the cluster's directory while that is still the invoking
// user's alone. The caller removes it once initdb has run.
//
// Without a password, pg_hba's trust let every local user connect as the
// superuser and run programs as the server's user (COPY … TO PROGRAM).
func (l *Local) writePasswordFile(cred *syscall.Credential) (string, error) {
	l.password = rand.Text()
	path := filepath.Join(l.dir, "pwfile")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return "", fmt.Errorf("local postgres: password file: %w", err)
	}
	_, err = f.WriteString(l.password + "\n")
	if err == nil && cred != nil {
		err = f.Chown(int(cred.Uid), int(cred.Gid))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("local postgres: password file: %w", err)
	}
	return path, nil
}

// serverUID is the user the server runs as: cred's, or the current one.
func serverUID(cred *syscall.Credential) int {
	if cred != nil {
		return int(cred.Uid)
	}
	return os.Geteuid()
}

// serverCredential returns the identity the server runs under: nil (the
// current user) unless perfgate is root, then the system user name.
func serverCredential(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("local postgres: running as root needs the %q system user to run the server "+
			"(PostgreSQL refuses root): %w; create it (useradd --system %s) or run perfgate as another user", name, err, name)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("local postgres: user %s: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another process
// may take it before the server binds; StartLocal retries then.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
