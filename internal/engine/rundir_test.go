package engine

import (
	"os"
	"testing"
	"time"
)

// TestNamedRunDirsAreUnique: two runs with the same label in the same
// second get two directories, claimed atomically.
func TestNamedRunDirsAreUnique(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	a, err := CreateNamedRunDir(now, "after", "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := CreateNamedRunDir(now, "after", "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path != "reports/20261130T120000Z-after" || b.Path != "reports/20261130T120000Z-after-2" {
		t.Errorf("paths %s and %s", a.Path, b.Path)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Path + "/" + LockFile); !os.IsNotExist(err) {
		t.Errorf("the lock file stays after Close: %v", err)
	}
}
