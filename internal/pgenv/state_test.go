package pgenv_test

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/pgenv"
)

func TestPrepareStateDirCreatesPrivateDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir := detach.DefaultDir()
	if want := "perfgate-db-" + strconv.Itoa(os.Geteuid()); filepath.Base(dir) != want {
		t.Errorf("DefaultStateDir = %s, want a directory named %s", dir, want)
	}
	if err := detach.PrepareDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v, %v; want a directory of mode 0700", fi.Mode(), err)
	}
	if err := detach.PrepareDir(dir); err != nil {
		t.Errorf("second PrepareStateDir: %v", err)
	}
}

func TestPrepareStateDirRefusals(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	tests := []struct {
		name string
		make func(t *testing.T) string
		want string // "" means accepted
	}{
		{"default directory open to group", func(t *testing.T) string {
			return mkdirMode(t, detach.DefaultDir(), 0o750)
		}, "has mode 0750"},
		{"own directory readable by others", func(t *testing.T) string {
			return mkdirMode(t, filepath.Join(t.TempDir(), "s"), 0o755)
		}, ""},
		{"own directory writable by group", func(t *testing.T) string {
			return mkdirMode(t, filepath.Join(t.TempDir(), "s"), 0o775)
		}, "chmod 700"},
		{"symbolic link to a private directory", func(t *testing.T) string {
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(mkdirMode(t, filepath.Join(t.TempDir(), "s"), 0o700), link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "symbolic link"},
		{"a file", func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}, "not a directory"},
		{"owned by nobody", func(t *testing.T) string {
			dir := mkdirMode(t, detach.DefaultDir(), 0o700)
			chownNobody(t, dir)
			return dir
		}, "belongs to uid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.make(t)
			defer os.RemoveAll(detach.DefaultDir())
			err := detach.PrepareDir(dir)
			if tt.want == "" {
				if err != nil {
					t.Errorf("PrepareStateDir(%s) = %v, want it accepted", dir, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PrepareStateDir(%s) = %v, want an error with %q", dir, err, tt.want)
			}
			if err := detach.WriteJSON(filepath.Join(dir, "state.json"), pgenv.State{}); err == nil {
				t.Error("WriteState wrote into a refused directory")
			}
			if _, err := detach.OpenLog(pgenv.StateLogPath(filepath.Join(dir, "state.json"))); err == nil {
				t.Error("OpenStateLog opened a log in a refused directory")
			}
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "state.json")
	self, err := detach.CurrentProcess()
	if err != nil {
		t.Fatal(err)
	}
	want := pgenv.State{Process: self, Provider: "local", DSN: "postgres://postgres:pw@127.0.0.1:1/postgres",
		Fixtures: "/x/fx.json", Log: "/x/db-up.log", Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := detach.WriteJSON(path, want); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v), want 0600: it holds the DSN", fi.Mode(), err)
	}
	got, err := pgenv.ReadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	if err := detach.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := pgenv.ReadState(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadState after RemoveState = %v, want os.ErrNotExist", err)
	}
	if err := detach.Remove(path); err != nil {
		t.Errorf("RemoveState of a missing file = %v", err)
	}
}

// TestStateFilesRefusePlantedLinks: a symbolic link planted where
// perfgate reads or writes makes it refuse, and the link's target is not
// touched (the issue: root truncated a file of nobody's choosing).
func TestStateFilesRefusePlantedLinks(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte(`{"pid": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	for _, name := range []string{pgenv.StateLogName, "state.json"} {
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if f, err := detach.OpenLog(pgenv.StateLogPath(state)); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		f.Close()
		t.Errorf("OpenStateLog through a symlink: %v, want a refusal", err)
	}
	if _, err := pgenv.ReadState(state); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("ReadState through a symlink: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != `{"pid": 1}` {
		t.Errorf("victim changed: %q", b)
	}

	// A hard link would let the log's truncation reach another file.
	hard := t.TempDir()
	if err := os.Link(victim, filepath.Join(hard, pgenv.StateLogName)); err != nil {
		t.Fatal(err)
	}
	if f, err := detach.OpenLog(pgenv.StateLogPath(filepath.Join(hard, "state.json"))); err == nil || !strings.Contains(err.Error(), "hard links") {
		f.Close()
		t.Errorf("OpenStateLog on a hard link: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != `{"pid": 1}` {
		t.Errorf("victim changed: %q", b)
	}

	// A plain log of the user's own is emptied and reused.
	own := t.TempDir()
	if err := os.WriteFile(filepath.Join(own, pgenv.StateLogName), []byte("old run"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := detach.OpenLog(pgenv.StateLogPath(filepath.Join(own, "state.json")))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, _ := os.ReadFile(filepath.Join(own, pgenv.StateLogName)); len(b) != 0 {
		t.Errorf("log not emptied: %q", b)
	}
}

func TestProcessIdentity(t *testing.T) {
	self, err := detach.CurrentProcess()
	if err != nil {
		t.Fatal(err)
	}
	if self.PID != os.Getpid() || self.StartTicks == 0 || self.BootID == "" || !self.Running() {
		t.Fatalf("CurrentProcess = %+v, want this running process", self)
	}
	for name, p := range map[string]detach.Process{
		"later start": {PID: self.PID, StartTicks: self.StartTicks + 1, BootID: self.BootID},
		"other boot":  {PID: self.PID, StartTicks: self.StartTicks, BootID: "other"},
		"no start":    {PID: self.PID},
		"no pid":      {},
	} {
		if p.Running() {
			t.Errorf("%s: %+v counts as running", name, p)
		}
	}

	// An exited process no longer runs, even before it is reaped.
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := detach.ProcessOf(cmd.Process.Pid)
	if err != nil || !p.Running() {
		t.Fatalf("ProcessOf(sleep) = %+v, %v", p, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Running() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p.Running() {
		t.Error("a killed process (a zombie until reaped) counts as running")
	}
	_ = cmd.Wait()
}

// TestSignalOnlyTheRecordedProcess: a process whose pid matches but whose
// start time does not is never signalled.
func TestSignalOnlyTheRecordedProcess(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	p, err := detach.ProcessOf(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	older := p
	older.StartTicks--
	if err := older.Signal(syscall.SIGTERM); !errors.Is(err, detach.ErrNotSameProcess) {
		t.Errorf("Signal with an older start time = %v, want ErrNotSameProcess", err)
	}
	select {
	case err := <-waited:
		t.Fatalf("the unrelated process was signalled: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("the recorded process was not signalled")
	}
}

func mkdirMode(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return dir
}

// chownNobody hands path to user nobody, as an attacker would own it.
func chownNobody(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("handing a file to another user needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("this test needs the nobody user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// fakeDB is a database WriteState records without starting one.
type fakeDB struct{ dsn string }

func (d fakeDB) DSN() string { return d.dsn }
func (fakeDB) Stop() error   { return nil }

// TestWriteState: a db up records itself, its database and its fixtures
// for db down; the log is StartDetached's to add.
func TestWriteState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "state.json")
	started := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	up := &pgenv.Up{DB: fakeDB{"postgres://u:pw@127.0.0.1:1/db"}, Fixtures: "/x/fx.json", Started: started}
	if err := pgenv.WriteState(path, up); err != nil {
		t.Fatal(err)
	}
	self, err := detach.CurrentProcess()
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgenv.ReadState(path)
	if err != nil {
		t.Fatal(err)
	}
	want := pgenv.State{Process: self, Provider: pgenv.ProviderDSN, DSN: "postgres://u:pw@127.0.0.1:1/db", Fixtures: "/x/fx.json", Started: started}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v), want 0600: it holds the DSN", fi.Mode(), err)
	}
}
