package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/safefile"
)

// Format is one way to render a document of type T: its --format name, the
// file it is written to ("" for standard output), and its renderer.
type Format[T any] struct {
	Name   string
	File   string
	Render func(io.Writer, T) error
}

// Formats is the table of formats a document can be rendered in, in the
// order --format documents them. Every command parses --format with Parse
// and writes through Write.
type Formats[T any] []Format[T]

// Names lists the format names, in table order.
func (fs Formats[T]) Names() []string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return names
}

// Parse reads a comma-separated --format value such as "text,md,junit":
// names are trimmed, lower-cased and deduplicated ("markdown" is md), and
// kept in the order given. An unknown name, or no name at all, is an error
// that lists the valid ones.
func (fs Formats[T]) Parse(s string) (Formats[T], error) {
	var out Formats[T]
	for _, name := range strings.Split(s, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == "markdown" {
			name = FormatMD
		}
		i := slices.IndexFunc(fs, func(f Format[T]) bool { return f.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown format %q: valid formats are %s", name, strings.Join(fs.Names(), ","))
		}
		if !out.Has(name) {
			out = append(out, fs[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no format given: valid formats are %s", strings.Join(fs.Names(), ","))
	}
	return out, nil
}

// Has reports whether the table holds the format name.
func (fs Formats[T]) Has(name string) bool {
	return slices.ContainsFunc(fs, func(f Format[T]) bool { return f.Name == name })
}

// WritesFiles reports whether any format of fs is written to a file.
func (fs Formats[T]) WritesFiles() bool {
	return slices.ContainsFunc(fs, func(f Format[T]) bool { return f.File != "" })
}

// With returns the table with the format name added (from all) when it is
// missing: a run always writes summary.json, whatever --format says.
func (fs Formats[T]) With(all Formats[T], name string) Formats[T] {
	if fs.Has(name) {
		return fs
	}
	i := slices.IndexFunc(all, func(f Format[T]) bool { return f.Name == name })
	if i < 0 {
		return fs
	}
	return append(slices.Clone(fs), all[i])
}

// Write renders v in every format of fs: first the files, atomically into
// dir, then the formats without a file to stdout, so that what stdout says
// is already on disk.
func (fs Formats[T]) Write(dir string, v T, stdout io.Writer) error {
	for _, f := range fs {
		if f.File == "" {
			continue
		}
		var buf bytes.Buffer
		if err := f.Render(&buf, v); err != nil {
			return fmt.Errorf("render %s: %w", f.File, err)
		}
		if err := safefile.Write(filepath.Join(dir, f.File), buf.Bytes()); err != nil {
			return err
		}
	}
	for _, f := range fs {
		if f.File == "" {
			if err := f.Render(stdout, v); err != nil {
				return fmt.Errorf("render %s: %w", f.Name, err)
			}
		}
	}
	return nil
}

// Only returns the formats of fs named in names, in the order of names:
// the formats parsed from --format, taken from a table built later (once
// the run directory, and so the raw results, are known).
func (fs Formats[T]) Only(names []string) Formats[T] {
	var out Formats[T]
	for _, name := range names {
		if i := slices.IndexFunc(fs, func(f Format[T]) bool { return f.Name == name }); i >= 0 {
			out = append(out, fs[i])
		}
	}
	return out
}

// Format names shared by the tables.
const (
	FormatText  = "text"  // human summary on stdout
	FormatJSON  = "json"  // the document's JSON file
	FormatMD    = "md"    // Markdown
	FormatJUnit = "junit" // JUnit XML
	FormatHTML  = "html"  // a self-contained HTML page
)

// File names of the rendered formats inside a run directory.
const (
	MarkdownFile = "summary.md"
	JUnitFile    = "junit.xml"
	HTMLFile     = "report.html"
	// CapacityHTMLFile is the capacity page beside a run's own report.html.
	CapacityHTMLFile = "capacity.html"
)

// DefaultRunFormats is what run's --format means when it is not given.
const DefaultRunFormats = "text,json"

// RawSource streams a scenario's raw results in the order they were sent:
// for each request, when it was sent, its latency and its HTTP status (0 on
// a transport error). It lets the HTML report draw charts without this
// package knowing how raw results are stored. A nil RawSource means no raw
// results: charts that need them are replaced by a note.
type RawSource func(sc *model.Scenario, fn func(t time.Time, latency time.Duration, code uint16) error) error

// RunFormats is the table of a run's formats: text on stdout, summary.json,
// summary.md, junit.xml and report.html, whose charts read raw (may be nil).
func RunFormats(raw RawSource) Formats[*model.Run] {
	return Formats[*model.Run]{
		{FormatText, "", Text},
		{FormatJSON, model.SummaryFile, func(w io.Writer, r *model.Run) error { return model.Encode(w, r) }},
		{FormatMD, MarkdownFile, Markdown},
		{FormatJUnit, JUnitFile, JUnit},
		{FormatHTML, HTMLFile, func(w io.Writer, r *model.Run) error { return HTML(w, r, raw) }},
	}
}

// CapacityFormats is the table of a capacity search's formats: text on
// stdout, capacity.json and report.html (Renamed makes the page
// capacity.html when the directory also holds a run).
var CapacityFormats = Formats[*model.Capacity]{
	{FormatText, "", CapacityText},
	{FormatJSON, model.CapacityFile, func(w io.Writer, c *model.Capacity) error { return model.Encode(w, c) }},
	{FormatHTML, HTMLFile, CapacityHTML},
}

// CompareFormats is the table of a comparison's formats: text on stdout,
// compare.md, compare.json and compare.html.
var CompareFormats = Formats[*compare.Result]{
	{FormatText, "", compare.Text},
	{FormatMD, "compare.md", compare.Markdown},
	{FormatJSON, "compare.json", compare.JSON},
	{FormatHTML, "compare.html", compare.HTML},
}

// Renamed returns the table with the file of format name replaced by file.
func (fs Formats[T]) Renamed(name, file string) Formats[T] {
	out := slices.Clone(fs)
	for i := range out {
		if out[i].Name == name {
			out[i].File = file
		}
	}
	return out
}

// Rendered returns the table with the renderer of format name replaced by
// render: a run whose header went out at its start (TextHeader) ends with
// TextTable alone.
func (fs Formats[T]) Rendered(name string, render func(io.Writer, T) error) Formats[T] {
	out := slices.Clone(fs)
	for i := range out {
		if out[i].Name == name {
			out[i].Render = render
		}
	}
	return out
}

// RawDir is the RawSource of a run directory: each scenario's raw results
// file (its Raw name) in dir, read with read (load.ReadPoints).
func RawDir(dir string, read func(path string, fn func(t time.Time, latency time.Duration, code uint16) error) error) RawSource {
	return func(sc *model.Scenario, fn func(time.Time, time.Duration, uint16) error) error {
		if sc.Raw == "" {
			return fmt.Errorf("scenario %s has no raw results file", sc.Name)
		}
		return read(filepath.Join(dir, sc.Raw), fn)
	}
}
