package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// figDuration renders a latency with at most three significant digits and
// the largest unit that keeps it at or above 1: "48.7s", "812ms", "3.4ms".
func figDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	neg := d < 0
	if neg {
		d = -d
	}
	var v float64
	var unit string
	switch {
	case d >= time.Second:
		v, unit = d.Seconds(), "s"
	case d >= time.Millisecond:
		v, unit = float64(d)/float64(time.Millisecond), "ms"
	case d >= time.Microsecond:
		v, unit = float64(d)/float64(time.Microsecond), "µs"
	default:
		v, unit = float64(d), "ns"
	}
	s := sig3(v) + unit
	if neg {
		s = "-" + s
	}
	return s
}

// sig3 formats v (>= 1) with at most three significant digits.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	default:
		return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	}
}

// figPercent renders a 0..1 share as a percentage: "99.5%", "100%", "0%".
func figPercent(share float64) string {
	p := share * 100
	if p == math.Trunc(p) {
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	s := strconv.FormatFloat(p, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// figRate renders requests per second: "5/s", "0.1/s", "1234/s".
func figRate(perSecond float64) string {
	switch {
	case perSecond >= 100:
		return strconv.FormatFloat(perSecond, 'f', 0, 64) + "/s"
	case perSecond >= 10:
		return trimZeros(strconv.FormatFloat(perSecond, 'f', 1, 64)) + "/s"
	default:
		return trimZeros(strconv.FormatFloat(perSecond, 'f', 2, 64)) + "/s"
	}
}

// figFloat renders a per-request figure such as statements per request.
func figFloat(v float64) string {
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// figRequested is the requested rate as the user wrote it, or derived.
func figRequested(sc *Scenario) string {
	if sc.Rate != "" {
		return sc.Rate
	}
	if sc.RequestedRate == 0 {
		return "max"
	}
	return figRate(sc.RequestedRate)
}

// statusCodes returns a scenario's status codes sorted numerically with
// their counts, "0" (transport error) first.
func statusCodes(sc *Scenario) []string {
	codes := make([]string, 0, len(sc.StatusCodes))
	for c := range sc.StatusCodes {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		ai, aerr := strconv.Atoi(a)
		bi, berr := strconv.Atoi(b)
		if aerr == nil && berr == nil {
			return ai - bi
		}
		return strings.Compare(a, b)
	})
	return codes
}

// figStatus renders status codes as "200×29, 0×1".
func figStatus(sc *Scenario) string {
	var parts []string
	for _, c := range statusCodes(sc) {
		parts = append(parts, fmt.Sprintf("%s×%d", c, sc.StatusCodes[c]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// failedScenarios names the scenarios whose verdict is fail.
func failedScenarios(run *Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		if !sc.Pass {
			out = append(out, sc.Name)
		}
	}
	return out
}

// headline is the one-line verdict every format opens with.
func headline(run *Run) string {
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
	return s
}
