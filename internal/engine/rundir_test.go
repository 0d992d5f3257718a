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

// TestLatestLink: reports/latest-<label> follows the newest run, and a
// file of the user's by that name is never replaced.
func TestLatestLink(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, want := range []string{"20261130T120000Z-after", "20261130T120000Z-after-2"} {
		d, err := CreateNamedRunDir(now, "after", "")
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		link, err := LinkLatest(d.Path, "after")
		if err != nil || link != "reports/latest-after" {
			t.Fatalf("run %d: link %q, %v", i, link, err)
		}
		if got, _ := os.Readlink(link); got != want {
			t.Errorf("run %d: latest-after -> %q, want %q", i, got, want)
		}
	}
	if link, err := LinkLatest("reports/x", ""); link != "" || err != nil {
		t.Errorf("no label: %q, %v", link, err)
	}
	os.WriteFile("reports/latest-mine", []byte("keep"), 0o644)
	if _, err := LinkLatest("reports/x", "mine"); err == nil {
		t.Error("replaced a file of the user's")
	}
	if b, _ := os.ReadFile("reports/latest-mine"); string(b) != "keep" {
		t.Error("the user's file changed")
	}
}
