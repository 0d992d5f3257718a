package coursestatus

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// detachChildEnv makes the test binary a detached serve on the address it
// names: it records itself as serve does and waits for SIGTERM, or, with
// detachFailEnv set to a code, says why and exits with that code.
const (
	detachChildEnv = "PERFGATE_COURSESTATUS_TEST_SERVE"
	detachFailEnv  = "PERFGATE_COURSESTATUS_TEST_FAIL"
)

func detachChild(addr string) {
	switch os.Getenv(detachFailEnv) {
	case "2":
		os.Stderr.WriteString("perfgate: --prefix: refused on purpose\n")
		os.Exit(2)
	case "3":
		os.Stderr.WriteString("perfgate: database is not reachable on purpose\n")
		os.Exit(3)
	}
	if err := WriteState(StateFile(addr), "http://"+addr, Naive); err != nil {
		os.Exit(3)
	}
	time.Sleep(time.Minute)
	os.Exit(0)
}

func TestStateFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for addr, name := range map[string]string{
		"127.0.0.1:3000": "serve-127.0.0.1-3000.json",
		"[::1]:3001":     "serve---1-3001.json",
		"localhost:80":   "serve-localhost-80.json",
	} {
		state := StateFile(addr)
		if want := filepath.Join(detach.DefaultDir(), name); state != want {
			t.Errorf("StateFile(%q) = %s, want %s", addr, state, want)
		}
		if want := strings.TrimSuffix(state, ".json") + ".log"; StateLogPath(state) != want {
			t.Errorf("StateLogPath(%s) = %s, want %s", state, StateLogPath(state), want)
		}
	}
}

func TestWriteState(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	state := StateFile("127.0.0.1:3000")
	if err := WriteState(state, "http://127.0.0.1:3000", Optimized); err != nil {
		t.Fatal(err)
	}
	self, err := detach.CurrentProcess()
	if err != nil {
		t.Fatal(err)
	}
	var got State
	if err := detach.ReadJSON(state, &got); err != nil {
		t.Fatal(err)
	}
	want := State{Process: self, Target: "http://127.0.0.1:3000", Strategy: "optimized", Log: StateLogPath(state)}
	if got != want {
		t.Errorf("state = %+v, want %+v", got, want)
	}
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v), want 0600", fi.Mode(), err)
	}
}

// TestStartAndStopDetached: StartDetached returns once the background
// serve has recorded itself, refuses a second one on the same address,
// and StopDetached stops it, then finds nothing, then a stale record.
func TestStartAndStopDetached(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const addr = "127.0.0.1:3999"
	ctx := context.Background()
	env := append(os.Environ(), detachChildEnv+"="+addr)
	args := []string{"-test.run", "^$"}
	st, err := StartDetached(ctx, addr, args, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _, _ = StopDetached(ctx, addr, 5*time.Second) })
	if st.Target != "http://"+addr || st.Strategy != "naive" || st.Log != StateLogPath(StateFile(addr)) || !st.Running() {
		t.Errorf("StartDetached = %+v, want the running child's state", st)
	}
	_, err = StartDetached(ctx, addr, args, env)
	if exit.Code(err) != exit.CodeUsage || err == nil || !strings.Contains(err.Error(), "a detached serve already listens on "+addr) {
		t.Errorf("second StartDetached on %s = %v (exit %d), want a usage error", addr, err, exit.Code(err))
	}

	outcome, stopped, err := StopDetached(ctx, addr, 10*time.Second)
	if err != nil || outcome != detach.Stopped || stopped.PID != st.PID || stopped.Strategy != "naive" {
		t.Errorf("StopDetached = %v, %+v, %v; want Stopped, pid %d, naive", outcome, stopped, err, st.PID)
	}
	if stopped.Running() {
		t.Error("the detached serve still runs after StopDetached")
	}
	if _, err := os.Stat(StateFile(addr)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left behind: %v", err)
	}
	if outcome, _, err := StopDetached(ctx, addr, time.Second); outcome != detach.NotFound || err != nil {
		t.Errorf("StopDetached with nothing recorded = %v, %v; want NotFound", outcome, err)
	}
	// A record of a process that no longer runs is stale: removed, and
	// nothing signalled.
	if err := detach.WriteJSON(StateFile(addr), st); err != nil {
		t.Fatal(err)
	}
	if outcome, p, err := StopDetached(ctx, addr, time.Second); outcome != detach.Stale || err != nil || p.PID != st.PID {
		t.Errorf("StopDetached of a stale record = %v, %+v, %v; want Stale, pid %d", outcome, p, err, st.PID)
	}
}

// TestStartDetachedKeepsTheExitCode: a background serve that fails says
// why and exits as a foreground one would, 2 for usage and 3 otherwise.
func TestStartDetachedKeepsTheExitCode(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const addr = "127.0.0.1:3998"
	for _, tt := range []struct {
		code int
		log  string
	}{
		{exit.CodeUsage, "refused on purpose"},
		{exit.CodeUnavailable, "database is not reachable on purpose"},
	} {
		env := append(os.Environ(), detachChildEnv+"="+addr, detachFailEnv+"="+string(rune('0'+tt.code)))
		_, err := StartDetached(context.Background(), addr, []string{"-test.run", "^$"}, env)
		if exit.Code(err) != tt.code || err == nil || !strings.HasPrefix(err.Error(), "serve --detach: ") || !strings.Contains(err.Error(), tt.log) {
			t.Errorf("StartDetached of a child exiting %d = %v (exit %d)", tt.code, err, exit.Code(err))
		}
	}
}

// TestStartDetachedNeedsAFixedPort: serve --stop finds a detached serve
// by its address, so one on a port the system picks is refused before
// anything starts.
func TestStartDetachedNeedsAFixedPort(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.1", ":0"} {
		_, err := StartDetached(context.Background(), addr, []string{"-test.run", "^$"}, append(os.Environ(), detachChildEnv+"="+addr))
		want := "--detach needs --addr with a fixed port, such as 127.0.0.1:3000 (serve --stop finds the server by it)"
		if exit.Code(err) != exit.CodeUsage || err == nil || err.Error() != want {
			t.Errorf("StartDetached(%q) = %v (exit %d), want %q (exit %d)", addr, err, exit.Code(err), want, exit.CodeUsage)
		}
		if _, err := os.Stat(detach.DefaultDir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("StartDetached(%q) prepared the state directory: %v", addr, err)
		}
	}
}
