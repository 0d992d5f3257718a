package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// LockFile is held (flock) by the process writing a run directory, so
// that a second perfgate cannot write into it at the same time.
const LockFile = ".perfgate.lock"

// runFiles are the files perfgate writes into a run directory; a
// directory that holds only these (and raw results) is a perfgate run
// directory, which --replace may replace.
var runFiles = []string{model.SummaryFile, model.ShardFile, model.CapacityFile, model.PlansFile, LockFile,
	"summary.md", "junit.xml", "report.html", "capacity.html",
	"compare.txt", "compare.md", "compare.json", "compare.html"}

// RunDir is a run directory opened for writing: new or empty (or a
// perfgate run directory the caller chose to replace), and locked against
// another writer until Close.
type RunDir struct {
	Path string
	lock *os.File
}

// CreateRunDir opens path for a new run. It creates the directory when it
// does not exist. An existing directory must be empty, or be a perfgate
// run directory and replace set, in which case perfgate's files in it are
// removed; a directory holding anything else is refused (exit 2), so that
// --out never overwrites a user's files. A directory another perfgate is
// writing is refused too.
func CreateRunDir(path string, replace bool) (*RunDir, error) {
	entries, err := os.ReadDir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, exit.Usagef("create run directory: %v", err)
		}
	case err != nil:
		return nil, exit.Usagef("run directory %s: %v", path, err)
	}
	d, err := lockRunDir(path)
	if err != nil {
		return nil, err
	}
	// Files named like perfgate's are perfgate's only in a run directory:
	// a report.html of the user's in another directory is the user's.
	isRun := IsRunDir(path)
	var foreign, ours []string
	for _, e := range entries {
		if e.Name() == LockFile {
			continue
		}
		if isRun && isRunFile(e) {
			ours = append(ours, e.Name())
		} else {
			foreign = append(foreign, e.Name())
		}
	}
	switch {
	case len(foreign) > 0:
		d.Close()
		return nil, exit.Usagef("%s holds files perfgate did not write (%s); choose a new or empty --out", path, listFew(foreign))
	case len(ours) > 0 && !replace:
		d.Close()
		return nil, exit.Usagef("%s already holds a run (%s); choose another --out, or pass --replace to replace it", path, listFew(ours))
	}
	for _, name := range ours {
		if err := os.Remove(filepath.Join(path, name)); err != nil {
			d.Close()
			return nil, exit.Unavailable(fmt.Errorf("replace %s: %w", path, err))
		}
	}
	return d, nil
}

// CreateCapacityDir opens path for a capacity search: like CreateRunDir,
// but a perfgate run directory without a capacity search is kept, so that
// capacity.json sits beside the run's summary.json (beside says so).
func CreateCapacityDir(path string) (d *RunDir, beside bool, err error) {
	if _, err := os.Stat(filepath.Join(path, model.CapacityFile)); err == nil {
		return nil, false, exit.Usagef("%s already holds a capacity search; choose another --out or remove it", path)
	}
	if _, err := os.Stat(filepath.Join(path, model.SummaryFile)); err != nil {
		d, err := CreateRunDir(path, false)
		return d, false, err
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, false, exit.Usagef("run directory %s: %v", path, err)
	}
	for _, e := range entries {
		if !isRunFile(e) {
			return nil, false, exit.Usagef("%s holds files perfgate did not write (%s); choose a new or empty --out", path, e.Name())
		}
	}
	d, err = lockRunDir(path)
	return d, true, err
}

// CreateCapacityOut opens the directory of a capacity search: out when
// given (CreateCapacityDir: beside says capacity.json joins a run already
// there), else a new reports/<UTC time>-capacity[-label]. now is called
// only then.
func CreateCapacityOut(out, label string, now func() time.Time) (d *RunDir, beside bool, err error) {
	if out != "" {
		return CreateCapacityDir(out)
	}
	d, err = CreateNamedRunDir(now(), kindName("capacity", label), "")
	return d, false, err
}

// IsRunDir reports whether dir is a perfgate run directory (it holds a
// summary.json, capacity.json or shard.json).
func IsRunDir(dir string) bool {
	for _, f := range []string{model.SummaryFile, model.CapacityFile, model.ShardFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// ReplacesRunFile reports whether writing path would replace a file of a
// perfgate run directory (its raw results, its summary, a report): an
// export or a copy must never destroy the run it reads.
func ReplacesRunFile(path string) bool {
	dir := filepath.Dir(path)
	if !IsRunDir(dir) {
		return false
	}
	if _, err := os.Lstat(path); err == nil {
		return true
	}
	name := filepath.Base(path)
	return slices.Contains(runFiles, name) || strings.HasSuffix(name, ".parquet")
}

// CreateNamedRunDir creates a new run directory under parent named after
// now and label (DirName), adding -2, -3, … when that name is taken: two
// runs of the same label in the same second get directories of their own.
func CreateNamedRunDir(now time.Time, label, suffix string) (*RunDir, error) {
	base := DirName(now, label) + suffix
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, exit.Usagef("create %s: %v", filepath.Dir(base), err)
	}
	for i := 1; i < 1000; i++ {
		path := base
		if i > 1 {
			path = base + "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(path, 0o755) // claims the name atomically
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, exit.Usagef("create run directory: %v", err)
		}
		return lockRunDir(path)
	}
	return nil, exit.Usagef("%s-2 … -999 all exist; pass --out", base)
}

// CreateOutDir opens the run directory a command writes: out when given
// (CreateRunDir, replacing a run there only when replace says so), else a
// new one named after now and name (CreateNamedRunDir). now is called only
// then.
func CreateOutDir(out string, replace bool, now func() time.Time, name string) (*RunDir, error) {
	if out != "" {
		return CreateRunDir(out, replace)
	}
	return CreateNamedRunDir(now(), name, "")
}

// CreateRenderDir opens the directory a saved run's files are rendered
// into again: the run's own directory dir when out is "" or names it (not
// locked: the run is the one being rendered), else out, new or empty, and
// never another run's files unless replace (CreateRunDir).
func CreateRenderDir(out, dir string, replace bool) (*RunDir, error) {
	if out == "" || sameDir(out, dir) {
		return &RunDir{Path: dir}, nil
	}
	return CreateRunDir(out, replace)
}

// Rerender reads the saved run at path, a run directory or its
// summary.json, and has write render it again into the directory
// CreateRenderDir opens: out, or the run's own directory runDir, which
// holds its raw results. A path that holds no run is the user's to fix
// (exit 2).
func Rerender(path, out string, replace bool, write func(dir, runDir string, run *model.Run) error) error {
	run, err := model.ReadRun(path)
	if err != nil {
		return exit.Usage(fmt.Errorf("%w; pass a run directory or its summary.json", err))
	}
	runDir := model.RunDir(path)
	rd, err := CreateRenderDir(out, runDir, replace)
	if err != nil {
		return err
	}
	defer rd.Close()
	return write(rd.Path, runDir, run)
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	ai, aerr := os.Stat(a)
	bi, berr := os.Stat(b)
	return aerr == nil && berr == nil && os.SameFile(ai, bi)
}

// kindName is the default directory name of a command's run: kind, then
// -label when there is one ("capacity-after", "ab").
func kindName(kind, label string) string {
	if label != "" {
		return kind + "-" + label
	}
	return kind
}

func lockRunDir(path string) (*RunDir, error) {
	f, err := os.OpenFile(filepath.Join(path, LockFile), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, exit.Usagef("run directory %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, exit.Usagef("another perfgate is writing %s; wait for it or choose another --out", path)
	}
	return &RunDir{Path: path, lock: f}, nil
}

// Close releases the lock and removes the lock file.
func (d *RunDir) Close() error {
	if d == nil || d.lock == nil {
		return nil
	}
	os.Remove(filepath.Join(d.Path, LockFile))
	err := d.lock.Close()
	d.lock = nil
	return err
}

func isRunFile(e fs.DirEntry) bool {
	if !e.Type().IsRegular() {
		return false
	}
	n := e.Name()
	return slices.Contains(runFiles, n) || strings.HasSuffix(n, ".parquet") ||
		(strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp"))
}

func listFew(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(" and %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}

// LatestLink is the name of the stable handle on the newest run of a
// label: reports/latest-<label> points at reports/<UTC time>-<label>.
func LatestLink(label string) string {
	return filepath.Join("reports", "latest-"+safeLabel(label))
}

// LinkLatest points reports/latest-<label> at dir (a run directory under
// reports/), replacing the link atomically, so that
// `perfgate compare reports/latest-before reports/latest-after` keeps
// working however many runs there are. A label-less run has no handle.
func LinkLatest(dir, label string) (string, error) {
	if label == "" {
		return "", nil
	}
	link := LatestLink(label)
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		return "", fmt.Errorf("%s exists and is not a link perfgate made; remove it to get the latest-%s handle", link, label)
	}
	rel, err := filepath.Rel(filepath.Dir(link), dir)
	if err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.tmp%d", link, os.Getpid())
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return link, nil
}
