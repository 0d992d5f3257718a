package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// Text writes the run's summary table for a terminal or a CI log: one line
// per scenario, then every failed criterion spelled out, then the verdict.
func Text(w io.Writer, run *model.Run) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "perfgate run")
	if run.Label != "" {
		fmt.Fprintf(b, " %q", run.Label)
	}
	fmt.Fprintf(b, " against %s\n\n", run.Target)

	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\trate\tok\tp50\tp90\tp95\tp99\tmax\tverdict\t")
	for _, sc := range run.Scenarios {
		rate := figure.Rate(sc.AchievedRate)
		if sc.UnderDelivered {
			rate += "!"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			sc.Name, sc.Requests, rate, figure.Share(sc.Success),
			figure.Duration(sc.Latency.P50), figure.Duration(sc.Latency.P90), figure.Duration(sc.Latency.P95),
			figure.Duration(sc.Latency.P99), figure.Duration(sc.Latency.Max), verdictWord(sc.Pass, sc.Interrupted))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var notes []string
	for _, sc := range run.Scenarios {
		for _, c := range sc.Criteria {
			// Status and errors both fail when nothing was sent: say it once.
			if n := fmt.Sprintf("FAIL %s: %s", sc.Name, c.Message); !c.Pass && !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
		notes = append(notes, scheduleText(sc)...)
		if sc.UnderDelivered && !judgedDelivery(sc) {
			notes = append(notes, fmt.Sprintf("note %s: achieved %s of the %s asked (under 99 %%): its latencies describe a lighter load; raise --max-workers or lower the rate",
				sc.Name, figure.Rate(sc.AchievedRate), figRequested(sc)))
		}
		if sc.DB != nil {
			notes = append(notes, fmt.Sprintf("db   %s: %s statements, %s seq scans, %s index scans, %s rows read per request; indexes %s",
				sc.Name, figure.Optional(sc.DB.Statements()), figure.Float(sc.DB.SeqScansPerRequest),
				figure.Float(sc.DB.IndexScansPerRequest), figure.Float(sc.DB.RowsReadPerRequest), presentWord(sc.DB)))
		}
		notes = append(notes, whyText(run, sc)...)
		for _, e := range sc.Errors {
			notes = append(notes, fmt.Sprintf("err  %s: %d× %s", sc.Name, e.Count, e.Error))
		}
	}
	notes = append(notes, envText(run)...)
	for _, wn := range run.Warnings {
		notes = append(notes, "warning: "+wn)
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	b.WriteString("\n" + headline(run) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// judgedDelivery says sc has a delivery criterion, whose message (or the
// run's warning when allowed) already says why its load fell short; runs
// written before it existed get the note.
func judgedDelivery(sc *model.Scenario) bool {
	return slices.ContainsFunc(sc.Criteria, func(c model.Criterion) bool { return c.Name == "delivery" })
}

func verdictWord(pass, interrupted bool) string {
	switch {
	case interrupted:
		return "CUT"
	case pass:
		return "PASS"
	}
	return "FAIL"
}

func presentWord(db *model.DB) string {
	if db.IndexesPresent {
		return "all present"
	}
	if n := len(db.MissingIndexes); n > 0 {
		return fmt.Sprintf("%d of 7 missing (perfgate db indexes verify lists them)", n)
	}
	return "missing"
}
