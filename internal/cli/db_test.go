package cli

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/syncbuf"
)

func runDB(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncbuf.Buffer
	code = Execute(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// TestDBEndToEnd starts db up on the local provider, drives seed and
// indexes against it, and checks that Ctrl-C removes the cluster.
func TestDBEndToEnd(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "")
	t.Setenv("PERFGATE_FIXTURES", "")
	dir := t.TempDir()
	fxPath := filepath.Join(dir, "fx.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncbuf.Buffer
	done := make(chan int, 1)
	start := time.Now()
	go func() {
		done <- Execute(ctx, []string{"db", "up", "--provider", "local", "--scale", "tiny", "--users", "3", "--courses", "3", "--contents", "20",
			"--fixtures", fxPath}, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	}()
	for !strings.Contains(out.String(), "PERFGATE_FIXTURES=") {
		select {
		case code := <-done:
			t.Fatalf("db up exited %d before it was ready:\n%s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("db up not ready after 60s:\n%s", errOut.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "PERFGATE_DSN=postgres://") || lines[1] != "PERFGATE_FIXTURES="+fxPath {
		t.Fatalf("stdout is not the two eval-able lines:\n%s", out.String())
	}
	dsn := strings.TrimPrefix(lines[0], "PERFGATE_DSN=")
	fx, err := fixtures.Read(fxPath)
	if err != nil || fx.Users[0] != fixtures.ChecklistUser {
		t.Errorf("fixtures file: %+v, %v", fx, err)
	}
	if !strings.Contains(errOut.String(), "provider local") || !strings.Contains(errOut.String(), "rows/s") {
		t.Errorf("stderr does not report the provider and the seed:\n%s", errOut.String())
	}

	steps := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"db", "seed", "--dsn", dsn, "--fixtures", filepath.Join(dir, "again.json")}, exit.CodeUsage, "", "--force"},
		{[]string{"db", "indexes", "verify", "--dsn", dsn}, exit.CodeFailed, "content_tracking: 0/4, content_tracking_details: 0/3", "7 of 7 indexes missing"},
		{[]string{"db", "indexes", "apply", "--dsn", dsn}, exit.CodeOK, "content_tracking: 4/4, content_tracking_details: 3/3", "analyzed"},
		{[]string{"db", "indexes", "verify", "--dsn", dsn}, exit.CodeOK, "idx_content_tracking_details_eid", ""},
		{[]string{"db", "indexes", "rollback", "--dsn", dsn}, exit.CodeOK, "0/4", "dropped"},
		{[]string{"db", "seed", "--dsn", dsn, "--seed", "9", "--force", "--users", "1", "--courses", "1", "--contents", "5", "--fixtures", filepath.Join(dir, "more.json")}, exit.CodeOK, "rows/s", ""},
	}
	for _, s := range steps {
		code, stdout, stderr := runDB(t, s.args...)
		if code != s.code || !strings.Contains(stdout, s.out) || !strings.Contains(stderr, s.err) {
			t.Errorf("%v: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", s.args[:3], code, s.code, stdout, stderr)
		}
	}

	cancel() // Ctrl-C
	select {
	case code := <-done:
		if code != exit.CodeOK {
			t.Errorf("db up exited %d after Ctrl-C:\n%s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("db up still running 30s after Ctrl-C")
	}
	if code, _, _ := runDB(t, "db", "indexes", "verify", "--dsn", dsn+"&connect_timeout=2"); code != exit.CodeUnavailable {
		t.Errorf("verify after db up stopped: exit %d, want %d (database gone)", code, exit.CodeUnavailable)
	}
}

func TestDBUsageErrors(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"db", "up", "--scale", "huge"}, `--scale "huge": use one of tiny, demo, claim`},
		{[]string{"db", "up", "--indexes", "maybe"}, `--indexes "maybe": use on or off`},
		{[]string{"db", "up", "--provider", "dsn"}, "--provider dsn needs --dsn"},
		{[]string{"db", "up", "--provider", "podman"}, `unknown provider "podman"`},
		{[]string{"db", "up", "--users", "-2"}, "--users -2: must be positive"},
		{[]string{"db", "seed"}, "db seed needs --dsn"},
		{[]string{"db", "indexes", "verify"}, "db indexes needs --dsn"},
		{[]string{"db", "indexes", "drop", "--dsn", "postgres://x@127.0.0.1:1/db"}, `db indexes "drop": use apply, rollback or verify`},
		{[]string{"db", "indexes"}, "got 0 arguments; say what to do: apply, rollback or verify"},
		{[]string{"db"}, "db needs a subcommand"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runDB(t, tt.args...)
			if code != exit.CodeUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exit.CodeUsage, tt.want)
			}
		})
	}
}

func TestDBSeedRedactsPassword(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "")
	code, stdout, stderr := runDB(t, "db", "seed", "--dsn", "postgres://u:hunter22@127.0.0.1:1/db?connect_timeout=2", "--fixtures", filepath.Join(t.TempDir(), "fx.json"))
	if code != exit.CodeUnavailable || strings.Contains(stdout+stderr, "hunter22") || !strings.Contains(stderr, "u:xxxxx@") {
		t.Errorf("exit %d, output %q %q; want 3 and the password redacted", code, stdout, stderr)
	}
}

func TestDBDown(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	code, _, stderr := runDB(t, "db", "down", "--state-file", state)
	if code != exit.CodeOK || !strings.Contains(stderr, "Ctrl-C") {
		t.Errorf("down without a detached up: exit %d, %q; want 0 and an explanation", code, stderr)
	}

	// A stand-in for a detached db up: db down must SIGTERM it and clean up.
	proc := exec.Command("sleep", "60")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = proc.Wait(); close(waited) }() // reap, so the pid disappears
	id, err := detach.ProcessOf(proc.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := detach.WriteJSON(state, pgenv.State{Process: id, Provider: "local"}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runDB(t, "db", "down", "--state-file", state)
	if code != exit.CodeOK || !strings.Contains(stderr, "stopped db up") {
		t.Errorf("down: exit %d, %q", code, stderr)
	}
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Error("the detached process is still running after db down")
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state file still there: %v", err)
	}
}

// startSleeper starts an unrelated process and returns it with its identity;
// it is killed when the test ends.
func startSleeper(t *testing.T) (*exec.Cmd, detach.Process) {
	t.Helper()
	proc := exec.Command("sleep", "60")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = proc.Wait(); close(waited) }()
	t.Cleanup(func() { _ = proc.Process.Kill(); <-waited })
	id, err := detach.ProcessOf(proc.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	return proc, id
}

// TestDBDownSparesAReusedPID: a db up killed with -9 leaves its state file;
// its pid is then reused by an unrelated process. db down must not signal
// that process.
func TestDBDownSparesAReusedPID(t *testing.T) {
	for name, recorded := range map[string]func(detach.Process) detach.Process{
		// The db up that wrote the state started earlier than the process
		// that holds its pid now.
		"older start time": func(p detach.Process) detach.Process { p.StartTicks--; return p },
		"other boot":       func(p detach.Process) detach.Process { p.BootID = "an-earlier-boot"; return p },
		// A state file from before start times were recorded.
		"no start time": func(p detach.Process) detach.Process { return detach.Process{PID: p.PID} },
	} {
		t.Run(name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			_, id := startSleeper(t)
			if err := detach.WriteJSON(state, pgenv.State{Process: recorded(id), Provider: "local"}); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runDB(t, "db", "down", "--state-file", state, "--timeout", "2s")
			if code != exit.CodeOK || !strings.Contains(stderr, "belongs to another process, which was left alone") {
				t.Errorf("exit %d, stderr %q; want 0 and the unrelated process left alone", code, stderr)
			}
			time.Sleep(100 * time.Millisecond) // a SIGTERM, had one been sent, has landed by now
			if !id.Running() {
				t.Fatal("db down killed an unrelated process that reused the pid")
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("stale state file still there: %v", err)
			}
		})
	}
}

// TestDBUpDetachRefusesPlantedFiles: the state directory and the log are
// where another user could plant a symbolic link or a directory of theirs.
func TestDBUpDetachRefusesPlantedFiles(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "")
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, stateDir, want string) {
		t.Helper()
		code, _, stderr := runDB(t, "db", "up", "--detach", "--provider", "local", "--state-file", filepath.Join(stateDir, "state.json"))
		if code != exit.CodeUnavailable || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exit.CodeUnavailable, want)
		}
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Errorf("the victim file was changed: %q", b)
		}
	}
	t.Run("log is a symlink", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Symlink(victim, filepath.Join(dir, pgenv.StateLogName)); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "symbolic link")
	})
	t.Run("state file is a symlink", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Symlink(victim, filepath.Join(dir, "state.json")); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "symbolic link")
	})
	t.Run("state directory is a symlink", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "state")
		if err := os.Symlink(t.TempDir(), link); err != nil {
			t.Fatal(err)
		}
		check(t, link, "symbolic link")
	})
	t.Run("state directory open to others", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "chmod 700")
	})
	t.Run("state directory owned by nobody", func(t *testing.T) {
		dir := nobodysDir(t)
		check(t, dir, "belongs to uid")
		code, _, stderr := runDB(t, "db", "down", "--state-file", filepath.Join(dir, "state.json"))
		if code != exit.CodeUnavailable || !strings.Contains(stderr, "belongs to uid") {
			t.Errorf("db down: exit %d, stderr %q; want %d and a refusal", code, stderr, exit.CodeUnavailable)
		}
	})
}

// nobodysDir returns a directory of mode 0700 owned by user nobody, as an
// attacker would leave one at the default state path.
func nobodysDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("handing a directory to another user needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("this test needs the nobody user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir := filepath.Join(t.TempDir(), "perfgate-db-0")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDBCommandsRedactHostileDSNs: whatever shape a DSN has, no command
// that fails on it prints its password or any tail of it.
func TestDBCommandsRedactHostileDSNs(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "")
	dsns := []string{
		"postgres://u@127.0.0.1:bad/db?password=S3cret",
		"postgres://u:S3cret@TAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:S3cret%40TAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:S3cret/TAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u@127.0.0.1:1/db?connect_timeout=2&password=S3cret&TAIL",
		"host=127.0.0.1 port=bad password=S3cret",
		"host=127.0.0.1 port=1 connect_timeout=2 password='S3cret TAIL' dbname=x",
	}
	fx := filepath.Join(t.TempDir(), "fx.json")
	for _, dsn := range dsns {
		for _, args := range [][]string{
			{"db", "seed", "--dsn", dsn, "--fixtures", fx},
			{"db", "indexes", "verify", "--dsn", dsn},
			{"db", "up", "--provider", "dsn", "--dsn", dsn, "--fixtures", fx},
			{"serve", "--dsn", dsn, "--addr", "127.0.0.1:0"},
		} {
			t.Run(args[1]+" "+dsn, func(t *testing.T) {
				code, stdout, stderr := runDB(t, args...)
				if code != exit.CodeUnavailable {
					t.Errorf("exit %d, want %d:\n%s", code, exit.CodeUnavailable, stderr)
				}
				if out := stdout + stderr; strings.Contains(out, "S3cret") || strings.Contains(out, "TAIL") {
					t.Errorf("output leaks the password:\n%s", out)
				}
			})
		}
	}
}

// TestDBUpDetachArgs: a detached db up's background process gets every
// flag the user set, on the command line or through the environment,
// whatever its type; never the DSN, which travels in its environment.
func TestDBUpDetachArgs(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "postgres://u:S3cret@h/db")
	t.Setenv("PERFGATE_IMAGE", "postgres:16-alpine")
	t.Setenv("PERFGATE_DETACH", "true")
	var got *dbUpOptions
	up := newDBUpCmd(Streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *dbUpOptions) error { got = o; return nil })
	db := &cobra.Command{Use: "db"}
	db.AddCommand(up)
	root := newRootCmd(Streams{Out: io.Discard, ErrOut: io.Discard}, db)
	root.SetArgs([]string{"db", "up", "--provider", "local", "--scale", "demo", "--users", "20", "--seed", "7", "--force",
		"--indexes", "on", "--fixtures", "f.json", "--state-file", "s.json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []string{"db", "up", "--fixtures=f.json", "--force=true", "--image=postgres:16-alpine", "--indexes=on", "--provider=local",
		"--scale=demo", "--seed=7", "--users=20", "--detach=false"}
	if diff := cmp.Diff(want, got.rerun); diff != "" {
		t.Errorf("background command line (-want +got):\n%s", diff)
	}
	if !got.Detach || got.DSN != "postgres://u:S3cret@h/db" {
		t.Errorf("options: detach %v, dsn %q; want both from the environment", got.Detach, got.DSN)
	}
}
