package coursestatus

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// fakeConnect hands out db and closes the returned channel when the
// service closes it.
func fakeConnect(db DB) (func(context.Context, string) (DB, func(), error), <-chan struct{}) {
	closed := make(chan struct{})
	return func(context.Context, string) (DB, func(), error) {
		return db, func() { close(closed) }, nil
	}, closed
}

func TestNewServiceRefuses(t *testing.T) {
	tests := []struct {
		name string
		opts ServeOptions
		want string
	}{
		{"unknown strategy", ServeOptions{DSN: "postgres://h/db", Strategy: "fast"},
			`--strategy: unknown strategy "fast" (want naive or optimized)`},
		// The strategy is checked first, as serve's flags are listed.
		{"unknown strategy and no dsn", ServeOptions{Strategy: "fast"},
			`--strategy: unknown strategy "fast" (want naive or optimized)`},
		{"no dsn", ServeOptions{Strategy: Naive},
			"--dsn is required: pass a Postgres connection string or set PERFGATE_DSN (perfgate db up prints one)"},
		{"blank dsn", ServeOptions{DSN: " \t", Strategy: Naive},
			"--dsn is required: pass a Postgres connection string or set PERFGATE_DSN (perfgate db up prints one)"},
		{"bad prefix", ServeOptions{DSN: "postgres://h/db", Strategy: Optimized, Prefix: "v1"},
			`--prefix: prefix "v1" must start with /`},
		{"prefix with braces", ServeOptions{DSN: "postgres://h/db", Strategy: Optimized, Prefix: "/{x}"},
			`--prefix: prefix "/{x}" must be a plain path (no spaces, braces, ? or #)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A Connect that would fail the test: nothing is connected
			// before the options are checked.
			tt.opts.Connect = func(context.Context, string) (DB, func(), error) {
				t.Error("NewService connected")
				return nil, nil, errors.New("connected")
			}
			_, err := NewService(tt.opts)
			if err == nil || err.Error() != tt.want || exit.Code(err) != exit.CodeUsage {
				t.Errorf("NewService = %v (exit %d), want %q (exit %d)", err, exit.Code(err), tt.want, exit.CodeUsage)
			}
		})
	}
}

// TestServiceRuns: Run connects, listens, records its state file, says
// where it serves, answers until its context ends, then removes the state
// file, closes the database and returns nil.
func TestServiceRuns(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	connect, closed := fakeConnect(&fakeDB{})
	var log bytes.Buffer
	state := StateFile("127.0.0.1:3997")
	svc, err := NewService(ServeOptions{DSN: "postgres://fake/db", Strategy: Naive, Addr: "127.0.0.1:0", Prefix: "/v1/tracking/",
		StateFile: state, Log: &log, Connect: connect})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bases := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, func(base string) { bases <- base }) }()
	var base string
	select {
	case base = <-bases:
	case err := <-done:
		t.Fatalf("Run returned before it was ready: %v", err)
	}

	var st State
	if err := detach.ReadJSON(state, &st); err != nil || st.Target != base || st.Strategy != "naive" || st.PID != os.Getpid() {
		t.Errorf("state file while serving: %+v, %v; want target %s, naive, pid %d", st, err, base, os.Getpid())
	}
	resp, err := http.Get(base + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s = %d, want 200", HealthPath, resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/tracking"+StatusPath, strings.NewReader(`{"userId":[],"courseId":["c"]}`))
	req.Header.Set("tenantid", testTenant)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"success":true,"message":"success","data":[]}`; resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("POST = %d %s, want 200 %s", resp.StatusCode, body, want)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after its context ended = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	select {
	case <-closed:
	default:
		t.Error("the database was not closed")
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left behind: %v", err)
	}
}

// TestServiceRunFails: what stops Run before it serves is exit 3, says
// what to do, and leaves no database open.
func TestServiceRunFails(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// A state directory others may write to is refused (detach.PrepareDir).
	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    ServeOptions
		down    bool // the database does not answer
		wantErr []string
	}{
		{name: "database down", down: true,
			wantErr: []string{"database is not reachable: connection refused; is it running? start one with perfgate db up, or fix --dsn"}},
		{name: "address in use", opts: ServeOptions{Addr: busy.Addr().String()},
			wantErr: []string{"listen on " + busy.Addr().String() + ": ", "; is another server using it? set --addr"}},
		{name: "state file unwritable", opts: ServeOptions{Addr: "127.0.0.1:0", StateFile: filepath.Join(open, "serve.json")},
			wantErr: []string{"serve: state file: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			connect, closed := fakeConnect(&fakeDB{})
			if tt.down {
				connect = func(context.Context, string) (DB, func(), error) {
					return nil, nil, errors.New("connection refused")
				}
			}
			o := tt.opts
			o.DSN, o.Strategy, o.Connect = "postgres://fake/db", Optimized, connect
			svc, err := NewService(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = svc.Run(ctx, func(string) { t.Error("Run said it was ready") })
			if exit.Code(err) != exit.CodeUnavailable {
				t.Errorf("Run = %v (exit %d), want exit %d", err, exit.Code(err), exit.CodeUnavailable)
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Run = %v, want it to say %q", err, want)
				}
			}
			if !tt.down {
				select {
				case <-closed:
				default:
					t.Error("the database was left open")
				}
			}
		})
	}
}
