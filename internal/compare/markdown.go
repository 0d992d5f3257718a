package compare

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
)

// Markdown writes the comparison as GitHub-flavoured Markdown for a pull
// request comment or $GITHUB_STEP_SUMMARY: the headline as its title,
// then the same tables and footnotes as the text.
func Markdown(w io.Writer, res *Result) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	icon := "✅"
	if !res.Pass {
		icon = "❌"
	}
	p("## %s perfgate compare: `%s` → `%s`\n\n", icon, md(runName(res.Before, "before")), md(runName(res.After, "after")))
	p("**%s**\n\n", md(res.Headline))
	if res.Claim != nil {
		p("%s\n\n", md(res.Claim.Text))
	}
	p("### Success criteria (deployment checklist)\n\n| | criterion | target | measured |\n|---|---|---|---|\n")
	for _, c := range res.Success {
		p("| %s | %s | %s | %s |\n", figure.Mark(c.Status), md(c.Name), md(c.Target), md(c.Measured))
	}
	p("\n")
	functionalMarkdown(p, res)
	var notes footnotes
	for _, d := range res.Scenarios {
		p("### %s\n\n| | before (n=%d) | after (n=%d) | change | speed-up | outcome |\n|---|--:|--:|--:|--:|---|\n",
			md(d.Name), d.RequestsBefore, d.RequestsAfter)
		for _, r := range d.Rows {
			b, a := valueCells(r)
			p("| %s | %s | %s | %s | %s | %s |\n", r.Percentile, md(b), md(a), md(changeCell(r)), md(speedCell(r)),
				md(joinNonEmpty(outcomeCell(r), notes.refs(rowNotes(r)))))
		}
		p("| failures | %s | %s | %s | | |\n", failureCell(d.ErrorRateBefore, d.TimeoutsBefore), failureCell(d.ErrorRateAfter, d.TimeoutsAfter), roseCell(d))
		p("| status | %s | %s | %s | | |\n", figure.Codes(d.StatusBefore), figure.Codes(d.StatusAfter), md(statusCell(d)))
		if d.StatementsBefore != nil || d.StatementsAfter != nil {
			p("| statements/request | %s | %s | | | |\n", figure.Optional(d.StatementsBefore), figure.Optional(d.StatementsAfter))
		}
		if d.CapacityBefore != nil {
			p("| capacity knee | %s | %s | | | |\n", md(KneeText(d.CapacityBefore)), md(KneeText(d.CapacityAfter)))
		}
		p("| criteria | %s | %s | | | |\n\n", passMark(d.PassBefore), passMark(d.PassAfter))
		p("Mann–Whitney U over every request: %s (information only: each row is judged on its own interval)", md(pcell(d.Significance)))
		if refs := notes.refs(d.Notes); refs != "" {
			p(" · notes %s", refs)
		}
		p("\n\n")
	}
	if len(notes.list) > 0 {
		for i, n := range notes.list {
			p("%d. %s\n", i+1, md(n))
		}
		p("\n")
	}
	markdownWhy(bw, res)
	markdownSaturation(bw, res)
	if res.Pass {
		p("**Gate: pass.**\n")
	} else {
		p("**Gate: fail.**\n\n")
		for _, f := range res.Failures {
			p("- %s\n", md(f))
		}
	}
	if len(res.Warnings) > 0 {
		p("\n")
		for _, warn := range res.Warnings {
			p("> ⚠️ %s\n>\n", md(warn))
		}
	}
	return bw.Flush()
}

func passMark(pass bool) string {
	if pass {
		return "✅"
	}
	return "❌"
}

var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'", "[", `\[`, "]", `\]`)

func md(s string) string { return mdEscaper.Replace(s) }
