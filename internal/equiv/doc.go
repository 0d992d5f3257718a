// Package equiv decides whether two versions of an endpoint answer the same
// (perfgate diff): it renders the scenarios' requests and generates more
// over the fixtures (Explore: the request shapes an equivalence test must
// cover, Classify: which shapes a request has), sends each to both
// versions, normalises the decoded JSON answers (fields dropped, lists
// compared as multisets, both chosen with jq path expressions) and lists
// every difference between them with its jq path. Session.Summarize
// groups what it found into the content of diff.json (package diffreport),
// which compare turns into the checklist's functional verification.
// DiffVersions is the whole sequence, from Options to that report: what
// perfgate diff and the demo run.
//
// Values are what Decode returns: nil, bool, json.Number, string, []any and
// map[string]any. Numbers compare by value, so 3 and 3.0 are equal.
package equiv
