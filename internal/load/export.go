package load

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ExportVegeta writes the results of the raw results files paths to w in
// vegeta's gob encoding, which `vegeta report`, `vegeta plot` and
// vegeta.NewDecoder read. Each result's Attack is its file's scenario name;
// bodies, methods, URLs and headers are not stored and stay empty.
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
var CSVHeader = []string{"scenario", "seq", "timestamp", "latency_ns", "code", "bytes_in", "bytes_out", "error", "shard"}

// ExportCSV writes the results of the raw results files paths to w as CSV:
// CSVHeader, then one row per result; timestamp is in nanoseconds since
// the Unix epoch.
func ExportCSV(w io.Writer, paths ...string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	rec := make([]string, len(CSVHeader))
	for _, path := range paths {
		rec[0] = scenarioOf(path)
		err := ReadRaw(path, func(r *Result) error {
			rec[1] = strconv.FormatUint(r.Seq, 10)
			rec[2] = strconv.FormatInt(r.Timestamp.UnixNano(), 10)
			rec[3] = strconv.FormatInt(int64(r.Latency), 10)
			rec[4] = strconv.FormatUint(uint64(r.Code), 10)
			rec[5] = strconv.FormatUint(r.BytesIn, 10)
			rec[6] = strconv.FormatUint(r.BytesOut, 10)
			rec[7] = r.Error
			rec[8] = strconv.FormatUint(uint64(r.Shard), 10)
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("export %s: %w", path, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
