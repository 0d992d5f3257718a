package pgenv

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Records split across reads are put together again, for jsonlog lines and
// for csvlog records whose quoted fields hold newlines; a stop leaves the
// position right after the record it stopped at.
func TestPlanLogReadsAcrossChunks(t *testing.T) {
	messages := []string{"duration: 1.000 ms  plan:\n{\"a\": \"x,\\\"y\\\"\"}", markerText + "t-1", "checkpoint starting", markerText + "t-2", markerText + "after"}
	for _, format := range []string{"jsonlog", "csvlog"} {
		t.Run(format, func(t *testing.T) {
			var b strings.Builder
			for i, m := range messages {
				if format == "jsonlog" {
					line, _ := json.Marshal(map[string]any{"dbname": "db", "pid": 10 + i, "backend_type": "client backend", "message": m})
					b.Write(line)
					b.WriteByte('\n')
					continue
				}
				rec := make([]string, 26)
				rec[csvDB], rec[csvPID], rec[csvMessage], rec[csvBackend] = "db", "1"+string(rune('0'+i)), m, "client backend"
				w := csv.NewWriter(&b)
				_ = w.Write(rec)
				w.Flush()
			}
			path := filepath.Join(t.TempDir(), "postgresql.json")
			if format == "csvlog" {
				path = strings.TrimSuffix(path, ".json") + ".csv"
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, chunk := range []int64{1, 7, 64, 1 << 20} {
				l := &planLog{fixed: path, csv: format == "csvlog", chunk: chunk, pos: logPos{file: path}}
				var got []logRecord
				stopAt := markerText + "t-2"
				done, err := l.readNew(context.Background(), func(r logRecord) bool {
					// jsonlog lines that are neither plans nor markers may be skipped unparsed.
					if r.message != "checkpoint starting" {
						got = append(got, r)
					}
					return r.message == stopAt
				})
				if err != nil || !done {
					t.Fatalf("chunk %d: done %v, err %v", chunk, done, err)
				}
				if len(got) != 3 || got[0].message != messages[0] || got[0].db != "db" || got[0].pid != 10 || got[0].backend != "client backend" {
					t.Fatalf("chunk %d: records %+v", chunk, got)
				}
				// The next read starts right after the marker.
				got = nil
				if _, err := l.readNew(context.Background(), func(r logRecord) bool { got = append(got, r); return false }); err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].message != markerText+"after" {
					t.Errorf("chunk %d: after the stop, records %+v; want only the last", chunk, got)
				}
			}
		})
	}
}

// An incomplete last record is kept until the rest arrives.
func TestPlanLogIncompleteRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "postgresql.json")
	first := `{"dbname":"db","pid":1,"message":"` + markerText + `a"}` + "\n"
	if err := os.WriteFile(path, []byte(first+`{"dbname":"db","pid":2,"mess`), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &planLog{fixed: path, pos: logPos{file: path}}
	var got []string
	collect := func(r logRecord) bool { got = append(got, r.message); return false }
	if _, err := l.readNew(context.Background(), collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("records %v: want only the complete one", got)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`age":"` + markerText + `b"}` + "\n")
	f.Close()
	if _, err := l.readNew(context.Background(), collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != markerText+"b" {
		t.Errorf("records %v: want the completed second record", got)
	}
}
