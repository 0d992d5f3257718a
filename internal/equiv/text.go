package equiv

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/figure"
)

// MaxShownDifferences is how many differences of one request diff prints
// as it goes; the rest are counted.
const MaxShownDifferences = 3

// WriteOutcome writes what diff prints as a case's answers come in: a
// line for a scenario file's request that answered alike, nothing for a
// generated one, and for a difference or a request not comparable, the
// first differences and a curl command that reproduces the request. It
// returns the number of differences.
func WriteOutcome(w io.Writer, o Outcome) int {
	c, res := o.Case, o.Result
	timing := fmt.Sprintf("before %s, after %s", roundDuration(o.Before.Latency), roundDuration(o.After.Latency))
	switch {
	case res.NotComparable:
		fmt.Fprintf(w, "%s: %s\n  reproduce: %s\n", c.Label, NotComparableText(o), Curl(c.Before))
	case res.ExpectedStatusChange:
		fmt.Fprintf(w, "%s: expected status change %d → %d (%s)\n", c.Label, o.Before.Status, o.After.Status, timing)
	case res.Equal():
		if c.Explored > 0 {
			return 0
		}
		note := ""
		if c.ExpectStatusChange {
			note = "; diff.expect_status_change is set, but both answered the same"
		}
		fmt.Fprintf(w, "%s: same (%d, %s%s)\n", c.Label, o.Before.Status, timing, note)
	default:
		fmt.Fprintf(w, "%s: %s\n", c.Label, figure.Plural(len(res.Differences), "difference"))
		for i, d := range res.Differences {
			if i == MaxShownDifferences {
				fmt.Fprintf(w, "  … and %d more\n", len(res.Differences)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", d)
		}
		fmt.Fprintf(w, "  reproduce: %s\n", Curl(c.Before))
	}
	return len(res.Differences)
}

// WriteReport writes diff's summary: what was explored and which shapes it
// covered, the differences by kind with the first examples of each, the
// requests not comparable, every normalisation with what it hides, and
// the verdict line.
func WriteReport(w io.Writer, r *diffreport.Report) {
	fmt.Fprintln(w)
	if r.Explored > 0 {
		fmt.Fprintf(w, "explored: %s (seed %d, 1 to %d users and courses each) besides the %s of the scenario files\n",
			figure.Plural(r.Explored, "generated request"), r.Seed, r.MaxSubset, figure.Plural(r.ScenarioRequests, "request"))
	} else {
		fmt.Fprintf(w, "explored: nothing: only the scenario files' %s\n", figure.Plural(r.ScenarioRequests, "request"))
	}
	var covered, missed []string
	for _, s := range r.Shapes {
		label := shapeLabel[Shape(s.Shape)]
		if s.Requests == 0 {
			missed = append(missed, label)
			continue
		}
		covered = append(covered, fmt.Sprintf("%s %d", label, s.Requests))
	}
	if len(covered) > 0 {
		fmt.Fprintf(w, "  shapes compared (requests): %s\n", strings.Join(covered, ", "))
	}
	if len(missed) > 0 {
		fmt.Fprintf(w, "  shapes not compared: %s\n", strings.Join(missed, ", "))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if len(r.Kinds) > 0 {
		fmt.Fprintln(w, "differences by kind:")
		for _, k := range r.Kinds {
			fmt.Fprintf(w, "  %s: %s in %s\n", k.Kind, figure.Plural(k.Differences, "difference"), figure.Plural(k.Requests, "request"))
			for _, e := range k.Examples {
				fmt.Fprintf(w, "    %s: %s\n", e.Label, e.Difference)
			}
		}
	}
	if r.NotComparable > 0 {
		fmt.Fprintf(w, "not comparable: %s answered with a non-2xx status by both versions where the scenario expects 2xx; "+
			"error answers prove nothing (check the path, --set Prefix, the tenant and the fixtures):\n", figure.Plural(r.NotComparable, "request"))
		for _, e := range r.NotComparableExamples {
			fmt.Fprintf(w, "    %s: %s\n", e.Label, e.Difference)
		}
	}
	if len(r.Normalisations) == 0 {
		fmt.Fprintln(w, "normalisations: none: every value compared, every list in order")
	} else {
		fmt.Fprintln(w, "normalisations (differences there are not reported):")
		for _, n := range r.Normalisations {
			fmt.Fprintf(w, "  %s %s from %s: hides %s\n", n.Kind, n.Path, n.Source, n.Hides)
		}
	}
	WriteVerdict(w, r)
}

// WriteVerdict writes diff's last line: what was compared and what was found.
func WriteVerdict(w io.Writer, r *diffreport.Report) {
	compared := figure.Plural(r.Requests, "request") + " compared"
	if r.Explored > 0 {
		compared += fmt.Sprintf(" (%d explored)", r.Explored)
	}
	found := figure.Plural(r.Differences, "difference")
	if r.Different > 0 {
		found += " in " + figure.Plural(r.Different, "request")
	}
	if r.NotComparable > 0 {
		found += fmt.Sprintf(", %d not comparable", r.NotComparable)
	}
	fmt.Fprintf(w, "diff: %s, %s, %s\n", figure.Plural(r.Scenarios, "scenario"), compared, found)
}

// roundDuration keeps the figures worth reading: 48.12s, 1.23s, 12.34ms.
func roundDuration(d time.Duration) time.Duration {
	for _, unit := range []time.Duration{time.Second, time.Millisecond, time.Microsecond} {
		if d >= unit {
			return d.Round(unit / 100)
		}
	}
	return d
}
