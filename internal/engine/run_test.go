package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFailingAnswer: a scenario whose answers have a status it did not
// expect keeps one such answer's body (fetched by one more request, as the
// load reads no bodies without a check), shortened; one whose answers all
// have the expected status sends nothing more and keeps none.
func TestFailingAnswer(t *testing.T) {
	var requests atomic.Int64
	long := strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return
		}
		requests.Add(1)
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "no route for /missing: did you mean /tracking/v1/missing?", http.StatusNotFound)
		case "/long":
			http.Error(w, long, http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		path   string
		status int    // the answer kept, 0 for none
		body   string // its start
		extra  int64  // requests beyond the load's
	}{
		{path: "/missing", status: 404, body: "no route for /missing: did you mean /tracking/v1/missing?", extra: 1},
		{path: "/long", status: 500, body: long[:512] + "…", extra: 1},
		{path: "/ok", extra: 0},
	} {
		t.Run(tt.path, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "s.yaml")
			yaml := "name: s\nrequest:\n  method: GET\n  path: " + tt.path + "\nload:\n  rate: 20/s\n  duration: 200ms\nexpect:\n  status: 200\n"
			if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			ps, err := Plan([]string{file}, Overrides{}, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			requests.Store(0)
			sc, err := RunScenario(context.Background(), ps[0], ScenarioOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := requests.Load() - sc.Requests; got != tt.extra {
				t.Errorf("%d requests beyond the load's %d, want %d", got, sc.Requests, tt.extra)
			}
			a := sc.FailingAnswer
			if tt.status == 0 {
				if a != nil {
					t.Errorf("failing answer %+v, want none", a)
				}
				return
			}
			if a == nil || a.Status != tt.status || !a.Resent || strings.TrimSpace(a.Body) != tt.body {
				t.Errorf("failing answer %+v, want status %d, resent, body %.40q…", a, tt.status, tt.body)
			}
		})
	}
}
