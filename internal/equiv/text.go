package equiv

import (
	"fmt"
	"io"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
)

// WriteOutcome writes one line for a case, or one per difference, as diff
// prints them, and returns the number of differences.
func WriteOutcome(w io.Writer, o Outcome) int {
	c, res := o.Case, o.Result
	timing := fmt.Sprintf("before %s, after %s", roundDuration(o.Before.Latency), roundDuration(o.After.Latency))
	switch {
	case res.ExpectedStatusChange:
		fmt.Fprintf(w, "%s: expected status change %d → %d (%s)\n", c.Label, o.Before.Status, o.After.Status, timing)
	case res.Equal():
		note := ""
		if c.ExpectStatusChange {
			note = "; diff.expect_status_change is set, but both answered the same"
		}
		fmt.Fprintf(w, "%s: same (%d, %s%s)\n", c.Label, o.Before.Status, timing, note)
	default:
		for _, d := range res.Differences {
			fmt.Fprintf(w, "%s: %s\n", c.Label, d)
		}
	}
	return len(res.Differences)
}

// WriteVerdict writes diff's last line: what was compared and how many
// differences were found.
func WriteVerdict(w io.Writer, cases []Case, differences int) {
	scenarios := 0
	for i, c := range cases {
		if i == 0 || c.Scenario != cases[i-1].Scenario {
			scenarios++
		}
	}
	fmt.Fprintf(w, "diff: %s, %s compared, %s\n",
		figure.Plural(scenarios, "scenario"), figure.Plural(len(cases), "request"), figure.Plural(differences, "difference"))
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
