package scenario

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// ApplyExpect adds criteria given as name=value (the --expect flag) to exp,
// replacing a criterion of the same name from the file: status=200,
// errors=1%, p95=2s, db.statements_per_request=1.
func ApplyExpect(exp *model.Expect, kvs []string) error {
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--expect %q: write it as name=value, e.g. p95=2s or errors=1%%", kv)
		}
		switch {
		case k == "status":
			code, err := strconv.Atoi(v)
			if err != nil || code < 100 || code > 599 {
				return fmt.Errorf("--expect status=%s: want an HTTP status code", v)
			}
			exp.Status = code
		case k == "errors":
			s, err := ParseShare(v)
			if err != nil {
				return fmt.Errorf("--expect errors: %v", err)
			}
			exp.Errors = s
		case slices.Contains(LatencyStats, k):
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("--expect %s=%s: want a duration such as 2s or 500ms", k, v)
			}
			exp.Latency = replaceOrAppend(exp.Latency, model.LatencyLimit{Stat: k, Max: d}, func(l model.LatencyLimit) string { return l.Stat })
		case strings.HasPrefix(k, "db.") && slices.Contains(DBFigures, k[3:]):
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("--expect %s=%s: want a number of 0 or more", k, v)
			}
			exp.DB = replaceOrAppend(exp.DB, model.DBLimit{Figure: k[3:], Max: x}, func(l model.DBLimit) string { return l.Figure })
		default:
			return fmt.Errorf("--expect %q: unknown criterion; use status, errors, %v or db.<figure> (%v)", k, LatencyStats, DBFigures)
		}
	}
	return nil
}

// replaceOrAppend replaces the element of xs with x's key, or appends x:
// a criterion from --expect replaces the file's criterion of that name.
func replaceOrAppend[T any](xs []T, x T, key func(T) string) []T {
	for i := range xs {
		if key(xs[i]) == key(x) {
			xs[i] = x
			return xs
		}
	}
	return append(xs, x)
}

// Criteria describes what the scenario's answers are judged on, a phrase
// each, as perfgate validate lists them: the status, each latency limit,
// the number of jq checks, each database limit.
func (sc *Scenario) Criteria() []string {
	crit := []string{fmt.Sprintf("status %d", sc.Expect.Status)}
	for _, l := range sc.Expect.Latency {
		crit = append(crit, fmt.Sprintf("%s <= %s", l.Stat, l.Max))
	}
	if n := len(sc.Checks); n > 0 {
		crit = append(crit, figure.Plural(n, "jq check"))
	}
	for _, d := range sc.Expect.DB {
		crit = append(crit, fmt.Sprintf("db.%s <= %g", d.Figure, d.Max))
	}
	return crit
}
