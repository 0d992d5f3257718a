package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
)

func TestProbeBadDSN(t *testing.T) {
	tg := newTarget(t)
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), []string{"run", "--target", tg.URL, "--db-probe",
		"postgres://perfgate:s3cret@127.0.0.1:1/nope?connect_timeout=2", "--out", filepath.Join(t.TempDir(), "r"),
		filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")}, Streams{Out: &out, ErrOut: &errOut})
	if code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want 3: %s", code, errOut.String())
	}
	if tg.hits.Load() != 0 {
		t.Errorf("%d requests sent although the probe could not connect", tg.hits.Load())
	}
	if strings.Contains(errOut.String(), "s3cret") || !strings.Contains(errOut.String(), "--db-probe") {
		t.Errorf("stderr: %s", errOut.String())
	}
}
