package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/model"
)

// junitSchema is the structure of the common JUnit XML schema (the
// junit-10 XSD Jenkins and GitLab accept): for each element, its required
// attributes, its optional ones and the children it may have.
var junitSchema = map[string]struct {
	required, optional []string
	children           []string
	text               bool
}{
	"testsuites": {optional: []string{"name", "tests", "failures", "errors", "disabled", "time"}, children: []string{"testsuite"}},
	"testsuite": {
		required: []string{"name", "tests", "failures", "errors"},
		optional: []string{"time", "timestamp", "hostname", "id", "package", "skipped", "disabled", "file"},
		children: []string{"properties", "testcase", "system-out", "system-err"},
	},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {
		required: []string{"name", "classname"},
		optional: []string{"time", "assertions", "status", "file", "line"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"},
	},
	"failure":    {optional: []string{"message", "type"}, text: true},
	"error":      {optional: []string{"message", "type"}, text: true},
	"skipped":    {optional: []string{"message"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// xmlNode is a parsed element, enough to validate structure.
type xmlNode struct {
	name     string
	attrs    map[string]string
	children []*xmlNode
	text     string
}

func parseXML(r io.Reader) (*xmlNode, error) {
	dec := xml.NewDecoder(r)
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("second root element <%s>", n.name)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// validateJUnit checks doc against junitSchema and the count rules: a
// suite's tests, failures and errors equal what its testcases hold, and
// testsuites' totals equal the sum of its suites.
func validateJUnit(doc []byte) []string {
	root, err := parseXML(bytes.NewReader(doc))
	if err != nil {
		return []string{"not well-formed XML: " + err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if root.name != "testsuites" {
		bad("root element is <%s>, want <testsuites>", root.name)
	}
	var walk func(n *xmlNode)
	walk = func(n *xmlNode) {
		rule, ok := junitSchema[n.name]
		if !ok {
			bad("unknown element <%s>", n.name)
			return
		}
		for _, a := range rule.required {
			if _, ok := n.attrs[a]; !ok {
				bad("<%s> lacks required attribute %s", n.name, a)
			}
		}
		for a := range n.attrs {
			if !contains(rule.required, a) && !contains(rule.optional, a) {
				bad("<%s> has unknown attribute %s", n.name, a)
			}
		}
		for _, a := range []string{"tests", "failures", "errors", "skipped"} {
			if v, ok := n.attrs[a]; ok {
				if i, err := strconv.Atoi(v); err != nil || i < 0 {
					bad("<%s %s=%q> is not a count", n.name, a, v)
				}
			}
		}
		if v, ok := n.attrs["time"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
				bad("<%s time=%q> is not a duration in seconds", n.name, v)
			}
		}
		if !rule.text && strings.TrimSpace(n.text) != "" {
			bad("<%s> has text %q", n.name, n.text)
		}
		for _, c := range n.children {
			if !contains(rule.children, c.name) {
				bad("<%s> may not contain <%s>", n.name, c.name)
			}
			walk(c)
		}
	}
	walk(root)

	count := func(n *xmlNode, child string) int {
		k := 0
		for _, c := range n.children {
			if c.name == child {
				k++
			}
		}
		return k
	}
	var total [3]int
	for _, s := range root.children {
		var got [3]int
		for _, tc := range s.children {
			if tc.name != "testcase" {
				continue
			}
			got[0]++
			got[1] += count(tc, "failure")
			got[2] += count(tc, "error")
		}
		for i, a := range []string{"tests", "failures", "errors"} {
			if s.attrs[a] != strconv.Itoa(got[i]) {
				bad("testsuite %q says %s=%s, its testcases hold %d", s.attrs["name"], a, s.attrs[a], got[i])
			}
			total[i] += got[i]
		}
	}
	for i, a := range []string{"tests", "failures", "errors"} {
		if v, ok := root.attrs[a]; ok && v != strconv.Itoa(total[i]) {
			bad("testsuites says %s=%s, its suites hold %d", a, v, total[i])
		}
	}
	return problems
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestJUnitSchema(t *testing.T) {
	passing := testRun()
	passing.Scenarios = passing.Scenarios[:1]
	passing.Pass, passing.Interrupted = true, false
	for name, run := range map[string]*model.Run{"mixed": testRun(), "passing": passing, "empty": {Schema: model.SchemaRun}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := JUnit(&buf, run); err != nil {
				t.Fatal(err)
			}
			for _, p := range validateJUnit(buf.Bytes()) {
				t.Error(p)
			}
		})
	}
}

// TestJUnitSchemaRejects proves the check can fail.
func TestJUnitSchemaRejects(t *testing.T) {
	tests := map[string]string{
		"unknown element":  `<testsuites><testsuite name="a" tests="0" failures="0" errors="0"><case/></testsuite></testsuites>`,
		"missing name":     `<testsuites><testsuite tests="0" failures="0" errors="0"/></testsuites>`,
		"wrong count":      `<testsuites><testsuite name="a" tests="2" failures="0" errors="0"><testcase name="x" classname="a"/></testsuite></testsuites>`,
		"failure outside":  `<testsuites><testsuite name="a" tests="0" failures="0" errors="0"><failure/></testsuite></testsuites>`,
		"no classname":     `<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="x"/></testsuite></testsuites>`,
		"unknown attr":     `<testsuites><testsuite name="a" tests="0" failures="0" errors="0" colour="red"/></testsuites>`,
		"total mismatched": `<testsuites tests="3"><testsuite name="a" tests="0" failures="0" errors="0"/></testsuites>`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if p := validateJUnit([]byte(doc)); len(p) == 0 {
				t.Errorf("validateJUnit accepted %s", doc)
			}
		})
	}
}

func TestJUnitFailureCarriesObserved(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, testRun()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	f := doc.Suites[1].Cases[1].Failure
	if f == nil || f.Message != "p95 3.4s > 3s" || !strings.Contains(f.Text, "observed: 3.4s") {
		t.Errorf("p95 failure = %+v, want message %q and the observed value", f, "p95 3.4s > 3s")
	}
}
