package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalChildEnv makes the test binary act as a command that ignores its
// context after the first signal, like a probe waiting out PostgreSQL's
// statistics flush.
const signalChildEnv = "PERFGATE_TEST_SIGNAL_CHILD"

func TestSignalChildProcess(t *testing.T) {
	if os.Getenv(signalChildEnv) == "" {
		t.Skip("run by TestSecondInterruptEndsTheProcess as its child process")
	}
	ctx, stop := interruptible(context.Background())
	defer stop()
	os.Stdout.WriteString("ready\n")
	<-ctx.Done()
	os.Stdout.WriteString("first signal seen; ignoring the context now\n")
	time.Sleep(time.Minute) // a command stuck in a long wait
	os.Exit(0)
}

// TestSecondInterruptEndsTheProcess: the first Ctrl-C cancels the context;
// the second ends the process at once even when the command is stuck.
func TestSecondInterruptEndsTheProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSignalChildProcess$", "-test.v")
	cmd.Env = append(os.Environ(), signalChildEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	readUntil(t, out, "ready")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, "first signal seen")
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
			t.Errorf("child ended with %v, want killed by the second SIGINT", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the second Ctrl-C took %s to end the process", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the second SIGINT did not end the process: later signals are swallowed")
	}
}

func readUntil(t *testing.T, r interface{ Read([]byte) (int, error) }, want string) {
	t.Helper()
	var got strings.Builder
	buf := make([]byte, 256)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(got.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("child did not print %q; got %q", want, got.String())
		}
		n, err := r.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("child output ended before %q: %v (%q)", want, err, got.String())
		}
	}
}
