package model

import (
	"runtime"
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
