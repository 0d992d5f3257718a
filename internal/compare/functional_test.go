package compare

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
)

// diffResult is what perfgate diff writes when every request compared
// answered alike: 4 from the scenario files (one an expected status
// change), 150 explored.
func diffResult() *diffreport.Report {
	return &diffreport.Report{
		Schema: diffreport.Schema, Scenarios: 4, ScenarioRequests: 4, Explored: 150, Seed: 1,
		Requests: 154, Same: 153, ExpectedStatusChanges: 1, Pass: true,
		Normalisations: []diffreport.Normalisation{},
		EdgeCases: []diffreport.EdgeCase{
			{Name: "no users", Requests: 60, Same: 59, ExpectedStatusChanges: 1},
			{Name: "no courses", Requests: 80, Same: 80},
			{Name: "multiple users/courses", Requests: 140, Same: 140},
		},
	}
}

func TestFunctionalVerification(t *testing.T) {
	tests := []struct {
		name    string
		diff    func() *diffreport.Report
		want    []string // the four rows' statuses
		measure []string // substrings of the rows' measured text, in order
		failure string   // the gate's failure, "" when it passes
	}{
		{
			name:    "not measured",
			diff:    func() *diffreport.Report { return nil },
			want:    []string{"not measured", "not measured", "not measured", "not measured"},
			measure: []string{"pass --diff DIR", "pass --diff DIR", "pass --diff DIR", "does not read the service's logs"},
		},
		{
			name: "alike",
			diff: diffResult,
			want: []string{"pass", "pass", "pass", "not measured"},
			measure: []string{"same keys, types and statuses on 153 requests (4 from the scenario files, 150 explored with seed 1)",
				"same answers to 153 requests", "no users: 59 alike (+1 expected status change); no courses: 80 alike; multiple users/courses: 140 alike", ""},
		},
		{
			name: "alike after normalising: says what it hides",
			diff: func() *diffreport.Report {
				d := diffResult()
				d.Normalisations = []diffreport.Normalisation{{Kind: "unordered", Path: ".data[].course", Source: "--unordered"}}
				return d
			},
			want:    []string{"pass", "pass", "pass", "not measured"},
			measure: []string{"", "normalised, hiding any difference there: unordered .data[].course", "", ""},
		},
		{
			name: "data differs",
			diff: func() *diffreport.Report {
				d := diffResult()
				d.Same, d.Different, d.Differences, d.Pass = 150, 3, 5, false
				d.Kinds = []diffreport.Kind{{Kind: "missing", Differences: 4, Requests: 3}, {Kind: "order", Differences: 1, Requests: 1}}
				d.EdgeCases[1].Same, d.EdgeCases[1].Different = 77, 3
				return d
			},
			want:    []string{"pass", "fail", "fail", "not measured"},
			measure: []string{"", "3 of 153 requests answered differently: 5 differences (missing 4, order 1)", "no courses: 3 of 80 requests differ", ""},
			failure: "diff: 3 of 154 requests answered differently (5 differences), 0 not comparable",
		},
		{
			name: "structure differs",
			diff: func() *diffreport.Report {
				d := diffResult()
				d.Same, d.Different, d.Differences, d.FormatDifferences, d.Pass = 152, 1, 2, 1, false
				return d
			},
			want:    []string{"fail", "fail", "pass", "not measured"},
			measure: []string{"1 difference of structure (a key, a type or the status)", "", "", ""},
			failure: "diff: 1 of 154 requests",
		},
		{
			name: "not comparable is never verified",
			diff: func() *diffreport.Report {
				d := diffResult()
				d.Same, d.NotComparable, d.Pass = 150, 3, false
				d.EdgeCases[2].Same, d.EdgeCases[2].NotComparable = 137, 3
				return d
			},
			want:    []string{"fail", "fail", "fail", "not measured"},
			measure: []string{"3 requests not comparable (non-2xx from both versions), so not verified", "not comparable", "", ""},
			failure: "3 not comparable",
		},
		{
			name: "an edge case not compared",
			diff: func() *diffreport.Report {
				d := diffResult()
				d.EdgeCases[1] = diffreport.EdgeCase{Name: "no courses"}
				return d
			},
			want:    []string{"pass", "pass", "not measured", "not measured"},
			measure: []string{"", "", "no courses: not compared", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := checklistRuns(1600 * time.Millisecond)
			res, err := Compare(before.input("b"), after.input("a"), Options{Diff: tt.diff()})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Functional) != len(tt.want) {
				t.Fatalf("%d rows: %+v", len(res.Functional), res.Functional)
			}
			for i, row := range res.Functional {
				if row.Status != tt.want[i] {
					t.Errorf("%s: %s (%s), want %s", row.Name, row.Status, row.Measured, tt.want[i])
				}
				if !strings.Contains(row.Measured, tt.measure[i]) {
					t.Errorf("%s: measured %q, want it to hold %q", row.Name, row.Measured, tt.measure[i])
				}
			}
			failed := strings.Join(res.Failures, "\n")
			if tt.failure == "" && strings.Contains(failed, "diff:") {
				t.Errorf("gate fails on the diff: %s", failed)
			}
			if tt.failure != "" && (res.Pass || !strings.Contains(failed, tt.failure)) {
				t.Errorf("gate pass %v, failures %q; want one holding %q", res.Pass, failed, tt.failure)
			}
		})
	}
}

// TestFunctionalRendered: every format shows the block with its marks.
func TestFunctionalRendered(t *testing.T) {
	before, after := checklistRuns(1600 * time.Millisecond)
	res, err := Compare(before.input("b"), after.input("a"), Options{Diff: diffResult()})
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		render func(*bytes.Buffer) error
		want   []string
	}{
		"text": {func(b *bytes.Buffer) error { return Text(b, res) },
			[]string{"Functional verification (deployment checklist)\n  ✅ Response format matches original", "  ✅ Data accuracy", "  ✅ Edge cases", "  ➖ No new errors in logs"}},
		"md": {func(b *bytes.Buffer) error { return Markdown(b, res) },
			[]string{"### Functional verification (deployment checklist)", "| ✅ | Response format matches original |", "| ✅ | Edge cases | no users, no courses, multiple users/courses |"}},
		"json": {func(b *bytes.Buffer) error { return JSON(b, res) },
			[]string{`"functional_verification": [`, `"name": "Data accuracy",`, `"status": "pass"`}},
		"html": {func(b *bytes.Buffer) error { return HTML(b, res) },
			[]string{"<h2>Functional verification (deployment checklist)</h2>", `<td><span class="ok" title="pass">✓</span></td><td>Data accuracy</td>`}},
	} {
		var buf bytes.Buffer
		if err := tt.render(&buf); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s lacks %q:\n%s", name, w, buf.String())
			}
		}
	}
}
