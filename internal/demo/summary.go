package demo

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Summary is the final screen: per scenario the p50 before and after with
// their intervals, the speed-up with its interval and the row's outcome,
// the statements per request and any behaviour change; the checklist's
// success criteria, the claim, the 2×2 with --matrix, and the
// comparison's headline with what fails its gate.
func Summary(w io.Writer, r *Result, matrix bool) error {
	res, runs := r.Comparison, r.Runs
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tp50 before\tp50 after\tspeed-up\tstatements/request before → after\tstatus")
	for _, d := range res.Scenarios {
		var p50 compare.Row
		for _, r := range d.Rows {
			if r.Percentile == "p50" {
				p50 = r
			}
		}
		before, after := figure.Duration(p50.Before), figure.Duration(p50.After)
		speed := figure.Speedup(p50.Speedup) + " (" + p50.Outcome.String() + ")"
		if c := p50.Interval; c != nil {
			before, after = figure.Bounded(c.Before)+" "+figure.Interval(c.Before), figure.Bounded(c.After)+" "+figure.Interval(c.After)
			su := c.Ratio.Inverse()
			speed = figure.SpeedupOf(su)
			if p50.Outcome != metrics.Inconclusive {
				speed += " " + figure.RatioInterval(su)
			}
			speed += " " + p50.Outcome.String()
		}
		status := "same"
		switch {
		case d.UnexpectedBefore > 0 || d.UnexpectedAfter > 0:
			status = fmt.Sprintf("behaviour change: %s → %s (expects %d)", strings.Join(figure.SortedCodes(d.StatusBefore), ","),
				strings.Join(figure.SortedCodes(d.StatusAfter), ","), d.ExpectedStatus)
		case d.TimeoutsBefore > 0 || d.TimeoutsAfter > 0:
			status = fmt.Sprintf("timed out: %d → %d (failures)", d.TimeoutsBefore, d.TimeoutsAfter)
		case d.StatusChanged:
			status = fmt.Sprintf("%s → %s", figure.Codes(d.StatusBefore), figure.Codes(d.StatusAfter))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s → %s\t%s\n", d.Name, before, after, speed,
			figure.Optional(d.StatementsBefore), figure.Optional(d.StatementsAfter), status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nSuccess criteria (deployment checklist)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range res.Success {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", figure.Mark(c.Status), c.Name, c.Target, c.Measured)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Claim != nil {
		fmt.Fprintf(w, "\n%s\n", res.Claim.Text)
	}
	if matrix {
		if err := matrixTable(w, runs); err != nil {
			return err
		}
	}
	// The comparison's verdict as compare.html shows it: the demo
	// succeeds on what it demonstrates (the after run meets its criteria,
	// the claim holds, the answers are equal), and says what else the
	// compare gate finds rather than hide it.
	fmt.Fprintf(w, "\ncompare: %s\n", res.Headline)
	if !res.Pass {
		for _, f := range res.Failures {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
	return nil
}

// matrixTable shows the 2×2: the p50 of each scenario in each cell, and the
// speed-up over the original (naive, no indexes).
func matrixTable(w io.Writer, runs map[string]*model.Run) error {
	fmt.Fprintln(w, "\nWhat each change buys (p50, speed-up over the original code without indexes)")
	base := runs[CellBefore.Name]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tnaive, no indexes\toptimized, no indexes\tnaive, indexes\toptimized, indexes")
	for _, sc := range base.Scenarios {
		row := []string{sc.Name}
		for _, c := range []Cell{CellBefore, CellCodeOnly, CellIndexes, CellAfter} {
			other := findScenario(runs[c.Name], sc.Name)
			if other == nil {
				row = append(row, "-")
				continue
			}
			row = append(row, fmt.Sprintf("%s (%s)", figure.Duration(other.Latency.P50),
				figure.Speedup(float64(sc.Latency.P50)/float64(max(other.Latency.P50, 1)))))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func findScenario(run *model.Run, name string) *model.Scenario {
	if run == nil {
		return nil
	}
	for _, sc := range run.Scenarios {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}
