package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// DefaultServeStopTimeout is how long serve --stop waits for a detached
// serve to finish its in-flight requests and exit after SIGTERM (it
// allows them 10 s itself).
const DefaultServeStopTimeout = 15 * time.Second

// serveState is what a detached serve records in perfgate's private state
// directory (detach.DefaultDir), one file per address, so that serve
// --stop finds it and a naive and an optimized serve run side by side.
type serveState struct {
	detach.Process
	Target   string `json:"target"`
	Strategy string `json:"strategy"`
	Log      string `json:"log"`
}

func serveStateFile(addr string) string {
	name := strings.NewReplacer(":", "-", "/", "-", "[", "", "]", "").Replace(addr)
	return filepath.Join(detach.DefaultDir(), "serve-"+name+".json")
}

func serveLogPath(stateFile string) string { return strings.TrimSuffix(stateFile, ".json") + ".log" }

// writeServeState records the serve running in this process.
func writeServeState(path, target, strategy string) error {
	self, err := detach.CurrentProcess()
	if err != nil {
		return err
	}
	return detach.WriteJSON(path, serveState{Process: self, Target: target, Strategy: strategy, Log: serveLogPath(path)})
}

// detachServe starts serve again in the background (detach.Start), the
// DSN in its environment, and returns once it listens, having printed
// PERFGATE_TARGET like a foreground serve.
func detachServe(ctx context.Context, opts *serveOptions) error {
	if _, port, err := net.SplitHostPort(opts.Addr); err != nil || port == "0" {
		return exit.Usagef("--detach needs --addr with a fixed port, such as 127.0.0.1:3000 (serve --stop finds the server by it)")
	}
	state := serveStateFile(opts.Addr)
	if err := detach.PrepareDir(filepath.Dir(state)); err != nil {
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	var st serveState
	if err := detach.ReadJSON(state, &st); err == nil && st.Running() {
		return exit.Usagef("a detached serve already listens on %s (pid %d); stop it with perfgate serve --stop --addr %s", opts.Addr, st.PID, opts.Addr)
	}
	_ = detach.Remove(state)
	exe, err := os.Executable()
	if err != nil {
		return exit.Unavailable(err)
	}
	args := []string{"serve", "--strategy", opts.Strategy, "--addr", opts.Addr, "--prefix", opts.Prefix, "--state-file", state}
	if err := detach.Start(ctx, state, serveLogPath(state), exe, args, append(os.Environ(), "PERFGATE_DSN="+opts.DSN)); err != nil {
		// The background serve failed as a foreground one would: its own
		// message, and its exit code (2 usage, 3 unavailable).
		var ee *detach.ExitError
		if errors.As(err, &ee) && ee.Code == exit.CodeUsage {
			return exit.Usage(fmt.Errorf("serve --detach: %w", err))
		}
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	if err := detach.ReadJSON(state, &st); err != nil {
		return exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_TARGET=%s\n", st.Target)
	fmt.Fprintf(opts.Streams.ErrOut, "perfgate serve: strategy %s at %s, in the background (pid %d, log %s); perfgate serve --stop --addr %s stops it\n",
		st.Strategy, st.Target, st.PID, st.Log, opts.Addr)
	return nil
}

// stopServe stops the detached serve on addr (detach.Stop: only if it is
// still the process that recorded itself).
func stopServe(ctx context.Context, addr string, timeout time.Duration, log io.Writer) error {
	state := serveStateFile(addr)
	var st serveState
	_ = detach.ReadJSON(state, &st)
	outcome, p, err := detach.Stop(ctx, state, timeout)
	switch {
	case err != nil:
		return exit.Unavailable(fmt.Errorf("serve --stop (pid %d): %w; see its log %s", p.PID, err, st.Log))
	case outcome == detach.NotFound:
		fmt.Fprintf(log, "no detached serve listens on %s (no %s); a foreground serve stops on Ctrl-C\n", addr, state)
	case outcome == detach.Stale:
		fmt.Fprintf(log, "the detached serve on %s (pid %d) was no longer running; removed its state file\n", addr, p.PID)
	default:
		fmt.Fprintf(log, "stopped serve (pid %d, strategy %s) on %s\n", p.PID, st.Strategy, addr)
	}
	return nil
}
