package sysinfo_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/sysinfo"
)

// helperEnv selects what the test binary does when it is started as a child
// process by these tests (TestHelperProcess).
const helperEnv = "SYSINFO_TEST_HELPER"

// TestHelperProcess is not a test: it is the child process of the tests
// below, selected by helperEnv. It reports on stdout and lives until its
// stdin closes.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	in := bufio.NewScanner(os.Stdin)
	switch mode {
	case "listen":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	case "burn":
		// On "go", burn at least 300 ms of CPU, then print the CPU time
		// used by the burn as this process measures it itself.
		fmt.Println("ready")
		in.Scan()
		before := cpuTime()
		x := 1.0
		for cpuTime()-before < 0.3 {
			for i := 0; i < 100000; i++ {
				x = x*1.0000001 + 1e-9
			}
		}
		fmt.Println(cpuTime()-before, x > 0)
	case "exit":
		fmt.Println("ready")
		in.Scan()
		os.Exit(0)
	case "inherit":
		fmt.Println("ready")
	}
	for in.Scan() {
	}
	os.Exit(0)
}

// cpuTime is this process's user plus system CPU time in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// child is a helper process with a line-reader on its stdout.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startChild(t *testing.T, mode string, extra ...*os.File) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.ExtraFiles = extra
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Wait()
	})
	return c
}

func (c *child) line(t *testing.T) string {
	t.Helper()
	if !c.out.Scan() {
		t.Fatalf("child %d said nothing: %v", c.cmd.Process.Pid, c.out.Err())
	}
	return c.out.Text()
}

func (c *child) say(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(c.in, s+"\n"); err != nil {
		t.Fatal(err)
	}
}

func TestFindListenerOwnProcess(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "tcp6" {
				addr = "[::1]:0"
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Skipf("no %s on this machine: %v", network, err)
			}
			defer ln.Close()
			pid, err := sysinfo.FindListener(ln.Addr().(*net.TCPAddr).Port)
			if err != nil {
				t.Fatal(err)
			}
			if pid != os.Getpid() {
				t.Errorf("FindListener = %d, want this process %d", pid, os.Getpid())
			}
		})
	}
}

func TestFindListenerChild(t *testing.T) {
	c := startChild(t, "listen")
	port, err := strconv.Atoi(c.line(t))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := sysinfo.FindListener(port)
	if err != nil {
		t.Fatal(err)
	}
	if pid != c.cmd.Process.Pid {
		t.Errorf("FindListener = %d, want the child %d", pid, c.cmd.Process.Pid)
	}
}

// A pre-forking server: parent and child hold the same listening socket;
// the parent is the service.
func TestFindListenerSharedSocketPicksParent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := startChild(t, "inherit", f)
	c.line(t)
	pid, err := sysinfo.FindListener(ln.Addr().(*net.TCPAddr).Port)
	if err != nil {
		t.Fatal(err)
	}
	if pid != os.Getpid() {
		t.Errorf("FindListener = %d, want the parent %d (child is %d)", pid, os.Getpid(), c.cmd.Process.Pid)
	}
}

func TestFindListenerNone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, err = sysinfo.FindListener(port)
	if !errors.Is(err, sysinfo.ErrNoListener) {
		t.Fatalf("FindListener on a closed port: %v, want ErrNoListener", err)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name the port", err)
	}
}

// The sampler's CPU time of a child equals what the child measured of
// itself, within the kernel's clock tick.
func TestSamplerChildCPU(t *testing.T) {
	c := startChild(t, "burn")
	c.line(t)
	s, err := sysinfo.StartSampler(c.cmd.Process.Pid, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c.say(t, "go")
	var burnt float64
	if _, err := fmt.Sscan(c.line(t), &burnt); err != nil {
		t.Fatal(err)
	}
	u := s.Stop()
	t.Logf("child burnt %.3f s; sampler: %+v", burnt, u)
	if u.PID != c.cmd.Process.Pid || u.Exited {
		t.Errorf("usage %+v: want pid %d, not exited", u, c.cmd.Process.Pid)
	}
	// Scheduling and start-up add a few ticks outside the burn.
	if u.CPUSeconds < burnt-0.02 || u.CPUSeconds > burnt+0.1 {
		t.Errorf("CPUSeconds = %.3f, want the child's own %.3f (+0.1 s at most for its start-up)", u.CPUSeconds, burnt)
	}
	if u.Samples < 3 {
		t.Errorf("%d samples, want at least start, stop and one tick", u.Samples)
	}
	if u.MeanRSS <= 0 || u.MaxRSS < u.MeanRSS {
		t.Errorf("RSS mean %d max %d: want 0 < mean <= max", u.MeanRSS, u.MaxRSS)
	}
	if got := u.CPUPerRequest(10); got != time.Duration(u.CPUSeconds/10*1e9) {
		t.Errorf("CPUPerRequest(10) = %s", got)
	}
}

// Memory the process touches shows in the peak; Stop is safe to call from
// several goroutines and returns the same usage.
func TestSamplerSelfRSSAndConcurrentStop(t *testing.T) {
	s, err := sysinfo.StartSampler(os.Getpid(), 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = 1
	}
	time.Sleep(30 * time.Millisecond)
	runtime.KeepAlive(buf)
	var wg sync.WaitGroup
	got := make([]sysinfo.Usage, 4)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = s.Stop() }()
	}
	wg.Wait()
	for _, u := range got[1:] {
		if u != got[0] {
			t.Fatalf("Stop returned different usages: %+v and %+v", got[0], u)
		}
	}
	u := got[0]
	if u.MaxRSS < size {
		t.Errorf("MaxRSS = %d, want at least the %d bytes touched", u.MaxRSS, size)
	}
	if u.MeanRSS > u.MaxRSS || u.Wall <= 0 {
		t.Errorf("usage %+v: want mean <= max and a positive wall time", u)
	}
}

func TestSamplerProcessExits(t *testing.T) {
	c := startChild(t, "exit")
	c.line(t)
	s, err := sysinfo.StartSampler(c.cmd.Process.Pid, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c.say(t, "bye")
	if err := c.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	u := s.Stop()
	if !u.Exited {
		t.Errorf("usage %+v: want Exited after the process ended", u)
	}
}

func TestSamplerUnknownPID(t *testing.T) {
	// PIDs above pid_max never exist.
	if _, err := sysinfo.StartSampler(1<<30, 0); err == nil {
		t.Fatal("StartSampler on a PID that does not exist: no error")
	}
}

func TestHost(t *testing.T) {
	m := sysinfo.Host()
	if m.GoVersion != runtime.Version() || m.CPUs != runtime.NumCPU() || m.OS != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("Host() = %+v: want the runtime's Go version, CPU count and OS", m)
	}
	if runtime.GOOS == "linux" && (m.Kernel == "" || m.CPUModel == "" || m.MemoryBytes == 0) {
		t.Errorf("Host() = %+v: want kernel, CPU model and memory on Linux", m)
	}
}

func TestTargetPort(t *testing.T) {
	for _, tc := range []struct {
		target string
		port   int
		local  bool
	}{
		{"http://127.0.0.1:3000", 3000, true},
		{"http://localhost:8080/x", 8080, true},
		{"http://[::1]:9000", 9000, true},
		{"http://127.0.0.1", 80, true},
		{"https://localhost", 443, true},
		{"http://staging.example.com:3000", 3000, false},
		{"http://192.0.2.7:3000", 3000, false},
		{"not a url", 0, false},
	} {
		port, local := sysinfo.TargetPort(tc.target)
		if port != tc.port || local != tc.local {
			t.Errorf("TargetPort(%q) = %d, %v; want %d, %v", tc.target, port, local, tc.port, tc.local)
		}
	}
}

func TestDiffHosts(t *testing.T) {
	a := sysinfo.Machine{Hostname: "ci-1", GoVersion: "go1.26.0", OS: "linux/amd64", Kernel: "6.1", CPUModel: "Xeon", CPUs: 2, LoadAvg: [3]float64{0.2, 0.2, 0.2}}
	if d := sysinfo.DiffHosts(a, a); len(d) != 0 {
		t.Fatalf("DiffHosts of a machine with itself: %v", d)
	}
	b := a
	b.Kernel = "6.2"
	b.CPUs = 4
	b.LoadAvg = [3]float64{3, 1, 1}
	got := map[string]sysinfo.Difference{}
	for _, d := range sysinfo.DiffHosts(a, b) {
		got[d.What] = d
	}
	if len(got) != 3 {
		t.Fatalf("differences %v: want kernel, cpus and load", got)
	}
	if d := got["host kernel"]; d.Explains || d.Before != "6.1" || d.After != "6.2" {
		t.Errorf("kernel: %+v, want listed and not flagged", d)
	}
	if d := got["host cpus"]; !d.Explains || !strings.Contains(d.String(), "2 -> 4 (could explain") {
		t.Errorf("cpus: %q, want flagged", d.String())
	}
	if d := got["host load average at start"]; !d.Explains {
		t.Errorf("load 0.2 -> 3 on 2 CPUs: %+v, want flagged as a busy machine", d)
	}
}
