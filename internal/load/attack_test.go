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
		if r.Code != 0 || !strings.Contains(r.Error, "timeout") || r.Latency > time.Second {
			t.Errorf("result code %d error %q latency %s: want a timeout error", r.Code, r.Error, r.Latency)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Attack(context.Background(), "x", tt.reqs, tt.opts, func(*Result) {}); err == nil {
				t.Error("Attack: no error")
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAttackProgress(t *testing.T) {
	tg := newTarget(t)
	var out syncBuffer
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
