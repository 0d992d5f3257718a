package compare

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
)

// maxNote is the footnote of every max row.
const maxNote = "max is shown, never judged: no sample size gives it an interval"

// changeCell is the change column in benchstat's layout: the change when
// the row is faster or slower, "~" when its interval shows no change
// beyond the minimum effect, "?" when inconclusive, and the change in
// parentheses for the max, which is never judged.
func changeCell(r Row) string {
	if !r.Judged {
		return "(" + figure.Change(r.Change) + ")"
	}
	switch r.Outcome {
	case metrics.NoChange:
		return "~"
	case metrics.Inconclusive:
		return "?"
	}
	return figure.ChangeOf(r.Interval.Ratio)
}

// outcomeCell is a row's verdict in words.
func outcomeCell(r Row) string {
	if !r.Judged {
		return "not judged"
	}
	return r.Outcome.String()
}

// speedCell is the speed-up with its interval: "501× [480×, 520×]".
func speedCell(r Row) string {
	su := r.Speed()
	if r.Interval == nil {
		return figure.Speedup(r.Speedup)
	}
	// An inconclusive row's interval rests on too few requests to mean
	// anything: the speed-up is shown alone.
	if iv := figure.RatioInterval(su); iv != "" && r.Judged && r.Outcome != metrics.Inconclusive {
		return figure.SpeedupOf(su) + " " + iv
	}
	return figure.SpeedupOf(su)
}

// valueCells are a row's before and after: each percentile with its
// interval, "573ms [560ms, 590ms]", or the summary's figure alone
// without raw results.
func valueCells(r Row) (before, after string) {
	if r.Interval == nil {
		return figure.Duration(r.Before), figure.Duration(r.After)
	}
	cell := func(p metrics.Percentile) string {
		if p.N == 0 {
			return "none"
		}
		if p.P >= 100 {
			return figure.Bounded(p)
		}
		return figure.Bounded(p) + " " + figure.Interval(p)
	}
	return cell(r.Interval.Before), cell(r.Interval.After)
}

// pcell is the Mann–Whitney "(p=0.008 n=10)" of a scenario, shown as
// information under its table.
func pcell(s *Significance) string {
	if s == nil {
		return "no raw results"
	}
	text := s.String()
	if s.P < 0.0005 {
		// benchmath prints "p=0.000", or nothing when the p-value
		// underflowed to 0.
		text = "p<0.001 " + strings.TrimPrefix(text, "p=0.000 ")
	}
	if s.Subsampled {
		text += fmt.Sprintf(", on an evenly spaced subsample of at most %d requests a side", metrics.MaxSignificanceSample)
	}
	return text
}

// footnotes numbers the notes of a comparison in the order a renderer
// meets them, each once.
type footnotes struct {
	list  []string
	index map[string]int
}

// refs registers notes and returns their marks: "[1,3]"; "" for none.
func (f *footnotes) refs(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	if f.index == nil {
		f.index = map[string]int{}
	}
	var nums []string
	for _, n := range notes {
		i, ok := f.index[n]
		if !ok {
			f.list = append(f.list, n)
			i = len(f.list)
			f.index[n] = i
		}
		nums = append(nums, strconv.Itoa(i))
	}
	return "[" + strings.Join(nums, ",") + "]"
}

// rowNotes are the notes a row's cells refer to.
func rowNotes(r Row) []string {
	if !r.Judged {
		return []string{maxNote}
	}
	return r.Notes
}

func runName(r RunRef, fallback string) string {
	if r.Label != "" {
		return r.Label
	}
	return fallback
}
