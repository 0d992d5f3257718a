// Package verdict judges a scenario: jq checks on every response body as
// results stream in, then each criterion of the scenario against the
// figures, with failures spelled out ("p95 2.41s > 2s").
package verdict

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

// MaxFailureSamples is how many failing bodies a check keeps as evidence.
const MaxFailureSamples = 3

// Checker runs a scenario's jq checks on response bodies. Observe is
// called once per response on the goroutine that receives results; bodies
// are not kept beyond the call, except up to three failing ones.
type Checker struct {
	checks  []scenario.Check
	tallies []model.Check
}

// NewChecker returns a Checker for checks.
func NewChecker(checks []scenario.Check) *Checker {
	c := &Checker{checks: checks, tallies: make([]model.Check, len(checks))}
	for i, ch := range checks {
		c.tallies[i] = model.Check{Name: ch.Name, JQ: ch.JQ}
	}
	return c
}

// Active reports whether there is anything to check, so that callers can
// avoid reading bodies at all.
func (c *Checker) Active() bool { return len(c.checks) > 0 }

// Observe runs every check on one response body. Transport errors (no
// response at all) are not observed: they count against the errors
// criterion instead. size is the body's full length: a body longer than
// what was read (the --max-body cap) fails every check as truncated,
// rather than as "not JSON".
func (c *Checker) Observe(body []byte, size uint64) {
	if len(c.checks) == 0 {
		return
	}
	var v any
	var parseErr error
	truncated := size > uint64(len(body))
	if !truncated {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if parseErr = dec.Decode(&v); parseErr == nil {
			v = normalize(v)
		}
	}
	for i, ch := range c.checks {
		t := &c.tallies[i]
		var reason string
		switch {
		case truncated:
			reason = fmt.Sprintf("body truncated: %d bytes, of which the first %d were read; raise --max-body", size, len(body))
		case parseErr != nil:
			reason = fmt.Sprintf("body is not JSON (%v)", parseErr)
		default:
			reason = run(ch, v)
		}
		if reason == "" {
			t.Passed++
			continue
		}
		t.Failed++
		if len(t.Failures) < MaxFailureSamples {
			t.Failures = append(t.Failures, reason+": "+model.ClipBody(body))
		}
	}
}

// Results returns the tallies, in the scenario's order.
func (c *Checker) Results() []model.Check { return c.tallies }

// run evaluates one check on a decoded body and returns why it failed, or "".
func run(ch scenario.Check, v any) string {
	iter := ch.Code.Run(v)
	out, ok := iter.Next()
	if !ok {
		return "got no value"
	}
	if err, isErr := out.(error); isErr {
		return fmt.Sprintf("jq error: %v", err)
	}
	if b, isBool := out.(bool); !isBool || !b {
		got, _ := json.Marshal(out)
		return "got " + string(got)
	}
	return ""
}

// normalize turns json.Number into the int or float64 gojq expects.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	}
	return v
}
