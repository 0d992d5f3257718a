package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/itchyny/gojq"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/perfgate/perfgate/internal/hint"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

// Field names of a scenario file, per mapping; they are the contract.
var (
	topFields     = []string{"name", "description", "request", "load", "expect", "diff"}
	requestFields = []string{"method", "path", "headers", "body"}
	loadFields    = []string{"rate", "duration", "timeout", "warmup"}
	stageFields   = []string{"rate", "to", "for"}
	expectFields  = []string{"status", "latency", "errors", "checks", "db"}
	checkFields   = []string{"name", "jq"}
	diffFields    = []string{"expect_status_change", "ignore", "unordered"}
)

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	yamlLineRE = regexp.MustCompile(`line (\d+)`)
	methods    = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}
)

// Parse reads one scenario from data; file names it in errors. The returned
// error is an ErrorList whose every entry names file:line. On error the
// scenario is nil, except through parsePartial.
func Parse(file string, data []byte) (*Scenario, error) {
	sc, err := parsePartial(file, data)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// parsePartial is Parse that also returns what it could read of an invalid
// file, so that its name still takes part in the duplicate check.
func parsePartial(file string, data []byte) (*Scenario, error) {
	p := &parser{file: file}
	if len(data) > MaxFileSize {
		p.errf(0, "the file is %d KiB; a scenario file is at most %d KiB (is it the right file?)", len(data)>>10, MaxFileSize>>10)
		return nil, p.errs.Err()
	}
	sc := p.parse(data)
	if p.more > 0 {
		p.errs = append(p.errs, &Error{File: file, Msg: fmt.Sprintf("and %d more problems in this file; fix the ones above first", p.more)})
	}
	return sc, p.errs.Err()
}

type parser struct {
	file string
	errs ErrorList
	// more counts the problems beyond MaxErrorsPerFile, which are only
	// counted: a file of a million unknown keys gets twenty lines.
	more int
	// keyLine maps a value node to the line of its key, so that "missing
	// x" errors point at the mapping's key rather than its first child.
	keyLine map[*yaml.Node]int
}

func (p *parser) errf(line int, format string, args ...any) {
	if len(p.errs) >= MaxErrorsPerFile {
		p.more++
		return
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) parse(data []byte) *Scenario {
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8(data)], []byte("\n"))
		p.errf(line, "not UTF-8 text; save the file as UTF-8")
		return nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if err == nil {
		var second yaml.Node
		if derr := dec.Decode(&second); derr == nil {
			p.errf(second.Line, "a second YAML document (after ---): a file holds one scenario; put this one in a file of its own")
		}
	}
	if err != nil {
		line := 0
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = yamlLineRE.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, ": ")
		p.errf(line, "not valid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		p.errf(1, "empty scenario file; it needs at least name and request.path")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errf(root.Line, "a scenario file is a mapping (name:, request:, load:, expect:), not a %s", kindName(root))
		return nil
	}
	sc := &Scenario{File: p.file, Line: root.Line}
	top := p.fields(root, "scenario", topFields)

	if n := top["name"]; n == nil {
		p.errf(root.Line, "missing name; add `name: my-scenario` (letters, digits, '.', '_', '-')")
	} else if s, ok := p.str(n, "name"); ok {
		sc.Name, sc.Line = s, n.Line
		if !nameRE.MatchString(s) {
			p.errf(n.Line, "name %q: use letters, digits, '.', '_' and '-' only (it names the raw results file)", s)
		} else if len(s) > MaxNameLength {
			p.errf(n.Line, "name is %d characters; at most %d (it names the raw results file)", len(s), MaxNameLength)
		}
	}
	if n := top["description"]; n != nil {
		sc.Description, _ = p.str(n, "description")
	}
	p.request(top["request"], root.Line, sc)
	p.load(top["load"], sc)
	p.expect(top["expect"], sc)
	p.diff(top["diff"], sc)
	return sc
}

// fields checks that n is a mapping whose keys are all in allowed, and
// returns its values by key. Unknown keys are errors with a suggestion.
func (p *parser) fields(n *yaml.Node, where string, allowed []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "%s must be a mapping of %s, not a %s", where, strings.Join(allowed, ", "), kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if _, dup := out[key]; dup {
			p.errf(k.Line, "%s: %q is given twice", where, key)
			continue
		}
		if !slices.Contains(allowed, key) {
			msg := fmt.Sprintf("unknown field %q in %s", key, where)
			if s := hint.Closest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (known fields: %s)", strings.Join(allowed, ", "))
			}
			p.errf(k.Line, "%s", msg)
			continue
		}
		out[key] = v
		if p.keyLine == nil {
			p.keyLine = map[*yaml.Node]int{}
		}
		p.keyLine[v] = k.Line
	}
	return out
}

// line returns the line of n's key, or n's own line.
func (p *parser) line(n *yaml.Node) int {
	if l, ok := p.keyLine[n]; ok {
		return l
	}
	return n.Line
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errf(n.Line, "%s must be a single value, not a %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) request(n *yaml.Node, rootLine int, sc *Scenario) {
	if n == nil {
		p.errf(rootLine, "missing request; add request: with at least path: /the/endpoint")
		return
	}
	f := p.fields(n, "request", requestFields)
	r := &sc.Request
	r.Method = DefaultMethod
	if m := f["method"]; m != nil {
		if s, ok := p.str(m, "request.method"); ok {
			r.Method = strings.ToUpper(s)
			if !slices.Contains(methods, r.Method) {
				p.errf(m.Line, "request.method %q is not an HTTP method (%s)", s, strings.Join(methods, ", "))
			}
		}
	}
	if pn := f["path"]; pn == nil {
		p.errf(p.line(n), "missing request.path; add path: /content/course/status (it is joined to --target)")
	} else if s, ok := p.str(pn, "request.path"); ok {
		r.Path = s
		if s == "" {
			p.errf(pn.Line, "request.path is empty; write the endpoint's path, e.g. /content/course/status")
		}
		r.pathT = p.template(pn, "path", s)
		if r.pathT.t != nil && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "{{") {
			p.errf(pn.Line, "request.path %q must start with / (it is joined to --target)", s)
		}
	}
	if hn := f["headers"]; hn != nil {
		if hn.Kind != yaml.MappingNode {
			p.errf(hn.Line, "request.headers must be a mapping of header name to value, not a %s", kindName(hn))
		} else {
			for i := 0; i+1 < len(hn.Content); i += 2 {
				k, v := hn.Content[i], hn.Content[i+1]
				if !httpguts.ValidHeaderFieldName(k.Value) {
					p.errf(k.Line, "header name %q is not a valid HTTP header name (letters, digits and !#$%%&'*+-.^_`|~ only)", k.Value)
					continue
				}
				val, ok := p.str(v, "header "+k.Value)
				if !ok {
					continue
				}
				h := Header{Name: k.Value, Value: val}
				h.t = p.template(v, "header "+k.Value, val)
				r.Headers = append(r.Headers, h)
			}
		}
	}
	if bn := f["body"]; bn != nil {
		if s, ok := p.str(bn, "request.body"); ok {
			r.Body = s
			r.bodyT = p.template(bn, "body", s)
		}
	}
}

// template parses a text/template held by node n.
func (p *parser) template(n *yaml.Node, name, text string) tmpl {
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(text)
	if err != nil {
		p.errf(templateLine(n.Line, isBlock(n), err), "%s: template does not parse: %s", name, templateMsg(err))
		return tmpl{}
	}
	if err := checkRanges(t); err != nil {
		p.errf(n.Line, "%s: %v", name, err)
		return tmpl{}
	}
	return tmpl{t: t, line: n.Line, block: isBlock(n)}
}

func (p *parser) load(n *yaml.Node, sc *Scenario) {
	l := &sc.Load
	l.Rate, _ = load.ParseRate(DefaultRate)
	l.Duration = DefaultDuration
	if n == nil {
		return
	}
	f := p.fields(n, "load", loadFields)
	if rn := f["rate"]; rn != nil && rn.Kind == yaml.SequenceNode {
		p.stages(rn, l)
	} else if rn != nil {
		if s, ok := p.str(rn, "load.rate"); ok {
			r, err := load.ParseRate(s)
			if err != nil {
				p.errf(rn.Line, "load.rate: %v", err)
			}
			l.Rate = r
		}
	}
	l.Duration = p.duration(f["duration"], "load.duration", DefaultDuration)
	if len(l.Stages) > 0 {
		sum := load.StagesDuration(l.Stages)
		if dn := f["duration"]; dn != nil && l.Duration != sum {
			p.errf(dn.Line, "load.duration %s disagrees with the stages of load.rate, which last %s; remove duration (the stages set it)", l.Duration, sum)
		}
		l.Duration = sum
	}
	l.Timeout = p.duration(f["timeout"], "load.timeout", 0)
	if wn := f["warmup"]; wn != nil {
		if s, ok := p.str(wn, "load.warmup"); ok {
			w, err := strconv.Atoi(s)
			if err != nil || w < 0 {
				p.errf(wn.Line, "load.warmup %q must be a whole number of requests (0 or more)", s)
			}
			l.Warmup = w
		}
	}
}

// stages reads load.rate given as a list of stages:
// [{rate: 1/s, for: 30s}, {rate: 1/s, to: 50/s, for: 60s}].
func (p *parser) stages(n *yaml.Node, l *Load) {
	const hint = "write it like [{rate: 1/s, for: 30s}, {rate: 1/s, to: 50/s, for: 60s}]"
	if len(n.Content) == 0 {
		p.errf(n.Line, "load.rate is an empty list; give a rate such as 5/s or stages: %s", hint)
		return
	}
	ok := true
	for i, item := range n.Content {
		where := fmt.Sprintf("load.rate[%d]", i)
		if item.Kind != yaml.MappingNode {
			p.errf(item.Line, "%s must be a stage {rate, to, for}, not a %s; %s", where, kindName(item), hint)
			ok = false
			continue
		}
		f := p.fields(item, where, stageFields)
		var st load.Stage
		if rn := f["rate"]; rn == nil {
			p.errf(item.Line, "%s: missing rate; add rate: 10/s", where)
			ok = false
		} else if r, good := p.stageRate(rn, where+".rate"); good {
			st.Rate = r
		} else {
			ok = false
		}
		if tn := f["to"]; tn != nil {
			if r, good := p.stageRate(tn, where+".to"); good {
				st.To = &r
			} else {
				ok = false
			}
		}
		if fn := f["for"]; fn == nil {
			p.errf(item.Line, "%s: missing for; add for: 30s (how long the stage lasts)", where)
			ok = false
		} else if d := p.duration(fn, where+".for", 0); d > 0 {
			st.For = d
		} else {
			ok = false
		}
		l.Stages = append(l.Stages, st)
	}
	if !ok {
		l.Stages = nil
		return
	}
	l.Rate = l.Stages[0].Rate
}

// stageRate reads the rate or to of a stage; max is refused, since a
// stage is paced.
func (p *parser) stageRate(n *yaml.Node, what string) (load.Rate, bool) {
	s, ok := p.str(n, what)
	if !ok {
		return load.Rate{}, false
	}
	r, err := load.ParseRate(s)
	if err != nil {
		p.errf(n.Line, "%s: %v", what, err)
		return load.Rate{}, false
	}
	if r.IsMax() {
		p.errf(n.Line, "%s: max cannot be a stage or a ramp's end (a stage is paced); use a rate such as 500/s, or rate: max alone", what)
		return load.Rate{}, false
	}
	return r, true
}

// duration reads a positive duration such as 30s or 1m30s.
func (p *parser) duration(n *yaml.Node, what string, def time.Duration) time.Duration {
	if n == nil {
		return def
	}
	s, ok := p.str(n, what)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		hint := ""
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			hint = fmt.Sprintf(" (a unit is needed: %ss or %sms)", s, s)
		}
		p.errf(n.Line, "%s %q is not a duration; write it like 30s, 1500ms or 1m30s%s", what, s, hint)
		return def
	}
	if d <= 0 {
		p.errf(n.Line, "%s %q must be positive", what, s)
		return def
	}
	return d
}

func (p *parser) expect(n *yaml.Node, sc *Scenario) {
	e := &sc.Expect
	e.Status = DefaultStatus
	if n == nil {
		return
	}
	f := p.fields(n, "expect", expectFields)
	if sn := f["status"]; sn != nil {
		if s, ok := p.str(sn, "expect.status"); ok {
			code, err := strconv.Atoi(s)
			if err != nil || code < 100 || code > 599 {
				p.errf(sn.Line, "expect.status %q must be an HTTP status code such as 200 or 400", s)
			}
			e.Status = code
		}
	}
	if ln := f["latency"]; ln != nil {
		lf := p.fields(ln, "expect.latency", LatencyStats)
		for _, stat := range keysInOrder(ln) {
			v, ok := lf[stat]
			if !ok {
				continue
			}
			d := p.duration(v, "expect.latency."+stat, 0)
			if d > 0 {
				e.Latency = append(e.Latency, model.LatencyLimit{Stat: stat, Max: d})
			}
		}
	}
	if en := f["errors"]; en != nil {
		if s, ok := p.str(en, "expect.errors"); ok {
			share, err := ParseShare(s)
			if err != nil {
				p.errf(en.Line, "expect.errors: %v", err)
			}
			e.Errors = share
		}
	}
	if cn := f["checks"]; cn != nil {
		p.checks(cn, sc)
	}
	if dn := f["db"]; dn != nil {
		df := p.fields(dn, "expect.db", DBFigures)
		for _, fig := range keysInOrder(dn) {
			v, ok := df[fig]
			if !ok {
				continue
			}
			if s, ok := p.str(v, "expect.db."+fig); ok {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
					p.errf(v.Line, "expect.db.%s %q must be a number of 0 or more (the largest allowed value)", fig, s)
				}
				e.DB = append(e.DB, model.DBLimit{Figure: fig, Max: x})
			}
		}
	}
}

func (p *parser) checks(n *yaml.Node, sc *Scenario) {
	if n.Kind != yaml.SequenceNode {
		p.errf(n.Line, "expect.checks must be a list of {name, jq}, not a %s", kindName(n))
		return
	}
	seen := map[string]int{}
	for i, item := range n.Content {
		f := p.fields(item, fmt.Sprintf("expect.checks[%d]", i), checkFields)
		var c Check
		if nn := f["name"]; nn != nil {
			c.Name, _ = p.str(nn, "check name")
		}
		jn := f["jq"]
		if jn == nil {
			p.errf(item.Line, "check %d has no jq expression; add jq: '.data | length == 1'", i+1)
			continue
		}
		c.JQ, _ = p.str(jn, "check jq")
		if c.Name == "" {
			c.Name = c.JQ
		}
		if prev, dup := seen[c.Name]; dup {
			p.errf(item.Line, "check name %q is used twice (first on line %d)", c.Name, prev)
		}
		seen[c.Name] = item.Line
		if strings.Contains(c.JQ, "{{") {
			// A template, like path, headers and body: Render renders and
			// compiles it, so that it sees the same fixtures as the request.
			if c.t = p.template(jn, "jq", c.JQ); c.t.t == nil {
				continue
			}
			sc.Checks = append(sc.Checks, c)
			sc.Expect.Checks = append(sc.Expect.Checks, c.Name)
			continue
		}
		code, err := CompileJQ(c.JQ)
		if err != nil {
			p.errf(jn.Line, "check %q: %v", c.Name, err)
			continue
		}
		c.Code = code
		sc.Checks = append(sc.Checks, c)
		sc.Expect.Checks = append(sc.Expect.Checks, c.Name)
	}
}

func (p *parser) diff(n *yaml.Node, sc *Scenario) {
	if n == nil {
		return
	}
	f := p.fields(n, "diff", diffFields)
	if v := f["expect_status_change"]; v != nil {
		if s, ok := p.str(v, "diff.expect_status_change"); ok {
			b, err := strconv.ParseBool(s)
			if err != nil {
				p.errf(v.Line, "diff.expect_status_change %q must be true or false", s)
			}
			sc.Diff.ExpectStatusChange = b
		}
	}
	sc.Diff.Ignore = p.jqPaths(f["ignore"], "diff.ignore")
	sc.Diff.Unordered = p.jqPaths(f["unordered"], "diff.unordered")
}

// jqPaths reads a list of jq path expressions.
func (p *parser) jqPaths(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n.Line, "%s must be a list of jq paths such as .data[].course[].started_on", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		s, ok := p.str(item, what)
		if !ok {
			continue
		}
		if _, err := CompileJQ(s); err != nil {
			p.errf(item.Line, "%s: %v", what, err)
			continue
		}
		out = append(out, s)
	}
	return out
}

// CompileJQ parses and compiles a jq expression.
func CompileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("jq expression %q does not parse: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("jq expression %q does not compile: %v", expr, err)
	}
	return code, nil
}

// ParseShare reads a share of requests: "0%", "2.5%" or a fraction "0.025".
func ParseShare(s string) (float64, error) {
	x, err := ParsePercent(s)
	if err != nil {
		return 0, err
	}
	if x < 0 || x > 1 {
		return 0, fmt.Errorf("%q is outside 0%%..100%% (a fraction is 0..1: 5%% or 0.05)", s)
	}
	return x, nil
}

// ParsePercent reads "10%" or "0.1" as 0.1, without bounds.
func ParsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a share; write it like 0%%, 2.5%% or 0.025", s)
	}
	if pct {
		x /= 100
	}
	return x, nil
}

// ParsePositivePercent reads a positive share without an upper bound,
// such as an allowed growth: "10%" or "0.1" as 0.1, "150%" as 1.5.
func ParsePositivePercent(s string) (float64, error) {
	v, err := ParsePercent(s)
	if err != nil {
		return 0, fmt.Errorf("not a number")
	}
	if v <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return v, nil
}

func keysInOrder(n *yaml.Node) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return fmt.Sprintf("value (%q)", n.Value)
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// Bounds on scenario files: they are input, and validate must stay quick
// and its output readable whatever a file holds.
const (
	// MaxFileSize is the largest scenario file read.
	MaxFileSize = 1 << 20
	// MaxErrorsPerFile is how many problems of one file are listed; the
	// rest are counted.
	MaxErrorsPerFile = 20
	// MaxNameLength bounds a scenario's name, which names its raw results
	// file (<name>.parquet) and must fit a file system's 255 bytes.
	MaxNameLength = 200
)

// invalidUTF8 is the offset of the first byte of data that is not UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}
