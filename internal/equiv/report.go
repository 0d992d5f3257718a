package equiv

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/load"
)

// DefaultExamples is how many examples of each kind of difference the
// summary (and diff.json) keeps, each from another request.
const DefaultExamples = 3

// Structural reports whether d is a difference of structure rather than of
// value: a key missing or extra, a value of another type, a body that is
// JSON on one side only, or another status. The checklist's "response
// format matches original" fails on these.
func (d Difference) Structural() bool {
	switch d.Kind {
	case KindType, KindStatus, KindBytes:
		return true
	case KindMissing, KindExtra:
		// A list element past the end of the shorter list is a matter of
		// data; a key is a matter of format.
		return !strings.HasSuffix(d.Path, "]") || strings.HasSuffix(d.Path, `"]`)
	}
	return false
}

// Summarize counts what a session's outcomes found, groups the
// differences by kind with the first examples of each, and says which
// normalisations were applied and which request shapes were covered: the
// content of diff.json.
func (s *Session) Summarize(outs []Outcome) *diffreport.Report {
	o := s.Options
	rep := &diffreport.Report{Schema: diffreport.Schema, Before: o.Before, After: o.After,
		Seed: o.Seed, MaxSubset: o.MaxSubset, Notes: s.Notes}
	scenarios := map[string]bool{}
	for _, c := range s.Cases {
		if c.Explored > 0 {
			rep.Explored++
		} else {
			rep.ScenarioRequests++
			scenarios[c.Scenario] = true
		}
	}
	rep.Scenarios = len(scenarios)
	if rep.Explored == 0 {
		rep.Seed, rep.MaxSubset = 0, 0
	}

	kinds := map[string]*diffreport.Kind{}
	shapes := map[Shape]*diffreport.Shape{}
	for _, sh := range Shapes {
		shapes[sh] = &diffreport.Shape{Shape: string(sh), Description: sh.Description()}
	}
	edges := make([]diffreport.EdgeCase, len(EdgeCases))
	for i, e := range EdgeCases {
		edges[i].Name = e.Name
		for _, sh := range e.Shapes {
			edges[i].Shapes = append(edges[i].Shapes, string(sh))
		}
	}
	seenNorm := map[diffreport.Normalisation]bool{}
	rep.Normalisations = []diffreport.Normalisation{}
	for _, out := range outs {
		c, res := out.Case, out.Result
		rep.Requests++
		for _, n := range c.Normalisations {
			if !seenNorm[n] {
				seenNorm[n] = true
				rep.Normalisations = append(rep.Normalisations, n)
			}
		}
		// tally adds the request to a shape's or an edge case's counts.
		tally := func(same, different, notComparable *int) {
			switch {
			case res.NotComparable:
				*notComparable++
			case !res.Equal():
				*different++
			case !res.ExpectedStatusChange:
				*same++
			}
		}
		switch {
		case res.NotComparable:
			rep.NotComparable++
			if len(rep.NotComparableExamples) < DefaultExamples {
				rep.NotComparableExamples = append(rep.NotComparableExamples, example(out, NotComparableText(out), ""))
			}
		case res.ExpectedStatusChange:
			rep.ExpectedStatusChanges++
		case res.Equal():
			rep.Same++
		default:
			rep.Different++
		}
		for _, sh := range c.Shapes {
			st := shapes[sh]
			st.Requests++
			tally(&st.Same, &st.Different, &st.NotComparable)
		}
		for i, e := range EdgeCases {
			if slices.ContainsFunc(e.Shapes, func(sh Shape) bool { return slices.Contains(c.Shapes, sh) }) {
				ec := &edges[i]
				ec.Requests++
				if res.ExpectedStatusChange {
					ec.ExpectedStatusChanges++
				}
				tally(&ec.Same, &ec.Different, &ec.NotComparable)
			}
		}
		inRequest := map[string]bool{}
		for _, d := range res.Differences {
			rep.Differences++
			if d.Structural() {
				rep.FormatDifferences++
			}
			k := kinds[d.Kind]
			if k == nil {
				k = &diffreport.Kind{Kind: d.Kind, Examples: []diffreport.Example{}}
				kinds[d.Kind] = k
			}
			k.Differences++
			if !inRequest[d.Kind] {
				inRequest[d.Kind] = true
				k.Requests++
				if len(k.Examples) < DefaultExamples {
					k.Examples = append(k.Examples, example(out, d.String(), d.Path))
				}
			}
		}
	}
	rep.Kinds = []diffreport.Kind{}
	for _, k := range kinds {
		rep.Kinds = append(rep.Kinds, *k)
	}
	slices.SortFunc(rep.Kinds, func(a, b diffreport.Kind) int {
		return cmp.Or(cmp.Compare(b.Differences, a.Differences), cmp.Compare(a.Kind, b.Kind))
	})
	for _, sh := range Shapes {
		rep.Shapes = append(rep.Shapes, *shapes[sh])
	}
	rep.EdgeCases = edges
	rep.Pass = rep.Requests == len(s.Cases) && rep.Different == 0 && rep.NotComparable == 0
	return rep
}

// NotComparableText says why a request was not comparable: "not comparable
// (404 on both)" or "(404 before, 500 after)".
func NotComparableText(o Outcome) string {
	if o.Before.Status == o.After.Status {
		return fmt.Sprintf("not comparable (%d on both)", o.Before.Status)
	}
	return fmt.Sprintf("not comparable (%d before, %d after)", o.Before.Status, o.After.Status)
}

func example(o Outcome, text, path string) diffreport.Example {
	// Examples are printed and kept in diff.json: no credentials in them.
	r := engine.RedactRequest(o.Case.Before)
	req := diffreport.Request{Method: r.Method, URL: r.URL, Body: string(r.Body)}
	if len(r.Header) > 0 {
		req.Headers = map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(r.Header)) {
			req.Headers[k] = strings.Join(r.Header[k], ", ")
		}
	}
	return diffreport.Example{Label: o.Case.Label, Difference: text, Path: path,
		StatusBefore: o.Before.Status, StatusAfter: o.After.Status, Request: req, Curl: Curl(r)}
}

// Curl is a one-line curl command that sends r: every argument quoted for
// a POSIX shell, and with $'…' (bash, zsh, ksh) when the body holds a
// newline or another control character, so that it stays one line.
func Curl(r load.Request) string {
	parts := []string{"curl", "-sS", "-X", shellQuote(r.Method), shellQuote(r.URL)}
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		for _, v := range r.Header[k] {
			parts = append(parts, "-H", shellQuote(k+": "+v))
		}
	}
	if len(r.Body) > 0 {
		parts = append(parts, "--data-raw", shellQuote(string(r.Body)))
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s as one shell word, when it needs quoting.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) {
		return s
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("'")
	return b.String()
}
