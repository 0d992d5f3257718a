package equiv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/itchyny/gojq"
)

// Kinds of Difference.
const (
	// KindChanged: the same type on both sides, another value.
	KindChanged = "changed"
	// KindType: a value of another JSON type (number before, string after).
	KindType = "type"
	// KindMissing: present before, absent after (a key, or a list element
	// past the end of the shorter list).
	KindMissing = "missing"
	// KindExtra: absent before, present after.
	KindExtra = "extra"
	// KindOrder: a list holds the same elements on both sides, in another
	// order. One difference for the whole list, rather than one per moved
	// element: a reordered list of 2,000 elements is one line to read.
	KindOrder = "order"
)

// maxOrderLabels is how many elements of a reordered list
// Difference.String names on each side.
const maxOrderLabels = 10

// MaxValueLen bounds how much of a value Difference.String prints.
const MaxValueLen = 200

// Difference is one place where two JSON values disagree.
type Difference struct {
	// Path is where, in jq syntax: .data[0].course[1].completed ("." is
	// the whole value).
	Path string
	// Before and After are the values on each side; the absent side of a
	// KindMissing or KindExtra difference is nil.
	Before, After any
	// Kind is one of KindChanged, KindType, KindMissing, KindExtra,
	// KindOrder, KindStatus, KindBytes.
	Kind string
	// Offset is the first differing byte of a KindBytes difference.
	Offset int
}

// String reads `.data[1].course[0].completed: before 3, after 4`,
// `.data[0].course: same 3 elements, different order: before ["c2","c1","c3"],
// after ["c1","c2","c3"]`, `status: before 200, after 500` or `body: differs
// at byte 12: before "...", after "..."`.
func (d Difference) String() string {
	switch d.Kind {
	case KindStatus:
		return fmt.Sprintf("status: before %v, after %v", d.Before, d.After)
	case KindBytes:
		return fmt.Sprintf("body: differs at byte %d: before %v, after %v", d.Offset, d.Before, d.After)
	case KindOrder:
		b, _ := d.Before.([]any)
		a, _ := d.After.([]any)
		return fmt.Sprintf("%s: same %d elements, different order: before %s, after %s", d.Path, len(b), orderLabels(b), orderLabels(a))
	}
	before, after := FormatValue(d.Before), FormatValue(d.After)
	switch d.Kind {
	case KindMissing:
		after = "absent"
	case KindExtra:
		before = "absent"
	case KindType:
		before += " (" + gojq.TypeOf(d.Before) + ")"
		after += " (" + gojq.TypeOf(d.After) + ")"
	}
	return fmt.Sprintf("%s: before %s, after %s", d.Path, before, after)
}

// Diff lists every difference between before and after, in document order
// (object keys sorted). A list that holds the same elements in another
// order is one KindOrder difference. Lists of scalars, or of objects that
// have an identifier (courseId, userId, id), are aligned on their longest
// common subsequence when their elements differ, so that one element
// missing from the middle is one KindMissing difference rather than a
// difference in every element after it (the paths of aligned elements
// carry the before side's index); other lists are compared element
// by element, and elements past the end of the shorter list are KindMissing
// or KindExtra. Normalize both values first to ignore fields or list order.
func Diff(before, after any) []Difference {
	var out []Difference
	diff(&out, nil, before, after)
	return out
}

func diff(out *[]Difference, path []any, b, a any) {
	add := func(kind string, b, a any) {
		*out = append(*out, Difference{Path: FormatPath(path), Before: b, After: a, Kind: kind})
	}
	if tb, ta := gojq.TypeOf(b), gojq.TypeOf(a); tb != ta {
		add(KindType, b, a)
		return
	}
	switch b := b.(type) {
	case map[string]any:
		a := a.(map[string]any)
		keys := make([]string, 0, len(b)+len(a))
		for k := range b {
			keys = append(keys, k)
		}
		for k := range a {
			if _, ok := b[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			bv, inB := b[k]
			av, inA := a[k]
			p := append(path[:len(path):len(path)], k)
			switch {
			case !inA:
				*out = append(*out, Difference{Path: FormatPath(p), Before: bv, Kind: KindMissing})
			case !inB:
				*out = append(*out, Difference{Path: FormatPath(p), After: av, Kind: KindExtra})
			default:
				diff(out, p, bv, av)
			}
		}
	case []any:
		a := a.([]any)
		if len(a) == len(b) && len(b) > 1 && !equalValues(b, a) && samePermutation(b, a) {
			add(KindOrder, b, a)
			return
		}
		if steps, ok := align(b, a); ok {
			for _, s := range steps {
				switch {
				case s.a < 0:
					*out = append(*out, Difference{Path: FormatPath(append(path[:len(path):len(path)], s.b)), Before: b[s.b], Kind: KindMissing})
				case s.b < 0:
					*out = append(*out, Difference{Path: FormatPath(append(path[:len(path):len(path)], s.a)), After: a[s.a], Kind: KindExtra})
				default:
					diff(out, append(path[:len(path):len(path)], s.b), b[s.b], a[s.a])
				}
			}
			return
		}
		for i := range max(len(b), len(a)) {
			p := append(path[:len(path):len(path)], i)
			switch {
			case i >= len(a):
				*out = append(*out, Difference{Path: FormatPath(p), Before: b[i], Kind: KindMissing})
			case i >= len(b):
				*out = append(*out, Difference{Path: FormatPath(p), After: a[i], Kind: KindExtra})
			default:
				diff(out, p, b[i], a[i])
			}
		}
	default:
		if gojq.Compare(b, a) != 0 {
			add(KindChanged, b, a)
		}
	}
}

// equalValues reports whether two decoded values are equal, numbers by value.
func equalValues(b, a any) bool { return gojq.Compare(b, a) == 0 }

// samePermutation reports whether two lists hold the same elements (as a
// multiset), whatever their order.
func samePermutation(b, a []any) bool {
	sb, sa := slices.Clone(b), slices.Clone(a)
	slices.SortFunc(sb, gojq.Compare)
	slices.SortFunc(sa, gojq.Compare)
	return equalValues(sb, sa)
}

// maxAlignCells bounds the longest-common-subsequence table of align: two
// lists of 2,000 elements each; longer lists are compared element by element.
const maxAlignCells = 4_000_000

// step pairs an element of the before list with one of the after list; -1
// on a side means the element is only on the other.
type step struct{ b, a int }

// align matches the elements of two lists on their longest common
// subsequence of keys (an object's identifier, a scalar's value), when
// every element has a key and the key sequences differ: in length, or, for
// objects, in their identifiers. ok is false when the lists are better
// compared element by element (two scalar lists of one length: a changed
// value reads better as "before 3, after 4" than as one missing and one
// extra).
func align(b, a []any) (steps []step, ok bool) {
	if len(b)*len(a) > maxAlignCells || len(b)+len(a) == 0 {
		return nil, false
	}
	kb, objb, okb := keysOf(b)
	ka, obja, oka := keysOf(a)
	switch {
	case !okb || !oka:
		return nil, false
	case len(kb) == len(ka) && (!objb || !obja || equalValues(kb, ka)):
		return nil, false
	}
	// lcs[i][j] is the length of the LCS of kb[i:] and ka[j:].
	lcs := make([][]int, len(kb)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(ka)+1)
	}
	for i := len(kb) - 1; i >= 0; i-- {
		for j := len(ka) - 1; j >= 0; j-- {
			if equalValues(kb[i], ka[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(kb) || j < len(ka) {
		switch {
		case i < len(kb) && j < len(ka) && equalValues(kb[i], ka[j]):
			steps = append(steps, step{i, j})
			i, j = i+1, j+1
		case j == len(ka) || (i < len(kb) && lcs[i+1][j] >= lcs[i][j+1]):
			steps = append(steps, step{i, -1})
			i++
		default:
			steps = append(steps, step{-1, j})
			j++
		}
	}
	return steps, true
}

// keysOf returns the key of every element of l: an object's identifier
// (see elementID), a scalar itself; objects says every element is an
// object. ok is false when an element has no key (an object without
// identifier, a list).
func keysOf(l []any) (keys []any, objects, ok bool) {
	keys = make([]any, len(l))
	objects = true
	for i, v := range l {
		id := elementID(v)
		switch id.(type) {
		case map[string]any, []any:
			return nil, false, false
		}
		_, isObject := v.(map[string]any)
		objects = objects && isObject
		keys[i] = id
	}
	return keys, objects, true
}

// orderLabels names the elements of a reordered list in order, each by
// its identifier when it is an object that has one (courseId, userId, id),
// so that the two orders can be read side by side.
func orderLabels(l []any) string {
	labels := make([]string, 0, min(len(l), maxOrderLabels)+1)
	for i, v := range l {
		if i == maxOrderLabels {
			labels = append(labels, fmt.Sprintf("… %d more", len(l)-i))
			break
		}
		labels = append(labels, truncate(FormatValue(elementID(v)), MaxValueLen/4))
	}
	return "[" + strings.Join(labels, ",") + "]"
}

// elementID is what names a list element: the value of an object's first
// key (in sorted order) named id or ending in Id or _id that holds a
// scalar, else the element itself.
func elementID(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		if k == "id" || strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "_id") {
			switch m[k].(type) {
			case map[string]any, []any:
			default:
				return m[k]
			}
		}
	}
	return v
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// FormatPath writes a jq path (keys and indices, as path(...) yields them)
// in jq syntax: .data[0]["user-id"]; the empty path is ".".
func FormatPath(path []any) string {
	if len(path) == 0 {
		return "."
	}
	var s strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if identRE.MatchString(p) {
				s.WriteString("." + p)
			} else {
				q, _ := json.Marshal(p)
				if s.Len() == 0 {
					s.WriteByte('.')
				}
				s.WriteString("[" + string(q) + "]")
			}
		case int:
			s.WriteString("[" + strconv.Itoa(p) + "]")
		default:
			s.WriteString("[" + FormatValue(p) + "]")
		}
	}
	return s.String()
}

// FormatValue writes v as compact JSON with sorted keys, cut to
// MaxValueLen characters.
func FormatValue(v any) string {
	b, err := gojq.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return truncate(string(b), MaxValueLen)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Decode reads one JSON value, numbers kept exact as json.Number. Anything
// after the value other than white space is an error.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	return v, nil
}

// FirstDifference returns the offset of the first byte where a and b
// differ (the length of the shorter one when it is a prefix of the
// other), or -1 when they are equal.
func FirstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) == len(b) {
		return -1
	}
	return n
}
