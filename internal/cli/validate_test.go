package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
)

func TestValidate(t *testing.T) {
	var out, errOut bytes.Buffer
	streams := Streams{Out: &out, ErrOut: &errOut}
	code := Execute(context.Background(), []string{"validate", filepath.Join("..", "..", "scenarios")}, streams)
	if code != exit.CodeOK {
		t.Fatalf("shipped scenarios: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "all 4 scenario files are valid") || !strings.Contains(out.String(), "status 400, max <= 1s, 1 jq check\n") ||
		!strings.Contains(out.String(), "single-user-single-course: POST http://127.0.0.1:3000/tracking/v1/content/course/status at 1/s") {
		t.Errorf("stdout:\n%s", out.String())
	}

	// One file: no "1 scenario files are valid".
	out.Reset()
	if code := Execute(context.Background(), []string{"validate", filepath.Join("..", "..", "scenarios", "04-invalid-input.yaml")}, streams); code != exit.CodeOK ||
		!strings.HasSuffix(out.String(), "\nthe scenario file is valid\n") {
		t.Errorf("one file: exit %d, stdout:\n%s", code, out.String())
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("name: a\nrequest:\n  path: /x\nload:\n  rate: 1/s\n  duraton: 3s\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: a\nrequest:\n  path: /y\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("name: c\nrequest:\n  path: /y\n  body: '{{ .Usr 0 }}'\n"), 0o644)
	out.Reset()
	errOut.Reset()
	code = Execute(context.Background(), []string{"validate", dir}, streams)
	if code != exit.CodeUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{
		`a.yaml:6: unknown field "duraton" in load (did you mean "duration"?)`,
		`b.yaml:1: duplicate scenario name "a"`,
		`c.yaml:4: body: unknown fixture .Usr (did you mean .User?)`,
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}
