package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/hint"
)

// DefaultDir is where scenario files are looked for when no path is given.
const DefaultDir = "scenarios"

// LoadFile reads and validates one scenario file.
func LoadFile(path string) (*Scenario, error) {
	sc, err := loadPartial(path)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

func loadPartial(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}}
	}
	return parsePartial(path, data)
}

// LoadPaths reads every scenario file named by paths: files as given,
// directories for their *.yaml and *.yml files in name order. Scenario
// names must be unique across all of them. Errors are an ErrorList; the
// valid scenarios are returned along with it, so that a caller can report
// every problem of every file at once.
func LoadPaths(paths []string) ([]*Scenario, error) {
	if len(paths) == 0 {
		paths = []string{DefaultDir}
	}
	var files []string
	var errs ErrorList
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			msg := "no such file or directory"
			if !errors.Is(err, fs.ErrNotExist) {
				msg = err.Error()
			}
			errs = append(errs, &Error{File: p, Msg: msg + "; pass scenario files or a directory of them (default scenarios/)"})
			continue
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			found = append(found, m...)
		}
		if len(found) == 0 {
			errs = append(errs, &Error{File: p, Msg: "directory holds no *.yaml scenario files"})
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	var out []*Scenario
	byName := map[string]*Scenario{}
	for _, f := range files {
		sc, err := loadPartial(f)
		if err != nil {
			var l ErrorList
			if errors.As(err, &l) {
				errs = append(errs, l...)
			} else {
				errs = append(errs, &Error{File: f, Msg: err.Error()})
			}
		}
		if sc == nil || sc.Name == "" {
			continue
		}
		if prev, dup := byName[sc.Name]; dup {
			errs = append(errs, &Error{File: sc.File, Line: sc.Line,
				Msg: fmt.Sprintf("duplicate scenario name %q (also in %s:%d); names must be unique", sc.Name, prev.File, prev.Line)})
			continue
		}
		byName[sc.Name] = sc
		if err == nil {
			out = append(out, sc)
		}
	}
	return out, errs.Err()
}

// Select keeps the scenarios named in only (all when empty) and drops those
// in skip. A name that matches no scenario is an error, so a typo in a CI
// job does not silently run nothing.
func Select(all []*Scenario, only, skip []string) ([]*Scenario, error) {
	names := make([]string, len(all))
	for i, sc := range all {
		names[i] = sc.Name
	}
	for i, n := range slices.Concat(only, skip) {
		if !slices.Contains(names, n) {
			flag := "--only"
			if i >= len(only) {
				flag = "--skip"
			}
			msg := fmt.Sprintf("%s %s: no scenario named %q", flag, n, n)
			if s := hint.Closest(n, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (scenarios: " + strings.Join(names, ", ") + ")"
			}
			return nil, errors.New(msg)
		}
	}
	var out []*Scenario
	for _, sc := range all {
		if len(only) > 0 && !slices.Contains(only, sc.Name) {
			continue
		}
		if slices.Contains(skip, sc.Name) {
			continue
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		return nil, errors.New("--only/--skip left no scenario to run")
	}
	return out, nil
}
