package detach

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/perfgate/perfgate/internal/safefile"
)

// DefaultDir is where perfgate's background processes keep their state:
// a directory of the user's own in the temporary directory,
// $TMPDIR/perfgate-db-<uid>.
func DefaultDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("perfgate-db-%d", os.Geteuid()))
}

// PrepareDir creates dir with mode 0700, or checks an existing one:
// it must be a directory (not a symbolic link), owned by the current user,
// that no one else may write to; DefaultDir, which perfgate creates
// itself, must grant group and others nothing at all. Anything else may
// have been planted by another user to catch the files perfgate writes as
// this one.
func PrepareDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("state directory: %w", err)
	}
	d, err := openPrivateDir(dir)
	if err != nil {
		return err
	}
	return d.Close()
}

// ReadJSON reads the state file at path into v. A missing file is an
// error that matches os.ErrNotExist. The file and its directory are
// checked as in PrepareDir, and a symbolic link is refused.
func ReadJSON(path string, v any) error {
	d, err := openPrivateDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	f, err := OpenInDir(d, filepath.Base(path), os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("state file %s: %w; remove it", path, err)
	}
	return nil
}

// WriteJSON writes v to path atomically with mode 0600, after PrepareDir
// on its directory: state files may hold a DSN, password included.
func WriteJSON(path string, v any) error {
	if err := PrepareDir(filepath.Dir(path)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	// A temporary file created with O_EXCL and a rename: neither follows a
	// symbolic link planted at path.
	return safefile.WritePerm(path, append(b, '\n'), 0o600)
}

// Remove removes the state file at path; a missing one is not an error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove state file: %w", err)
	}
	return nil
}

// OpenLog creates or empties the log file at path, in a state directory,
// for writing, without following a symbolic link and only when it is a
// plain file of the user's own with no other name.
func OpenLog(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := PrepareDir(dir); err != nil {
		return nil, err
	}
	d, err := openPrivateDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	// Not O_TRUNC: the file is checked before it is emptied.
	f, err := OpenInDir(d, filepath.Base(path), os.O_WRONLY|os.O_CREATE, 0o600)
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
	if filepath.Clean(dir) == DefaultDir() {
		closed = 0o077
	}
	if perm := st.Mode & 0o777; perm&closed != 0 {
		d.Close()
		return nil, fmt.Errorf("state directory %s has mode %#o, open to other users; it must be 0700: chmod 700 %s, or remove it", dir, perm, dir)
	}
	return d, nil
}

// OpenInDir opens name inside the directory d without following a
// symbolic link, and accepts only a plain file owned by the current user
// with one name (a hard link could make a write land in another file).
func OpenInDir(d *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
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
