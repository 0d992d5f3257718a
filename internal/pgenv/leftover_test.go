package pgenv_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// leftoverChildEnv makes the test binary start a local cluster, print its
// directory, and wait to be killed.
const leftoverChildEnv = "PERFGATE_TEST_LEFTOVER_CHILD"

func leftoverChild() int {
	l, err := pgenv.StartLocal(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(l.Dir())
	time.Sleep(5 * time.Minute) // killed long before
	return 1
}

// leftoverTmp is a temporary directory for clusters that the server's user
// (postgres, when the tests run as root) can pass through.
func leftoverTmp(t *testing.T) string {
	t.Helper()
	tmp, err := os.MkdirTemp("", "perfgate-leftover-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o711); err != nil {
		t.Fatal(err)
	}
	return tmp
}

// TestRemoveLeftoversAfterKill is issue 16: a db up killed with -9 leaves
// its cluster directory; the next db up or db down removes it, and stops
// its server if that still runs.
func TestRemoveLeftoversAfterKill(t *testing.T) {
	for _, killServer := range []bool{true, false} {
		t.Run(fmt.Sprintf("server killed too: %v", killServer), func(t *testing.T) {
			tmp := leftoverTmp(t)
			child := exec.Command(os.Args[0])
			child.Env = append(os.Environ(), leftoverChildEnv+"=1", "TMPDIR="+tmp)
			var stderr bytes.Buffer
			child.Stderr = &stderr
			out, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
			lines := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(out)
				sc.Scan()
				lines <- sc.Text()
			}()
			var dir string
			select {
			case dir = <-lines:
			case <-time.After(60 * time.Second):
				t.Fatalf("child did not start a cluster in 60s:\n%s", stderr.String())
			}
			if !strings.HasPrefix(dir, tmp) {
				t.Fatalf("child printed %q (stderr %s), want a directory in %s", dir, stderr.String(), tmp)
			}
			pidText, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.SplitN(string(pidText), "\n", 2)[0])
			server, err := detach.ProcessOf(pid)
			if err != nil {
				t.Fatalf("server pid %d: %v", pid, err)
			}

			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()
			if killServer {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("the killed db up's directory is already gone (%v): nothing left to test", err)
			}

			gone, err := pgenv.RemoveLeftovers(tmp)
			if err != nil {
				t.Fatal(err)
			}
			if len(gone) != 1 || gone[0].Dir != dir || gone[0].Owner.PID != child.Process.Pid {
				t.Errorf("RemoveLeftovers = %+v, want %s of pid %d", gone, dir, child.Process.Pid)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("leftover directory still there: %v", err)
			}
			if server.Running() {
				t.Errorf("server pid %d still runs after RemoveLeftovers", pid)
			}
			if again, err := pgenv.RemoveLeftovers(tmp); len(again) != 0 || err != nil {
				t.Errorf("second RemoveLeftovers = %+v, %v; want nothing left", again, err)
			}
		})
	}
}
