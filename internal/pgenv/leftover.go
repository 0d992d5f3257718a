package pgenv

import (
	"bufio"
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

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/safefile"
)

const (
	// clusterDirPrefix starts the name of every local cluster's directory.
	clusterDirPrefix = "perfgate-pg-"
	// clusterMarker is the file that marks a directory as a local cluster
	// made by perfgate, and names the process that made it.
	clusterMarker = "perfgate-cluster.json"
)

// clusterMark is the marker's content.
type clusterMark struct {
	Owner     detach.Process `json:"owner"`      // the perfgate process that started the cluster
	ServerUID int            `json:"server_uid"` // the user the server runs as, who owns the directory
}

// markCluster writes the marker into a new cluster directory, before the
// directory is handed to the server's user: the marker stays the
// invoking user's, which is what RemoveLeftovers checks.
func markCluster(dir string, serverUID int) error {
	owner, err := detach.CurrentProcess()
	if err != nil {
		return err
	}
	return writeClusterMark(dir, clusterMark{Owner: owner, ServerUID: serverUID})
}

func writeClusterMark(dir string, mark clusterMark) error {
	b, err := json.Marshal(mark)
	if err != nil {
		return err
	}
	return safefile.WritePerm(filepath.Join(dir, clusterMarker), b, 0o600)
}

// Leftover is a local cluster that a perfgate process left behind when it
// died without stopping it (kill -9 cannot be caught), and that
// RemoveLeftovers removed.
type Leftover struct {
	Dir    string         // the cluster's directory, now removed
	Owner  detach.Process // the perfgate process that started it and no longer runs
	Server int            // pid of the server that was still running and was stopped; 0 if none was
}

// RemoveLeftovers stops and removes the local clusters in tmpDir (the
// temporary directory when empty) whose perfgate process no longer runs.
// It touches only directories named perfgate-pg-* that hold perfgate's
// marker, a plain file of the current user's own, in a directory owned by
// that user or by the user the marker says the server ran as; a server
// still running is stopped only when its working directory is the
// cluster's data directory. Everything else is left alone.
func RemoveLeftovers(tmpDir string) ([]Leftover, error) {
	if tmpDir == "" {
		tmpDir = os.TempDir()
	}
	entries, err := os.ReadDir(tmpDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no temporary directory, no leftovers
	}
	if err != nil {
		return nil, fmt.Errorf("look for leftover clusters: %w", err)
	}
	var out []Leftover
	var errs []error
	for _, e := range entries {
		// A symbolic link reads as one here, not as a directory: skipped.
		if !e.IsDir() || !strings.HasPrefix(e.Name(), clusterDirPrefix) {
			continue
		}
		dir := filepath.Join(tmpDir, e.Name())
		mark, ok := leftoverMark(dir)
		if !ok || mark.Owner.Running() {
			continue
		}
		lo := Leftover{Dir: dir, Owner: mark.Owner}
		if lo.Server, err = stopLeftoverServer(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove leftover cluster: %w", err))
			continue
		}
		out = append(out, lo)
	}
	return out, errors.Join(errs...)
}

// leftoverMark reads the marker of dir, and reports whether dir is a
// cluster directory perfgate made for the current user.
func leftoverMark(dir string) (clusterMark, bool) {
	var mark clusterMark
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return mark, false
	}
	d := os.NewFile(uintptr(fd), dir)
	defer d.Close()
	var dst syscall.Stat_t
	if syscall.Fstat(fd, &dst) != nil {
		return mark, false
	}
	// The marker is missing while a cluster is being created, and in
	// directories perfgate did not make: both are left alone.
	f, err := detach.OpenInDir(d, clusterMarker, os.O_RDONLY, 0)
	if err != nil {
		return mark, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil || json.Unmarshal(b, &mark) != nil || mark.Owner.PID <= 0 {
		return mark, false
	}
	if uid := os.Geteuid(); int(dst.Uid) != uid && int(dst.Uid) != mark.ServerUID {
		return mark, false
	}
	return mark, true
}

// stopLeftoverServer stops the server of a dead cluster if it still runs:
// immediate shutdown (SIGQUIT), then SIGKILL after DefaultStopTimeout. The
// pid comes from postmaster.pid, which the server's user can write, so the
// process is signalled only if its working directory is this cluster's
// data directory, and through a pidfd so that a reused pid is never hit.
func stopLeftoverServer(dir string) (int, error) {
	data := filepath.Join(dir, "data")
	pid := postmasterPID(data)
	if pid <= 0 {
		return 0, nil
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return 0, nil
	}
	defer proc.Release()
	if !servesDataDir(pid, data) {
		return 0, nil
	}
	server, err := detach.ProcessOf(pid)
	if err != nil {
		return 0, nil
	}
	if err := proc.Signal(syscall.SIGQUIT); err != nil {
		return 0, nil // it exited meanwhile
	}
	if waitExit(server, DefaultStopTimeout) {
		return pid, nil
	}
	_ = proc.Signal(syscall.SIGKILL)
	if waitExit(server, 5*time.Second) {
		return pid, nil
	}
	return pid, fmt.Errorf("leftover cluster %s: server pid %d still runs after SIGKILL; its directory is kept", dir, pid)
}

// postmasterPID reads the server's pid from the first line of
// postmaster.pid in data, or returns 0.
func postmasterPID(data string) int {
	f, err := os.Open(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 64)).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	return pid
}

// servesDataDir reports whether process pid works in the data directory:
// PostgreSQL's server and its children change into it at start.
func servesDataDir(pid int, data string) bool {
	cwd, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "cwd"))
	if err != nil {
		return false
	}
	want, err := filepath.EvalSymlinks(data)
	if err != nil {
		want = data
	}
	return cwd == want
}

// waitExit polls until p no longer runs or d has passed, and reports
// whether it exited.
func waitExit(p detach.Process, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for p.Running() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
