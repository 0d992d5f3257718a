package compare

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/figure"
)

// Text writes the comparison for a terminal: the headline first, then per
// scenario, in benchstat's layout, each percentile before and after with
// its interval, the change ("~" when the row's interval shows none), the
// speed-up with its interval and the row's outcome, with numbered
// footnotes; failures apart from behaviour changes, status codes, DB
// statements, the checklist's success criteria, the claim and the gate.
// Warnings come last.
func Text(out io.Writer, res *Result) error {
	// tabwriter pads empty trailing cells; render to a buffer and trim.
	var buf bytes.Buffer
	if err := text(&buf, res); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(out, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	return nil
}

func text(w io.Writer, res *Result) error {
	fmt.Fprintf(w, "before: %s  %s  %s%s\n", runName(res.Before, "before"), res.Before.Target, res.Before.Start.UTC().Format("2006-01-02 15:04:05Z"), cutShort(res.Before))
	fmt.Fprintf(w, "after:  %s  %s  %s%s\n", runName(res.After, "after"), res.After.Target, res.After.Start.UTC().Format("2006-01-02 15:04:05Z"), cutShort(res.After))
	fmt.Fprintf(w, "\n%s\n", res.Headline)
	var notes footnotes
	for _, d := range res.Scenarios {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
		p("\n%s\tbefore (n=%d)\tafter (n=%d)\tchange\tspeed-up\toutcome\n", d.Name, d.RequestsBefore, d.RequestsAfter)
		for _, r := range d.Rows {
			b, a := valueCells(r)
			p("  %s\t%s\t%s\t%s\t%s\t%s\n", r.Percentile, b, a, changeCell(r), speedCell(r), joinNonEmpty(outcomeCell(r), notes.refs(rowNotes(r))))
		}
		p("  failures\t%s\t%s\t%s\t\t\n", failureCell(d.ErrorRateBefore, d.TimeoutsBefore), failureCell(d.ErrorRateAfter, d.TimeoutsAfter), roseCell(d))
		p("  status\t%s\t%s\t%s\t\t\n", figure.Codes(d.StatusBefore), figure.Codes(d.StatusAfter), statusCell(d))
		if d.StatementsBefore != nil || d.StatementsAfter != nil {
			p("  statements/request\t%s\t%s\t\t\t\n", figure.Optional(d.StatementsBefore), figure.Optional(d.StatementsAfter))
		}
		if d.CapacityBefore != nil {
			p("  capacity knee\t%s\t%s\t\t\t\n", KneeText(d.CapacityBefore), KneeText(d.CapacityAfter))
		}
		p("  criteria\t%s\t%s\t\t\t\n", verdict(d.PassBefore), verdict(d.PassAfter))
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "  Mann–Whitney U over every request: %s (information only: each row is judged on its own interval)\n", pcell(d.Significance))
		if refs := notes.refs(d.Notes); refs != "" {
			fmt.Fprintf(w, "  notes %s\n", refs)
		}
	}
	if len(notes.list) > 0 {
		fmt.Fprintln(w)
		for i, n := range notes.list {
			fmt.Fprintf(w, "[%d] %s\n", i+1, n)
		}
	}
	if err := textWhy(w, res); err != nil {
		return err
	}
	saturationText(w, res)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nSuccess criteria (deployment checklist)\n")
	for _, c := range res.Success {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", figure.Mark(c.Status), c.Name, c.Target, c.Measured)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := functionalText(w, res); err != nil {
		return err
	}
	if res.Claim != nil {
		fmt.Fprintf(w, "\n%s\n", res.Claim.Text)
	}
	if res.Pass {
		fmt.Fprintf(w, "\ngate: PASS (no row slower beyond %s and %s, no row inconclusive, no criterion newly failing, no rise in failures)\n",
			figure.Change(res.MaxRegression), figure.Duration(res.MinEffect))
	} else {
		fmt.Fprintf(w, "\ngate: FAIL\n")
		for _, f := range res.Failures {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
	if len(res.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, warn := range res.Warnings {
			fmt.Fprintf(w, "warning: %s\n", warn)
		}
	}
	return nil
}

// cutShort marks a run that did not run to its end.
func cutShort(r RunRef) string {
	switch {
	case r.Interrupted:
		return "  (interrupted)"
	case r.Incomplete != "":
		return "  (incomplete)"
	}
	return ""
}

// failureCell is a side's failure share, with its timeouts.
func failureCell(share float64, timeouts int64) string {
	s := figure.Share(share)
	if timeouts > 0 {
		s += fmt.Sprintf(" (%d timed out)", timeouts)
	}
	return s
}

// roseCell marks a failure share that rose.
func roseCell(d *ScenarioDiff) string {
	if d.ErrorsRose {
		return "rose"
	}
	return ""
}

// statusCell says what a change of status codes is: a behaviour change
// (answers the scenario does not expect, which are no failures; the
// scenario's notes say which side). A change in failures alone (no
// answer, a timeout, a 5xx) is the failures row's.
func statusCell(d *ScenarioDiff) string {
	switch {
	case d.UnexpectedBefore > 0 || d.UnexpectedAfter > 0:
		return "behaviour change"
	case d.StatusChanged && !onlyFailuresChanged(d):
		return "status codes changed"
	}
	return ""
}

// onlyFailuresChanged says the status codes of both sides differ only in
// failures: 0 (no answer) and 5xx.
func onlyFailuresChanged(d *ScenarioDiff) bool {
	answers := func(m map[string]int64) []string {
		var out []string
		for _, c := range figure.SortedCodes(m) {
			if c != "0" && !strings.HasPrefix(c, "5") {
				out = append(out, c)
			}
		}
		return out
	}
	b, a := answers(d.StatusBefore), answers(d.StatusAfter)
	return len(b) == 0 || len(a) == 0 || slices.Equal(b, a)
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func verdict(pass bool) string {
	if pass {
		return "pass"
	}
	return "fail"
}
