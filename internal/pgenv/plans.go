package pgenv

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PlanSummary is the plan one statement shape ran with during a scenario:
// what a reader needs to see why it was fast or slow. Of several plans of
// the same shape it keeps the slowest, and says how many there were and
// whether they differed.
type PlanSummary struct {
	// Shape is the statement with its constants and parameters replaced
	// by "?" (StatementShape): plans and pg_stat_statements entries of the
	// same statement share it.
	Shape string `json:"shape"`
	// Query is the kept plan's statement text, whitespace collapsed.
	Query string `json:"query"`
	// Plans is how many plans of this shape the server logged in the
	// window (a sample when auto_explain.sample_rate < 1).
	Plans int `json:"plans"`
	// Calls is how often the shape ran in the window according to
	// pg_stat_statements; 0 when unknown.
	Calls int64 `json:"calls,omitempty"`
	// Variants is how many different sets of table scans the plans used:
	// 1 when every execution ran the same way.
	Variants int `json:"variants"`
	// Duration is the kept (slowest) plan's execution time;
	// MeanDuration that of all the shape's plans.
	Duration     time.Duration `json:"duration_ns"`
	MeanDuration time.Duration `json:"mean_duration_ns"`
	// NodeTypes are the plan's distinct node types, top down.
	NodeTypes []string    `json:"node_types"`
	Scans     []TableScan `json:"scans"`
	// Analyzed is set when the plan carries actual rows (EXPLAIN ANALYZE,
	// auto_explain.log_analyze); the Actual figures are 0 otherwise.
	Analyzed   bool    `json:"analyzed"`
	PlanRows   float64 `json:"plan_rows"`   // the planner's estimate of the rows returned
	ActualRows float64 `json:"actual_rows"` // the rows returned
	// SharedHit and SharedRead are the shared buffers of the whole plan
	// found in the cache and read from disk (or the OS cache).
	SharedHit  int64 `json:"shared_hit_blocks"`
	SharedRead int64 `json:"shared_read_blocks"`
	// WorkersPlanned and WorkersLaunched add up the Gather nodes of the
	// kept plan; MeanWorkersLaunched is per execution over all its plans.
	WorkersPlanned      int     `json:"workers_planned"`
	WorkersLaunched     int     `json:"workers_launched"`
	MeanWorkersLaunched float64 `json:"mean_workers_launched"`
	// WorkerSeqScans is, per execution, how many sequential scans parallel
	// workers ran beside the leader's: pg_stat_user_tables counts each.
	WorkerSeqScans float64 `json:"worker_seq_scans"`
	// Plan is the kept plan as the server wrote it (EXPLAIN's JSON).
	Plan json.RawMessage `json:"plan,omitempty"`
}

// TableScan is one scan of a table in a plan.
type TableScan struct {
	Table string `json:"table"`
	// Node is the scan's node type: "Seq Scan", "Index Scan", "Index Only
	// Scan", "Bitmap Heap Scan", ...
	Node string `json:"node"`
	// Indexes are the indexes it used: one, or several for a bitmap scan
	// that combines them.
	Indexes  []string `json:"indexes,omitempty"`
	Parallel bool     `json:"parallel,omitempty"` // a parallel-aware scan shared by workers
	// Workers is how many workers the enclosing Gather launched.
	Workers  int     `json:"workers,omitempty"`
	PlanRows float64 `json:"plan_rows"` // estimated rows per loop
	// ActualRows and RowsRemoved (by its filter) are totals over all
	// loops; Loops counts the times it ran (one per process under a Gather).
	ActualRows  float64 `json:"actual_rows"`
	RowsRemoved float64 `json:"rows_removed,omitempty"`
	Loops       float64 `json:"loops"`
	SharedHit   int64   `json:"shared_hit_blocks"`
	SharedRead  int64   `json:"shared_read_blocks"`
}

// String describes the scan as EXPLAIN does: "Seq Scan on t", "Index Scan
// using i on t", "Bitmap Heap Scan using i on t".
func (s TableScan) String() string {
	node := s.Node
	if s.Parallel {
		node = "Parallel " + node
	}
	if len(s.Indexes) > 0 {
		return node + " using " + strings.Join(s.Indexes, ", ") + " on " + s.Table
	}
	return node + " on " + s.Table
}

// planNode is one node of EXPLAIN's JSON.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	RelationName    string     `json:"Relation Name"`
	IndexName       string     `json:"Index Name"`
	ParallelAware   bool       `json:"Parallel Aware"`
	PlanRows        float64    `json:"Plan Rows"`
	ActualRows      *float64   `json:"Actual Rows"`
	ActualLoops     float64    `json:"Actual Loops"`
	RowsRemoved     float64    `json:"Rows Removed by Filter"`
	SharedHit       int64      `json:"Shared Hit Blocks"`
	SharedRead      int64      `json:"Shared Read Blocks"`
	WorkersPlanned  int        `json:"Workers Planned"`
	WorkersLaunched *int       `json:"Workers Launched"`
	Plans           []planNode `json:"Plans"`
}

// explainDoc is one statement's EXPLAIN output in JSON: auto_explain writes
// the object, EXPLAIN (FORMAT JSON) a one-element array of it.
type explainDoc struct {
	QueryText string   `json:"Query Text"`
	Plan      planNode `json:"Plan"`
}

// ParsePlan summarises one plan in EXPLAIN's JSON format, as auto_explain
// logs it ({"Query Text": ..., "Plan": ...}) or as EXPLAIN (FORMAT JSON)
// returns it ([{"Plan": ...}]; query is then the statement's text). The
// summary counts one plan of its shape.
func ParsePlan(doc []byte, query string, duration time.Duration) (PlanSummary, error) {
	doc = bytes.TrimSpace(doc)
	var d explainDoc
	var err error
	if len(doc) > 0 && doc[0] == '[' {
		var arr []json.RawMessage
		if err = json.Unmarshal(doc, &arr); err == nil && len(arr) != 1 {
			err = fmt.Errorf("%d plans in one document, want 1", len(arr))
		}
		if err == nil {
			doc = arr[0]
		}
	}
	if err == nil {
		err = json.Unmarshal(doc, &d)
	}
	if err == nil && d.Plan.NodeType == "" {
		err = fmt.Errorf("no plan in the document")
	}
	if err != nil {
		return PlanSummary{}, fmt.Errorf("parse plan: %w", err)
	}
	if d.QueryText != "" {
		query = d.QueryText
	}
	s := PlanSummary{
		Shape:        StatementShape(query),
		Query:        strings.Join(strings.Fields(query), " "),
		Plans:        1,
		Variants:     1,
		Duration:     duration,
		MeanDuration: duration,
		Analyzed:     d.Plan.ActualRows != nil,
		PlanRows:     d.Plan.PlanRows,
		SharedHit:    d.Plan.SharedHit,
		SharedRead:   d.Plan.SharedRead,
		Plan:         json.RawMessage(slices.Clone(doc)),
	}
	if s.Analyzed {
		s.ActualRows = *d.Plan.ActualRows * max(d.Plan.ActualLoops, 1)
	}
	s.walk(&d.Plan, 0)
	s.MeanWorkersLaunched = float64(s.WorkersLaunched)
	return s, nil
}

// walk collects node types, scans and workers; workers is the number
// launched by the nearest enclosing Gather.
func (s *PlanSummary) walk(n *planNode, workers int) {
	if !slices.Contains(s.NodeTypes, n.NodeType) {
		s.NodeTypes = append(s.NodeTypes, n.NodeType)
	}
	if n.NodeType == "Gather" || n.NodeType == "Gather Merge" {
		s.WorkersPlanned += n.WorkersPlanned
		workers = 0
		if n.WorkersLaunched != nil {
			workers = *n.WorkersLaunched
			s.WorkersLaunched += workers
		}
	}
	if strings.HasSuffix(n.NodeType, "Scan") && n.RelationName != "" {
		sc := TableScan{
			Table:      n.RelationName,
			Node:       n.NodeType,
			Parallel:   n.ParallelAware,
			Workers:    workers,
			PlanRows:   n.PlanRows,
			Loops:      n.ActualLoops,
			SharedHit:  n.SharedHit,
			SharedRead: n.SharedRead,
		}
		if n.ActualRows != nil {
			sc.ActualRows = *n.ActualRows * n.ActualLoops
			sc.RowsRemoved = n.RowsRemoved * n.ActualLoops
		}
		if n.IndexName != "" {
			sc.Indexes = []string{n.IndexName}
		}
		if n.NodeType == "Bitmap Heap Scan" {
			sc.Indexes = bitmapIndexes(n.Plans, nil)
		}
		if n.NodeType == "Seq Scan" && n.ParallelAware {
			s.WorkerSeqScans += float64(workers)
		}
		s.Scans = append(s.Scans, sc)
	}
	for i := range n.Plans {
		s.walk(&n.Plans[i], workers)
	}
}

// bitmapIndexes returns the indexes of the Bitmap Index Scans below a
// Bitmap Heap Scan (several under a BitmapAnd or BitmapOr).
func bitmapIndexes(nodes []planNode, out []string) []string {
	for _, n := range nodes {
		if n.NodeType == "Bitmap Index Scan" && n.IndexName != "" {
			out = append(out, n.IndexName)
		}
		out = bitmapIndexes(n.Plans, out)
	}
	return out
}

// scanSet is the plan's scans as one comparable string.
func (s *PlanSummary) scanSet() string {
	parts := make([]string, len(s.Scans))
	for i, sc := range s.Scans {
		parts[i] = sc.String()
	}
	return strings.Join(parts, "; ")
}

// planSet gathers the plans of one window by statement shape.
type planSet struct {
	byShape map[string]*planAgg
}

type planAgg struct {
	kept     PlanSummary
	durSum   time.Duration
	workers  float64
	wseq     float64
	variants map[string]bool
}

func newPlanSet() *planSet { return &planSet{byShape: map[string]*planAgg{}} }

func (ps *planSet) add(s PlanSummary) {
	a := ps.byShape[s.Shape]
	if a == nil {
		a = &planAgg{kept: s, variants: map[string]bool{}}
		ps.byShape[s.Shape] = a
	} else {
		if s.Duration > a.kept.Duration {
			n := a.kept.Plans
			a.kept = s
			a.kept.Plans = n
		}
		a.kept.Plans++
	}
	a.durSum += s.Duration
	a.workers += float64(s.WorkersLaunched)
	a.wseq += s.WorkerSeqScans
	a.variants[s.scanSet()] = true
}

// summaries returns one summary per shape: the most executed first (calls
// from pg_stat_statements when known, else plans logged), then by shape.
func (ps *planSet) summaries(calls map[string]int64) []PlanSummary {
	if len(ps.byShape) == 0 {
		return nil
	}
	out := make([]PlanSummary, 0, len(ps.byShape))
	for shape, a := range ps.byShape {
		s := a.kept
		n := float64(s.Plans)
		s.MeanDuration = time.Duration(float64(a.durSum) / n)
		s.MeanWorkersLaunched = a.workers / n
		s.WorkerSeqScans = a.wseq / n
		s.Variants = len(a.variants)
		s.Calls = calls[shape]
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y PlanSummary) int {
		return cmp.Or(cmp.Compare(y.Calls, x.Calls), cmp.Compare(y.Plans, x.Plans), cmp.Compare(x.Shape, y.Shape))
	})
	return out
}

// PlanChange is how the scans of one table changed between a before and an
// after plan (or scenario).
type PlanChange struct {
	Table string `json:"table"`
	// Shape is the statement whose plan changed; "" for a change over all
	// of a scenario's statements.
	Shape  string   `json:"shape,omitempty"`
	Before []string `json:"before"` // scans of the table before, as TableScan.String
	After  []string `json:"after"`
}

// String reads "Seq Scan on t -> Index Scan using i on t"; several scans
// are joined with " + ", none reads "(not scanned)".
func (c PlanChange) String() string {
	side := func(s []string) string {
		if len(s) == 0 {
			return "(not scanned)"
		}
		return strings.Join(s, " + ")
	}
	return side(c.Before) + " -> " + side(c.After)
}

// DiffPlan describes how the same statement's plan changed: per table, the
// scans before and after, for the tables whose scans differ.
func DiffPlan(before, after PlanSummary) []PlanChange {
	ch := diffScans(tableScans([]PlanSummary{before}), tableScans([]PlanSummary{after}))
	for i := range ch {
		ch[i].Shape = after.Shape
	}
	return ch
}

// DiffPlans describes how a scenario's scans changed, per table over all
// its statements: the way to compare runs whose statements differ (a
// rewritten query) as well as runs whose indexes differ.
func DiffPlans(before, after []PlanSummary) []PlanChange {
	return diffScans(tableScans(before), tableScans(after))
}

// tableScans lists, per table, the distinct scan descriptions in order of
// appearance.
func tableScans(plans []PlanSummary) map[string][]string {
	out := map[string][]string{}
	for _, p := range plans {
		for _, sc := range p.Scans {
			d := sc.String()
			if !slices.Contains(out[sc.Table], d) {
				out[sc.Table] = append(out[sc.Table], d)
			}
		}
	}
	return out
}

func diffScans(before, after map[string][]string) []PlanChange {
	var tables []string
	for t := range before {
		tables = append(tables, t)
	}
	for t := range after {
		if _, ok := before[t]; !ok {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	var out []PlanChange
	for _, t := range tables {
		b, a := slices.Clone(before[t]), slices.Clone(after[t])
		bs, as := slices.Clone(b), slices.Clone(a)
		slices.Sort(bs)
		slices.Sort(as)
		if !slices.Equal(bs, as) {
			out = append(out, PlanChange{Table: t, Before: b, After: a})
		}
	}
	return out
}

var (
	// shapeList collapses a bracketed list of placeholders: IN (?, ?, ?),
	// ARRAY[?, ?].
	shapeList = regexp.MustCompile(`([(\[])\s*\?(?:\s*,\s*\?)+\s*([)\]])`)
)

// StatementShape reduces a statement to its shape: comments dropped,
// string and number constants and $n parameters replaced by "?", lists of
// them collapsed to one, whitespace collapsed. auto_explain logs the text
// a client sent (constants included) and pg_stat_statements the text with
// $n: both reduce to the same shape.
func StatementShape(query string) string {
	var b strings.Builder
	space := false
	emit := func(s string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(s)
	}
	q := query
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			i++
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			i += end
			space = true
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				end = len(q) - i - 2
			}
			i += end + 4
			space = true
		case c == '\'' || ((c == 'E' || c == 'e') && i+1 < len(q) && q[i+1] == '\'' && !identByte(prev(q, i))):
			if c != '\'' {
				i++
			}
			i = skipQuoted(q, i, '\'')
			emit("?")
		case c == '"':
			j := skipQuoted(q, i, '"')
			emit(q[i:j])
			i = j
		case c == '$' && i+1 < len(q) && isDigit(q[i+1]):
			j := i + 1
			for j < len(q) && isDigit(q[j]) {
				j++
			}
			emit("?")
			i = j
		case isDigit(c) && !identByte(prev(q, i)):
			j := i
			for j < len(q) && (isDigit(q[j]) || q[j] == '.' || q[j] == 'e' || q[j] == 'E') {
				j++
			}
			emit("?")
			i = j
		case identByte(c):
			j := i
			for j < len(q) && identByte(q[j]) {
				j++
			}
			emit(q[i:j])
			i = j
		default:
			emit(q[i : i+1])
			i++
		}
	}
	s := strings.TrimSuffix(strings.TrimSpace(b.String()), ";")
	return shapeList.ReplaceAllString(strings.TrimSpace(s), "$1?$2")
}

// skipQuoted returns the index after the quoted token starting at i
// (doubled quotes inside stay in the token).
func skipQuoted(q string, i int, quote byte) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func prev(q string, i int) byte {
	if i == 0 {
		return ' '
	}
	return q[i-1]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func identByte(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

// durationPrefix and planMarker frame auto_explain's message: "duration:
// 1.234 ms  plan:\n{...}".
const (
	durationPrefix = "duration: "
	planMarker     = " plan:\n"
)

// parseAutoExplain splits an auto_explain log message into its duration
// and its plan document; ok is false for any other message.
func parseAutoExplain(msg string) (time.Duration, string, bool) {
	rest, ok := strings.CutPrefix(msg, durationPrefix)
	if !ok {
		return 0, "", false
	}
	head, doc, ok := strings.Cut(rest, planMarker)
	if !ok {
		return 0, "", false
	}
	ms, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(head), "ms")), 64)
	if err != nil {
		return 0, "", false
	}
	return time.Duration(ms * float64(time.Millisecond)), doc, true
}
