// Package diffreport owns diff.json, the saved result of perfgate diff:
// `diff --out DIR` and the demo write it, `compare --diff DIR` reads it to
// fill the deployment checklist's "Functional verification" block. It holds
// the file's shape and nothing else, so that reading it costs compare no
// more than encoding/json.
package diffreport

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/perfgate/perfgate/internal/safefile"
)

// Schema is the schema tag of diff.json.
const Schema = "perfgate.diff/v1"

// FileName is the name of the file in a diff's --out directory.
const FileName = "diff.json"

// Report is what perfgate diff found, as diff.json holds it.
type Report struct {
	Schema string `json:"schema"`
	// Before and After are the base URLs of the two versions.
	Before string `json:"before"`
	After  string `json:"after"`
	// Scenarios is how many scenario files were compared, and
	// ScenarioRequests how many requests their templates gave.
	Scenarios        int `json:"scenarios"`
	ScenarioRequests int `json:"scenario_requests"`
	// Explored is how many generated requests were compared (diff
	// --explore), drawn with Seed and at most MaxSubset users and courses
	// each (before repetitions).
	Explored  int   `json:"explored"`
	Seed      int64 `json:"seed"`
	MaxSubset int   `json:"max_subset,omitempty"`
	// Requests is every request compared: ScenarioRequests + Explored.
	Requests int `json:"requests"`
	// Same requests got equal answers; Different ones at least one
	// difference; NotComparable ones a non-2xx answer from both versions
	// where a 2xx was expected (never counted as equal);
	// ExpectedStatusChanges a status change the scenario declares (bodies
	// not compared).
	Same                  int `json:"same"`
	Different             int `json:"different"`
	NotComparable         int `json:"not_comparable"`
	ExpectedStatusChanges int `json:"expected_status_changes"`
	// Differences counts every difference; FormatDifferences those of
	// structure (a key missing or extra, a value of another type, a body
	// that is not JSON on one side, another status).
	Differences       int `json:"differences"`
	FormatDifferences int `json:"format_differences"`
	// Kinds are the differences grouped by kind, with the first examples
	// of each; most frequent first.
	Kinds []Kind `json:"kinds"`
	// NotComparableExamples are the first requests that were not comparable.
	NotComparableExamples []Example `json:"not_comparable_examples,omitempty"`
	// Normalisations are every --ignore and --unordered path applied (and
	// the scenarios' diff.ignore and diff.unordered), each with what it hides.
	Normalisations []Normalisation `json:"normalisations"`
	// Shapes say which request shapes were compared and how they fared.
	Shapes []Shape `json:"shapes"`
	// EdgeCases are the checklist's edge cases (no users, no courses,
	// multiple users/courses), each the sum of its shapes.
	EdgeCases []EdgeCase `json:"edge_cases"`
	// Notes say what could not be explored and why.
	Notes []string `json:"notes,omitempty"`
	// Pass: every request compared, no difference, nothing not comparable.
	Pass bool `json:"pass"`
}

// Kind is one kind of difference: its count, the requests it occurred
// in, and the first few examples.
type Kind struct {
	Kind        string    `json:"kind"`
	Differences int       `json:"differences"`
	Requests    int       `json:"requests"`
	Examples    []Example `json:"examples"`
}

// Example is one difference (or one request not comparable) with the
// request that produced it.
type Example struct {
	// Label names the request as diff printed it: the scenario, or
	// "explore #17 (…)".
	Label string `json:"label"`
	// Difference is the difference as diff printed it; for a request not
	// comparable, "not comparable (404 on both)".
	Difference   string  `json:"difference"`
	Path         string  `json:"path,omitempty"`
	StatusBefore int     `json:"status_before"`
	StatusAfter  int     `json:"status_after"`
	Request      Request `json:"request"`
	// Curl reproduces the request against the before version, one line.
	Curl string `json:"curl"`
}

// Request is a request as it was sent to the before version.
type Request struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Normalisation is one jq path applied before comparing.
type Normalisation struct {
	// Kind is "ignore" or "unordered".
	Kind string `json:"kind"`
	Path string `json:"path"`
	// Source is "--ignore", "--unordered" or the scenario file.
	Source string `json:"source"`
	// Hides says what a difference there would be and is not reported.
	Hides string `json:"hides"`
}

// Shape is one request shape (a user without rows, a repeated course, the
// other tenant, ...) and how the requests that had it fared.
type Shape struct {
	Shape         string `json:"shape"`
	Description   string `json:"description"`
	Requests      int    `json:"requests"`
	Same          int    `json:"same"`
	Different     int    `json:"different"`
	NotComparable int    `json:"not_comparable"`
}

// EdgeCase is one of the checklist's edge cases and how its requests fared.
type EdgeCase struct {
	// Name is "no users", "no courses" or "multiple users/courses".
	Name string `json:"name"`
	// Shapes are the shapes counted as this edge case.
	Shapes        []string `json:"shapes"`
	Requests      int      `json:"requests"`
	Same          int      `json:"same"`
	Different     int      `json:"different"`
	NotComparable int      `json:"not_comparable"`
	// ExpectedStatusChanges are requests of this case whose status changed
	// by design (the checklist's userId [] → 400).
	ExpectedStatusChanges int `json:"expected_status_changes"`
}

// Write writes r as dir/diff.json, atomically, creating dir.
func Write(dir string, r *Report) error {
	c := *r
	if c.Schema == "" {
		c.Schema = Schema
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	return safefile.Write(filepath.Join(dir, FileName), append(b, '\n'))
}

// Read reads a diff result: a directory holding diff.json, or the file.
func Read(path string) (*Report, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read diff result: %w (write one with perfgate diff --out DIR)", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("diff result %s: %w", path, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("diff result %s: schema %q, want %q (write it with perfgate diff --out)", path, r.Schema, Schema)
	}
	return &r, nil
}
