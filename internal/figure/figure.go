// Package figure formats the numbers perfgate prints: latencies, shares,
// changes, rates, speed-ups and verdict marks. Every renderer (text,
// markdown, junit, html, the comparison, the demo) formats through it, so a
// figure reads the same wherever it appears.
package figure

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Duration renders a latency for a table: at most three significant digits
// and the largest unit that keeps it at or above 1: "48.7s", "812ms",
// "3.4ms", "0".
func Duration(d time.Duration) string {
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

// Prose renders a latency for a sentence, with a space before the unit and
// one decimal at most: "48.7 s", "2 s", "850 ms", "1.2 ms".
func Prose(d time.Duration) string {
	switch {
	case d >= time.Second:
		return trimZeros(strconv.FormatFloat(d.Seconds(), 'f', 1, 64)) + " s"
	case d >= 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) + " ms"
	case d >= time.Millisecond:
		return trimZeros(strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64)) + " ms"
	case d >= time.Microsecond:
		return trimZeros(strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64)) + " µs"
	}
	return strconv.FormatInt(int64(d), 10) + " ns"
}

// Share renders a 0..1 share as a percentage: "99.5%", "100%", "0%".
func Share(share float64) string {
	return trimZeros(strconv.FormatFloat(share*100, 'f', 2, 64)) + "%"
}

// ShareProse renders a share for a sentence: "96.7 %", "-96.7 %".
func ShareProse(f float64) string {
	s := trimZeros(strconv.FormatFloat(f*100, 'f', 1, 64))
	if f < 0 && s == "0" {
		s = "-0"
	}
	return s + " %"
}

// Change renders a relative change like benchstat: "+12.40%", "-96.67%".
func Change(f float64) string { return fmt.Sprintf("%+.2f%%", f*100) }

// Rate renders requests per second: "5/s", "0.1/s", "1234/s".
func Rate(perSecond float64) string {
	switch {
	case perSecond >= 100:
		return strconv.FormatFloat(perSecond, 'f', 0, 64) + "/s"
	case perSecond >= 10:
		return trimZeros(strconv.FormatFloat(perSecond, 'f', 1, 64)) + "/s"
	default:
		return trimZeros(strconv.FormatFloat(perSecond, 'f', 2, 64)) + "/s"
	}
}

// Knee renders the rate a capacity search found; 0 means no rate passed.
func Knee(perSecond float64) string {
	if perSecond == 0 {
		return "none"
	}
	return strconv.FormatFloat(perSecond, 'f', -1, 64) + "/s"
}

// Float renders a per-request figure such as statements per request:
// "101", "0.5", "1.25", and from 10,000 on with thousands separators,
// "44,891,550", which a reader takes in at a glance.
func Float(v float64) string {
	return group(trimZeros(strconv.FormatFloat(v, 'f', 2, 64)))
}

// Count renders a count such as rows or requests: "101", "9999",
// "12,450".
func Count(n int64) string { return group(strconv.FormatInt(n, 10)) }

// group puts a comma between the thousands of the integer part of the
// number s when it has five digits or more; four-digit numbers stay as
// they are ("2048"), as style guides for figures in text do.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) < 5 {
		return sign + s
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + frac
}

// Speedup renders before/after: "30.1×", "501×"; "?" when unknown (0).
func Speedup(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return "?"
	}
	return sig3(x) + "×"
}

// Codes renders status-code counts, numerically ordered: "200×29, 0×1"
// puts 0 (no response) first; "none" when there are none.
func Codes(m map[string]int64) string {
	var parts []string
	for _, c := range SortedCodes(m) {
		parts = append(parts, fmt.Sprintf("%s×%d", c, m[c]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// SortedCodes returns the keys of status-code counts in numeric order.
func SortedCodes(m map[string]int64) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		ai, aerr := strconv.Atoi(a)
		bi, berr := strconv.Atoi(b)
		if aerr == nil && berr == nil && ai != bi {
			return ai - bi
		}
		return strings.Compare(a, b)
	})
}

// Verdict states a criterion can be in when a report shows it.
const (
	Pass        = "pass"
	Fail        = "fail"
	NotMeasured = "not measured"
	// Inconclusive: measured, but from too few requests to judge.
	Inconclusive = "inconclusive"
)

// Mark renders a verdict state for text and Markdown: ✅, ❌, ❔ for
// inconclusive, or ➖ for anything else (not measured).
func Mark(state string) string {
	switch state {
	case Pass:
		return "✅"
	case Fail:
		return "❌"
	case Inconclusive:
		return "❔"
	}
	return "➖"
}

// MarkOf is Mark for a plain pass/fail.
func MarkOf(pass bool) string { return Mark(State(pass)) }

// State is Pass or Fail.
func State(pass bool) string {
	if pass {
		return Pass
	}
	return Fail
}

// Plural writes a count with its noun: "1 scenario", "3 scenarios",
// "12,450 rows".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(int64(n)) + " " + noun + "s"
}

// PerRequest writes a per-request figure with its noun, singular only
// for exactly one: "1 statement", "0.5 statements", "44,891,550 rows".
func PerRequest(v float64, noun string) string {
	if v == 1 {
		return "1 " + noun
	}
	return Float(v) + " " + noun + "s"
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

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// Percentile renders a percentile rank given in percent, as precise as
// needed up to four decimals: "50%", "99.9%", "99.995%".
func Percentile(q float64) string {
	return trimZeros(strconv.FormatFloat(q, 'f', 4, 64)) + "%"
}

// Optional renders a figure that may not have been measured: Float, or
// "n/a" for nil.
func Optional(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return Float(*v)
}

// KneeBracket renders a capacity search's knee with the bracket it was
// found in and what cut the search short: "180/s (fails at 200/s)",
// "≥ 10000/s (max rate reached)", "none (fails at 10/s)", "180/s (fails
// at 360/s; cut short: budget)".
func KneeBracket(knee, limit float64, capped bool, stopped string) string {
	var s string
	switch {
	case knee == 0:
		s = "none"
	case capped:
		s = "≥ " + Rate(knee)
	default:
		s = Rate(knee)
	}
	var parts []string
	if limit > 0 {
		parts = append(parts, "fails at "+Rate(limit))
	} else if capped {
		parts = append(parts, "max rate reached")
	}
	if stopped != "" {
		parts = append(parts, "cut short: "+stopped)
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}
