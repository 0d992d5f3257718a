package coursestatus

import "fmt"

// Strategy selects how the endpoint queries the database.
type Strategy string

// The two strategies the deployment checklist compares.
const (
	// Naive is the original N+1 loop: per user and course one query on
	// content_tracking, then one query on content_tracking_details per row.
	Naive Strategy = "naive"
	// Optimized is the single aggregated statement per request.
	Optimized Strategy = "optimized"
)

// Strategies lists the valid strategies, in the order help text quotes them.
var Strategies = []Strategy{Naive, Optimized}

// StrategyNames lists the strategies' names, as --strategy takes them.
func StrategyNames() []string {
	names := make([]string, len(Strategies))
	for i, st := range Strategies {
		names[i] = string(st)
	}
	return names
}

// ParseStrategy returns the strategy named s.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown strategy %q (want naive or optimized)", s)
}
