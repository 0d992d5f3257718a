// Package safefile writes files so that readers never see half of one: a
// temporary file in the same directory, synced, then renamed over the
// target.
package safefile

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPerm is the mode of files written by Write.
const DefaultPerm = 0o644

// Write writes data to path through a temporary file in the same directory
// and a rename, so readers see the old file or the new one, never a part.
// The file gets DefaultPerm.
func Write(path string, data []byte) error {
	return WritePerm(path, data, DefaultPerm)
}

// WritePerm is Write with the file mode perm.
func WritePerm(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
