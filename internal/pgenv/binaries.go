package pgenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// InstallHint says what to do when no PostgreSQL server binaries are found.
const InstallHint = "install them (apt-get install postgresql postgresql-contrib), " +
	"set PG_BIN to the directory holding initdb and postgres, " +
	"or pass --dsn to use an existing database"

// ErrNoBinaries is returned (wrapped) when no directory holds both initdb
// and postgres.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) found")

// binSearch is where FindBinDir looks; tests replace its parts.
type binSearch struct {
	env      func(string) string
	pgConfig func() (string, error)
	lookPath func(string) (string, error)
	globRoot string // the directory holding postgresql/<version>/bin
}

var defaultBinSearch = binSearch{
	env: os.Getenv,
	pgConfig: func() (string, error) {
		out, err := exec.Command("pg_config", "--bindir").Output()
		return strings.TrimSpace(string(out)), err
	},
	lookPath: exec.LookPath,
	globRoot: "/usr/lib",
}

// FindBinDir returns the directory of the PostgreSQL server binaries, looking
// in order at $PG_BIN, `pg_config --bindir`, the PATH, and
// /usr/lib/postgresql/*/bin (newest version first). A PG_BIN that does not
// hold the binaries is an error rather than a reason to look elsewhere.
func FindBinDir() (string, error) { return defaultBinSearch.find() }

func (s binSearch) find() (string, error) {
	if dir := s.env("PG_BIN"); dir != "" {
		if err := hasServerBinaries(dir); err != nil {
			return "", fmt.Errorf("PG_BIN=%s: %w; point PG_BIN at the directory holding initdb and postgres", dir, err)
		}
		return dir, nil
	}
	var tried []string
	if dir, err := s.pgConfig(); err == nil && dir != "" {
		if hasServerBinaries(dir) == nil {
			return dir, nil
		}
		tried = append(tried, dir+" (pg_config --bindir)")
	}
	if p, err := s.lookPath("initdb"); err == nil {
		// initdb on the PATH is often a symlink into the versioned directory,
		// which is where postgres lives too.
		dirs := []string{filepath.Dir(p)}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		for _, dir := range dirs {
			if hasServerBinaries(dir) == nil {
				return dir, nil
			}
		}
		tried = append(tried, filepath.Dir(p)+" (PATH)")
	}
	for _, dir := range versionedBinDirs(s.globRoot) {
		if hasServerBinaries(dir) == nil {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	where := "PG_BIN, pg_config, PATH, " + filepath.Join(s.globRoot, "postgresql/*/bin")
	if len(tried) > 0 {
		where += "; incomplete: " + strings.Join(tried, ", ")
	}
	return "", fmt.Errorf("%w (looked at %s); %s", ErrNoBinaries, where, InstallHint)
}

// versionedBinDirs lists root/postgresql/*/bin, newest version first.
func versionedBinDirs(root string) []string {
	dirs, _ := filepath.Glob(filepath.Join(root, "postgresql", "*", "bin"))
	version := func(dir string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	sort.SliceStable(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	return dirs
}

// hasServerBinaries reports which of initdb and postgres dir lacks.
func hasServerBinaries(dir string) error {
	var missing []string
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no executable %s in %s", strings.Join(missing, " or "), dir)
	}
	return nil
}
