package compare

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/figure"
)

// Text writes the comparison for a terminal, in benchstat's layout: per
// scenario, before and after per percentile, the change ("~" when not
// significant) with "(p=… n=…)", and the speed-up; then error rates, status
// codes, DB statements, the checklist's success criteria, the claim and the
// gate verdict. Warnings come last as footnotes.
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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("before: %s  %s  %s\n", runName(res.Before, "before"), res.Before.Target, res.Before.Start.UTC().Format("2006-01-02 15:04:05Z"))
	p("after:  %s  %s  %s\n", runName(res.After, "after"), res.After.Target, res.After.Start.UTC().Format("2006-01-02 15:04:05Z"))
	for _, d := range res.Scenarios {
		p("\n%s\tbefore\tafter\tchange\t\tspeed-up\n", d.Name)
		for _, r := range d.Rows {
			p("  %s\t%s\t%s\t%s\t%s\t%s\n", r.Percentile, figure.Duration(r.Before), figure.Duration(r.After), delta(r, d.Significance), pcell(d.Significance), figure.Speedup(r.Speedup))
		}
		p("  error rate\t%s\t%s\t\t\t\n", figure.Share(d.ErrorRateBefore), figure.Share(d.ErrorRateAfter))
		changed := ""
		if d.StatusChanged {
			changed = "behaviour change"
		}
		p("  status\t%s\t%s\t%s\t\t\n", figure.Codes(d.StatusBefore), figure.Codes(d.StatusAfter), changed)
		if d.StatementsBefore != nil || d.StatementsAfter != nil {
			p("  statements/request\t%s\t%s\t\t\t\n", figure.Optional(d.StatementsBefore), figure.Optional(d.StatementsAfter))
		}
		p("  criteria\t%s\t%s\t\t\t\n", verdict(d.PassBefore), verdict(d.PassAfter))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := textWhy(w, res); err != nil {
		return err
	}
	saturationText(w, res)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
		fmt.Fprintf(w, "\ngate: PASS (no significant p95 regression beyond %s, no criterion newly failing, no error-rate rise)\n", figure.Share(res.MaxRegression))
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
	if hasUnknown(res) {
		fmt.Fprintln(w, "? significance unknown: the raw results (<scenario>.parquet) were not found next to summary.json")
	}
	return nil
}

func verdict(pass bool) string {
	if pass {
		return "pass"
	}
	return "fail"
}

func hasUnknown(res *Result) bool {
	for _, d := range res.Scenarios {
		if d.Significance == nil {
			return true
		}
	}
	return false
}
