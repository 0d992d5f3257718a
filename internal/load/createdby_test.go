package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/perfgate/perfgate/internal/build"
)

// TestRawNamesItsProducer: created_by names perfgate's version and commit,
// not "perfgate version (build )".
func TestRawNamesItsProducer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	w, err := CreateRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Result{Code: 200}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	got := pf.Metadata().CreatedBy
	if want := "perfgate version " + build.Version() + " (build " + build.Commit() + ")"; got != want || strings.Contains(got, "(build )") {
		t.Errorf("created_by %q, want %q", got, want)
	}
}
