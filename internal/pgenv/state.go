package pgenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/perfgate/perfgate/internal/safefile"
)

// Names of the files a detached db up keeps in its state directory.
const (
	// DefaultStateFileName is the state file's name in DefaultStateDir.
	DefaultStateFileName = "state.json"
	// StateLogName is the detached db up's log, beside its state file.
	StateLogName = "db-up.log"
)

// ErrNotSameProcess is returned (wrapped) when a PID no longer names the
// process that was recorded: it exited, and the PID may now belong to an
// unrelated process, which must be left alone.
var ErrNotSameProcess = errors.New("the process has exited (its pid may belong to another process now)")

// Process names one process so that it cannot be confused with a later
// process given the same PID: the kernel's start time of the process (in
// clock ticks after boot) and the boot it ran in tell them apart.
type Process struct {
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"start_ticks"`
	BootID     string `json:"boot_id"`
}

// ProcessOf returns the identity of the running process pid.
func ProcessOf(pid int) (Process, error) {
	if pid <= 0 {
		return Process{}, fmt.Errorf("pid %d: not a process", pid)
	}
	start, zombie, err := procStat(pid)
	if err != nil {
		return Process{}, err
	}
	if zombie {
		return Process{}, fmt.Errorf("pid %d: %w", pid, ErrNotSameProcess)
	}
	return Process{PID: pid, StartTicks: start, BootID: bootID()}, nil
}

// CurrentProcess returns the identity of the calling process.
func CurrentProcess() (Process, error) { return ProcessOf(os.Getpid()) }

// Running reports whether p still runs: its PID exists, is not a zombie,
// and started at the recorded time in the current boot. A Process without a
// start time (a state file from an older perfgate) never counts as running,
// since it cannot be told apart from an unrelated process.
func (p Process) Running() bool {
	if p.PID <= 0 || p.StartTicks == 0 {
		return false
	}
	cur, err := ProcessOf(p.PID)
	return err == nil && cur == p
}

// Signal sends sig to p if, and only if, p still runs. The process is held
// by a pidfd while it is checked, so a PID reused between the check and the
// signal cannot receive it.
func (p Process) Signal(sig syscall.Signal) error {
	proc, err := os.FindProcess(p.PID)
	if err != nil {
		return fmt.Errorf("pid %d: %w", p.PID, err)
	}
	defer proc.Release()
	if !p.Running() {
		return fmt.Errorf("pid %d: %w", p.PID, ErrNotSameProcess)
	}
	if err := proc.Signal(sig); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pid %d: %w", p.PID, ErrNotSameProcess)
		}
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	}
	return nil
}

// procStat reads the start time (field 22) and whether the process is a
// zombie (field 3) from /proc/<pid>/stat.
func procStat(pid int) (start uint64, zombie bool, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false, fmt.Errorf("pid %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces and
	// parentheses itself: the fields that follow start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false, fmt.Errorf("pid %d: malformed /proc stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	const state, startTime = 0, 19 // fields 3 and 22, counted from field 3
	if len(fields) <= startTime {
		return 0, false, fmt.Errorf("pid %d: malformed /proc stat", pid)
	}
	start, err = strconv.ParseUint(fields[startTime], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("pid %d: start time: %w", pid, err)
	}
	return start, fields[state] == "Z" || fields[state] == "X", nil
}

// bootID names the current boot, so that start times from an earlier boot
// (a state file that survived a reboot) are not compared with this one's.
func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// State is what a detached db up records for db down, in a file of mode
// 0600 inside a directory of mode 0700 owned by the user: it holds the DSN,
// password included.
type State struct {
	Process            // the db up that wrote the state
	Provider string    `json:"provider"`
	DSN      string    `json:"dsn"`
	Fixtures string    `json:"fixtures"`
	Log      string    `json:"log"`
	Started  time.Time `json:"started"`
}

// DefaultStateDir is where a detached db up keeps its state: a directory
// of the user's own in the temporary directory, $TMPDIR/perfgate-db-<uid>.
func DefaultStateDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("perfgate-db-%d", os.Geteuid()))
}

// DefaultStateFile is the state file in DefaultStateDir.
func DefaultStateFile() string { return filepath.Join(DefaultStateDir(), DefaultStateFileName) }

// StateLogPath is the log of the detached db up whose state is stateFile.
func StateLogPath(stateFile string) string {
	return filepath.Join(filepath.Dir(stateFile), StateLogName)
}

// PrepareStateDir creates dir with mode 0700, or checks an existing one:
// it must be a directory (not a symbolic link), owned by the current user,
// that no one else may write to; DefaultStateDir, which perfgate creates
// itself, must grant group and others nothing at all. Anything else may
// have been planted by another user to catch the files perfgate writes as
// this one.
func PrepareStateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("state directory: %w", err)
	}
	d, err := openPrivateDir(dir)
	if err != nil {
		return err
	}
	return d.Close()
}

// ReadState reads the state file at path. A missing file is an error that
// matches os.ErrNotExist. The file and its directory are checked as in
// PrepareStateDir, and a symbolic link is refused.
func ReadState(path string) (State, error) {
	var st State
	d, err := openPrivateDir(filepath.Dir(path))
	if err != nil {
		return st, err
	}
	defer d.Close()
	f, err := openInDir(d, filepath.Base(path), os.O_RDONLY, 0)
	if err != nil {
		return st, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("state file %s: %w; remove it", path, err)
	}
	return st, nil
}

// WriteState writes st to path atomically with mode 0600, after
// PrepareStateDir on its directory.
func WriteState(path string, st State) error {
	if err := PrepareStateDir(filepath.Dir(path)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	// A temporary file created with O_EXCL and a rename: neither follows a
	// symbolic link planted at path.
	return safefile.WritePerm(path, append(b, '\n'), 0o600)
}

// RemoveState removes the state file at path; a missing one is not an error.
func RemoveState(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove state file: %w", err)
	}
	return nil
}

// OpenStateLog creates or empties the log beside stateFile (StateLogPath)
// for writing, without following a symbolic link and only when it is a
// plain file of the user's own with no other name.
func OpenStateLog(stateFile string) (*os.File, error) {
	dir := filepath.Dir(stateFile)
	if err := PrepareStateDir(dir); err != nil {
		return nil, err
	}
	d, err := openPrivateDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	// Not O_TRUNC: the file is checked before it is emptied.
	f, err := openInDir(d, StateLogName, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("empty %s: %w", f.Name(), err)
	}
	return f, nil
}

// openPrivateDir opens dir without following a symbolic link and checks
// that it belongs to the current user and is closed to everyone else.
func openPrivateDir(dir string) (*os.File, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR) {
			return nil, fmt.Errorf("state directory %s is a symbolic link or not a directory; perfgate refuses to follow it: remove it", dir)
		}
		return nil, fmt.Errorf("state directory %s: %w", dir, &os.PathError{Op: "open", Path: dir, Err: err})
	}
	d := os.NewFile(uintptr(fd), dir)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		d.Close()
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		d.Close()
		return nil, fmt.Errorf("state directory %s belongs to uid %d, not to you (uid %d): another user may have made it to catch perfgate's files; "+
			"remove it, or set TMPDIR (or --state-file) to a directory of your own", dir, st.Uid, uid)
	}
	// A directory of the user's choosing (--state-file) may be readable by
	// others, as home directories often are: the files in it are 0600.
	closed := uint32(0o022)
	if filepath.Clean(dir) == DefaultStateDir() {
		closed = 0o077
	}
	if perm := st.Mode & 0o777; perm&closed != 0 {
		d.Close()
		return nil, fmt.Errorf("state directory %s has mode %#o, open to other users; it must be 0700: chmod 700 %s, or remove it", dir, perm, dir)
	}
	return d, nil
}

// openInDir opens name inside the directory d without following a
// symbolic link, and accepts only a plain file owned by the current user
// with one name (a hard link could make a write land in another file).
func openInDir(d *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	path := filepath.Join(d.Name(), name)
	fd, err := syscall.Openat(int(d.Fd()), name, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, uint32(perm))
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link; perfgate refuses to follow it: remove it", path)
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		err = fmt.Errorf("%s is not a plain file; remove it", path)
	case int(st.Uid) != os.Geteuid():
		err = fmt.Errorf("%s belongs to uid %d, not to you (uid %d); remove it", path, st.Uid, os.Geteuid())
	case st.Nlink > 1:
		err = fmt.Errorf("%s has %d names (hard links); remove it", path, st.Nlink)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
