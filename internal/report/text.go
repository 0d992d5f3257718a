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
// It is TextHeader followed by TextTable.
func Text(w io.Writer, run *model.Run) error {
	if err := TextHeader(w, run.Label, run.Target); err != nil {
		return err
	}
	return TextTable(w, run)
}

// TextHeader writes the line a run's text opens with, and a blank line. A
// run prints it before the first scenario starts, so that a log shows at
// once what is being measured.
func TextHeader(w io.Writer, label, target string) error {
	s := "perfgate run"
	if label != "" {
		s += fmt.Sprintf(" %q", label)
	}
	_, err := fmt.Fprintf(w, "%s against %s\n\n", s, target)
	return err
}

// TextTable writes the run's text without its header: the table, the
// notes and the verdict.
func TextTable(w io.Writer, run *model.Run) error {
	b := &strings.Builder{}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\trate\tsuccess\tp50\tp90\tp95\tp99\tmax\tverdict\t")
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
		notes = append(notes, scheduleText(sc)...)
		if body := failingBody(sc); body != "" {
			notes = append(notes, fmt.Sprintf("     %s: first failing answer: %s", sc.Name, body))
		}
		if sc.UnderDelivered && !judgedDelivery(sc) {
			notes = append(notes, fmt.Sprintf("note %s: achieved %s of the %s asked (under 99 %%): its latencies describe a lighter load; raise --max-workers or lower the rate",
				sc.Name, figure.Rate(sc.AchievedRate), figRequested(sc)))
		}
		if sc.DB != nil {
			stmts := "n/a statements"
			if v := sc.DB.Statements(); v != nil {
				stmts = figure.PerRequest(*v, "statement")
			}
			notes = append(notes, fmt.Sprintf("db   %s: %s, %s, %s, %s read per request; indexes %s",
				sc.Name, stmts, figure.PerRequest(sc.DB.SeqScansPerRequest, "seq scan"),
				figure.PerRequest(sc.DB.IndexScansPerRequest, "index scan"), figure.PerRequest(sc.DB.RowsReadPerRequest, "row"), presentWord(sc.DB)))
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

// maxTextBody is how much of a failing body the text shows: enough to read
// an error message, short enough for one line of a log.
const maxTextBody = 160

// failingBody is the first failing body a check kept, with its reason, or
// else the scenario's failing answer, shortened to one line, when the
// scenario failed on its status or a check: the answer behind "status 200
// on 10/10 requests (want 400)" says more than the code. "" when there is
// none.
func failingBody(sc *model.Scenario) string {
	failed := false
	for _, c := range sc.Criteria {
		if !c.Pass && (c.Name == "status" || strings.HasPrefix(c.Name, "check:")) {
			failed = true
		}
	}
	if !failed {
		return ""
	}
	for _, ch := range sc.Checks {
		if len(ch.Failures) > 0 {
			// A sample is "<reason>: <body>", the reason as in the FAIL line.
			return oneLine(ch.Failures[0], maxTextBody)
		}
	}
	if a := sc.FailingAnswer; a != nil {
		how := "answered"
		if a.Resent {
			how = "answered again after the load"
		}
		return oneLine(fmt.Sprintf("%s %d: %s", how, a.Status, a.Body), maxTextBody)
	}
	return ""
}

// oneLine folds s onto one line and shortens it to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(s, "…")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// ScenarioLine says in one line how a scenario ended, for a run to print
// as soon as it is judged: "single-user-single-course: PASS, 10 requests,
// p95 626ms, success 100%", and after a FAIL its first failed criterion.
func ScenarioLine(sc *model.Scenario) string {
	s := fmt.Sprintf("%s: %s, %s, p95 %s, success %s", sc.Name, verdictWord(scenarioState(sc)),
		figure.Plural(int(sc.Requests), "request"), figure.Duration(sc.Latency.P95), figure.Share(sc.Success))
	for _, c := range sc.Criteria {
		if !c.Pass && c.Message != "" {
			return s + "; " + c.Message
		}
	}
	return s
}
