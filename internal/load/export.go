package load

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/perfgate/perfgate/internal/exit"
)

// Exports are the encodings perfgate export writes, by --to value.
var Exports = map[string]func(io.Writer, ...string) error{
	"vegeta": ExportVegeta,
	"csv":    ExportCSV,
}

// ExportNames lists the names of Exports in name order.
func ExportNames() []string {
	names := make([]string, 0, len(Exports))
	for name := range Exports {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ExportFile writes export's encoding of the raw results files paths to
// the file path, and leaves no half-written file behind when it fails.
func ExportFile(path string, export func(io.Writer, ...string) error, paths ...string) error {
	f, err := os.Create(path)
	if err != nil {
		return exit.Usagef("export: %w", err)
	}
	err = export(f, paths...)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: %w", cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// OneScenario picks, of a run's raw results files paths (in name order),
// the one file to export to vegeta's tools, which would mix several into
// one: the first scenario of order (the run's, in the order it ran) that
// has a file, else the first file. It returns that file, its scenario's
// name and the names of the others.
func OneScenario(paths, order []string) (path, name string, others []string) {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), RawExt)
	}
	first := 0
	for _, sc := range order {
		if i := slices.Index(names, sc); i >= 0 {
			first = i
			break
		}
	}
	return paths[first], names[first], slices.Delete(slices.Clone(names), first, first+1)
}

// ExportOptions choose what perfgate export writes of a run.
type ExportOptions struct {
	// To is the encoding, a key of Exports.
	To string
	// Scenarios, when set, are the only scenarios exported. All, with
	// vegeta, exports every scenario of the run mixed in one stream
	// instead of its first only.
	Scenarios []string
	All       bool
}

// An Export is what perfgate export writes: raw results files, in one
// encoding.
type Export struct {
	// Encode writes the results of Paths (one of Exports).
	Encode func(io.Writer, ...string) error
	Paths  []string
	// Notice, when set, says that one of the run's scenarios only is
	// exported, and how to choose another: a line for stderr.
	Notice string
}

// PlanExport checks o and chooses what to export of run, a run directory
// or one of its raw results files (RawFiles). vegeta's tools know nothing
// of scenarios: a vegeta export of a run of several, unless o names
// scenarios or says All, holds one scenario, the first of order
// (OneScenario), and Notice says so. order, called only then, lists the
// run's scenarios in the order they ran (nil: name order). Every error is
// a usage error that names the flag.
func PlanExport(run string, o ExportOptions, order func() []string) (*Export, error) {
	encode, ok := Exports[o.To]
	if !ok {
		if o.To == "" {
			return nil, exit.Usagef("--to is required: choose %s", strings.Join(ExportNames(), " or "))
		}
		return nil, exit.Usagef("--to %q is not a format: choose %s", o.To, strings.Join(ExportNames(), " or "))
	}
	if o.All && len(o.Scenarios) > 0 {
		return nil, exit.Usagef("--all and --scenario both choose scenarios: pass one of them")
	}
	paths, err := RawFiles(run, o.Scenarios)
	if err != nil {
		return nil, err
	}
	e := &Export{Encode: encode, Paths: paths}
	if o.To == "vegeta" && len(o.Scenarios) == 0 && !o.All && len(paths) > 1 {
		path, name, others := OneScenario(paths, order())
		e.Paths = []string{path}
		e.Notice = fmt.Sprintf("exporting scenario %s only, 1 of the run's %d: vegeta's tools would mix them into one; "+
			"choose another with --scenario (%s), or --all to mix them anyway", name, len(paths), strings.Join(others, ", "))
	}
	return e, nil
}

// ExportVegeta writes the results of the raw results files paths to w in
// vegeta's gob encoding, which `vegeta report`, `vegeta plot` and
// vegeta.NewDecoder read. Each result's Attack is its file's scenario name;
// bodies, methods, URLs and headers are not stored and stay empty. Error
// keeps vegeta's meaning, so vegeta's tools count a status of 400 or more
// as a failure even where the scenario expects it (the pass column of the
// raw file says otherwise), and Timestamp is the actual send time: vegeta's
// encoding has no intended time.
func ExportVegeta(w io.Writer, paths ...string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := vegeta.NewEncoder(bw)
	for _, path := range paths {
		name := scenarioOf(path)
		var vr vegeta.Result
		err := ReadRaw(path, func(r *Result) error {
			vr = vegeta.Result{
				Attack:    name,
				Seq:       r.Seq,
				Code:      r.Code,
				Timestamp: r.Timestamp,
				Latency:   r.Latency,
				BytesOut:  r.BytesOut,
				BytesIn:   r.BytesIn,
				Error:     r.Error,
			}
			if err := enc.Encode(&vr); err != nil {
				return fmt.Errorf("export %s: %w", path, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// CSVHeader is the header row ExportCSV writes.
var CSVHeader = []string{"scenario", "seq", "timestamp", "latency_ns", "code", "bytes_in", "bytes_out", "error", "shard", "intended", "pass"}

// ExportCSV writes the results of the raw results files paths to w as CSV:
// CSVHeader, then one row per result. timestamp and intended are in
// nanoseconds since the Unix epoch; error keeps vegeta's meaning (the
// status text of any status of 400 or more), pass says whether the status
// was the one the scenario expects. Files written before perfgate recorded
// intended and pass leave those cells empty.
func ExportCSV(w io.Writer, paths ...string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	rec := make([]string, len(CSVHeader))
	for _, path := range paths {
		if err := exportCSV(cw, rec, path); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportCSV writes the rows of one file with rec as the record buffer.
func exportCSV(cw *csv.Writer, rec []string, path string) error {
	rf, err := openRaw(path)
	if err != nil {
		return err
	}
	defer rf.close()
	rec[0] = scenarioOf(path)
	rec[9], rec[10] = "", ""
	return rf.each(func(r *Result) error {
		rec[1] = strconv.FormatUint(r.Seq, 10)
		rec[2] = strconv.FormatInt(r.Timestamp.UnixNano(), 10)
		rec[3] = strconv.FormatInt(int64(r.Latency), 10)
		rec[4] = strconv.FormatUint(uint64(r.Code), 10)
		rec[5] = strconv.FormatUint(r.BytesIn, 10)
		rec[6] = strconv.FormatUint(r.BytesOut, 10)
		rec[7] = r.Error
		rec[8] = strconv.FormatUint(uint64(r.Shard), 10)
		if rf.hasIntended {
			rec[9] = strconv.FormatInt(r.Intended.UnixNano(), 10)
		}
		if rf.hasPass {
			rec[10] = strconv.FormatBool(r.Pass)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("export %s: %w", path, err)
		}
		return nil
	})
}
