package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/safefile"
)

// DefaultServeStopTimeout is how long serve --stop waits for a detached
// serve to finish its in-flight requests and exit after SIGTERM (it
// allows them 10 s itself).
const DefaultServeStopTimeout = 15 * time.Second

// serveState is what a detached serve records, in the state directory of
// a detached db up (pgenv.DefaultStateDir, private to the user), so that
// serve --stop finds it: the process (whose identity survives pid reuse,
// pgenv.Process), where it listens and its log.
type serveState struct {
	pgenv.Process
	Target   string `json:"target"`
	Strategy string `json:"strategy"`
	Log      string `json:"log"`
}

// serveStateFile is the state file of the detached serve on addr: one
// per address, so that a naive and an optimized serve run side by side.
func serveStateFile(addr string) string {
	name := strings.NewReplacer(":", "-", "/", "-", "[", "", "]", "").Replace(addr)
	return filepath.Join(pgenv.DefaultStateDir(), "serve-"+name+".json")
}

func readServeState(path string) (serveState, error) {
	var st serveState
	if err := pgenv.PrepareStateDir(filepath.Dir(path)); err != nil {
		return st, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("state file %s: %w; remove it", path, err)
	}
	return st, nil
}

// writeServeState records the serve running in this process.
func writeServeState(path, target, strategy string) error {
	self, err := pgenv.CurrentProcess()
	if err != nil {
		return err
	}
	if err := pgenv.PrepareStateDir(filepath.Dir(path)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(serveState{Process: self, Target: target, Strategy: strategy, Log: serveLogPath(path)}, "", "  ")
	if err != nil {
		return err
	}
	return safefile.WritePerm(path, append(b, '\n'), 0o600)
}

func serveLogPath(stateFile string) string { return strings.TrimSuffix(stateFile, ".json") + ".log" }

// detachServe starts serve again as a background process of its own
// session (it survives the shell's Ctrl-C), the DSN in its environment
// rather than on a command line ps shows, and returns once that process
// listens, having printed PERFGATE_TARGET like a foreground serve.
func detachServe(ctx context.Context, opts *serveOptions) error {
	if _, port, err := net.SplitHostPort(opts.Addr); err != nil || port == "0" {
		return exit.Usagef("--detach needs --addr with a fixed port, such as 127.0.0.1:3000 (serve --stop finds the server by it)")
	}
	state := serveStateFile(opts.Addr)
	if err := pgenv.PrepareStateDir(filepath.Dir(state)); err != nil {
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	if st, err := readServeState(state); err == nil && st.Running() {
		return exit.Usagef("a detached serve already listens on %s (pid %d); stop it with perfgate serve --stop --addr %s", opts.Addr, st.PID, opts.Addr)
	}
	_ = os.Remove(state)
	exe, err := os.Executable()
	if err != nil {
		return exit.Unavailable(err)
	}
	logPath := serveLogPath(state)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	defer logf.Close()
	cmd := exec.Command(exe, "serve", "--strategy", opts.Strategy, "--addr", opts.Addr, "--prefix", opts.Prefix, "--state-file", state)
	cmd.Env = append(os.Environ(), "PERFGATE_DSN="+opts.DSN)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		if st, err := readServeState(state); err == nil && st.PID == cmd.Process.Pid {
			fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", st.Target)
			fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s at %s, in the background (pid %d, log %s); perfgate serve --stop --addr %s stops it\n",
				st.Strategy, st.Target, st.PID, logPath, opts.Addr)
			return nil
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			// The background serve failed as a foreground one would: its
			// own message, and its exit code (2 usage, 3 unavailable).
			cause := fmt.Errorf("serve --detach: the background serve exited (%v):\n%s", err, strings.TrimSpace(string(out)))
			if cmd.ProcessState.ExitCode() == exit.CodeUsage {
				return exit.Usage(cause)
			}
			return exit.Unavailable(cause)
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-exited
			return exit.Unavailable(errors.New("serve --detach: interrupted before the server listened; stopped it"))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopServe stops the detached serve on addr: SIGTERM, only if the
// process is still the one that recorded itself, then waits for it to
// exit and removes its state file.
func stopServe(ctx context.Context, addr string, timeout time.Duration, log io.Writer) error {
	state := serveStateFile(addr)
	st, err := readServeState(state)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(log, "no detached serve listens on %s (no %s); a foreground serve stops on Ctrl-C\n", addr, state)
		return nil
	}
	if err != nil {
		return exit.Unavailable(fmt.Errorf("serve --stop: %w", err))
	}
	if err := st.Signal(syscall.SIGTERM); errors.Is(err, pgenv.ErrNotSameProcess) {
		_ = os.Remove(state)
		fmt.Fprintf(log, "the detached serve on %s (pid %d) was no longer running; removed its state file\n", addr, st.PID)
		return nil
	} else if err != nil {
		return exit.Unavailable(fmt.Errorf("serve --stop (pid %d): %w", st.PID, err))
	}
	deadline := time.Now().Add(timeout)
	for st.Running() {
		if time.Now().After(deadline) {
			return exit.Unavailable(fmt.Errorf("serve (pid %d) still running %s after SIGTERM; see its log %s", st.PID, timeout, st.Log))
		}
		select {
		case <-ctx.Done():
			return exit.Unavailable(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = os.Remove(state)
	fmt.Fprintf(log, "stopped serve (pid %d, strategy %s) on %s\n", st.PID, st.Strategy, addr)
	return nil
}
