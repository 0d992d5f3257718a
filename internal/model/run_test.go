package model

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/perfgate/perfgate/internal/build"
)

// TestThisTool: the build names itself with the version and commit that
// perfgate version prints, and the Go it was built with.
func TestThisTool(t *testing.T) {
	got := ThisTool()
	if got.Name != "perfgate" || got.Version != build.Version() || got.Commit != build.Commit() || got.GoVersion != runtime.Version() {
		t.Errorf("ThisTool() = %+v", got)
	}
}

// TestScenarioOrder: the scenarios in the order the summary lists them,
// from the directory or the file; nothing without a summary.
func TestScenarioOrder(t *testing.T) {
	dir := t.TempDir()
	run := &Run{Schema: SchemaRun, Scenarios: []*Scenario{{Name: "b"}, {Name: "a"}, {Name: "c"}}}
	if err := WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, filepath.Join(dir, SummaryFile)} {
		if got := ScenarioOrder(path); !slices.Equal(got, []string{"b", "a", "c"}) {
			t.Errorf("ScenarioOrder(%s) = %v", path, got)
		}
	}
	if got := ScenarioOrder(t.TempDir()); got != nil {
		t.Errorf("a directory without a summary: %v, want nil", got)
	}
}
