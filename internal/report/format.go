package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/safefile"
)

// Formats a run can be rendered in, as named by --format.
const (
	FormatText  = "text"  // human summary on stdout (Text)
	FormatJSON  = "json"  // summary.json (WriteRun)
	FormatMD    = "md"    // summary.md (Markdown)
	FormatJUnit = "junit" // junit.xml (JUnit)
	FormatHTML  = "html"  // report.html (HTML)
)

// File names of the rendered formats inside a run directory.
const (
	MarkdownFile = "summary.md"
	JUnitFile    = "junit.xml"
	HTMLFile     = "report.html"
)

// AllFormats lists every format in the order --format documents them.
var AllFormats = []string{FormatText, FormatJSON, FormatMD, FormatJUnit, FormatHTML}

// DefaultFormats is what --format means when it is not given.
const DefaultFormats = "text,json"

// RawSource streams a scenario's raw results in the order they were sent:
// for each request, when it was sent, its latency and its HTTP status (0 on
// a transport error). It lets the HTML report draw charts without this
// package knowing how raw results are stored; the cli adapts the Parquet
// reader to it. A nil RawSource means no raw results: charts that need them
// are replaced by a note.
type RawSource func(sc *model.Scenario, fn func(t time.Time, latency time.Duration, code uint16) error) error

// ParseFormats parses a comma-separated --format value such as
// "text,md,junit". Names are trimmed, lower-cased and deduplicated; order
// is kept. An unknown name is an error that lists the valid ones.
func ParseFormats(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if f == "markdown" {
			f = FormatMD
		}
		if !slices.Contains(AllFormats, f) {
			return nil, fmt.Errorf("unknown format %q: valid formats are %s", f, strings.Join(AllFormats, ","))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no format given: valid formats are %s", strings.Join(AllFormats, ","))
	}
	return out, nil
}

// WriteFiles renders run into dir in each file format of formats:
// summary.md, junit.xml and report.html, each written atomically. "text"
// (stdout) and "json" (summary.json, WriteRun) are accepted and left to the
// caller. raw feeds the HTML charts and may be nil.
func WriteFiles(dir string, run *model.Run, formats []string, raw RawSource) error {
	for _, f := range formats {
		var (
			name   string
			render func(io.Writer) error
		)
		switch f {
		case FormatText, FormatJSON:
			continue
		case FormatMD:
			name, render = MarkdownFile, func(w io.Writer) error { return Markdown(w, run) }
		case FormatJUnit:
			name, render = JUnitFile, func(w io.Writer) error { return JUnit(w, run) }
		case FormatHTML:
			name, render = HTMLFile, func(w io.Writer) error { return HTML(w, run, raw) }
		default:
			return fmt.Errorf("write reports: unknown format %q: valid formats are %s", f, strings.Join(AllFormats, ","))
		}
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		if err := safefile.Write(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
