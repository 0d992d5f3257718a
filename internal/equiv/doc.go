// Package equiv decides whether two versions of an endpoint answer the same:
// it normalises decoded JSON responses (fields dropped, lists compared as
// multisets, both chosen with jq path expressions) and lists every
// difference between two values with its jq path.
//
// Values are what Decode returns: nil, bool, json.Number, string, []any and
// map[string]any. Numbers compare by value, so 3 and 3.0 are equal.
package equiv
