package equiv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
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
	// DefaultSamples sends each scenario's request once (exploring varies
	// the requests far more than rotating the fixtures does).
	DefaultSamples = 1
)

// The keys of the course-status request body that exploring fills; the
// rest of the scenario's body is sent as it is.
const (
	UsersKey   = "userId"
	CoursesKey = "courseId"
)

// Case is one request sent to both versions.
type Case struct {
	// Scenario is the scenario's name; Label the name with the sample
	// when a scenario is sent in several variations, or "explore #n (…)"
	// for a generated request.
	Scenario, Label string
	// Explored numbers a generated request, from 1; 0 for a scenario
	// file's own request.
	Explored      int
	Before, After load.Request
	Timeout       time.Duration
	Norm          *Normalizer
	// Normalisations are the paths Norm applies, with where each comes from.
	Normalisations []diffreport.Normalisation
	// ExpectStatusChange: the versions answer with different statuses by
	// design, so the bodies are not compared.
	ExpectStatusChange bool
	// ExpectSuccess: the scenario expects a 2xx answer, so two non-2xx
	// answers make the request not comparable rather than equal.
	ExpectSuccess bool
	// Shapes are the request shapes the case covers (see Classify).
	Shapes []Shape
}

// CaseOptions shape the cases of a diff.
type CaseOptions struct {
	// Before and After are the base URLs of the two versions.
	Before, After string
	// Samples is the number of variations of each scenario's templates
	// over the fixtures (users and courses rotated); 1 sends each once.
	Samples int
	// Explore is how many generated requests are sent besides the
	// scenarios' own (see Explore), drawn with Seed, each with at most
	// MaxSubset users and courses (DefaultMaxSubset when 0).
	Explore   int
	Seed      int64
	MaxSubset int
	// Ignore and Unordered are jq paths added to every scenario's own
	// diff.ignore and diff.unordered.
	Ignore, Unordered []string
}

// DefaultCaseOptions are perfgate diff's defaults, aimed at before and
// after.
func DefaultCaseOptions(before, after string) CaseOptions {
	return CaseOptions{Before: before, After: after, Samples: DefaultSamples,
		Explore: DefaultExplore, Seed: DefaultSeed, MaxSubset: DefaultMaxSubset}
}

// Session is the requests of one diff, ready to send.
type Session struct {
	Cases []Case
	// Notes say what exploring could not cover, and why.
	Notes   []string
	Options CaseOptions
}

// Prepare renders each planned scenario (planned against o.Before) Samples
// times over data, then generates o.Explore requests over data's fixtures
// from the first scenario that expects a 2xx answer to a body with userId
// and courseId lists (its method, path and headers, another body and
// tenant), and aims each request at both versions. Every error is a usage
// error: nothing has been sent.
func Prepare(ps []engine.Planned, data *scenario.Data, o CaseOptions) (*Session, error) {
	switch {
	case o.Samples < 1:
		return nil, exit.Usagef("--samples must be at least 1")
	case o.Explore < 0:
		return nil, exit.Usagef("--explore must be 0 or more")
	case o.MaxSubset < 0:
		return nil, exit.Usagef("--max-subset must be at least 1")
	}
	if o.MaxSubset == 0 {
		o.MaxSubset = DefaultMaxSubset
	}
	s := &Session{Options: o}
	tenant := data.Tenant()
	other, _ := data.OtherTenant() // "": the fixtures have none
	fx := data.Fixtures()
	var base *Case
	for _, p := range ps {
		sc := p.Scenario
		norms := normalisations(sc, o)
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
				Timeout: timeout, Norm: norm, Normalisations: norms, ExpectStatusChange: sc.Diff.ExpectStatusChange,
				ExpectSuccess: sc.Expect.Status >= 200 && sc.Expect.Status < 300}
			if o.Samples > 1 {
				c.Label = fmt.Sprintf("%s (sample %d/%d)", sc.Name, i+1, o.Samples)
			}
			if pr, ok := probeOf(req, tenant, other); ok {
				c.Shapes = Classify(pr, fx, tenant, other)
				if i == 0 && base == nil && c.ExpectSuccess && !c.ExpectStatusChange {
					base = &c
				}
			}
			s.Cases = append(s.Cases, c)
		}
	}
	if len(s.Cases) == 0 {
		return nil, exit.Usagef("no scenario to compare; check the paths and --only/--skip")
	}
	if o.Explore == 0 {
		return s, nil
	}
	if base == nil {
		s.Notes = append(s.Notes, fmt.Sprintf("nothing explored: no scenario expects a 2xx answer to a body with %s and %s lists, to take the method, path and headers from", UsersKey, CoursesKey))
		return s, nil
	}
	header := tenantHeader(base.Before.Header, tenant)
	eo := ExploreOptions{N: o.Explore, Seed: o.Seed, MaxSubset: o.MaxSubset, OtherTenant: other}
	if header != "" {
		eo.Tenant = base.Before.Header.Get(header)
	}
	probes, notes := Explore(fx, eo)
	s.Notes = append(s.Notes, notes...)
	for i, pr := range probes {
		req, err := withProbe(base.Before, header, pr)
		if err != nil {
			return nil, exit.Usagef("%s: explore: %v", base.Scenario, err)
		}
		c := *base
		c.Explored = i + 1
		c.Before, c.After = req, rebase(req, o.Before, o.After)
		c.Shapes = Classify(pr, fx, tenant, other)
		c.Label = exploreLabel(c.Explored, pr, c.Shapes)
		s.Cases = append(s.Cases, c)
	}
	return s, nil
}

// normalisations lists what a scenario's cases normalise, and from where.
func normalisations(sc *scenario.Scenario, o CaseOptions) []diffreport.Normalisation {
	var out []diffreport.Normalisation
	add := func(kind, source string, paths []string) {
		for _, p := range paths {
			out = append(out, diffreport.Normalisation{Kind: kind, Path: p, Source: source, Hides: Hides(kind)})
		}
	}
	add("ignore", sc.File+" (diff.ignore)", sc.Diff.Ignore)
	add("ignore", "--ignore", o.Ignore)
	add("unordered", sc.File+" (diff.unordered)", sc.Diff.Unordered)
	add("unordered", "--unordered", o.Unordered)
	return out
}

// Hides says what a normalisation of kind ("ignore" or "unordered") keeps
// diff from seeing.
func Hides(kind string) string {
	if kind == "ignore" {
		return "any difference in these values: they are dropped from both answers"
	}
	return "the order of these lists: both are sorted first, so a version that returns them in another order passes (missing, extra and changed elements still show)"
}

// probeOf reads a course-status request's tenant and lists; ok is false
// when the body has no userId and courseId lists.
func probeOf(r load.Request, tenant, other string) (Probe, bool) {
	var body map[string]json.RawMessage
	if json.Unmarshal(r.Body, &body) != nil {
		return Probe{}, false
	}
	var p Probe
	for key, dst := range map[string]*[]string{UsersKey: &p.Users, CoursesKey: &p.Courses} {
		raw, ok := body[key]
		if !ok || json.Unmarshal(raw, dst) != nil || *dst == nil {
			return Probe{}, false
		}
	}
	for _, t := range []string{tenant, other} {
		if h := tenantHeader(r.Header, t); h != "" {
			p.Tenant = r.Header.Get(h)
			break
		}
	}
	return p, true
}

// tenantHeader is the name of the header that carries tenant (in any
// letter case), or "".
func tenantHeader(h http.Header, tenant string) string {
	if tenant == "" {
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if strings.EqualFold(h.Get(name), tenant) {
			return name
		}
	}
	return ""
}

// withProbe is r with p's lists in its body and p's tenant in header.
func withProbe(r load.Request, header string, p Probe) (load.Request, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return load.Request{}, err
	}
	for key, ids := range map[string][]string{UsersKey: p.Users, CoursesKey: p.Courses} {
		raw, err := json.Marshal(ids)
		if err != nil {
			return load.Request{}, err
		}
		body[key] = raw
	}
	b, err := json.Marshal(body)
	if err != nil {
		return load.Request{}, err
	}
	r.Body = b
	r.Header = r.Header.Clone()
	if header != "" {
		r.Header.Set(header, p.Tenant)
	}
	return r, nil
}

// exploreLabel names a generated request: its number, size and notable
// shapes.
func exploreLabel(n int, p Probe, shapes []Shape) string {
	var notable []string
	for _, s := range shapes {
		// Most requests have several users or courses in no sorted order:
		// the label names what sets this one apart.
		if s != ShapeSeveralUsers && s != ShapeSeveralCourses && s != ShapeUnsorted {
			notable = append(notable, shapeLabel[s])
		}
	}
	size := fmt.Sprintf("%s × %s", figure.Plural(len(p.Users), "user"), figure.Plural(len(p.Courses), "course"))
	if len(notable) == 0 {
		return fmt.Sprintf("explore #%d (%s)", n, size)
	}
	return fmt.Sprintf("explore #%d (%s: %s)", n, size, strings.Join(notable, ", "))
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

// Run sends s's cases; see the package-level Run.
func (s *Session) Run(ctx context.Context, send Sender, each func(Outcome)) ([]Outcome, error) {
	return Run(ctx, s.Cases, send, each)
}

// Run sends every case to the before version, then to the after version,
// one request at a time, and compares the answers; each, when set, gets
// every outcome as soon as it is known (a "before" answer may take a
// minute). A case that expects success and gets a non-2xx answer from both
// versions is not comparable: its bodies are not compared. Run stops at the
// first request that gets no answer (exit 3: a version is down, a request
// timed out, or ctx was cancelled).
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
		var res Result
		if c.ExpectSuccess && !success(before.Status) && !success(after.Status) {
			res.NotComparable = true
		} else if res, err = CompareResponses(Response{Status: before.Status, Body: before.Body}, Response{Status: after.Status, Body: after.Body}, c.Norm, c.ExpectStatusChange); err != nil {
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

func success(status int) bool { return status >= 200 && status < 300 }

func sendErr(ctx context.Context, c *Case, version string, req load.Request, err error) error {
	if ctx.Err() != nil {
		return exit.Unavailable(fmt.Errorf("interrupted during %s", c.Label))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exit.Unavailable(fmt.Errorf("%s: %s %s: no answer within %s; raise --timeout", c.Label, req.Method, req.URL, c.Timeout))
	}
	return exit.Unavailable(fmt.Errorf("%s: %s %s: %w; is the %s version running?", c.Label, req.Method, req.URL, err, version))
}
