package pgenv

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/perfgate/perfgate/internal/detach"
)

// TestRemoveLeftoversStopsARunningServer: the cluster of a perfgate
// process that no longer runs, whose server does (the parent-death signal
// is not guaranteed), is stopped and removed; a live one is left alone.
func TestRemoveLeftoversStopsARunningServer(t *testing.T) {
	tmp := leftoverTestTmp(t)
	t.Setenv("TMPDIR", tmp)
	l, err := StartLocal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	if gone, err := RemoveLeftovers(tmp); len(gone) != 0 || err != nil {
		t.Fatalf("RemoveLeftovers with its perfgate process alive = %+v, %v; want nothing removed", gone, err)
	}
	if _, err := os.Stat(l.Dir()); err != nil {
		t.Fatalf("live cluster removed: %v", err)
	}

	// Make its owner a process that has died, as after kill -9.
	uid := serverUID(nil)
	if os.Geteuid() == 0 {
		u, err := user.Lookup(DefaultLocalUser)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	if err := writeClusterMark(l.Dir(), clusterMark{Owner: deadProcess(t), ServerUID: uid}); err != nil {
		t.Fatal(err)
	}
	serverPID := l.cmd.Process.Pid
	gone, err := RemoveLeftovers(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || gone[0].Dir != l.Dir() || gone[0].Server != serverPID {
		t.Errorf("RemoveLeftovers = %+v, want %s with its server pid %d stopped", gone, l.Dir(), serverPID)
	}
	select {
	case <-l.exited:
	default:
		t.Error("the server still runs after RemoveLeftovers")
	}
	if _, err := os.Stat(l.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover directory still there: %v", err)
	}
}

// TestRemoveLeftoversLeavesOthersAlone: only perfgate's own cluster
// directories, marked by the current user, whose process died, are removed.
func TestRemoveLeftoversLeavesOthersAlone(t *testing.T) {
	tmp := leftoverTestTmp(t)
	dead := clusterMark{Owner: deadProcess(t), ServerUID: os.Geteuid()}
	mkdir := func(name string) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "precious"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	mark := func(dir string, m clusterMark) {
		if err := writeClusterMark(dir, m); err != nil {
			t.Fatal(err)
		}
	}
	self, err := detach.CurrentProcess()
	if err != nil {
		t.Fatal(err)
	}

	kept := []string{mkdir("perfgate-pg-nomarker"), mkdir("not-perfgate-dead")}
	mark(kept[1], dead)
	live := mkdir("perfgate-pg-live")
	mark(live, clusterMark{Owner: self, ServerUID: os.Geteuid()})
	kept = append(kept, live)
	target := mkdir("target")
	mark(target, dead)
	if err := os.Symlink(target, filepath.Join(tmp, "perfgate-pg-link")); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, target, filepath.Join(tmp, "perfgate-pg-link"))
	badMarker := mkdir("perfgate-pg-badmarker")
	if err := os.WriteFile(filepath.Join(badMarker, clusterMarker), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, badMarker)
	markerLink := mkdir("perfgate-pg-markerlink")
	if err := os.Symlink(filepath.Join(target, clusterMarker), filepath.Join(markerLink, clusterMarker)); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, markerLink)
	if os.Geteuid() == 0 {
		nobody := nobodyIDs(t)
		// A directory of another user's, with a marker of ours in it.
		theirs := mkdir("perfgate-pg-theirs")
		mark(theirs, dead)
		if err := os.Chown(theirs, nobody[0], nobody[1]); err != nil {
			t.Fatal(err)
		}
		// A directory of ours whose marker another user wrote.
		forged := mkdir("perfgate-pg-forged")
		mark(forged, dead)
		if err := os.Chown(filepath.Join(forged, clusterMarker), nobody[0], nobody[1]); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, theirs, forged)
	}
	removed := mkdir("perfgate-pg-dead")
	mark(removed, dead)

	if gone, err := RemoveLeftovers(filepath.Join(tmp, "missing")); len(gone) != 0 || err != nil {
		t.Errorf("RemoveLeftovers of a missing directory = %+v, %v; want nothing", gone, err)
	}
	gone, err := RemoveLeftovers(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || gone[0].Dir != removed || gone[0].Server != 0 {
		t.Errorf("RemoveLeftovers = %+v, want only %s", gone, removed)
	}
	for _, dir := range kept {
		if _, err := os.Lstat(dir); err != nil {
			t.Errorf("%s was removed: %v", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(target, "precious")); err != nil {
		t.Errorf("the symlink's target lost its files: %v", err)
	}
}

// deadProcess returns the identity of a process that has exited.
func deadProcess(t *testing.T) detach.Process {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := detach.ProcessOf(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return p
}

func leftoverTestTmp(t *testing.T) string {
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

func nobodyIDs(t *testing.T) [2]int {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("this test needs the nobody user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return [2]int{uid, gid}
}
