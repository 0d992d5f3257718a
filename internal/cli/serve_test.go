package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

func TestServeFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want serveOptions
	}{
		{
			name: "defaults",
			args: []string{"--dsn", "postgres://h/db"},
			want: serveOptions{ServeOptions: coursestatus.ServeOptions{DSN: "postgres://h/db", Strategy: "optimized", Addr: "127.0.0.1:3000", Prefix: "/tracking/v1"},
				rerun: []string{"serve", "--detach=false"}},
		},
		{
			name: "all flags",
			args: []string{"--dsn", "postgres://h/db", "--strategy", "naive", "--addr", "127.0.0.1:3001", "--prefix", "/v1/tracking"},
			want: serveOptions{ServeOptions: coursestatus.ServeOptions{DSN: "postgres://h/db", Strategy: "naive", Addr: "127.0.0.1:3001", Prefix: "/v1/tracking"},
				rerun: []string{"serve", "--addr=127.0.0.1:3001", "--prefix=/v1/tracking", "--strategy=naive", "--detach=false"}},
		},
		{
			name: "environment fills what flags leave unset",
			args: []string{"--strategy", "naive"},
			env:  map[string]string{"PERFGATE_DSN": "postgres://env/db", "PERFGATE_STRATEGY": "optimized", "PERFGATE_PREFIX": ""},
			want: serveOptions{ServeOptions: coursestatus.ServeOptions{DSN: "postgres://env/db", Strategy: "naive", Addr: "127.0.0.1:3000", Prefix: ""},
				rerun: []string{"serve", "--prefix=", "--strategy=naive", "--detach=false"}},
		},
		{
			name: "detach",
			args: []string{"--dsn", "postgres://u:secret@h/db", "--detach", "--addr", "127.0.0.1:3001", "--state-file", "s.json"},
			want: serveOptions{ServeOptions: coursestatus.ServeOptions{DSN: "postgres://u:secret@h/db", Strategy: "optimized", Addr: "127.0.0.1:3001", Prefix: "/tracking/v1", StateFile: "s.json"},
				Detach: true, rerun: []string{"serve", "--addr=127.0.0.1:3001", "--detach=false"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got *serveOptions
			cmd := newServeCmd(Streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *serveOptions) error {
				got = o
				return nil
			})
			root := &cobra.Command{Use: "perfgate", PersistentPreRunE: func(c *cobra.Command, _ []string) error { return applyEnv(c) }}
			root.AddCommand(cmd)
			root.SetArgs(append([]string{"serve"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(serveOptions{}), cmpopts.IgnoreFields(serveOptions{}, "Streams", "ready")); diff != "" {
				t.Errorf("options mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeRefuses(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no dsn", args: []string{"serve"}, wantCode: exit.CodeUsage,
			wantErr: "perfgate: --dsn is required: pass a Postgres connection string or set PERFGATE_DSN (perfgate db up prints one)\n"},
		{name: "unknown strategy", args: []string{"serve", "--dsn", "postgres://h/db", "--strategy", "fast"}, wantCode: exit.CodeUsage,
			wantErr: "perfgate: --strategy: unknown strategy \"fast\" (want naive or optimized)\n"},
		{name: "bad prefix", args: []string{"serve", "--dsn", "postgres://h/db", "--prefix", "v1"}, wantCode: exit.CodeUsage,
			wantErr: "perfgate: --prefix: prefix \"v1\" must start with /\n"},
		{name: "positional argument", args: []string{"serve", "naive"}, wantCode: exit.CodeUsage},
		{name: "database down", args: []string{"serve", "--dsn", "postgres://u@127.0.0.1:1/db?connect_timeout=2&sslmode=disable"},
			wantCode: exit.CodeUnavailable, wantErr: "perfgate: database is not reachable: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PERFGATE_DSN", "")
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), tt.args, Streams{Out: &out, ErrOut: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if tt.wantErr != "" && !strings.HasPrefix(errOut.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to start with %q", errOut.String(), tt.wantErr)
			}
			if tt.name == "database down" && !strings.Contains(errOut.String(), "start one with perfgate db up, or fix --dsn") {
				t.Errorf("stderr %q does not say what to do", errOut.String())
			}
		})
	}
}

// upDB answers pings; the endpoint requests used here never query.
type upDB struct{}

func (upDB) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("upDB: no queries expected")
}
func (upDB) Ping(context.Context) error { return nil }

func TestServeRunsUntilCancelled(t *testing.T) {
	var out, errOut bytes.Buffer
	bases := make(chan string, 1)
	closed := make(chan struct{})
	opts := &serveOptions{
		ServeOptions: coursestatus.ServeOptions{
			Strategy: "naive", DSN: "postgres://fake/db", Addr: "127.0.0.1:0", Prefix: "/v1/tracking",
			Connect: func(context.Context, string) (coursestatus.DB, func(), error) {
				return upDB{}, func() { close(closed) }, nil
			},
		},
		Streams: Streams{Out: &out, ErrOut: &errOut},
		ready:   func(base string) { bases <- base },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, opts) }()
	var base string
	select {
	case base = <-bases:
	case err := <-done:
		t.Fatalf("runServe returned early: %v", err)
	}

	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /health = %d, want 200", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/tracking/content/course/status", strings.NewReader(`{"userId":[],"courseId":["c"]}`))
	req.Header.Set("tenantid", "fd8f3180-9988-495b-8a0d-ed201d7d28df")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"success":true,"message":"success","data":[]}`; resp.StatusCode != 200 || string(body) != want {
		t.Errorf("POST = %d %s, want 200 %s", resp.StatusCode, body, want)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe after Ctrl-C = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runServe did not stop after its context was cancelled")
	}
	select {
	case <-closed:
	default:
		t.Error("the database pool was not closed")
	}
	if want := "PERFGATE_TARGET=" + base + "\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "POST "+base+"/v1/tracking/content/course/status") {
		t.Errorf("stderr %q does not name the endpoint", errOut.String())
	}
}

// TestServeDetach: serve --detach returns once the server listens and
// prints PERFGATE_TARGET for eval; the server outlives the command, a
// second one on the same address is refused, and serve --stop stops it.
func TestServeDetach(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the state directory is this test's
	t.Setenv(asMainEnv, "1")        // the background serve is this binary, as perfgate
	dsn := pgtest.NewDB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), append([]string{"serve"}, args...), Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
		return code, out.String(), errOut.String()
	}
	code, out, errOut := serve("--detach", "--dsn", dsn, "--strategy", "naive", "--addr", addr)
	if code != exit.CodeOK || out != "PERFGATE_TARGET=http://"+addr+"\n" {
		t.Fatalf("serve --detach: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Cleanup(func() { serve("--stop", "--addr", addr) })
	health := func() error {
		resp, err := http.Get("http://" + addr + coursestatus.HealthPath)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health %d", resp.StatusCode)
		}
		return nil
	}
	if err := health(); err != nil {
		t.Fatalf("the detached serve does not answer: %v (stderr %q)", err, errOut)
	}
	if code, _, errOut := serve("--detach", "--dsn", dsn, "--addr", addr); code != exit.CodeUsage || !strings.Contains(errOut, "a detached serve already listens on "+addr) {
		t.Errorf("second serve --detach on the same address: exit %d, %q", code, errOut)
	}
	if code, _, errOut := serve("--stop", "--addr", addr); code != exit.CodeOK || !strings.Contains(errOut, "stopped serve (pid ") {
		t.Fatalf("serve --stop: exit %d, %q", code, errOut)
	}
	if err := health(); err == nil {
		t.Error("the serve still answers after serve --stop")
	}
	if _, err := os.Stat(coursestatus.StateFile(addr)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left behind: %v", err)
	}
	if code, _, errOut := serve("--stop", "--addr", addr); code != exit.CodeOK || !strings.Contains(errOut, "no detached serve listens on "+addr) {
		t.Errorf("serve --stop with nothing to stop: exit %d, %q", code, errOut)
	}
	// A bad DSN fails in the background; the command says why and exits 3.
	if code, _, errOut := serve("--detach", "--dsn", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1", "--addr", addr); code != exit.CodeUnavailable ||
		!strings.Contains(errOut, "database is not reachable") {
		t.Errorf("serve --detach on an unreachable database: exit %d, %q", code, errOut)
	}
}
