package equiv

import (
	"fmt"
	"strings"

	"github.com/itchyny/gojq"
)

// Normalizer drops fields and sorts lists before two responses are
// compared. It is compiled once and safe for concurrent use.
type Normalizer struct {
	ignore    []pathExpr
	unordered []pathExpr
}

// pathExpr is a compiled `path(EXPR)` with every step made optional.
type pathExpr struct {
	src  string
	code *gojq.Code
}

// NewNormalizer compiles jq path expressions such as
// `.data[].course[].started_on`: ignore names the values dropped before
// comparing (timestamps, request IDs), unordered the lists compared as
// multisets (sorted in jq's order after the ignored fields are gone).
//
// Every step of a path is optional: where a body does not have the shape
// the path walks (a null list, a string where an object was expected), the
// path selects nothing there instead of failing, because that mismatch is
// itself reported as a difference.
func NewNormalizer(ignore, unordered []string) (*Normalizer, error) {
	n := &Normalizer{}
	for _, set := range []struct {
		srcs []string
		dst  *[]pathExpr
		flag string
	}{{ignore, &n.ignore, "ignore"}, {unordered, &n.unordered, "unordered"}} {
		for _, src := range set.srcs {
			p, err := compilePath(src)
			if err != nil {
				return nil, fmt.Errorf("%s path %q: %w", set.flag, src, err)
			}
			*set.dst = append(*set.dst, p)
		}
	}
	return n, nil
}

// Normalize is NewNormalizer(ignore, unordered) applied to v.
func Normalize(v any, ignore, unordered []string) (any, error) {
	n, err := NewNormalizer(ignore, unordered)
	if err != nil {
		return nil, err
	}
	return n.Normalize(v)
}

var (
	delpathsCode = mustCompile(`delpaths($p)`, "$p")
	// Deepest lists first, so that an outer list is sorted on elements
	// whose own lists are already in order.
	sortAtCode = mustCompile(`reduce ($p | sort_by(-length) | .[]) as $q (.;
		if (getpath($q) | type) == "array" then setpath($q; getpath($q) | sort) else . end)`, "$p")
)

// Normalize returns v with the ignored paths removed and the unordered
// lists sorted. v is not modified.
func (n *Normalizer) Normalize(v any) (any, error) {
	if n == nil {
		return v, nil
	}
	if len(n.ignore) > 0 {
		ps, err := paths(n.ignore, v)
		if err != nil {
			return nil, err
		}
		if v, err = run(delpathsCode, v, ps); err != nil {
			return nil, fmt.Errorf("drop ignored paths: %w", err)
		}
	}
	if len(n.unordered) > 0 {
		ps, err := paths(n.unordered, v)
		if err != nil {
			return nil, err
		}
		if v, err = run(sortAtCode, v, ps); err != nil {
			return nil, fmt.Errorf("sort unordered lists: %w", err)
		}
	}
	return v, nil
}

// paths evaluates path expressions on v; every result is a jq path, a list
// of keys and indices.
func paths(exprs []pathExpr, v any) ([]any, error) {
	var out []any
	for _, e := range exprs {
		it := e.code.Run(v)
		for {
			p, ok := it.Next()
			if !ok {
				break
			}
			if err, ok := p.(error); ok {
				return nil, fmt.Errorf("path %q: %w", e.src, err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func run(code *gojq.Code, v any, vars ...any) (any, error) {
	it := code.Run(v, vars...)
	out, ok := it.Next()
	if !ok {
		return nil, fmt.Errorf("no result")
	}
	if err, ok := out.(error); ok {
		return nil, err
	}
	return out, nil
}

func mustCompile(src string, vars ...string) *gojq.Code {
	q, err := gojq.Parse(src)
	if err != nil {
		panic(err)
	}
	code, err := gojq.Compile(q, gojq.WithVariables(vars))
	if err != nil {
		panic(err)
	}
	return code
}

// compilePath compiles `path(src)` with every index and iteration of src
// made optional (`.a[].b` runs as `.a?[]?.b?`).
func compilePath(src string) (pathExpr, error) {
	q, err := gojq.Parse(src)
	if err != nil {
		return pathExpr{}, fmt.Errorf("does not parse: %v", err)
	}
	optional(q)
	wrapped := &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: "path", Args: []*gojq.Query{q}}}}
	code, err := gojq.Compile(wrapped)
	if err != nil {
		return pathExpr{}, fmt.Errorf("does not compile: %v", err)
	}
	// A path expression that is not one (".a + 1") fails on any input:
	// say so now rather than on the first response.
	if _, err := run(code, map[string]any{}); err != nil && isInvalidPath(err) {
		return pathExpr{}, fmt.Errorf("is not a path expression (write it like .data[].course[].started_on): %v", err)
	}
	return pathExpr{src: src, code: code}, nil
}

func isInvalidPath(err error) bool {
	return strings.HasPrefix(err.Error(), "invalid path")
}

// optional marks every index and iteration step of q optional.
func optional(q *gojq.Query) {
	if q == nil {
		return
	}
	optional(q.Left)
	optional(q.Right)
	t := q.Term
	if t == nil {
		return
	}
	optional(t.Query)
	var out []*gojq.Suffix
	if t.Type == gojq.TermTypeIndex {
		out = append(out, &gojq.Suffix{Optional: true})
	}
	for _, s := range t.SuffixList {
		if s.Optional && len(out) > 0 && out[len(out)-1].Optional {
			continue
		}
		out = append(out, s)
		if s.Index != nil || s.Iter {
			out = append(out, &gojq.Suffix{Optional: true})
		}
	}
	t.SuffixList = out
}
