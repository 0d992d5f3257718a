package report

import (
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// figRequested is the requested rate as the user wrote it, or derived.
func figRequested(sc *model.Scenario) string {
	if sc.Rate != "" {
		return sc.Rate
	}
	if sc.RequestedRate == 0 {
		return "max"
	}
	return figure.Rate(sc.RequestedRate)
}

// failedScenarios names the scenarios whose verdict is fail.
func failedScenarios(run *model.Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		if !sc.Pass {
			out = append(out, sc.Name)
		}
	}
	return out
}

// headline is the one-line verdict every format opens with.
func headline(run *model.Run) string {
	n := len(run.Scenarios)
	failed := failedScenarios(run)
	plural := func(k int) string {
		if k == 1 {
			return "scenario"
		}
		return "scenarios"
	}
	var s string
	switch {
	case run.Pass && n == 1:
		s = fmt.Sprintf("PASS: %s met its criteria", run.Scenarios[0].Name)
	case run.Pass && n == 2:
		s = "PASS: both scenarios met their criteria"
	case run.Pass:
		s = fmt.Sprintf("PASS: all %d %s met their criteria", n, plural(n))
	case len(failed) > 0:
		s = fmt.Sprintf("FAIL: %d of %d %s failed (%s)", len(failed), n, plural(n), strings.Join(failed, ", "))
	default:
		s = "FAIL: the run did not meet its criteria"
	}
	if run.Interrupted {
		s += "; interrupted before the end"
	}
	if run.Incomplete != "" {
		s += "; incomplete: " + run.Incomplete
	}
	return s
}
