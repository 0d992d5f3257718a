package equiv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
)

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
	// KindStatus, KindBytes.
	Kind string
	// Offset is the first differing byte of a KindBytes difference.
	Offset int
}

// String reads `.data[1].course[0].completed: before 3, after 4`,
// `status: before 200, after 500` or `body: differs at byte 12: before
// "...", after "..."`.
func (d Difference) String() string {
	switch d.Kind {
	case KindStatus:
		return fmt.Sprintf("status: before %v, after %v", d.Before, d.After)
	case KindBytes:
		return fmt.Sprintf("body: differs at byte %d: before %v, after %v", d.Offset, d.Before, d.After)
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
// (object keys sorted). Lists are compared element by element; elements
// past the end of the shorter list are KindMissing or KindExtra.
// Normalize both values first to ignore fields or list order.
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
