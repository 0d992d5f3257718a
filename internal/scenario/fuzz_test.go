package scenario

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, and a
// scenario it accepts must render. The seed corpus (the shipped scenarios
// and testdata/fuzz) runs as an ordinary test in make test.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "scenarios", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(valid))
	f.Add([]byte("name: x\nrequest: {path: '{{ .Users 0 9 }}'}\n"))
	f.Add([]byte("name: &a x\nrequest: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("fuzz.yaml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if sc.Name == "" || sc.Request.Path == "" {
			t.Fatalf("accepted a scenario without name or path: %+v", sc)
		}
		// Rendering may fail (an index out of range), but must not panic.
		_, _ = sc.Render("http://127.0.0.1:1", NewData(nil, nil))
	})
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
