package engine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

func TestFindService(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	local := "http://" + ln.Addr().String()

	s, err := FindService(local, 0)
	if err != nil || s.PID != os.Getpid() || !s.InPerfgate || !strings.Contains(s.Source, "listener on port") ||
		!strings.Contains(s.Note, "include the load generator's") {
		t.Errorf("local target: %+v, %v; want this process, said to include the load generator", s, err)
	}
	s, err = FindService("http://192.0.2.1:3000", 0)
	if err != nil || s.PID != 0 || !strings.Contains(s.Note, "192.0.2.1 is not on this machine") || !strings.Contains(s.Note, "--service-pid") {
		t.Errorf("remote target: %+v, %v; want nothing sampled and the flag to pass", s, err)
	}
	s, err = FindService("http://192.0.2.1:3000", os.Getpid())
	if err != nil || s.PID != os.Getpid() || s.Source != "--service-pid" {
		t.Errorf("--service-pid: %+v, %v", s, err)
	}
	// A PID that cannot exist (above the kernel's pid_max) is a usage error.
	_, err = FindService(local, 1<<30)
	if exit.Code(err) != exit.CodeUsage || !strings.Contains(err.Error(), "no such process") {
		t.Errorf("--service-pid of no process: %v (exit %d)", err, exit.Code(err))
	}
}

// TestRunRecordsEnvironmentAndResources: every run records the host it
// measured from, and each scenario the sampled process's CPU and memory.
func TestRunRecordsEnvironmentAndResources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		x := 0
		for i := range 20000 {
			x += i
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	sc, err := scenario.Parse("s.yaml", []byte("name: s\nrequest:\n  path: /x\nload:\n  rate: 200/s\n  duration: 500ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := sc.Render(srv.URL, scenario.NewData(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	service, err := FindService(srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run, err := Run(context.Background(), []Planned{{Scenario: sc, Request: req}}, RunOptions{Dir: dir, Target: srv.URL, Service: service})
	if err != nil {
		t.Fatal(err)
	}
	env := run.Environment
	if env == nil || env.Host.CPUs == 0 || env.Host.GoVersion == "" || env.Service != service || env.Database != nil {
		t.Fatalf("environment %+v", env)
	}
	r := run.Scenarios[0].Resources
	if r == nil || r.PID != os.Getpid() || r.Samples < 2 || r.MaxRSS <= 0 || r.MeanRSS <= 0 || r.Wall < 400*time.Millisecond {
		t.Fatalf("resources %+v: want this process sampled over the load", r)
	}
	if want := r.CPUPerRequest * time.Duration(run.Scenarios[0].Requests); absDuration(want-time.Duration(r.CPUSeconds*float64(time.Second))) > time.Millisecond {
		t.Errorf("CPU per request %s × %d requests ≠ %.3f s", r.CPUPerRequest, run.Scenarios[0].Requests, r.CPUSeconds)
	}
	// Without a probe there are no plans, and no plans.json.
	if _, err := model.ReadPlans(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plans.json without plans: %v", err)
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
