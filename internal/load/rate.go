package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a request rate: Freq requests every Per. The zero Rate (Freq 0)
// is "max": as fast as the workers allow, vegeta's rate 0.
type Rate struct {
	Freq int
	Per  time.Duration
}

// Max is the rate "as fast as --max-workers allow".
var Max = Rate{}

// IsMax reports whether r is the unpaced "max" rate.
func (r Rate) IsMax() bool { return r.Freq == 0 }

// PerSecond returns the rate in requests per second (0 for max).
func (r Rate) PerSecond() float64 {
	if r.IsMax() || r.Per <= 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

// String formats r the way ParseRate reads it: "5/s", "1/10s", "300/m", "max".
func (r Rate) String() string {
	switch {
	case r.IsMax():
		return "max"
	case r.Per == time.Second:
		return fmt.Sprintf("%d/s", r.Freq)
	case r.Per == time.Minute:
		return fmt.Sprintf("%d/m", r.Freq)
	case r.Per == time.Hour:
		return fmt.Sprintf("%d/h", r.Freq)
	}
	return fmt.Sprintf("%d/%s", r.Freq, strings.TrimSuffix(r.Per.String(), "0m0s"))
}

// ParseRate reads a rate: "5/s", "1/10s", "300/m", "20" (per second) or "max".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rate{}, fmt.Errorf("empty rate; write it like 5/s, 1/10s, 300/m or max")
	}
	if strings.EqualFold(s, "max") || s == "0" {
		return Max, nil
	}
	num, per, found := strings.Cut(s, "/")
	if !found {
		per = "s"
	}
	freq, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || freq < 0 {
		return Rate{}, fmt.Errorf("rate %q: %q is not a whole number of requests; write it like 5/s, 1/10s, 300/m or max", s, num)
	}
	if freq == 0 {
		return Rate{}, fmt.Errorf("rate %q sends nothing; use max for as fast as possible", s)
	}
	d, err := parsePer(strings.TrimSpace(per))
	if err != nil {
		return Rate{}, fmt.Errorf("rate %q: %v; write it like 5/s, 1/10s, 300/m or max", s, err)
	}
	return Rate{Freq: freq, Per: d}, nil
}

// parsePer reads the period of a rate: a unit ("s", "m", "h", "ms") or a
// duration ("10s", "1m30s").
func parsePer(p string) (time.Duration, error) {
	switch p {
	case "s", "sec", "second":
		return time.Second, nil
	case "m", "min", "minute":
		return time.Minute, nil
	case "h", "hour":
		return time.Hour, nil
	case "ms":
		return time.Millisecond, nil
	}
	d, err := time.ParseDuration(p)
	if err != nil {
		return 0, fmt.Errorf("period %q is not a unit (s, m, h) or a duration (10s)", p)
	}
	if d <= 0 {
		return 0, fmt.Errorf("period %q must be positive", p)
	}
	return d, nil
}
