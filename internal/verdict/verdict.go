package verdict

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Input is what a scenario's criteria are judged on.
type Input struct {
	Summary metrics.Summary
	Checks  []model.Check
	// DB holds the probe's figures; nil when the run had no --db-probe.
	DB *model.DB
	// Requested is the rate asked for, in requests per second: a paced
	// scenario gets a "delivery" criterion (delivery.go). 0 (rate max, or
	// a caller that judges delivery itself) adds none. Saturation, when
	// set, lets its message say whether every worker was busy.
	Requested float64
	// Duration is how long the paced load was scheduled for (0: unknown,
	// then the achieved rate is judged).
	Duration   time.Duration
	Saturation *model.Saturation
	// Prefix is the --set Prefix the request's path was rendered with, ""
	// when the path does not use it: a 404 on every request names it.
	Prefix string
}

// Evaluate judges every criterion of exp and returns them in a stable
// order: status, errors, latency (file order), checks, db, delivery. The
// latency criteria are judged on the latency from the intended send
// times unless exp.LatencyFrom says "sent" (see model.LatencyFromIntended
// for why).
func Evaluate(exp model.Expect, in Input) []model.Criterion {
	s := in.Summary
	var out []model.Criterion
	n := s.Requests

	// Status: responses with another status than expected. Transport errors
	// have no status; they count in the errors criterion.
	var wrong int64
	var wrongCodes []uint16
	for code, k := range s.Codes {
		if code != 0 && int(code) != exp.Status {
			wrong += k
			wrongCodes = append(wrongCodes, code)
		}
	}
	slices.SortFunc(wrongCodes, func(a, b uint16) int { return int(s.Codes[b]) - int(s.Codes[a]) })
	st := model.Criterion{
		Name:     "status",
		Want:     strconv.Itoa(exp.Status),
		Observed: fmt.Sprintf("%d on %d/%d", exp.Status, s.Codes[uint16(exp.Status)], n),
		Pass:     n > 0 && share(wrong, n) <= exp.Errors,
	}
	if n == 0 {
		st.Message = "no requests were sent"
	} else if !st.Pass {
		var parts []string
		for _, c := range wrongCodes {
			parts = append(parts, fmt.Sprintf("%d on %d/%d", c, s.Codes[c], n))
		}
		st.Message = fmt.Sprintf("status %s requests (want %d)", strings.Join(parts, ", "), exp.Status)
		if s.Codes[http.StatusNotFound] == n {
			st.Message += "; " + notFoundHint(in.Prefix)
		}
	}
	out = append(out, st)

	// Errors: transport errors and wrong statuses together.
	failed := wrong + s.Codes[0]
	errShare := share(failed, n)
	ec := model.Criterion{
		Name:     "errors",
		Want:     "<= " + figure.Share(exp.Errors),
		Observed: fmt.Sprintf("%s (%d/%d)", figure.Share(errShare), failed, n),
		Pass:     n > 0 && errShare <= exp.Errors,
	}
	if !ec.Pass && n > 0 {
		ec.Message = fmt.Sprintf("errors %s (%d/%d) > %s", figure.Share(errShare), failed, n, figure.Share(exp.Errors))
		if k := s.Codes[0]; k > 0 && len(s.Errors) > 0 {
			ec.Message += fmt.Sprintf("; %d without a response, most often: %s", k, s.Errors[0].Error)
		}
	} else if n == 0 {
		ec.Message = "no requests were sent"
	}
	out = append(out, ec)

	for _, l := range exp.Latency {
		got, from := judgedLatency(exp, s, l.Stat)
		c := model.Criterion{
			Name:     l.Stat,
			Want:     "<= " + figure.Duration(l.Max),
			Observed: figure.Duration(got) + from,
			Pass:     n > 0 && got <= l.Max,
		}
		switch {
		case n == 0:
			c.Observed, c.Message = "none", fmt.Sprintf("%s not measured: no requests were sent", l.Stat)
		case !c.Pass:
			c.Message = fmt.Sprintf("%s %s > %s", l.Stat, figure.Duration(got)+from, figure.Duration(l.Max))
		}
		out = append(out, c)
	}

	for _, ch := range in.Checks {
		total := ch.Passed + ch.Failed
		c := model.Criterion{
			Name:     "check:" + ch.Name,
			Want:     "true on every response",
			Observed: fmt.Sprintf("true on %d/%d", ch.Passed, total),
			Pass:     ch.Failed == 0 && total > 0,
		}
		switch {
		case total == 0:
			c.Message = fmt.Sprintf("check %q never ran: no response arrived", ch.Name)
		case ch.Failed > 0:
			reason := ""
			if len(ch.Failures) > 0 {
				reason = ch.Failures[0]
				if i := strings.Index(reason, ": "); i >= 0 {
					reason = reason[:i]
				}
			}
			c.Message = fmt.Sprintf("check %q failed on %d/%d: %s", ch.Name, ch.Failed, total, reason)
		}
		out = append(out, c)
	}

	for _, l := range exp.DB {
		c := model.Criterion{Name: "db." + l.Figure, Want: "<= " + figure.Float(l.Max)}
		got, ok := dbFigure(in.DB, l.Figure)
		switch {
		case in.DB == nil:
			// Without a probe there is nothing to judge; say so rather than
			// pass silently or fail a run that never asked for a probe.
			c.Observed, c.Pass = "not measured", true
			c.Message = "not measured: run with --db-probe DSN to judge it"
		case !ok:
			c.Observed, c.Pass = "not available", false
			c.Message = fmt.Sprintf("db.%s not available: enable pg_stat_statements on the probed database", l.Figure)
		default:
			c.Observed, c.Pass = figure.Float(got), got <= l.Max
			if !c.Pass {
				c.Message = fmt.Sprintf("db.%s %s > %s", l.Figure, figure.Float(got), figure.Float(l.Max))
			}
		}
		out = append(out, c)
	}
	return append(out, delivery(exp, in)...)
}

// notFoundHint says what to check when every answer was 404: the path
// is wrong far more often than the service, and the prefix is the part of
// it a user sets (the service's /v1/tracking against the gateway's
// /tracking/v1).
func notFoundHint(prefix string) string {
	if prefix == "" {
		return "every answer was 404 Not Found: check the scenario's path and --target"
	}
	return fmt.Sprintf("every answer was 404 Not Found: check --set Prefix (now %s) and --target", prefix)
}

// Pass reports whether every criterion passed.
func Pass(criteria []model.Criterion) bool {
	for _, c := range criteria {
		if !c.Pass {
			return false
		}
	}
	return true
}

func dbFigure(db *model.DB, name string) (float64, bool) {
	if db == nil {
		return 0, false
	}
	switch name {
	case "statements_per_request":
		return db.StatementsPerRequest, db.StatementsAvailable
	case "seq_scans_per_request":
		return db.SeqScansPerRequest, true
	case "index_scans_per_request":
		return db.IndexScansPerRequest, true
	case "rows_read_per_request":
		return db.RowsReadPerRequest, true
	}
	return 0, false
}

func share(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}
