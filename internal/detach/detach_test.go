package detach

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// childEnv makes the test binary a background process: it records itself
// in the state file named by the variable and waits for a signal, or, with
// childFail, exits at once with code 2.
const (
	childEnv  = "PERFGATE_DETACH_TEST_STATE"
	childFail = "PERFGATE_DETACH_TEST_FAIL"
)

func TestMain(m *testing.M) {
	if state := os.Getenv(childEnv); state != "" {
		if os.Getenv(childFail) != "" {
			os.Stderr.WriteString("refusing on purpose\n")
			os.Exit(2)
		}
		self, err := CurrentProcess()
		if err != nil {
			os.Exit(3)
		}
		if err := WriteJSON(state, struct {
			Process
			Note string `json:"note"`
		}{self, "ready"}); err != nil {
			os.Exit(3)
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestStartAndStop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	state, logf := filepath.Join(dir, "x.json"), filepath.Join(dir, "x.log")
	ctx := context.Background()
	if err := Start(ctx, state, logf, os.Args[0], []string{"-test.run", "^$"}, append(os.Environ(), childEnv+"="+state)); err != nil {
		t.Fatal(err)
	}
	var r recorded
	if err := ReadJSON(state, &r); err != nil || !r.Running() {
		t.Fatalf("the background process is not recorded running: %+v, %v", r, err)
	}
	outcome, p, err := Stop(ctx, state, 10*time.Second)
	if err != nil || outcome != Stopped || p.PID != r.PID || p.Running() {
		t.Errorf("Stop = %v, %+v, %v", outcome, p, err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the state file stays: %v", err)
	}
	if outcome, _, err := Stop(ctx, state, time.Second); outcome != NotFound || err != nil {
		t.Errorf("Stop with nothing recorded = %v, %v", outcome, err)
	}
	// A record of a process that no longer runs is stale: removed, and
	// nothing is signalled.
	if err := WriteJSON(state, r); err != nil {
		t.Fatal(err)
	}
	if outcome, _, err := Stop(ctx, state, time.Second); outcome != Stale || err != nil {
		t.Errorf("Stop of a stale record = %v, %v", outcome, err)
	}
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	state := filepath.Join(dir, "x.json")
	err := Start(context.Background(), state, filepath.Join(dir, "x.log"), os.Args[0], []string{"-test.run", "^$"},
		append(os.Environ(), childEnv+"="+state, childFail+"=1"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 2 || ee.Log != "refusing on purpose" {
		t.Errorf("Start = %v, want the child's exit code and log", err)
	}
}
