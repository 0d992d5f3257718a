package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFormats(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "text", want: []string{"text"}},
		{in: " text, JSON ,md,junit,html ", want: []string{"text", "json", "md", "junit", "html"}},
		{in: "md,md,markdown", want: []string{"md"}},
		{in: "text,,json", want: []string{"text", "json"}},
		{in: "pdf", wantErr: `unknown format "pdf": valid formats are text,json,md,junit,html`},
		{in: "", wantErr: "no format given: valid formats are text,json,md,junit,html"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFormats(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseFormats(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFormats(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{MarkdownFile, func(b *bytes.Buffer) error { return Markdown(b, testRun()) }},
		{JUnitFile, func(b *bytes.Buffer) error { return JUnit(b, testRun()) }},
		{HTMLFile, func(b *bytes.Buffer) error { return HTML(b, testRun(), testRaw()) }},
		{"report-noraw.html", func(b *bytes.Buffer) error { return HTML(b, testRun(), nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	formats := []string{FormatText, FormatJSON, FormatMD, FormatJUnit, FormatHTML}
	if err := WriteFiles(dir, testRun(), formats, testRaw()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// text and json are the caller's: no summary.json, no temp files left.
	if diff := cmp.Diff([]string{JUnitFile, HTMLFile, MarkdownFile}, names); diff != "" {
		t.Errorf("files in run dir (-want +got):\n%s", diff)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "## ❌ perfgate run `after`: FAIL: 2 of 3 scenarios failed (multi-user-multi-course, empty-user-list)") {
		t.Errorf("summary.md starts with %q", strings.SplitN(string(md), "\n", 2)[0])
	}

	if err := WriteFiles(dir, testRun(), []string{"pdf"}, nil); err == nil || !strings.Contains(err.Error(), "valid formats are") {
		t.Errorf("WriteFiles(pdf) error = %v, want the valid formats listed", err)
	}
}

func TestMarkdownContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, testRun()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"199/s of 200/s ⚠️ under-delivered",
		"| ❌ | p95 | &lt; 3s | 3.4s | p95 3.4s &gt; 3s |",
		"| statements | 1 |",
		"`WITH req AS (SELECT unnest($1::uuid[]) ...) SELECT ... \\| ...`",
		"**interrupted**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	// Every table row has the same number of unescaped cells as its header.
	for _, block := range strings.Split(md, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if !strings.HasPrefix(lines[0], "|") {
			continue
		}
		cells := func(l string) int { return strings.Count(l, "|") - strings.Count(l, `\|`) }
		for _, l := range lines[1:] {
			if cells(l) != cells(lines[0]) {
				t.Errorf("row %q has %d cells, header %q has %d", l, cells(l), lines[0], cells(lines[0]))
			}
		}
	}
}
