package load

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/syncbuf"
)

// target is an httptest server whose behaviour tests control through the
// query string: ?sleep=200ms delays the answer, ?status=500 sets the status,
// ?body=xyz sets the body (default "hello").
type target struct {
	*httptest.Server
	hits     atomic.Int64
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func newTarget(t *testing.T) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		n := tg.inFlight.Add(1)
		defer tg.inFlight.Add(-1)
		for {
			m := tg.maxSeen.Load()
			if n <= m || tg.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		io.Copy(io.Discard, r.Body)
		q := r.URL.Query()
		if d, err := time.ParseDuration(q.Get("sleep")); err == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if s, err := strconv.Atoi(q.Get("status")); err == nil {
			w.WriteHeader(s)
		}
		body := "hello"
		if q.Has("body") {
			body = q.Get("body")
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) req(query string) Request {
	return Request{Method: http.MethodPost, URL: tg.URL + "/x?" + query, Body: []byte(`{"a":1}`),
		Header: http.Header{"Content-Type": {"application/json"}}}
}

// collect runs Attack and returns the results handed to fn.
func collect(t *testing.T, ctx context.Context, reqs []Request, opts Options) ([]Result, Stats, time.Duration) {
	t.Helper()
	var got []Result
	began := time.Now()
	st, err := Attack(ctx, "test", reqs, opts, func(r *Result) {
		c := *r
		c.Body = bytes.Clone(r.Body)
		got = append(got, c)
	})
	if err != nil {
		t.Fatalf("Attack: %v", err)
	}
	if st.Sent != int64(len(got)) {
		t.Errorf("Stats.Sent = %d, but fn was called %d times", st.Sent, len(got))
	}
	return got, st, time.Since(began)
}

func TestAttackFixedRate(t *testing.T) {
	tests := []struct {
		name     string
		keepBody bool
		query    string
		wantBody string
		wantCode uint16
		wantErr  string
	}{
		{name: "discard bodies", query: "body=abcdefgh", wantCode: 200},
		{name: "keep bodies", keepBody: true, query: "body=abcdefgh", wantBody: "abcdefgh", wantCode: 200},
		{name: "server error", query: "status=500&body=abcdefgh", wantCode: 500, wantErr: "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			opts := Options{Rate: Rate{Freq: 40, Per: time.Second}, Duration: 500 * time.Millisecond, KeepBody: tt.keepBody, Shard: 3}
			got, st, _ := collect(t, context.Background(), []Request{tg.req(tt.query)}, opts)
			if n := len(got); n < 19 || n > 21 {
				t.Errorf("got %d results at 40/s for 500ms, want 20±1", n)
			}
			if st.Interrupted || st.Aborted != 0 {
				t.Errorf("Stats = %+v, want not interrupted", st)
			}
			if h := tg.hits.Load(); h != int64(len(got)) {
				t.Errorf("target saw %d requests, fn got %d results", h, len(got))
			}
			seen := map[uint64]bool{}
			for _, r := range got {
				if seen[r.Seq] {
					t.Errorf("seq %d delivered twice", r.Seq)
				}
				seen[r.Seq] = true
				if r.Code != tt.wantCode || r.Error != tt.wantErr || string(r.Body) != tt.wantBody ||
					r.BytesIn != 8 || r.BytesOut != 7 || r.Shard != 3 || r.Latency <= 0 || r.Timestamp.IsZero() {
					t.Fatalf("result %+v: want code %d, error %q, body %q, 8 bytes in, 7 out, shard 3",
						r, tt.wantCode, tt.wantErr, tt.wantBody)
				}
			}
		})
	}
}

func TestAttackRoundRobin(t *testing.T) {
	tg := newTarget(t)
	reqs := []Request{tg.req("body=a"), tg.req("body=bb")}
	got, _, _ := collect(t, context.Background(), reqs, Options{Rate: Rate{Freq: 50, Per: time.Second}, Duration: 200 * time.Millisecond})
	sizes := map[uint64]int{}
	for _, r := range got {
		sizes[r.BytesIn]++
	}
	if sizes[1] == 0 || sizes[2] == 0 || sizes[1]+sizes[2] != len(got) {
		t.Errorf("response sizes %v: want both requests used", sizes)
	}
}

func TestAttackMaxRateBoundedByMaxWorkers(t *testing.T) {
	tg := newTarget(t)
	opts := Options{Rate: Max, Duration: 300 * time.Millisecond, MaxWorkers: 4}
	got, _, _ := collect(t, context.Background(), []Request{tg.req("sleep=5ms")}, opts)
	if m := tg.maxSeen.Load(); m > 4 {
		t.Errorf("target saw %d concurrent requests, want at most MaxWorkers=4", m)
	}
	// 4 workers × 300ms / 5ms = 240 at most; well over 20 shows max rate.
	if n := len(got); n < 20 || n > 260 {
		t.Errorf("got %d results, want 20..260", n)
	}
}

// TestAttackMinRequests: an unpaced attack whose duration is too short
// for its minimum goes on until the minimum is sent, and one whose
// duration affords more is not cut short by it.
func TestAttackMinRequests(t *testing.T) {
	tg := newTarget(t)
	// 10 ms requests one at a time: 1 ms affords one or two.
	opts := Options{Rate: Max, Duration: time.Millisecond, MaxWorkers: 1, MinRequests: 7}
	got, st, _ := collect(t, context.Background(), []Request{tg.req("sleep=10ms")}, opts)
	if len(got) != 7 || st.Sent != 7 {
		t.Errorf("got %d results (%d sent), want exactly the minimum 7", len(got), st.Sent)
	}
	opts = Options{Rate: Max, Duration: 200 * time.Millisecond, MaxWorkers: 1, MinRequests: 2}
	if got, _, took := collect(t, context.Background(), []Request{tg.req("sleep=5ms")}, opts); len(got) < 10 || took < opts.Duration {
		t.Errorf("got %d results in %s: the duration should still hold", len(got), took)
	}
}

func TestAttackTimeout(t *testing.T) {
	tg := newTarget(t)
	opts := Options{Rate: Rate{Freq: 20, Per: time.Second}, Duration: 200 * time.Millisecond, Timeout: 50 * time.Millisecond}
	got, _, took := collect(t, context.Background(), []Request{tg.req("sleep=2s")}, opts)
	if took > 1500*time.Millisecond {
		t.Errorf("Attack took %s: the 50ms timeout was not applied", took)
	}
	if len(got) < 3 {
		t.Fatalf("got %d results, want ~4", len(got))
	}
	for _, r := range got {
		if r.Code != 0 || !IsTimeout(r.Error) || r.Latency > time.Second || r.Latency < opts.Timeout {
			t.Errorf("result code %d error %q latency %s: want a timeout error, latency at least the timeout", r.Code, r.Error, r.Latency)
		}
	}
}

// TestIsTimeout: only a request that outlived the timeout is censored; a
// refused connection or a reset is a failure with a known latency.
func TestIsTimeout(t *testing.T) {
	for text, want := range map[string]bool{
		`Post "http://127.0.0.1:3000/x": timeout: no complete response within 2s`:              true,
		timeoutError{90 * time.Second}.Error():                                                 true,
		`Post "http://127.0.0.1:3000/x": dial tcp 127.0.0.1:3000: connect: connection refused`: false,
		"": false,
	} {
		if got := IsTimeout(text); got != want {
			t.Errorf("IsTimeout(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestAttackDefaultTimeoutIsLong(t *testing.T) {
	// vegeta's 30 s default would cut the ~50 s "before" endpoint.
	if got := (Options{}).withDefaults().Timeout; got < 60*time.Second {
		t.Errorf("default timeout %s, want at least 60s", got)
	}
}

func TestAttackInterrupt(t *testing.T) {
	tests := []struct {
		name        string
		rate        Rate
		reqs        func(*target) []Request
		wantResults bool
		wantAborted bool
	}{
		{
			name:        "slow requests in flight",
			rate:        Rate{Freq: 20, Per: time.Second},
			reqs:        func(tg *target) []Request { return []Request{tg.req(""), tg.req("sleep=10s")} },
			wantResults: true,
			wantAborted: true,
		},
		{
			// vegeta's pacer sleeps 10 s before the first request here.
			name: "pacer asleep",
			rate: Rate{Freq: 1, Per: 10 * time.Second},
			reqs: func(tg *target) []Request { return []Request{tg.req("")} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(400*time.Millisecond, cancel)
			got, st, took := collect(t, ctx, tt.reqs(tg), Options{Rate: tt.rate, Duration: time.Minute})
			if took > 1500*time.Millisecond {
				t.Errorf("Attack returned %s after start, want promptly after the cancel at 400ms", took)
			}
			if !st.Interrupted {
				t.Error("Stats.Interrupted = false")
			}
			if tt.wantResults && len(got) == 0 {
				t.Error("no results handed over")
			}
			if tt.wantAborted && st.Aborted == 0 {
				t.Error("Stats.Aborted = 0, want the in-flight slow requests")
			}
			for _, r := range got {
				if r.Error != "" {
					t.Errorf("result with error %q handed over", r.Error)
				}
			}
		})
	}
}

func TestAttackCancelledBeforeStart(t *testing.T) {
	tg := newTarget(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, st, _ := collect(t, ctx, []Request{tg.req("")}, Options{Rate: Rate{Freq: 10, Per: time.Second}, Duration: time.Second})
	if !st.Interrupted || len(got) != 0 || tg.hits.Load() != 0 {
		t.Errorf("got %d results, %d hits, %+v: want nothing sent and Interrupted", len(got), tg.hits.Load(), st)
	}
}

func TestAttackInvalid(t *testing.T) {
	ok := Request{Method: "GET", URL: "http://127.0.0.1:1/"}
	tests := []struct {
		name string
		reqs []Request
		opts Options
	}{
		{name: "no requests", opts: Options{Duration: time.Second}},
		{name: "no duration", reqs: []Request{ok}},
		{name: "bad URL", reqs: []Request{{Method: "GET", URL: "http://[::1"}}, opts: Options{Duration: time.Second}},
		{name: "bad method", reqs: []Request{{Method: "GE T", URL: "http://127.0.0.1:1/"}}, opts: Options{Duration: time.Second}},
		{name: "minimum at a paced rate", reqs: []Request{ok}, opts: Options{Rate: Rate{Freq: 1, Per: time.Second}, Duration: time.Second, MinRequests: 5}},
		{name: "negative minimum", reqs: []Request{ok}, opts: Options{Rate: Max, Duration: time.Second, MinRequests: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Attack(context.Background(), "x", tt.reqs, tt.opts, func(*Result) {}); err == nil {
				t.Error("Attack: no error")
			}
		})
	}
}

func TestAttackProgress(t *testing.T) {
	tg := newTarget(t)
	var out syncbuf.Buffer
	opts := Options{Rate: Rate{Freq: 20, Per: time.Second}, Duration: 600 * time.Millisecond, Progress: &out}
	collect(t, context.Background(), []Request{tg.req("status=503")}, opts)
	s := out.String()
	if !regexp.MustCompile(`test [0-9.]+m?s/600ms [1-9][0-9]* requests, [1-9][0-9]* errors`).MatchString(s) {
		t.Errorf("progress output %q: want scenario, elapsed/duration, requests and errors", s)
	}
	if !strings.HasSuffix(s, "\r") {
		t.Errorf("progress output %q: not cleared at the end", s)
	}
}

// TestAttackPlainProgress: on a stream that is not a terminal, progress is
// plain lines at an interval, each a line of its own a CI log can
// timestamp: no bar, no carriage return.
func TestAttackPlainProgress(t *testing.T) {
	tg := newTarget(t)
	var out syncbuf.Buffer
	opts := Options{Rate: Rate{Freq: 20, Per: time.Second}, Duration: 700 * time.Millisecond,
		Progress: &PlainProgress{W: &out, Every: 200 * time.Millisecond}}
	collect(t, context.Background(), []Request{tg.req("status=503")}, opts)
	s := out.String()
	if strings.ContainsAny(s, "\r\x1b") {
		t.Errorf("plain progress %q holds a carriage return or an escape sequence", s)
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 2 || len(lines) > 4 {
		t.Fatalf("plain progress every 200ms over 700ms: %d lines, want 2 to 4:\n%s", len(lines), s)
	}
	line := regexp.MustCompile(`^test [0-9.]+m?s/700ms [1-9][0-9]* requests, [1-9][0-9]* errors$`)
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("plain progress line %q: want scenario, elapsed/duration, requests and errors", l)
		}
	}
}

// TestAttackSlowRateSendsAtStart: a rate slower than the duration sends its
// one request at the start, not one period later after the duration has
// ended (issue 15 item 5: 1/10s for 5 s sent at +10 s).
func TestAttackSlowRateSendsAtStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"constant", Options{Rate: rate(t, "1/10s"), Duration: 300 * time.Millisecond}},
		{"stages", Options{Stages: []Stage{{Rate: rate(t, "1/10s"), For: 300 * time.Millisecond}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t)
			began := time.Now()
			got, _, took := collect(t, context.Background(), []Request{tg.req("")}, tc.opts)
			if len(got) != 1 {
				t.Fatalf("%d results, want the one request the duration holds", len(got))
			}
			if at := got[0].Timestamp.Sub(began); at > 250*time.Millisecond {
				t.Errorf("the request went out %s after the start, want at the start", at)
			}
			if took > 5*time.Second {
				t.Errorf("Attack took %s: it waited a full period", took)
			}
		})
	}
}

// TestAttackIntended: each result carries the schedule's intended send
// time, anchored where the pacer paces from (after the warmup), and is
// sent at or after it; at rate max, intended is the send time.
func TestAttackIntended(t *testing.T) {
	tg := newTarget(t)
	stages := []Stage{{Rate: rate(t, "20/s"), For: 200 * time.Millisecond}, {Rate: rate(t, "100/s"), For: 200 * time.Millisecond}}
	for _, tc := range []struct {
		name  string
		opts  Options
		sched schedule
		// warmup is how long the warmup takes at least.
		warmup time.Duration
	}{
		{"constant", Options{Rate: rate(t, "50/s"), Duration: 400 * time.Millisecond}, newConstantPacer(rate(t, "50/s")), 0},
		{"stages", Options{Stages: stages}, stagedPacer{stages: stages}, 0},
		{"constant after warmup", Options{Rate: rate(t, "50/s"), Duration: 200 * time.Millisecond, Warmup: 6}, newConstantPacer(rate(t, "50/s")), 100 * time.Millisecond},
		{"max", Options{Rate: Max, Duration: 100 * time.Millisecond, MaxWorkers: 2}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			got, _, _ := collect(t, context.Background(), []Request{tg.req("")}, tc.opts)
			if len(got) < 5 {
				t.Fatalf("only %d results", len(got))
			}
			bySeq := make(map[uint64]Result, len(got))
			for _, r := range got {
				bySeq[r.Seq] = r
				if r.Timestamp.Before(r.Intended) {
					t.Errorf("seq %d sent %s before its intended time", r.Seq, r.Intended.Sub(r.Timestamp))
				}
				if tc.sched == nil && !r.Intended.Equal(r.Timestamp) {
					t.Errorf("seq %d at rate max: intended %v, sent %v; want equal", r.Seq, r.Intended, r.Timestamp)
				}
			}
			if tc.sched == nil {
				return
			}
			first, ok := bySeq[0]
			if !ok {
				t.Fatal("no result with seq 0")
			}
			if lead := first.Intended.Sub(began); lead < tc.warmup || lead > tc.warmup+time.Second {
				t.Errorf("seq 0 intended %s after Attack was called, want the start of the measured attack (warmup %s)", lead, tc.warmup)
			}
			for seq, r := range bySeq {
				if got, want := r.Intended.Sub(first.Intended), tc.sched.due(seq); got != want {
					t.Errorf("seq %d intended %s after seq 0, want the schedule's %s", seq, got, want)
				}
			}
		})
	}
}

// TestAttackCoordinatedOmission is issue 15's case on a real attack: 100/s
// with 10 workers against a 20 ms target that holds every request arriving
// between 2 s and 3 s until 3 s. The held workers stall the pacer, which
// catches up in a burst: the service time hardly moves, while latency
// measured from the intended send times shows the wait. Timing on a shared
// machine varies, so the figures are checked for their order of magnitude
// (the exact ones are TestRecorderCoordinatedOmission's, in simulation).
func TestAttackCoordinatedOmission(t *testing.T) {
	const (
		service   = 20 * time.Millisecond
		stallFrom = 2 * time.Second
		stallTo   = 3 * time.Second
	)
	var once sync.Once
	var origin time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		once.Do(func() { origin = now })
		io.Copy(io.Discard, r.Body)
		if at := now.Sub(origin); at >= stallFrom && at < stallTo {
			time.Sleep(stallTo - at)
		}
		time.Sleep(service)
	}))
	t.Cleanup(srv.Close)
	rec := metrics.NewRecorder(400)
	st, err := Attack(context.Background(), "stall", []Request{{Method: "GET", URL: srv.URL}},
		Options{Rate: rate(t, "100/s"), Duration: 4 * time.Second, MaxWorkers: 10}, func(r *Result) {
			rec.AddIntended(r.Intended, r.Timestamp, r.Latency, r.Code, "", r.BytesIn, r.BytesOut)
		})
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Summary()
	t.Logf("%d requests (%d sent); service p90 %s; corrected p90 %s; lag p50 %s, p99 %s, max %s",
		s.Requests, st.Sent, s.Latency.P90, s.Corrected.P90, s.Lag.P50, s.Lag.P99, s.Lag.Max)
	if s.Requests < 300 {
		t.Fatalf("only %d requests of 400: the machine is too busy for this test", s.Requests)
	}
	if s.Latency.P90 > 200*time.Millisecond {
		t.Errorf("service p90 = %s, want about 20ms: only the held requests are slow", s.Latency.P90)
	}
	if s.Corrected.P90 < 500*time.Millisecond || s.Corrected.P90 > 2*time.Second {
		t.Errorf("corrected p90 = %s, want 0.5-2s: requests waited for a worker", s.Corrected.P90)
	}
	if s.Lag.Max < 500*time.Millisecond {
		t.Errorf("lag max = %s, want most of the 1s stall", s.Lag.Max)
	}
}
