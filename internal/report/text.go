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
		l := sc.Latency
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			sc.Name, sc.Requests, rate, figure.Share(sc.Success),
			cell(sc, "p50", l.P50), cell(sc, "p90", l.P90), cell(sc, "p95", l.P95),
			cell(sc, "p99", l.P99), cell(sc, "max", l.Max), verdictWord(scenarioState(sc)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var notes []string
	for _, sc := range run.Scenarios {
		for _, c := range sc.Criteria {
			word := "FAIL"
			switch {
			case c.Inconclusive && c.Pass:
				word = "allowed"
			case c.Inconclusive:
				word = "INCONCLUSIVE"
			case c.Pass:
				continue
			}
			// Status and errors both fail when nothing was sent: say it once.
			if n := fmt.Sprintf("%s %s: %s", word, sc.Name, c.Message); !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
		if iv := intervals(sc); iv != "" {
			notes = append(notes, fmt.Sprintf("ci   %s: %s (95 %% intervals)", sc.Name, iv))
		}
		for _, n := range percentileNotes(sc) {
			notes = append(notes, fmt.Sprintf("note %s: %s", sc.Name, n))
		}
		if sc.UnderDelivered {
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

// verdictWord is a scenario's state (scenarioState) in the table.
func verdictWord(state string) string {
	if state == stateCut {
		return "CUT"
	}
	return strings.ToUpper(state)
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
