package compare

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fmtDur writes a latency in a table: at most three significant digits,
// "48.7s", "1.62s", "812ms".
func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	switch {
	case d >= time.Second:
		return sig3(d.Seconds()) + "s"
	case d >= time.Millisecond:
		return sig3(float64(d)/1e6) + "ms"
	case d >= time.Microsecond:
		return sig3(float64(d)/1e3) + "µs"
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return trim(strconv.FormatFloat(v, 'f', 1, 64))
	}
	return trim(strconv.FormatFloat(v, 'f', 2, 64))
}

// fmtPct writes a relative change like benchstat: "+12.40%", "-96.67%".
func fmtPct(f float64) string { return fmt.Sprintf("%+.2f%%", f*100) }

// fmtShare writes a 0..1 share: "0%", "1.5%".
func fmtShare(f float64) string { return trim(strconv.FormatFloat(f*100, 'f', 2, 64)) + "%" }

// fmtSpeedup writes before/after: "30.1×".
func fmtSpeedup(f float64) string {
	if f == 0 {
		return "?"
	}
	return sig3(f) + "×"
}

// delta is the change column in benchstat's layout: the change when it is
// significant, "~" when not, and the change marked "?" when unknown.
func delta(r Row, s *Significance) string {
	switch {
	case s == nil:
		return fmtPct(r.Change) + " ?"
	case !s.Significant:
		return "~"
	}
	return fmtPct(r.Change)
}

// pcell is the "(p=0.008 n=10)" column.
func pcell(s *Significance) string {
	if s == nil {
		return "(no raw results)"
	}
	return "(" + s.String() + ")"
}

// fmtCodes writes status codes "200×29, 500×1", numerically ordered.
func fmtCodes(m map[string]int64) string {
	codes := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		ai, _ := strconv.Atoi(a)
		bi, _ := strconv.Atoi(b)
		if ai != bi {
			return ai - bi
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, m[c]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func fmtStatements(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return trim(strconv.FormatFloat(*v, 'f', 2, 64))
}

func statusIcon(s string) string {
	switch s {
	case "pass":
		return "✅"
	case "fail":
		return "❌"
	}
	return "➖"
}

func runName(r RunRef, fallback string) string {
	if r.Label != "" {
		return r.Label
	}
	return fallback
}
