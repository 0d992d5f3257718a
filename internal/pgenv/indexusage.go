package pgenv

import (
	"fmt"
	"slices"
	"strings"
)

// IndexUsage is how a scenario's requests used one index on the service's
// two tables, from pg_stat_user_indexes (snapshot and subtract, per
// request), as the checklist's monitoring query reads it: idx_scan,
// idx_tup_read, idx_tup_fetch.
type IndexUsage struct {
	Table string `json:"table"`
	// Name is the index's own name; "" when nothing stands for Spec.
	Name string `json:"name,omitempty"`
	// Spec is the one of the seven indexes this index stands for (by table
	// and columns, whatever its name); "" for any other index.
	Spec string `json:"spec,omitempty"`
	// Status is, for the seven, what the catalog says (IndexStatus.Status:
	// ok, present as NAME, invalid, wrong columns, missing); "" for
	// another index.
	Status string `json:"status,omitempty"`
	// Present says the planner could use it: valid and on the spec's
	// columns (always true for another index that was used).
	Present bool `json:"present"`
	// Scans is idx_scan per request: the scans that used the index. A
	// parallel index scan counts once per process, like a sequential one.
	Scans float64 `json:"scans_per_request"`
	// TuplesRead is idx_tup_read per request: index entries its scans
	// returned; TuplesFetched is idx_tup_fetch: live table rows fetched
	// through it (bitmap scans fetch none here: they count on the table).
	TuplesRead    float64 `json:"tuples_read_per_request"`
	TuplesFetched float64 `json:"tuples_fetched_per_request"`
	// PlannerProbes is set when plans were captured and none of them
	// scans this used index: its scans are then the planner's reads of
	// the index's lowest and highest values (to cost a join or a range
	// condition, one or two entries each), not a statement's.
	PlannerProbes bool `json:"planner_probes,omitempty"`
}

// Used reports whether any statement of the window scanned the index.
func (u IndexUsage) Used() bool { return u.Scans > 0 }

// IndexUsageOf attributes the pg_stat_user_indexes counters of two
// snapshots to the indexes found (FindIndexes), per request: one row for
// each of the seven, in checklist order, whatever stands for it (its
// counters when it is present), then one row for every other index on the
// two tables that was used. unused names, in found order, the valid
// indexes that no statement of the window scanned. An index missing from
// a snapshot (created or dropped in between) counts from zero.
func IndexUsageOf(found []FoundIndex, before, after *Snapshot, requests int64) (usage []IndexUsage, unused []string) {
	per := func(v int64) float64 {
		if requests <= 0 || v <= 0 {
			return 0
		}
		return float64(v) / float64(requests)
	}
	delta := func(oid uint32) IndexStat {
		a, b := after.Indexes[oid], before.Indexes[oid]
		return IndexStat{Scans: a.Scans - b.Scans, TupRead: a.TupRead - b.TupRead, TupFetch: a.TupFetch - b.TupFetch}
	}
	row := func(f *FoundIndex, u IndexUsage) IndexUsage {
		d := delta(f.OID)
		u.Name, u.Scans, u.TuplesRead, u.TuplesFetched = f.Name, per(d.Scans), per(d.TupRead), per(d.TupFetch)
		return u
	}
	var shown []uint32
	for _, st := range statuses(found) {
		u := IndexUsage{Table: st.Spec.Table, Spec: st.Spec.Name, Status: st.Status(), Present: st.State.Present()}
		if st.Index != nil && st.State.Present() {
			u = row(st.Index, u)
			shown = append(shown, st.Index.OID)
		} else if st.Index != nil {
			u.Name = st.Index.Name
		}
		usage = append(usage, u)
	}
	for i := range found {
		f := &found[i]
		if slices.Contains(shown, f.OID) {
			continue
		}
		if d := delta(f.OID); d.Scans > 0 {
			usage = append(usage, row(f, IndexUsage{Table: f.Table, Present: true}))
		}
	}
	for i := range found {
		if f := &found[i]; f.Valid && delta(f.OID).Scans <= 0 {
			unused = append(unused, f.Name)
		}
	}
	return usage, unused
}

// markPlannerProbes flags the used indexes that no captured plan scans
// (IndexUsage.PlannerProbes) and returns the note that says so; nothing
// without plans.
func markPlannerProbes(usage []IndexUsage, plans []PlanSummary) string {
	if len(plans) == 0 {
		return ""
	}
	var planned []string
	for _, p := range plans {
		for _, sc := range p.Scans {
			planned = append(planned, sc.Indexes...)
		}
	}
	var probed []string
	for i := range usage {
		u := &usage[i]
		u.PlannerProbes = u.Used() && !slices.Contains(planned, u.Name)
		if u.PlannerProbes {
			probed = append(probed, u.Name)
		}
	}
	if len(probed) == 0 {
		return ""
	}
	return fmt.Sprintf("no captured plan scans %s: %s scans are the planner's reads of the index's lowest and highest values "+
		"(to cost a join or a range condition), not the statements'", strings.Join(probed, ", "), map[bool]string{true: "its", false: "their"}[len(probed) == 1])
}
