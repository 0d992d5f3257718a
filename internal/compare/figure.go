package compare

import "github.com/perfgate/perfgate/internal/figure"

// delta is the change column in benchstat's layout: the change when it is
// significant, "~" when not, and the change marked "?" when unknown.
func delta(r Row, s *Significance) string {
	switch {
	case s == nil:
		return figure.Change(r.Change) + " ?"
	case !s.Significant:
		return "~"
	}
	return figure.Change(r.Change)
}

// pcell is the "(p=0.008 n=10)" column.
func pcell(s *Significance) string {
	if s == nil {
		return "(no raw results)"
	}
	return "(" + s.String() + ")"
}

func runName(r RunRef, fallback string) string {
	if r.Label != "" {
		return r.Label
	}
	return fallback
}
