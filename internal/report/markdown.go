package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Markdown writes run as GitHub-flavoured Markdown that fits a pull-request
// comment or $GITHUB_STEP_SUMMARY: the verdict, a table of every scenario,
// then per scenario its criteria, checks and database figures.
func Markdown(w io.Writer, run *model.Run) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	icon := "✅"
	if !run.Pass {
		icon = "❌"
	}
	title := "perfgate run"
	if run.Label != "" {
		title += " `" + mdCode(run.Label) + "`"
	}
	p("## %s %s: %s\n\n", icon, title, mdText(headline(run)))
	p("Target `%s` · %s → %s (%s) · %s %s\n\n", mdCode(run.Target),
		run.Start.UTC().Format("2006-01-02 15:04:05Z"), run.End.UTC().Format("15:04:05Z"),
		figure.Duration(run.End.Sub(run.Start)), mdText(run.Tool.Name), mdText(run.Tool.Version))
	if run.Shard != nil {
		p("Shard %d of %d.\n\n", run.Shard.Index+1, run.Shard.Count)
	}
	for _, warn := range run.Warnings {
		p("> ⚠️ %s\n\n", mdText(warn))
	}

	p("| | scenario | requests | rate | success | p50 | p90 | p95 | p99 | max |\n")
	p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, sc := range run.Scenarios {
		rate := figure.Rate(sc.AchievedRate) + " of " + mdText(figRequested(sc))
		if sc.UnderDelivered {
			rate += " ⚠️ under-delivered"
		}
		l := sc.Latency
		p("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
			stateMark(sc), mdText(sc.Name), sc.Requests, rate, figure.Share(sc.Success),
			mdText(cell(sc, "p50", l.P50)), mdText(cell(sc, "p90", l.P90)), mdText(cell(sc, "p95", l.P95)), mdText(cell(sc, "p99", l.P99)), mdText(cell(sc, "max", l.Max)))
	}
	p("\n")
	if under := underDelivered(run); len(under) > 0 {
		p("> ⚠️ Under-delivered (achieved rate below 99 %% of the requested rate): %s. Their latencies describe a lighter load than asked for; raise --max-workers or lower the rate.\n\n",
			mdText(strings.Join(under, ", ")))
	}

	stmts := &statementIndex{}
	for _, sc := range run.Scenarios {
		p("### %s %s\n\n", stateMark(sc), mdText(sc.Name))
		if sc.Description != "" {
			p("%s\n\n", mdText(sc.Description))
		}
		p("`%s %s` · %d requests in %s · status %s", mdCode(sc.Method), mdCode(sc.URL), sc.Requests,
			figure.Duration(sc.Wall), mdText(figure.Codes(sc.StatusCodes)))
		if sc.Interrupted {
			p(" · **interrupted**")
		}
		p("\n\n")
		if len(sc.Percentiles) > 0 {
			p("| latency | value | 95 %% interval | n |\n|---|--:|--:|--:|\n")
			for _, pc := range sc.Percentiles {
				iv := figure.Interval(pc)
				if pc.P >= 100 {
					iv = "none at any n"
				}
				p("| %s | %s | %s | %d |\n", metrics.PercentileName(pc.P), mdText(cell(sc, metrics.PercentileName(pc.P), pc.Value)), mdText(iv), pc.N)
			}
			p("\n")
		}
		if notes := percentileNotes(sc); len(notes) > 0 {
			for i, n := range notes {
				if i > 0 {
					p(">\n")
				}
				p("> %s\n", mdText(n))
			}
			p("\n")
		}
		if len(sc.Criteria) > 0 {
			p("| | criterion | want | observed | |\n|---|---|---|---|---|\n")
			for _, c := range sc.Criteria {
				p("| %s | %s | %s | %s | %s |\n", figure.Mark(criterionState(c)), mdText(c.Name), mdText(c.Want), mdText(c.Observed), mdText(c.Message))
			}
			p("\n")
		}
		if len(sc.Checks) > 0 {
			p("| | check | passed | failed |\n|---|---|--:|--:|\n")
			for _, c := range sc.Checks {
				p("| %s | %s <br>`%s` | %d | %d |\n", figure.MarkOf(c.Failed == 0), mdText(c.Name), mdCode(c.JQ), c.Passed, c.Failed)
			}
			p("\n")
			for _, c := range sc.Checks {
				if len(c.Failures) == 0 {
					continue
				}
				p("<details><summary>%s: first failing bodies</summary>\n\n", htmlEscaper.Replace(c.Name))
				for _, f := range c.Failures {
					p("```\n%s\n```\n", strings.ReplaceAll(f, "```", "` ` `"))
				}
				p("\n</details>\n\n")
			}
		}
		if len(sc.Errors) > 0 {
			p("| transport error | count |\n|---|--:|\n")
			for _, e := range sc.Errors {
				p("| %s | %d |\n", mdText(e.Error), e.Count)
			}
			p("\n")
		}
		markdownSchedule(bw, sc)
		if sc.DB != nil {
			markdownDB(bw, sc.DB, stmts)
		}
		markdownWhy(bw, run, sc)
	}
	stmts.write(bw)
	markdownEnvironment(bw, run)
	return bw.Flush()
}

// mdStatementWidth is how much of a statement a table cell shows: a
// table with the whole of a 600-character CTE in it pushes calls, mean and
// rows past the right edge of a pull-request page.
const mdStatementWidth = 60

// statementIndex numbers the statements a Markdown report names, in the
// order they first appear, so that each is written in full once (the
// same statement is often among the slowest of every scenario).
type statementIndex struct {
	queries []string
}

// id returns the statement's number, S1, S2, …, adding it if new.
func (x *statementIndex) id(q string) string {
	i := slices.Index(x.queries, q)
	if i < 0 {
		x.queries = append(x.queries, q)
		i = len(x.queries) - 1
	}
	return fmt.Sprintf("S%d", i+1)
}

// write writes every statement in full, folded away in a <details>.
func (x *statementIndex) write(w io.Writer) {
	if len(x.queries) == 0 {
		return
	}
	if len(x.queries) == 1 {
		fmt.Fprint(w, "<details><summary>Statement S1 in full</summary>\n\n")
	} else {
		fmt.Fprintf(w, "<details><summary>Statements S1 to S%d in full</summary>\n\n", len(x.queries))
	}
	for i, q := range x.queries {
		fmt.Fprintf(w, "S%d:\n\n```sql\n%s\n```\n\n", i+1, strings.ReplaceAll(q, "```", "` ` `"))
	}
	fmt.Fprint(w, "</details>\n\n")
}

// stateMark marks a scenario's state: ✅, ❌ (failed or cut short), ❔
// (inconclusive).
func stateMark(sc *model.Scenario) string {
	if st := scenarioState(sc); st != stateCut {
		return figure.Mark(st)
	}
	return figure.Mark(figure.Fail)
}

func markdownDB(w io.Writer, db *model.DB, index *statementIndex) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	idx := "✅ all seven present"
	if !db.IndexesPresent {
		idx = "❌ missing"
		if len(db.MissingIndexes) > 0 {
			idx += ": " + mdText(strings.Join(db.MissingIndexes, ", "))
		}
	}
	stmts := figure.Float(db.StatementsPerRequest)
	if !db.StatementsAvailable {
		stmts = "n/a (pg_stat_statements not available)"
	}
	p("| database, per request | |\n|---|--:|\n")
	p("| statements | %s |\n", stmts)
	if db.TransactionsPerRequest != 0 {
		p("| transactions | %s |\n", figure.Float(db.TransactionsPerRequest))
	}
	p("| sequential scans | %s |\n| index scans | %s |\n| rows read | %s |\n| indexes | %s |\n\n",
		figure.Float(db.SeqScansPerRequest), figure.Float(db.IndexScansPerRequest), figure.Float(db.RowsReadPerRequest), idx)
	if len(db.SlowestStatements) > 0 {
		p("| | slowest statements (in full below) | calls | mean | rows |\n|---|---|--:|--:|--:|\n")
		for _, s := range db.SlowestStatements {
			p("| %s | `%s` | %d | %s | %d |\n", index.id(s.Query), mdCode(oneLine(s.Query, mdStatementWidth)), s.Calls, figure.Duration(s.MeanTime), s.Rows)
		}
		p("\n")
	}
}

func underDelivered(run *model.Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		if sc.UnderDelivered {
			out = append(out, sc.Name)
		}
	}
	return out
}

var (
	// mdEscaper keeps user text from breaking a table row or turning into
	// markup: pipes, newlines and the characters GitHub would interpret.
	mdEscaper = strings.NewReplacer(
		"|", `\|`, "\r\n", " ", "\n", " ", "\r", " ",
		"<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	)
	// mdCodeEscaper is for text inside `code`, where only pipes (table
	// cells) and newlines matter and backticks would end the span.
	mdCodeEscaper = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "`", "'")
	htmlEscaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

func mdText(s string) string { return mdEscaper.Replace(s) }
func mdCode(s string) string { return mdCodeEscaper.Replace(s) }
