package equiv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/scenario"
)

// Defaults of a diff, quoted by the flag help.
const (
	// DefaultTimeout is the per-request timeout when neither --timeout nor
	// the scenario's load.timeout sets one: generous, because the "before"
	// endpoint takes about 50 s.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxBody bounds how much of a response body is read.
	DefaultMaxBody = 64 << 20
)

// Case is one request sent to both versions.
type Case struct {
	// Scenario is the scenario's name; Label the name with the sample
	// when a scenario is sent in several variations.
	Scenario, Label string
	Before, After   load.Request
	Timeout         time.Duration
	Norm            *Normalizer
	// ExpectStatusChange: the versions answer with different statuses by
	// design, so the bodies are not compared.
	ExpectStatusChange bool
}

// CaseOptions shape the cases of a diff.
type CaseOptions struct {
	// Before and After are the base URLs of the two versions.
	Before, After string
	// Samples is the number of variations of each scenario's templates
	// over the fixtures (users and courses rotated); 1 sends each once.
	Samples int
	// Ignore and Unordered are jq paths added to every scenario's own
	// diff.ignore and diff.unordered.
	Ignore, Unordered []string
}

// Cases renders each planned scenario (planned against o.Before) Samples
// times over data and aims each rendering at both versions. Every error is
// a usage error: nothing has been sent.
func Cases(ps []engine.Planned, data *scenario.Data, o CaseOptions) ([]Case, error) {
	if o.Samples < 1 {
		return nil, exit.Usagef("--samples must be at least 1")
	}
	var cases []Case
	for _, p := range ps {
		sc := p.Scenario
		norm, err := NewNormalizer(slices.Concat(sc.Diff.Ignore, o.Ignore), slices.Concat(sc.Diff.Unordered, o.Unordered))
		if err != nil {
			return nil, exit.Usagef("%s: diff: %v", sc.File, err)
		}
		timeout := sc.Load.Timeout // --timeout is applied by the plan
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		for i := range o.Samples {
			req := p.Request
			if i > 0 {
				if req, err = sc.Render(o.Before, data.Sample(i)); err != nil {
					return nil, exit.Usage(err)
				}
			}
			c := Case{Scenario: sc.Name, Label: sc.Name, Before: req, After: rebase(req, o.Before, o.After),
				Timeout: timeout, Norm: norm, ExpectStatusChange: sc.Diff.ExpectStatusChange}
			if o.Samples > 1 {
				c.Label = fmt.Sprintf("%s (sample %d/%d)", sc.Name, i+1, o.Samples)
			}
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return nil, exit.Usagef("no scenario to compare; check the paths and --only/--skip")
	}
	return cases, nil
}

// rebase aims a request rendered against the base URL from at to instead.
func rebase(r load.Request, from, to string) load.Request {
	r.URL = strings.TrimRight(to, "/") + strings.TrimPrefix(r.URL, strings.TrimRight(from, "/"))
	r.Header = r.Header.Clone()
	return r
}

// Outcome is what both versions answered to one case, compared.
type Outcome struct {
	Case          *Case
	Before, After load.Reply
	Result        Result
}

// Sender sends one request and reads its answer (load.Send; tests fake it).
type Sender func(ctx context.Context, r load.Request, timeout time.Duration, maxBody int64) (load.Reply, error)

// Run sends every case to the before version, then to the after version,
// one request at a time, and compares the answers; each, when set, gets
// every outcome as soon as it is known (a "before" answer may take a
// minute). It stops at the first request that gets no answer (exit 3: a
// version is down, a request timed out, or ctx was cancelled).
func Run(ctx context.Context, cases []Case, send Sender, each func(Outcome)) ([]Outcome, error) {
	if send == nil {
		send = load.Send
	}
	out := make([]Outcome, 0, len(cases))
	for i := range cases {
		c := &cases[i]
		before, err := send(ctx, c.Before, c.Timeout, DefaultMaxBody)
		if err != nil {
			return out, sendErr(ctx, c, "before", c.Before, err)
		}
		after, err := send(ctx, c.After, c.Timeout, DefaultMaxBody)
		if err != nil {
			return out, sendErr(ctx, c, "after", c.After, err)
		}
		res, err := CompareResponses(Response{Status: before.Status, Body: before.Body}, Response{Status: after.Status, Body: after.Body}, c.Norm, c.ExpectStatusChange)
		if err != nil {
			return out, fmt.Errorf("%s: %w", c.Label, err)
		}
		o := Outcome{Case: c, Before: before, After: after, Result: res}
		if each != nil {
			each(o)
		}
		out = append(out, o)
	}
	return out, nil
}

func sendErr(ctx context.Context, c *Case, version string, req load.Request, err error) error {
	if ctx.Err() != nil {
		return exit.Unavailable(fmt.Errorf("interrupted during %s", c.Label))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exit.Unavailable(fmt.Errorf("%s: %s %s: no answer within %s; raise --timeout", c.Label, req.Method, req.URL, c.Timeout))
	}
	return exit.Unavailable(fmt.Errorf("%s: %s %s: %w; is the %s version running?", c.Label, req.Method, req.URL, err, version))
}
