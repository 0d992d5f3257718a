package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// DefaultDiffTimeout is the per-request timeout of diff when neither
// --timeout nor the scenario's load.timeout sets one: generous, because the
// "before" endpoint takes about 50 s.
const DefaultDiffTimeout = 2 * time.Minute

// DefaultDiffMaxBody bounds how much of a response body diff reads.
const DefaultDiffMaxBody = 64 << 20

type diffOptions struct {
	streams       Streams
	paths         []string
	before, after string
	samples       int
	ignore        []string
	unordered     []string
	scen          scenarioFlags // scen.timeout is --timeout
}

func newDiffCmd(streams Streams, runF func(context.Context, *diffOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDiff
	}
	opts := &diffOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "diff --before URL --after URL [PATH...]",
		Short: "Send each scenario's request to two versions and compare the JSON answers",
		Long: `diff checks that a new version answers like the old one: "response format
matches original, same counts and lists". For each scenario (default
scenarios/), and with --samples N for N variations of its template over the
fixtures (users and courses rotated), it sends the request once to --before
and once to --after, one at a time, and compares the answers:

  - the statuses must be equal, unless the scenario says
    diff: { expect_status_change: true } (then the bodies are not compared);
  - JSON bodies are normalised, then compared value by value: --ignore and
    the scenario's diff.ignore drop values (timestamps), --unordered and
    diff.unordered sort lists so they compare as multisets. Both take jq
    path expressions such as .data[].course[].started_on; where a body has
    no such path, nothing is dropped or sorted there. Numbers compare by
    value (3 equals 3.0); missing and extra keys, list lengths and types
    all count;
  - other bodies are compared byte for byte.

Every difference is printed with its jq path and both values, then one
verdict line. Both targets are tried before anything is sent.

Exit codes: 0 the answers are equal, 1 a difference was found, 2 usage or
scenario-file error (nothing sent), 3 a target is unreachable, a request
failed or timed out, or the command was interrupted.`,
		Example: `  # the naive and the optimised endpoint, side by side
  perfgate diff --before http://127.0.0.1:3001 --after http://127.0.0.1:3002 scenarios/

  # five variations of each scenario over seeded fixtures, ignoring timestamps
  perfgate diff --before http://old:3000 --after http://new:3000 --fixtures fixtures.json \
      --samples 5 --ignore '.data[].course[].started_on' --unordered '.data[].course[].completed_list'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.after, "after", "", "base URL of the new version (required)")
	fl.IntVar(&opts.samples, "samples", 1, "template variations per scenario: users and courses of the fixtures rotated")
	fl.StringArrayVar(&opts.ignore, "ignore", nil, "jq path of values to drop before comparing, e.g. '.data[].course[].started_on' (repeatable)")
	fl.StringArrayVar(&opts.unordered, "unordered", nil, "jq path of lists compared as multisets, e.g. '.data[].course[].completed_list' (repeatable)")
	fl.DurationVar(&opts.scen.timeout, "timeout", 0, fmt.Sprintf("per-request timeout (default: the scenario's load.timeout, else %s)", DefaultDiffTimeout))
	opts.scen.register(cmd, false)
	return cmd
}

// diffCase is one request sent to both versions.
type diffCase struct {
	scenario      string
	label         string // scenario name, with the sample when there are several
	before, after load.Request
	timeout       time.Duration
	norm          *equiv.Normalizer
	expectChange  bool
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	if err := checkBaseURL("--before", opts.before); err != nil {
		return err
	}
	if err := checkBaseURL("--after", opts.after); err != nil {
		return err
	}
	if opts.samples < 1 {
		return exit.Usagef("--samples must be at least 1")
	}
	if _, err := equiv.NewNormalizer(opts.ignore, opts.unordered); err != nil {
		return exit.Usagef("--%v", err)
	}
	cases, err := diffCases(opts)
	if err != nil {
		return err
	}
	// Both versions must answer before either is sent anything.
	for _, target := range []string{opts.before, opts.after} {
		if err := load.Preflight(ctx, target, load.DefaultPreflightTimeout); err != nil {
			return exit.Unavailable(err)
		}
	}

	client := &http.Client{
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment},
		// A redirect is an answer to compare, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	out := opts.streams.Out
	differences := 0
	for _, c := range cases {
		before, bt, err := send(ctx, client, c.before, c.timeout)
		if err != nil {
			return sendErr(ctx, c, "--before", err)
		}
		after, at, err := send(ctx, client, c.after, c.timeout)
		if err != nil {
			return sendErr(ctx, c, "--after", err)
		}
		res, err := equiv.CompareResponses(before, after, c.norm, c.expectChange)
		if err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		timing := fmt.Sprintf("before %s, after %s", roundDuration(bt), roundDuration(at))
		switch {
		case res.ExpectedStatusChange:
			fmt.Fprintf(out, "%s: expected status change %d → %d (%s)\n", c.label, before.Status, after.Status, timing)
		case res.Equal():
			note := ""
			if c.expectChange {
				note = "; diff.expect_status_change is set, but both answered the same"
			}
			fmt.Fprintf(out, "%s: same (%d, %s%s)\n", c.label, before.Status, timing, note)
		default:
			for _, d := range res.Differences {
				fmt.Fprintf(out, "%s: %s\n", c.label, d)
			}
			differences += len(res.Differences)
		}
	}
	fmt.Fprintf(out, "diff: %s, %s compared, %s\n",
		plural(countScenarios(cases), "scenario"), plural(len(cases), "request"), plural(differences, "difference"))
	if differences > 0 {
		return exit.ErrGateFailed
	}
	return nil
}

// diffCases loads and renders every scenario and sample for both targets,
// so that every usage error is found before anything is sent.
func diffCases(opts *diffOptions) ([]diffCase, error) {
	ps, err := plan(opts.paths, opts.scen, opts.before)
	if err != nil {
		return nil, err
	}
	data, err := templateData(opts.scen)
	if err != nil {
		return nil, err
	}
	var cases []diffCase
	for _, p := range ps {
		sc := p.sc
		norm, err := equiv.NewNormalizer(slices.Concat(sc.Diff.Ignore, opts.ignore), slices.Concat(sc.Diff.Unordered, opts.unordered))
		if err != nil {
			return nil, exit.Usagef("%s: diff: %v", sc.File, err)
		}
		timeout := sc.Load.Timeout
		if timeout <= 0 {
			timeout = DefaultDiffTimeout
		}
		for i := range opts.samples {
			d := data.Sample(i)
			c := diffCase{scenario: sc.Name, label: sc.Name, timeout: timeout, norm: norm, expectChange: sc.Diff.ExpectStatusChange}
			if opts.samples > 1 {
				c.label = fmt.Sprintf("%s (sample %d/%d)", sc.Name, i+1, opts.samples)
			}
			if c.before, err = sc.Render(opts.before, d); err != nil {
				return nil, exit.Usage(err)
			}
			if c.after, err = sc.Render(opts.after, d); err != nil {
				return nil, exit.Usage(err)
			}
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return nil, exit.Usagef("no scenario to compare; check the paths and --only/--skip")
	}
	return cases, nil
}

// send sends one request and reads the whole answer.
func send(ctx context.Context, client *http.Client, r load.Request, timeout time.Duration) (equiv.Response, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return equiv.Response{}, 0, err
	}
	req.Header = r.Header.Clone()
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return equiv.Response{}, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, DefaultDiffMaxBody+1))
	if err != nil {
		return equiv.Response{}, 0, fmt.Errorf("read the body: %w", err)
	}
	if len(body) > DefaultDiffMaxBody {
		return equiv.Response{}, 0, fmt.Errorf("the body is larger than %d MiB", DefaultDiffMaxBody>>20)
	}
	return equiv.Response{Status: resp.StatusCode, Body: body}, time.Since(start), nil
}

func sendErr(ctx context.Context, c diffCase, flag string, err error) error {
	if ctx.Err() != nil {
		return exit.Unavailable(fmt.Errorf("interrupted during %s", c.label))
	}
	req := c.before
	if flag == "--after" {
		req = c.after
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exit.Unavailable(fmt.Errorf("%s: %s %s: no answer within %s; raise --timeout", c.label, req.Method, req.URL, c.timeout))
	}
	return exit.Unavailable(fmt.Errorf("%s: %s %s: %w; is the %s version running?", c.label, req.Method, req.URL, err, flag[2:]))
}

func countScenarios(cases []diffCase) int {
	n := 0
	for i, c := range cases {
		if i == 0 || c.scenario != cases[i-1].scenario {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// roundDuration keeps the figures worth reading: 48.12s, 1.23s, 12.34ms.
func roundDuration(d time.Duration) time.Duration {
	for _, unit := range []time.Duration{time.Second, time.Millisecond, time.Microsecond} {
		if d >= unit {
			return d.Round(unit / 100)
		}
	}
	return d
}
