package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
)

// RawFiles returns the raw results files of run: run itself when it is a
// file, otherwise the run directory's <scenario>.parquet files, all of
// them or those of scenarios.
func RawFiles(run string, scenarios []string) ([]string, error) {
	st, err := os.Stat(run)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, exit.Usagef("run %s does not exist; pass a run directory such as reports/<run> or one of its .parquet files", run)
	}
	if err != nil {
		return nil, exit.Usage(err)
	}
	if !st.IsDir() {
		if len(scenarios) > 0 {
			return nil, exit.Usagef("--scenario selects files in a run directory, but %s is a file", run)
		}
		if filepath.Ext(run) != RawExt {
			return nil, exit.Usagef("%s is not a raw results file (*%s); pass a run directory or one of its %s files", run, RawExt, RawExt)
		}
		return []string{run}, nil
	}
	all, err := filepath.Glob(filepath.Join(run, "*"+RawExt))
	if err != nil {
		return nil, fmt.Errorf("list raw results: %w", err)
	}
	if len(all) == 0 {
		return nil, exit.Usagef("%s holds no raw results (*%s files); is it a run directory written by perfgate run?", run, RawExt)
	}
	slices.Sort(all)
	if len(scenarios) == 0 {
		return all, nil
	}
	var out []string
	for _, name := range scenarios {
		path := filepath.Join(run, name+RawExt)
		if !slices.Contains(all, path) {
			return nil, exit.Usagef("run %s has no raw results for scenario %q; it has %s", run, name, strings.Join(scenarioNames(all), ", "))
		}
		out = append(out, path)
	}
	return out, nil
}

// scenarioNames returns the scenario names of raw results files.
func scenarioNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), RawExt)
	}
	return names
}
