package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// ABMarkdownFile is the Markdown page of an interleaved A/B run.
const ABMarkdownFile = "ab.md"

// ABFormats is the table of an A/B run's formats: text on stdout, ab.json
// and ab.md. The two runs and the comparison are written with their own
// tables.
var ABFormats = Formats[*model.AB]{
	{FormatText, "", ABText},
	{FormatJSON, model.ABFile, func(w io.Writer, a *model.AB) error { return model.Encode(w, a) }},
	{FormatMD, ABMarkdownFile, ABMarkdown},
}

// abMethod says how the speed-ups were computed, under every table.
func abMethod(a *model.AB) string {
	return fmt.Sprintf("Each row pairs the blocks of the two versions: %d pairs of %s blocks in %s order, one ratio after/before of the blocks' percentile per pair; "+
		"the speed-up is the geometric mean of the pairs' ratios with a 95 %% Student t interval. Both blocks of a pair ran seconds apart, "+
		"so the drift of the machine cancels out of their ratio, and alternating AB and BA cancels a drift within pairs.",
		a.Rounds, figure.Duration(a.Block), a.Order)
}

// abCells are one row's cells: before, after, speed-up with its interval,
// outcome.
func abCells(r model.ABRow) (before, after, speedup, outcome string) {
	before, after = figure.Duration(r.Before), figure.Duration(r.After)
	sp := r.Paired.Ratio.Inverse()
	switch {
	case r.Paired.Pairs < 2:
		speedup = "?"
	default:
		speedup = fmt.Sprintf("%s [%s, %s]", figure.Speedup(sp.Value), figure.Speedup(sp.Lo), figure.Speedup(sp.Hi))
	}
	outcome = r.Paired.Outcome.String()
	if r.Paired.Outcome == metrics.NoChange {
		outcome = "~"
	}
	if r.Note != "" {
		outcome = "inconclusive ¹"
	}
	return before, after, speedup, outcome
}

// ABText writes an A/B run for a terminal: per scenario, each percentile
// before and after over all blocks, the paired speed-up with its
// interval and its outcome ("~": no change shown), then the gate.
func ABText(w io.Writer, a *model.AB) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "perfgate ab: before %s, after %s\n", a.Before.Target, a.After.Target)
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	var notes []string
	for _, s := range a.Scenarios {
		fmt.Fprintf(tw, "\n%s\tbefore\tafter\tspeed-up (paired, 95 %%)\t\n", s.Name)
		for _, r := range s.Rows {
			b, af, sp, out := abCells(r)
			gate := ""
			if r.Percentile == s.Gate {
				gate = "  (gate)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s%s\n", r.Percentile, b, af, sp, out, gate)
			if r.Note != "" {
				notes = append(notes, fmt.Sprintf("¹ %s %s: %s", s.Name, r.Percentile, r.Note))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	buf.WriteString("\n" + abMethod(a) + "\n")
	for _, n := range notes {
		buf.WriteString(n + "\n")
	}
	if a.Pass {
		fmt.Fprintf(&buf, "\ngate: PASS (no gated percentile grew beyond %s and %s on its paired interval)\n", figure.ShareProse(a.MaxRegression), figure.Duration(a.MinEffect))
	} else {
		buf.WriteString("\ngate: FAIL\n")
		if a.Interrupted {
			buf.WriteString("  - interrupted before the last block\n")
		}
		for _, f := range a.Failures {
			fmt.Fprintf(&buf, "  - %s\n", f)
		}
	}
	for _, warn := range a.Warnings {
		fmt.Fprintf(&buf, "warning: %s\n", warn)
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	return nil
}

// ABMarkdown writes an A/B run as GitHub-flavoured Markdown, for a pull
// request comment or $GITHUB_STEP_SUMMARY.
func ABMarkdown(w io.Writer, a *model.AB) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("## %s perfgate ab: `%s` → `%s`\n\n", figure.MarkOf(a.Pass), mdCode(a.Before.Target), mdCode(a.After.Target))
	var notes []string
	for _, s := range a.Scenarios {
		p("### %s\n\n| | before | after | speed-up (paired, 95 %%) | |\n|---|--:|--:|--:|---|\n", mdText(s.Name))
		for _, r := range s.Rows {
			b, af, sp, out := abCells(r)
			if r.Percentile == s.Gate {
				out += " (gate)"
			}
			p("| %s | %s | %s | %s | %s |\n", r.Percentile, b, af, sp, mdText(out))
			if r.Note != "" {
				notes = append(notes, fmt.Sprintf("¹ %s %s: %s", s.Name, r.Percentile, r.Note))
			}
		}
		p("\n")
	}
	p("%s\n\n", mdText(abMethod(a)))
	for _, n := range notes {
		p("%s\n\n", mdText(n))
	}
	if a.Pass {
		p("**Gate: pass.**\n")
	} else {
		p("**Gate: fail.**\n\n")
		for _, f := range a.Failures {
			p("- %s\n", mdText(f))
		}
	}
	for _, warn := range a.Warnings {
		p("\n> ⚠️ %s\n", mdText(warn))
	}
	return bw.Flush()
}
