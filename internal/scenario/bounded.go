package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/perfgate/perfgate/internal/hint"
)

// Bounds of one template's execution: a scenario file is input, and a
// template loop ({{ range 100000000000 }}) must not hang validate or run,
// nor fill the memory.
const (
	// MaxTemplateOutput is the most one template may render; a request
	// body of a MiB is already far beyond what the endpoint accepts.
	MaxTemplateOutput = 1 << 20
	// MaxTemplateTime is the longest one template may run.
	MaxTemplateTime = time.Second
	// MaxTemplateRange is the largest integer a template may range over.
	MaxTemplateRange = 100_000
)

var (
	errTemplateOutput = fmt.Errorf("renders more than %d KiB; templates are bounded to keep validate and run responsive", MaxTemplateOutput>>10)
	errTemplateTime   = fmt.Errorf("did not finish within %s; is there an unbounded {{ range }}?", MaxTemplateTime)
)

// boundedWriter fails a template's execution once it has written max
// bytes, or once the execution was abandoned.
type boundedWriter struct {
	buf       bytes.Buffer
	max       int
	abandoned atomic.Bool
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.abandoned.Load() {
		return 0, errTemplateTime
	}
	if w.buf.Len()+len(p) > w.max {
		return 0, errTemplateOutput
	}
	return w.buf.Write(p)
}

// execute runs t on data within MaxTemplateTime and MaxTemplateOutput.
// An execution that runs out of time is abandoned: it stops at its next
// write, and a loop that writes nothing is refused at parse time
// (checkRanges) unless its bound is computed.
func execute(t *template.Template, data any) (string, error) {
	w := &boundedWriter{max: MaxTemplateOutput}
	done := make(chan error, 1)
	go func() { done <- t.Execute(w, data) }()
	timer := time.NewTimer(MaxTemplateTime)
	defer timer.Stop()
	select {
	case err := <-done:
		if errors.Is(err, errTemplateOutput) {
			return "", errTemplateOutput
		}
		if err != nil {
			return "", err
		}
		return w.buf.String(), nil
	case <-timer.C:
		w.abandoned.Store(true)
		return "", errTemplateTime
	}
}

// checkRanges refuses loops over literal integers whose iterations,
// nested ones multiplied, exceed MaxTemplateRange: the loops that can spin
// without writing anything, which the output bound cannot stop.
func checkRanges(t *template.Template) error {
	var err error
	var walk func(n parse.Node, outer int64)
	walk = func(n parse.Node, outer int64) {
		if n == nil || err != nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, outer)
			}
		case *parse.RangeNode:
			inner := outer
			if k, ok := literalInt(n.Pipe); ok {
				if k < 0 {
					k = -k
				}
				if k > MaxTemplateRange || (k > 0 && outer > MaxTemplateRange/k) {
					err = fmt.Errorf("{{ range %s }}: loops are bounded to %d iterations in all", strconv.FormatInt(k, 10), MaxTemplateRange)
					return
				}
				inner = outer * max(k, 1)
			}
			walk(n.List, inner)
			walk(n.ElseList, outer)
		case *parse.IfNode:
			walk(n.List, outer)
			walk(n.ElseList, outer)
		case *parse.WithNode:
			walk(n.List, outer)
			walk(n.ElseList, outer)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root, 1)
		}
	}
	return err
}

// maxFormatWidth bounds the width and precision of a template's printf:
// "%0999999999999d" would otherwise build a string larger than memory
// before any output bound sees it.
const maxFormatWidth = 9999

var wideVerb = regexp.MustCompile(`%[-+# 0]*(?:[1-9]\d{4,}|\d*\.0*[1-9]\d{4,})`)

// templateFuncs replace the builtins that can build unbounded strings.
var templateFuncs = template.FuncMap{
	"printf": func(format string, args ...any) (string, error) {
		if wideVerb.MatchString(format) {
			return "", fmt.Errorf("printf %q: width and precision are bounded to %d", format, maxFormatWidth)
		}
		return fmt.Sprintf(format, args...), nil
	},
}

// literalInt is the value of a pipeline that is one integer constant.
func literalInt(p *parse.PipeNode) (int64, bool) {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return 0, false
	}
	n, ok := p.Cmds[0].Args[0].(*parse.NumberNode)
	if !ok || !n.IsInt {
		return 0, false
	}
	return n.Int64, true
}

// SetNames are the --set variables that override a fixture in every
// template; any other --set name must be read by a template with
// .Var "name".
var SetNames = []string{"Prefix", "Tenant", "NewUser", "OtherTenant"}

// VarNames returns the names a scenario's templates read with .Var
// "name" (literal names only), so that a --set nobody reads can be caught.
func (sc *Scenario) VarNames() []string {
	var names []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for i, a := range n.Args {
				if f, ok := a.(*parse.FieldNode); ok && len(f.Ident) == 1 && f.Ident[0] == "Var" && i+1 < len(n.Args) {
					if s, ok := n.Args[i+1].(*parse.StringNode); ok {
						names = append(names, s.Text)
					}
				}
				walk(a)
			}
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	ts := []tmpl{sc.Request.pathT, sc.Request.bodyT}
	for _, h := range sc.Request.Headers {
		ts = append(ts, h.t)
	}
	for _, t := range ts {
		if t.t != nil && t.t.Tree != nil {
			walk(t.t.Tree.Root)
		}
	}
	return names
}

// CheckSets refuses --set names that neither override a fixture
// (SetNames) nor are read by a template of the scenarios with .Var: a
// misspelt --set prefix=/v1/tracking would otherwise be ignored and the
// run would pass against the default prefix.
func CheckSets(vars map[string]string, scenarios []*Scenario) error {
	known := slices.Clone(SetNames)
	for _, sc := range scenarios {
		known = append(known, sc.VarNames()...)
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if slices.Contains(known, name) {
			continue
		}
		msg := fmt.Sprintf("--set %s: no template reads it", name)
		if s := hint.Closest(name, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return fmt.Errorf("%s; --set names %s, or a name a template reads with .Var \"name\"", msg, strings.Join(SetNames, ", "))
	}
	return nil
}
