package cli

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// delivery returns the "delivery" criterion of sc, or a zero one.
func delivery(sc *model.Scenario) model.Criterion {
	for _, c := range sc.Criteria {
		if c.Name == "delivery" {
			return c
		}
	}
	return model.Criterion{}
}

// TestUnderDeliveryFails is issue 15's under-delivery, end to end: a run
// that could not send the rate asked for fails its verdict with the
// reason (exit 1), in the criteria and in summary.json's warnings, and
// --allow-under-delivery makes it a warning (exit 0). The rates asked
// are 4-15 times what the workers can send, so a busy machine only widens
// the gap.
func TestUnderDeliveryFails(t *testing.T) {
	tests := []struct {
		name    string
		delay   time.Duration
		args    []string
		allowed bool
		want    []string
	}{
		{name: "20/s with one worker against a 200ms target", delay: 200 * time.Millisecond,
			args: []string{"--rate", "20/s", "--duration", "2s", "--max-workers", "1"},
			want: []string{"load not delivered: achieved ", "of the 20/s asked", "all 1 workers were busy at once (--max-workers)"}},
		{name: "3000/s with 4 workers", delay: 20 * time.Millisecond,
			args: []string{"--rate", "3000/s", "--duration", "1s", "--max-workers", "4"},
			want: []string{"load not delivered: achieved ", "of the 3000/s asked", "all 4 workers were busy at once"}},
		{name: "allowed", delay: 200 * time.Millisecond, allowed: true,
			args: []string{"--rate", "20/s", "--duration", "2s", "--max-workers", "1", "--allow-under-delivery"},
			want: []string{"allowed by --allow-under-delivery: load not delivered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			tg.delay.Store(int64(tt.delay))
			sf := scenarioFile(t, t.TempDir(), "ok", "  status: 200")
			r := execRun(t, context.Background(), append([]string{"--target", tg.URL, "--no-progress", sf}, tt.args...)...)
			wantCode := exit.CodeFailed
			if tt.allowed {
				wantCode = exit.CodeOK
			}
			if r.code != wantCode || r.run == nil {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, wantCode, r.stdout, r.stderr)
			}
			sc := r.run.Scenarios[0]
			c := delivery(sc)
			if c.Pass != tt.allowed || !sc.UnderDelivered {
				t.Errorf("delivery criterion %+v, under_delivered %v; want pass %v", c, sc.UnderDelivered, tt.allowed)
			}
			if len(r.run.Warnings) != 1 {
				t.Fatalf("summary.json warnings %q, want the reason", r.run.Warnings)
			}
			for _, want := range tt.want {
				if !strings.Contains(c.Message, want) || !strings.Contains(r.run.Warnings[0], want) {
					t.Errorf("criterion message %q or warning %q lacks %q", c.Message, r.run.Warnings[0], want)
				}
			}
			if !strings.Contains(r.stdout, "load not delivered") {
				t.Errorf("the text report does not say it:\n%s", r.stdout)
			}
			if s := sc.Saturation; s == nil || !s.WorkersBusy() {
				t.Errorf("saturation %+v: want every worker busy recorded", s)
			}
		})
	}
}

// TestStallFails is issue 15's coordinated omission, end to end: 100/s
// with 10 workers against a 20 ms target that holds every request
// arriving between 2 s and 3 s until 3 s. vegeta's pacer catches up after
// the stall, so the rate looks right; the run fails on the schedule lag,
// and summary.json's latency from the intended send times shows the wait
// the service latency hides.
func TestStallFails(t *testing.T) {
	const (
		service   = 20 * time.Millisecond
		stallFrom = 2 * time.Second
		stallTo   = 3 * time.Second
	)
	var once sync.Once
	var origin time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return
		}
		now := time.Now()
		once.Do(func() { origin = now })
		io.Copy(io.Discard, r.Body)
		if at := now.Sub(origin); at >= stallFrom && at < stallTo {
			time.Sleep(stallTo - at)
		}
		time.Sleep(service)
	}))
	t.Cleanup(srv.Close)
	sf := scenarioFile(t, t.TempDir(), "stall", "  status: 200")
	r := execRun(t, context.Background(), "--target", srv.URL, "--no-progress", "--rate", "100/s", "--duration", "4s",
		"--max-workers", "10", "--expect", "p90=500ms", sf)
	if r.run == nil {
		t.Fatalf("exit %d, no summary\n%s%s", r.code, r.stdout, r.stderr)
	}
	sc := r.run.Scenarios[0]
	t.Logf("exit %d; rate %.1f/s; service p90 %s; corrected p90 %v; lag %+v", r.code, sc.AchievedRate, sc.Latency.P90, sc.Corrected, sc.Lag)
	if r.code != exit.CodeFailed {
		t.Errorf("exit %d, want 1: the load was not delivered on schedule", r.code)
	}
	if sc.Corrected == nil || sc.Lag == nil {
		t.Fatalf("summary.json has no corrected latency or schedule lag: %+v", sc)
	}
	if sc.Corrected.P90 < 500*time.Millisecond && delivery(sc).Pass {
		t.Errorf("corrected p90 %s and delivery passed: the stall went unseen", sc.Corrected.P90)
	}
	if sc.Lag.Max < 500*time.Millisecond {
		t.Errorf("schedule lag max %s, want most of the 1s stall", sc.Lag.Max)
	}
	if !sc.CorrectedDiffers() || !strings.Contains(r.stdout, "from the intended send times") {
		t.Errorf("the text report does not show the corrected figures:\n%s", r.stdout)
	}
}

// TestSlowRateValidateAndRun is issue 15 item 5: a rate slower than the
// duration (1/10s for 2 s) is valid, and the run sends its one request at
// the start rather than after the duration.
func TestSlowRateValidateAndRun(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "slow", "  status: 200")
	code, out := execute("validate", "--rate", "1/10s", "--duration", "2s", sf)
	if code != exit.CodeOK || !strings.Contains(out, "at 1/10s for 2s") {
		t.Fatalf("validate: exit %d\n%s", code, out)
	}
	began := time.Now()
	r := execRun(t, context.Background(), "--target", tg.URL, "--no-progress", "--rate", "1/10s", "--duration", "2s", sf)
	if r.code != exit.CodeOK || r.run == nil {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sc := r.run.Scenarios[0]
	if sc.Requests != 1 || tg.hits.Load() != 1 || sc.UnderDelivered || !delivery(sc).Pass {
		t.Errorf("requests %d (target saw %d), under-delivered %v, delivery %+v; want one request, delivered", sc.Requests, tg.hits.Load(), sc.UnderDelivered, delivery(sc))
	}
	if took := time.Since(began); took > 8*time.Second {
		t.Errorf("run took %s: the request went out after the duration", took)
	}
}

// TestRunTLS: against an https target with its own CA, run fails at the
// preflight with a TLS hint (not "is the service running?"), and passes
// with --cacert or --insecure.
func TestRunTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"data":[]}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sf := scenarioFile(t, t.TempDir(), "tls", "  status: 200")
	base := []string{"--target", srv.URL, "--no-progress", "--rate", "20/s", "--duration", "200ms", sf}
	r := execRun(t, context.Background(), base...)
	if r.code != exit.CodeUnavailable || !strings.Contains(r.stderr, "TLS handshake failed") ||
		!strings.Contains(r.stderr, "--cacert") || strings.Contains(r.stderr, "is the service running") {
		t.Errorf("untrusted: exit %d\n%s", r.code, r.stderr)
	}
	for _, extra := range [][]string{{"--cacert", ca}, {"--insecure"}} {
		r := execRun(t, context.Background(), append(extra, base...)...)
		if r.code != exit.CodeOK || r.run == nil || r.run.Scenarios[0].StatusCodes["200"] == 0 {
			t.Errorf("%v: exit %d\n%s%s", extra, r.code, r.stdout, r.stderr)
		}
	}
	if r := execRun(t, context.Background(), append([]string{"--cacert", ca, "--insecure"}, base...)...); r.code != exit.CodeUsage {
		t.Errorf("--cacert with --insecure: exit %d, want 2\n%s", r.code, r.stderr)
	}
}
