package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// The sections that say why a run's figures are what they are: per
// scenario the use of each index, the plans, the service's and the
// database's resources and the probe's notes; per run the environment it
// measured on and how plans were captured.

// usedIndexes describes the indexes a scenario used, per request:
// "idx_a 1 scan · 100 read · 0 fetched".
func usedIndexes(db *model.DB) []string {
	var out []string
	for _, u := range db.Indexes {
		if !u.Used() {
			continue
		}
		s := fmt.Sprintf("%s %s %s · %s read · %s fetched", u.Name, figure.Float(u.Scans), scansWord(u.Scans),
			figure.Float(u.TuplesRead), figure.Float(u.TuplesFetched))
		if u.PlannerProbes {
			s += " (the planner's)"
		}
		out = append(out, s)
	}
	return out
}

func scansWord(v float64) string {
	if v == 1 {
		return "scan"
	}
	return "scans"
}

// missingSeven names the seven indexes that were not present.
func missingSeven(db *model.DB) []string {
	var out []string
	for _, u := range db.Indexes {
		if u.Spec != "" && !u.Present {
			out = append(out, u.Spec+" ("+u.Status+")")
		}
	}
	return out
}

// planScans lists the distinct scans of a scenario's plans, in order.
func planScans(plans []pgenv.PlanSummary) []string {
	var out []string
	for _, p := range plans {
		for _, sc := range p.Scans {
			if s := sc.String(); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// plansNote is a scenario's plans note when the run's capture note does
// not already say it.
func plansNote(run *model.Run, db *model.DB) string {
	if db.PlansNote == "" || (run.Environment != nil && run.Environment.Plans != nil && run.Environment.Plans.Note == db.PlansNote) {
		return ""
	}
	return db.PlansNote
}

// resourcesText is one line of what the service and the database used.
func resourcesText(sc *model.Scenario) string {
	var parts []string
	if r := sc.Resources; r != nil {
		if r.Samples > 0 {
			parts = append(parts, fmt.Sprintf("service CPU %s per request (%s cores), RSS mean %s, max %s",
				figure.Duration(r.CPUPerRequest), figure.Float(r.Cores), sysinfo.BytesText(r.MeanRSS), sysinfo.BytesText(r.MaxRSS)))
		}
		if r.Note != "" {
			parts = append(parts, "service "+r.Note)
		}
	}
	if db := sc.DB; db != nil {
		if a := db.Activity; a != nil {
			parts = append(parts, fmt.Sprintf("db connections mean %s, max %d; active mean %s, max %d",
				figure.Float(a.MeanConnections), a.MaxConnections, figure.Float(a.MeanActive), a.MaxActive))
		}
		if len(db.Indexes) > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", figure.Plural(int(db.TempFiles), "temp file"), orZero(sysinfo.BytesText(db.TempBytes))))
		}
		if db.TimePerRequest > 0 {
			parts = append(parts, "db time "+figure.Duration(db.TimePerRequest)+" per request")
		}
	}
	return strings.Join(parts, "; ")
}

func orZero(s string) string {
	if s == "" {
		return "0 B"
	}
	return s
}

// parallelText says whether parallel workers ran, or "" when nothing
// could tell.
func parallelText(db *model.DB) string {
	p := db.Parallel
	switch {
	case p == nil || p.Source == "":
		return ""
	case !p.Ran:
		return "no parallel workers ran (" + p.Source + ")"
	}
	s := "parallel workers ran (" + p.Source
	if p.WorkersPerRequest > 0 {
		s += ": " + figure.Float(p.WorkersPerRequest) + " per request"
	}
	return s + ")"
}

// whyText is a scenario's lines in the run's text summary.
func whyText(run *model.Run, sc *model.Scenario) []string {
	var out []string
	if db := sc.DB; db != nil && len(db.Indexes) > 0 {
		used := usedIndexes(db)
		line := fmt.Sprintf("idx  %s: ", sc.Name)
		if len(used) == 0 {
			line += "no index used"
		} else {
			line += strings.Join(used, "; ") + " per request"
		}
		if len(db.UnusedIndexes) > 0 {
			line += "; unused: " + strings.Join(db.UnusedIndexes, ", ")
		}
		out = append(out, line)
	}
	if db := sc.DB; db != nil && len(db.Plans) > 0 {
		out = append(out, fmt.Sprintf("plan %s: %s", sc.Name, strings.Join(planScans(db.Plans), "; ")))
	}
	if r := resourcesText(sc); r != "" {
		out = append(out, fmt.Sprintf("res  %s: %s", sc.Name, r))
	}
	if db := sc.DB; db != nil {
		for _, n := range db.Notes {
			out = append(out, fmt.Sprintf("note %s: %s", sc.Name, n))
		}
		if n := plansNote(run, db); n != "" {
			out = append(out, fmt.Sprintf("note %s: %s", sc.Name, n))
		}
	}
	return out
}

// hostText is perfgate's machine in one line.
func hostText(m sysinfo.Machine) string {
	s := m.GoVersion + ", " + m.OS
	if m.Distro != "" {
		s += " (" + m.Distro + ")"
	}
	if m.CPUModel != "" {
		s += ", " + m.CPUModel
	}
	s += fmt.Sprintf(", %d CPUs", m.CPUs)
	if mem := sysinfo.BytesText(int64(m.MemoryBytes)); mem != "" {
		s += ", " + mem
	}
	return s + fmt.Sprintf(", load %.2f %.2f %.2f at start", m.LoadAvg[0], m.LoadAvg[1], m.LoadAvg[2])
}

// databaseText is the database's fingerprint in one line.
func databaseText(f *pgenv.Fingerprint) string {
	s := "PostgreSQL " + f.Version
	var set []string
	for _, k := range slices.Sorted(maps.Keys(f.Settings)) {
		set = append(set, k+"="+f.Settings[k])
	}
	if len(set) > 0 {
		s += "; " + strings.Join(set, " ")
	}
	for _, t := range f.Tables {
		if !t.Exists {
			s += "; " + t.Name + " missing"
			continue
		}
		s += fmt.Sprintf("; %s %s (%s)", t.Name, figure.Plural(int(t.Rows), "row"), orZero(sysinfo.BytesText(t.Bytes)))
	}
	if f.Seed != nil {
		s += fmt.Sprintf("; perfgate data profile=%s seed=%d", f.Seed.Profile, f.Seed.Seed)
	} else {
		s += "; data not generated by perfgate"
	}
	if len(f.Indexes) == 1 {
		return s + "; 1 index on the two tables"
	}
	return s + fmt.Sprintf("; %d indexes on the two tables", len(f.Indexes))
}

// captureText says how plans were captured, in a sentence.
func captureText(c *model.PlanCapture) string {
	switch c.Mode {
	case model.PlanCapturePass:
		return "captured in a plan pass: " + c.Note
	case model.PlanCaptureLoad:
		return "captured during the measured load: " + c.Note
	}
	return c.Note
}

// envText is the run's environment in the text summary.
func envText(run *model.Run) []string {
	e := run.Environment
	if e == nil {
		return nil
	}
	tool := strings.TrimSpace(run.Tool.Name + " " + run.Tool.Version)
	if tool == "" {
		tool = "perfgate"
	}
	out := []string{fmt.Sprintf("env  %s, %s", tool, hostText(e.Host))}
	if e.Database != nil {
		out = append(out, "env  "+databaseText(e.Database))
	}
	if s := e.Service; s != nil {
		switch {
		case s.PID > 0 && s.Note != "":
			out = append(out, fmt.Sprintf("env  service: process %d (%s); %s", s.PID, s.Source, s.Note))
		case s.PID > 0:
			out = append(out, fmt.Sprintf("env  service: process %d (%s)", s.PID, s.Source))
		default:
			out = append(out, "env  service resources "+s.Note)
		}
	}
	switch {
	case e.Plans == nil || e.Plans.Note == "":
	case e.Plans.Mode == model.PlanCaptureOff:
		out = append(out, "env  "+e.Plans.Note)
	default:
		out = append(out, "env  plans "+captureText(e.Plans))
	}
	return out
}

// markdownWhy writes a scenario's index use, plans, resources and notes.
func markdownWhy(w io.Writer, run *model.Run, sc *model.Scenario) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	db := sc.DB
	if db != nil && len(db.Indexes) > 0 {
		p("| index, per request | table | scans | tuples read | tuples fetched |\n|---|---|--:|--:|--:|\n")
		for _, u := range db.Indexes {
			if u.Spec == "" && !u.Used() {
				continue
			}
			name := "`" + mdCode(u.Name) + "`"
			if u.Spec != "" && u.Name != u.Spec {
				if u.Name == "" {
					name = "`" + mdCode(u.Spec) + "`"
				} else {
					name += " (for `" + mdCode(u.Spec) + "`)"
				}
			}
			if !u.Present {
				p("| %s | %s | %s | | |\n", name, mdText(u.Table), mdText(u.Status))
				continue
			}
			scans := figure.Float(u.Scans)
			if u.PlannerProbes {
				scans += " (the planner's)"
			}
			p("| %s | %s | %s | %s | %s |\n", name, mdText(u.Table), scans, figure.Float(u.TuplesRead), figure.Float(u.TuplesFetched))
		}
		p("\n")
		if len(db.UnusedIndexes) > 0 {
			p("Unused: %s.\n\n", mdText(strings.Join(db.UnusedIndexes, ", ")))
		}
	}
	if db != nil && len(db.Plans) > 0 {
		p("| plan of | calls | nodes | scans | rows est. → actual | buffers hit / read | workers |\n|---|--:|---|---|--:|--:|--:|\n")
		for _, pl := range db.Plans {
			var scans []string
			for _, s := range pl.Scans {
				scans = append(scans, mdText(s.String()))
			}
			p("| `%s` | %d | %s | %s | %s → %s | %d / %d | %d |\n", mdCode(oneLine(pl.Shape, mdStatementWidth)), pl.Calls,
				mdText(strings.Join(pl.NodeTypes, ", ")), strings.Join(scans, "<br>"), figure.Float(pl.PlanRows),
				actualRows(pl), pl.SharedHit, pl.SharedRead, pl.WorkersLaunched)
		}
		p("\n")
	}
	if r := resourcesText(sc); r != "" {
		p("Resources: %s.\n\n", mdText(r))
	}
	if db != nil {
		if t := parallelText(db); t != "" && (db.Parallel.Ran || len(db.Plans) > 0) {
			p("Parallel: %s.\n\n", mdText(t))
		}
		notes := slices.Clone(db.Notes)
		if n := plansNote(run, db); n != "" {
			notes = append(notes, n)
		}
		for _, n := range notes {
			p("> ℹ️ %s\n>\n", mdText(n))
		}
		if len(notes) > 0 {
			p("\n")
		}
	}
}

func actualRows(pl pgenv.PlanSummary) string {
	if !pl.Analyzed {
		return "n/a"
	}
	return figure.Float(pl.ActualRows)
}

// markdownEnvironment writes the run's environment.
func markdownEnvironment(w io.Writer, run *model.Run) {
	lines := envText(run)
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "### Environment\n\n")
	for _, l := range lines {
		fmt.Fprintf(w, "- %s\n", mdText(strings.TrimPrefix(l, "env  ")))
	}
	if e := run.Environment; e.Statistics != nil {
		for _, t := range e.Statistics.Tables {
			at := "never analyzed"
			if a := t.LastAnalyzed(); a != nil {
				at = "analyzed " + a.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(w, "- statistics of %s: %s, %s of %s rows changed since%s\n", mdText(t.Table), at,
				figure.Count(t.ModifiedSinceAnalyze), figure.Count(t.LiveRows), map[bool]string{true: " (stale: run ANALYZE)", false: ""}[t.Stale()])
		}
	}
	fmt.Fprintln(w)
}

// junitWhy are a scenario's properties beyond the latencies: the indexes
// it used, its plans' scans, resources and the environment.
func junitWhy(run *model.Run, sc *model.Scenario) []junitProp {
	var out []junitProp
	if db := sc.DB; db != nil {
		for _, u := range db.Indexes {
			if u.Used() {
				out = append(out, junitProp{"db.index." + u.Name + ".scans_per_request", figure.Float(u.Scans)})
			}
		}
		for i, s := range planScans(db.Plans) {
			out = append(out, junitProp{"db.plan.scan." + strconv.Itoa(i+1), s})
		}
		if db.Activity != nil {
			out = append(out, junitProp{"db.active_connections.max", strconv.Itoa(db.Activity.MaxActive)})
		}
		if db.Parallel != nil && db.Parallel.Source != "" {
			out = append(out, junitProp{"db.parallel_workers_ran", strconv.FormatBool(db.Parallel.Ran)})
		}
	}
	if r := sc.Resources; r != nil && r.Samples > 0 {
		out = append(out, junitProp{"service.cpu_per_request", figure.Duration(r.CPUPerRequest)},
			junitProp{"service.max_rss", sysinfo.BytesText(r.MaxRSS)})
	}
	if e := run.Environment; e != nil {
		out = append(out, junitProp{"env.go_version", e.Host.GoVersion}, junitProp{"env.os", e.Host.OS},
			junitProp{"env.cpus", strconv.Itoa(e.Host.CPUs)}, junitProp{"env.cpu_model", e.Host.CPUModel})
		if e.Database != nil {
			out = append(out, junitProp{"env.postgres", e.Database.Version})
		}
	}
	return out
}

//go:embed why.tmpl
var whySource string

var _ = template.Must(htmlTemplate.New("why.tmpl").Funcs(template.FuncMap{
	"scans":      planScans,
	"used":       func(u pgenv.IndexUsage) bool { return u.Used() },
	"resources":  resourcesText,
	"parallel":   parallelText,
	"plansNote":  plansNote,
	"host":       hostText,
	"database":   databaseText,
	"capture":    captureText,
	"bytes":      sysinfo.BytesText,
	"actualRows": actualRows,
	"trunc":      oneLine,
	"join":       strings.Join,
}).Parse(whySource))

// whyData is what the "why" block of report.html reads.
type whyData struct {
	Run *model.Run
	Sc  *model.Scenario
}

func whyOf(run *model.Run, sc *model.Scenario) whyData { return whyData{run, sc} }
