package readme

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The rules a README.md code block follows, which TestREADME holds it to:
//
//   - Every fence names its language: sh for commands, text for output,
//     yaml, json, go or sql for files and code. Only sh blocks run.
//   - An sh block runs, in README order, in one bash session shared by all
//     of them, as a reader following the README in one terminal would:
//     environment variables and background processes (db up --detach,
//     serve --detach) carry over from one block to the next.
//   - Each command (a line, with its \ continuations) must exit 0, or the
//     code its comment states as "exits N".
//   - A block that cannot run here starts with the line
//     "# not run by the README test: <why>"; keep those few.
//
// README_TEST_LOG=FILE writes the session's output to FILE, and
// README_TEST_KEEP=1 keeps its files (run directories, reports) to look at.
//
// The session runs in a new directory holding scenarios/ and an empty
// reports/, with a Makefile that forwards to the checkout (make install
// installs perfgate into a temporary GOPATH, whose bin the README's
// install block puts on PATH: the binary is built once, by the README).
// The settings below shorten it, and the README says so: every scenario
// sends load at testRate for testDuration, runs and diffs cover testScenarios, and a
// capacity search stops at testMaxRate. The ports 3000 to 3002 of
// 127.0.0.1 become free ports, so that the test does not depend on them
// being free.
const (
	testDuration = "4s"
	// At testRate, testDuration holds 8 requests a scenario: enough for
	// the p50 the README's compare gates on (6 are needed).
	testRate = "2/s"
	// The checklist's request and the invalid input: the first carries the
	// claim, the second makes the original fail as it does with all four,
	// and costs no database time (the probe's wait for statistics is the
	// run's longest part).
	testScenarios = "single-user-single-course,invalid-input"
	// A capacity search doubles the rate from the scenario's own (1/s) in
	// steps of testStep up to testMaxRate: three steps, the same for both
	// versions, so that their knees compare; testBudget only bounds it.
	testMaxRate = "4/s"
	testStep    = "1s"
	testBudget  = "10s"
	testExplore = "20"
	// Four requests of the invalid input measure microseconds too coarsely
	// for compare's 10 % gate on p95.
	testMaxRegression = "1000%"
	// testTimeout bounds the whole session.
	testTimeout = 5 * time.Minute
)

// skipMarker opens a block the test does not run.
const skipMarker = "# not run by the README test:"

// block is a fenced code block of README.md.
type block struct {
	lang  string
	line  int // the opening fence's line, from 1
	lines []string
}

var fenceRE = regexp.MustCompile("^```([A-Za-z]*)\\s*$")

// parseBlocks returns the fenced blocks of a Markdown document; a fence
// without a language is an error, since it leaves the test to guess
// whether its lines are commands or their output.
func parseBlocks(md string) ([]block, error) {
	var out []block
	var cur *block
	var errs []error
	for i, l := range strings.Split(md, "\n") {
		m := fenceRE.FindStringSubmatch(strings.TrimRight(l, " "))
		switch {
		case m == nil:
			if cur != nil {
				cur.lines = append(cur.lines, l)
			}
		case cur != nil:
			out = append(out, *cur)
			cur = nil
		default:
			if m[1] == "" {
				errs = append(errs, fmt.Errorf("README.md:%d: a code block without a language: write ```sh for commands the README test runs, ```text for output", i+1))
			}
			cur = &block{lang: m[1], line: i + 1}
		}
	}
	if cur != nil {
		errs = append(errs, fmt.Errorf("README.md:%d: code block never closed", cur.line))
	}
	return out, errors.Join(errs...)
}

// command is one command of an sh block.
type command struct {
	line int // README line of its first line
	text string
	exit int
}

var exitsRE = regexp.MustCompile(`\s#.*\bexits (\d)\b`)

// commands splits an sh block into commands (a line with its \
// continuations; comment lines dropped) and returns why it is not run
// when it starts with skipMarker.
func commands(b block) (cmds []command, skip string) {
	var cur *command
	for i, l := range b.lines {
		t := strings.TrimSpace(l)
		if i == 0 && strings.HasPrefix(t, skipMarker) {
			return nil, strings.TrimSpace(strings.TrimPrefix(t, skipMarker))
		}
		if cur == nil {
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			cur = &command{line: b.line + 1 + i}
		}
		cur.text += l + "\n"
		if !strings.HasSuffix(strings.TrimRight(l, " "), `\`) {
			if m := exitsRE.FindStringSubmatch(cur.text); m != nil {
				cur.exit, _ = strconv.Atoi(m[1])
			}
			cmds = append(cmds, *cur)
			cur = nil
		}
	}
	return cmds, ""
}

func TestParse(t *testing.T) {
	md := "# x\n```sh\nperfgate a \\\n  --b   # exits 1: why\n\n# a comment\nperfgate c # exit 1 when missing\n```\n```text\nout\n```\n" +
		"```sh\n" + skipMarker + " docker\ndocker run\n```\n"
	bs, err := parseBlocks(md)
	if err != nil || len(bs) != 3 {
		t.Fatalf("blocks %+v, %v", bs, err)
	}
	cmds, skip := commands(bs[0])
	if skip != "" || len(cmds) != 2 || cmds[0].line != 3 || cmds[0].exit != 1 || cmds[1].line != 7 || cmds[1].exit != 0 {
		t.Errorf("commands %+v, skip %q", cmds, skip)
	}
	if _, skip := commands(bs[2]); skip != "docker" {
		t.Errorf("skip %q", skip)
	}
	if _, err := parseBlocks("```\nls\n```\n"); err == nil || !strings.Contains(err.Error(), "README.md:1: a code block without a language") {
		t.Errorf("untagged block: %v", err)
	}
}

// TestREADME runs every shell example of README.md; see the rules above.
func TestREADME(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseBlocks(string(md))
	if err != nil {
		t.Fatal(err)
	}

	// The temporary root is open to others: run as root, perfgate's local
	// PostgreSQL runs as the postgres user, in a directory under TMPDIR.
	root, err := os.MkdirTemp("", "perfgate-readme-")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("README_TEST_KEEP") != "" {
		t.Logf("README_TEST_KEEP: the session's files stay in %s", root)
	} else {
		t.Cleanup(func() { os.RemoveAll(root) })
	}
	work, tmp, gopath := filepath.Join(root, "work"), filepath.Join(root, "tmp"), filepath.Join(root, "gopath")
	for _, d := range []string{root, work, tmp, gopath, filepath.Join(work, "reports")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.CopyFS(filepath.Join(work, "scenarios"), os.DirFS(filepath.Join(repo, "scenarios"))); err != nil {
		t.Fatal(err)
	}
	makefile := fmt.Sprintf("# Forwards every target to the checkout.\n%%:\n\t@$(MAKE) --no-print-directory -C %s $@\n", repo)
	if err := os.WriteFile(filepath.Join(work, "Makefile"), []byte(makefile), 0o644); err != nil {
		t.Fatal(err)
	}

	ports := map[string]string{}
	for _, p := range []string{"3000", "3001", "3002"} {
		ports["127.0.0.1:"+p] = "127.0.0.1:" + freePort(t)
	}
	var pairs []string
	for from, to := range ports {
		pairs = append(pairs, from, to)
	}
	remap := strings.NewReplacer(pairs...)

	var script strings.Builder
	script.WriteString("set -o pipefail\ncd " + shellQuote(work) + "\n")
	ran := 0
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		cmds, skip := commands(b)
		if skip != "" || strings.HasPrefix(strings.TrimSpace(strings.Join(b.lines, "\n")), strings.TrimSpace(skipMarker)) {
			if skip == "" {
				t.Errorf("README.md:%d: %s says no reason", b.line, skipMarker)
			}
			t.Logf("README.md:%d: not run: %s", b.line, skip)
			continue
		}
		for _, c := range cmds {
			first := strings.SplitN(strings.TrimSpace(c.text), "\n", 2)[0]
			fmt.Fprintf(&script, "echo %s\n%s", shellQuote(fmt.Sprintf("+ README.md:%d: %s", c.line, first)), remap.Replace(c.text))
			fmt.Fprintf(&script, "rc=$?; if [ $rc -ne %d ]; then echo %s \"exited $rc, want %d\" >&2; exit 97; fi\n",
				c.exit, shellQuote(fmt.Sprintf("README.md:%d: %s:", c.line, first)), c.exit)
			ran++
		}
	}
	script.WriteString("echo README: every command ran\n")
	if ran < 30 {
		t.Fatalf("only %d commands in the README's sh blocks: are blocks skipped or mistagged?", ran)
	}

	env := testEnv(t, gopath, tmp)
	perfgate := filepath.Join(gopath, "bin", "perfgate")
	// Whatever happened, stop what the README started in the background.
	t.Cleanup(func() {
		if _, err := os.Stat(perfgate); err != nil {
			return
		}
		for _, addr := range ports {
			stop := exec.Command(perfgate, "serve", "--stop", "--addr", addr)
			stop.Env = env
			stop.Run()
		}
		down := exec.Command(perfgate, "db", "down")
		down.Env = env
		if out, err := down.CombinedOutput(); err != nil {
			t.Logf("db down: %v: %s", err, out)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if path := os.Getenv("README_TEST_LOG"); path != "" {
		os.WriteFile(path, out, 0o644) // the whole session, for a reader
	}
	t.Logf("%d commands in %s", ran, time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("README session failed (%v) after %s; its output, last lines:\n%s", err, time.Since(start).Round(time.Second), tail(string(out), 80))
	}
	if !strings.Contains(string(out), "README: every command ran") {
		t.Fatalf("README session ended early:\n%s", tail(string(out), 80))
	}
}

// testEnv is the session's environment: the caller's, without any
// PERFGATE_ variable or GOBIN of its own, with the test settings, a
// GOPATH of the test's (sharing the module and build caches, so that
// nothing is downloaded) and TMPDIR, where detached processes keep their
// state.
func testEnv(t *testing.T, gopath, tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PERFGATE_") || k == "GOBIN" || k == "GOPATH" || k == "TMPDIR" {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range []string{"GOMODCACHE", "GOCACHE"} {
		v, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(v)))
	}
	return append(env, "GOPATH="+gopath, "TMPDIR="+tmp, "CI=true",
		"PERFGATE_DURATION="+testDuration, "PERFGATE_RATE="+testRate, "PERFGATE_ONLY="+testScenarios, "PERFGATE_EXPLORE="+testExplore,
		"PERFGATE_MAX_RATE="+testMaxRate, "PERFGATE_BUDGET="+testBudget, "PERFGATE_STEP="+testStep, "PERFGATE_MAX_REGRESSION="+testMaxRegression)
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
