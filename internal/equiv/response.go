package equiv

import (
	"fmt"
	"strconv"
)

// More kinds of Difference, for whole responses.
const (
	// KindStatus: the HTTP statuses differ (Before and After are ints).
	KindStatus = "status"
	// KindBytes: bodies that are not both JSON differ; Before and After are
	// the text around Difference.Offset.
	KindBytes = "bytes"
)

// bytesContext is how many bytes around the first differing byte a
// KindBytes difference shows.
const bytesContext = 40

// Response is one version's answer to a request.
type Response struct {
	Status int
	Body   []byte
}

// Result is the comparison of two responses to the same request.
type Result struct {
	// ExpectedStatusChange is set when the statuses differ and the caller
	// expected them to: the bodies were not compared.
	ExpectedStatusChange bool
	// NotComparable is set when both versions answered a request that
	// should succeed with a non-2xx status: error pages prove nothing, so
	// the request counts neither as equal nor as compared.
	NotComparable bool
	Differences   []Difference
}

// Equal reports whether the answers were compared and no difference was
// found.
func (r Result) Equal() bool { return !r.NotComparable && len(r.Differences) == 0 }

// CompareResponses compares two answers to the same request. Different
// statuses are a KindStatus difference (and the bodies are not compared)
// unless expectStatusChange. JSON bodies are normalised with n (nil: as
// they are) and compared with Diff; otherwise the bodies are compared as
// bytes and the first differing offset reported.
func CompareResponses(before, after Response, n *Normalizer, expectStatusChange bool) (Result, error) {
	if before.Status != after.Status {
		if expectStatusChange {
			return Result{ExpectedStatusChange: true}, nil
		}
		return Result{Differences: []Difference{{Kind: KindStatus, Before: before.Status, After: after.Status}}}, nil
	}
	bv, berr := Decode(before.Body)
	av, aerr := Decode(after.Body)
	if berr != nil || aerr != nil {
		off := FirstDifference(before.Body, after.Body)
		if off < 0 {
			return Result{}, nil
		}
		return Result{Differences: []Difference{{
			Kind: KindBytes, Offset: off,
			Before: snippet(before.Body, off), After: snippet(after.Body, off),
		}}}, nil
	}
	var err error
	if bv, err = n.Normalize(bv); err != nil {
		return Result{}, fmt.Errorf("normalise the before body: %w", err)
	}
	if av, err = n.Normalize(av); err != nil {
		return Result{}, fmt.Errorf("normalise the after body: %w", err)
	}
	return Result{Differences: Diff(bv, av)}, nil
}

// snippet is the text of b around off, quoted.
func snippet(b []byte, off int) string {
	start := max(0, off-bytesContext/2)
	end := min(len(b), off+bytesContext/2)
	s := strconv.Quote(string(b[start:end]))
	if start > 0 {
		s = "…" + s
	}
	if end < len(b) {
		s += "…"
	}
	return s
}
