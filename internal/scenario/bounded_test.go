package scenario

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

func TestTemplatesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"huge literal range", `{{ range 100000000000 }}{{ end }}`, "loops are bounded"},
		{"nested literal ranges", `{{ range 1000 }}{{ range 1000 }}{{ end }}{{ end }}`, "loops are bounded"},
		{"output in a loop", `{{ range 100000 }}{{ $.Tenant }}{{ $.Tenant }}{{ end }}`, "renders more than 1024 KiB"},
		{"wide printf", `{{ printf "%0999999999999d" 0 }}`, "width and precision are bounded"},
		{"precise printf", `{{ printf "%.99999f" 1.0 }}`, "width and precision are bounded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: s\nrequest:\n  path: /x\n  body: '" + tc.body + "'\n"
			start := time.Now()
			sc, err := Parse("s.yaml", []byte(src))
			if err == nil {
				_, err = sc.Render("http://127.0.0.1:3000", NewData(nil, nil))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.yaml:") {
				t.Fatalf("err = %v, want a file:line error saying %q", err, tc.want)
			}
			if d := time.Since(start); d > 3*MaxTemplateTime {
				t.Errorf("took %s", d)
			}
		})
	}
	// Ordinary loops and printf still work.
	src := "name: s\nrequest:\n  path: /x\n  body: '{{ range 3 }}{{ printf \"%05d\" 7 }}{{ end }}'\n"
	sc, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	req, err := sc.Render("http://127.0.0.1:3000", NewData(nil, nil))
	if err != nil || string(req.Body) != "000070000700007" {
		t.Errorf("body %q, %v", req.Body, err)
	}
}

func TestTemplateTimeBound(t *testing.T) {
	// A computed bound the parse-time check cannot see, that writes: the
	// execution is abandoned at the time bound and stops at its next write.
	tm, err := parseTemplateForTest(`{{ range (len (printf "%09999d" 0)) }}{{ range (len (printf "%09999d" 0)) }}{{ if false }}x{{ end }}{{ end }}x{{ end }}`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = execute(tm, NewData(nil, nil))
	if err == nil || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("err = %v, want the time bound", err)
	}
	if d := time.Since(start); d > 2*MaxTemplateTime {
		t.Errorf("returned after %s", d)
	}
}

func parseTemplateForTest(text string) (*template.Template, error) {
	return template.New("body").Option("missingkey=error").Funcs(templateFuncs).Parse(text)
}
