package compare

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
)

// Markdown writes the comparison as GitHub-flavoured Markdown for a pull
// request comment or $GITHUB_STEP_SUMMARY.
func Markdown(w io.Writer, res *Result) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	icon := "✅"
	if !res.Pass {
		icon = "❌"
	}
	p("## %s perfgate compare: `%s` → `%s`\n\n", icon, md(runName(res.Before, "before")), md(runName(res.After, "after")))
	if res.Claim != nil {
		ci := "✅"
		if !res.Claim.Reproduced {
			ci = "❌"
		}
		p("**%s %s**\n\n", ci, md(res.Claim.Text))
	}
	p("### Success criteria (deployment checklist)\n\n| | criterion | target | measured |\n|---|---|---|---|\n")
	for _, c := range res.Success {
		p("| %s | %s | %s | %s |\n", figure.Mark(c.Status), md(c.Name), md(c.Target), md(c.Measured))
	}
	p("\n")
	functionalMarkdown(p, res)
	for _, d := range res.Scenarios {
		p("### %s\n\n| | before | after | change | | speed-up |\n|---|--:|--:|--:|---|--:|\n", md(d.Name))
		for _, r := range d.Rows {
			p("| %s | %s | %s | %s | %s | %s |\n", r.Percentile, figure.Duration(r.Before), figure.Duration(r.After), delta(r, d.Significance), pcell(d.Significance), figure.Speedup(r.Speedup))
		}
		p("| error rate | %s | %s | | | |\n", figure.Share(d.ErrorRateBefore), figure.Share(d.ErrorRateAfter))
		changed := ""
		if d.StatusChanged {
			changed = "behaviour change"
		}
		p("| status | %s | %s | %s | | |\n", figure.Codes(d.StatusBefore), figure.Codes(d.StatusAfter), changed)
		if d.StatementsBefore != nil || d.StatementsAfter != nil {
			p("| statements/request | %s | %s | | | |\n", figure.Optional(d.StatementsBefore), figure.Optional(d.StatementsAfter))
		}
		p("| criteria | %s | %s | | | |\n\n", passMark(d.PassBefore), passMark(d.PassAfter))
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
	if hasUnknown(res) {
		p("\n`?`: significance unknown, the raw results were not found.\n")
	}
	return bw.Flush()
}

func passMark(pass bool) string {
	if pass {
		return "✅"
	}
	return "❌"
}

var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'")

func md(s string) string { return mdEscaper.Replace(s) }
