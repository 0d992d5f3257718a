package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// FormatDuration renders a latency for people: at most three significant
// digits in the largest unit that keeps it at or above 1 ("2.41s", "812ms").
func FormatDuration(d time.Duration) string { return figDuration(d) }

// FormatShare renders a 0..1 share as a percentage ("2.5%").
func FormatShare(share float64) string { return figPercent(share) }

// FormatFloat renders a per-request figure ("101", "1.25").
func FormatFloat(v float64) string { return figFloat(v) }

// Text writes the run's summary table for a terminal or a CI log: one line
// per scenario, then every failed criterion spelled out, then the verdict.
func Text(w io.Writer, run *Run) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "perfgate run")
	if run.Label != "" {
		fmt.Fprintf(b, " %q", run.Label)
	}
	fmt.Fprintf(b, " against %s\n\n", run.Target)

	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\trate\tok\tp50\tp90\tp95\tp99\tmax\tverdict\t")
	for _, sc := range run.Scenarios {
		rate := figRate(sc.AchievedRate)
		if sc.UnderDelivered {
			rate += "!"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			sc.Name, sc.Requests, rate, figPercent(sc.Success),
			figDuration(sc.Latency.P50), figDuration(sc.Latency.P90), figDuration(sc.Latency.P95),
			figDuration(sc.Latency.P99), figDuration(sc.Latency.Max), verdictWord(sc.Pass, sc.Interrupted))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var notes []string
	for _, sc := range run.Scenarios {
		for _, c := range sc.Criteria {
			if !c.Pass {
				notes = append(notes, fmt.Sprintf("FAIL %s: %s", sc.Name, c.Message))
			}
		}
		if sc.UnderDelivered {
			notes = append(notes, fmt.Sprintf("note %s: achieved %s of the %s asked (under 99 %%): its latencies describe a lighter load; raise --max-workers or lower the rate",
				sc.Name, figRate(sc.AchievedRate), figRequested(sc)))
		}
		if sc.DB != nil {
			notes = append(notes, fmt.Sprintf("db   %s: %s statements, %s seq scans, %s index scans, %s rows read per request; indexes %s",
				sc.Name, figFloat(sc.DB.StatementsPerRequest), figFloat(sc.DB.SeqScansPerRequest),
				figFloat(sc.DB.IndexScansPerRequest), figFloat(sc.DB.RowsReadPerRequest), presentWord(sc.DB)))
		}
		for _, e := range sc.Errors {
			notes = append(notes, fmt.Sprintf("err  %s: %d× %s", sc.Name, e.Count, e.Error))
		}
	}
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

func verdictWord(pass, interrupted bool) string {
	switch {
	case interrupted:
		return "CUT"
	case pass:
		return "PASS"
	}
	return "FAIL"
}

func presentWord(db *DB) string {
	if db.IndexesPresent {
		return "all present"
	}
	if n := len(db.MissingIndexes); n > 0 {
		return fmt.Sprintf("%d of 7 missing (perfgate db indexes verify lists them)", n)
	}
	return "missing"
}
