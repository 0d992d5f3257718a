package pgenv

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPlanLogWait bounds how long the probe waits for the server's
// logging collector to write the plans of a scenario (it writes them
// asynchronously, usually within milliseconds).
const DefaultPlanLogWait = 3 * time.Second

// planLogChunk is how much of the log the probe reads at a time.
const planLogChunk = 4 << 20

// PlansNotCapturedHint is what to enable, on a server perfgate does not
// start, for the probe to capture plans.
const PlansNotCapturedHint = "enable auto_explain (shared_preload_libraries or session_preload_libraries = 'auto_explain', " +
	"auto_explain.log_min_duration = 0, auto_explain.log_format = json, auto_explain.log_analyze = on, auto_explain.log_buffers = on, " +
	"auto_explain.log_timing = off, auto_explain.log_nested_statements = on; logging_collector = on, log_destination = 'jsonlog') " +
	"and " + logAccessHint

// logAccessHint says how the probe may read the server's log.
const logAccessHint = "give perfgate read access to the log: run it where the log file is readable, or connect as a superuser " +
	"or as a role with pg_read_server_files and EXECUTE on pg_current_logfile(text), pg_stat_file(text) and pg_read_binary_file(text, bigint, bigint)"

// planCaptureOff is the reason given when auto_explain is loaded but
// switched off: the one case a probe checks again at each Begin.
const planCaptureOff = "auto_explain is loaded but off (auto_explain.log_min_duration = -1; SetPlanCapture switches it on)"

// markerText starts the log lines the probe writes to delimit a scenario.
const markerText = "perfgate-probe mark "

// logPos is a place in the server's log.
type logPos struct {
	file string
	off  int64
}

// planLog reads the plans auto_explain writes to the server's log. It
// delimits a window with marker lines that the probe itself logs, so that
// plans are attributed by the log's own order, whatever the logging
// collector's delay.
type planLog struct {
	conn    *pgx.Conn
	dsn     string
	csv     bool   // csvlog rather than jsonlog
	fixed   string // a path given by the user: read locally, never rotated
	dataDir string // the server's data directory, for relative log paths
	remote  bool   // read with pg_read_binary_file rather than from the file system
	db      string // only plans of this database
	self    int    // the probe's backend: its plans are not the service's
	sample  float64

	token string
	seq   int
	pos   logPos // where the next read starts
	open  string // marker that opens the current window
	tail  []byte // an incomplete record at the end of the last read
	wait  time.Duration
	chunk int64 // bytes per read; planLogChunk when 0
}

// logRecord is the part of a server log record the probe uses.
type logRecord struct {
	db      string
	pid     int
	backend string
	message string
}

// detectPlanLog finds out whether the server explains the service's
// statements into a log the probe can read. It returns nil and a note
// saying what is missing otherwise.
func detectPlanLog(ctx context.Context, conn *pgx.Conn, dsn, fixed string, wait time.Duration) (*planLog, string, error) {
	var minDur, format, analyze, rate, dest, collector *string
	// reset_val is the server's value, whatever the probe's session SET
	// (it switches auto_explain off for itself): what the service gets.
	err := conn.QueryRow(ctx, probeTag+` SELECT
  (SELECT reset_val FROM pg_settings WHERE name = 'auto_explain.log_min_duration'),
  (SELECT reset_val FROM pg_settings WHERE name = 'auto_explain.log_format'),
  (SELECT reset_val FROM pg_settings WHERE name = 'auto_explain.log_analyze'),
  (SELECT reset_val FROM pg_settings WHERE name = 'auto_explain.sample_rate'),
  current_setting('log_destination', true), current_setting('logging_collector', true)`).Scan(&minDur, &format, &analyze, &rate, &dest, &collector)
	if err != nil {
		return nil, "", fmt.Errorf("db probe: read auto_explain settings: %w", scrubErr(dsn, err))
	}
	notCaptured := func(why string) (*planLog, string, error) {
		return nil, "plans not captured: " + why + "; " + PlansNotCapturedHint, nil
	}
	unreadable := func(why string) (*planLog, string, error) {
		return nil, "plans not captured: " + why + "; " + logAccessHint, nil
	}
	noLogFile := func(why string) (*planLog, string, error) {
		return nil, "plans not captured: " + why + "; set logging_collector = on and log_destination = 'jsonlog', and " + logAccessHint, nil
	}
	switch {
	case minDur == nil:
		return notCaptured("auto_explain is not loaded in this database's sessions")
	case *minDur == "-1":
		return notCaptured(planCaptureOff)
	case format == nil || *format != "json":
		return notCaptured(fmt.Sprintf("auto_explain writes %s plans, perfgate reads json", deref(format)))
	}
	l := &planLog{conn: conn, dsn: dsn, fixed: fixed, wait: wait, sample: 1}
	if rate != nil {
		if r, err := strconv.ParseFloat(*rate, 64); err == nil && r > 0 {
			l.sample = r
		}
	}
	var note []string
	if *minDur != "0" {
		note = append(note, fmt.Sprintf("only statements slower than auto_explain.log_min_duration = %s ms are explained", *minDur))
	}
	if analyze == nil || *analyze != "on" {
		note = append(note, "plans carry estimates only (auto_explain.log_analyze is off)")
	}
	if l.sample < 1 {
		note = append(note, fmt.Sprintf("plans are sampled (auto_explain.sample_rate = %s)", *rate))
	}
	if err := conn.QueryRow(ctx, probeTag+` SELECT current_database(), pg_backend_pid()`).Scan(&l.db, &l.self); err != nil {
		return nil, "", fmt.Errorf("db probe: %w", scrubErr(dsn, err))
	}
	if fixed != "" {
		l.csv = strings.HasSuffix(fixed, ".csv")
	} else {
		dests := strings.Split(strings.ReplaceAll(deref(dest), " ", ""), ",")
		switch {
		case deref(collector) != "on":
			return noLogFile("the server logs to stderr, not to a file perfgate can find (logging_collector is off)")
		case slices.Contains(dests, "jsonlog"):
		case slices.Contains(dests, "csvlog"):
			l.csv = true
		default:
			return noLogFile(fmt.Sprintf("log_destination = '%s' has no jsonlog or csvlog", deref(dest)))
		}
		// data_directory is visible to superusers and pg_read_all_settings.
		_ = conn.QueryRow(ctx, probeTag+` SELECT current_setting('data_directory')`).Scan(&l.dataDir)
	}
	// The probe's own statements are not the service's: keep them out of
	// the log where the role may (superuser); they are filtered anyway.
	_, _ = conn.Exec(ctx, probeTag+` SET auto_explain.log_min_duration = -1`)

	b := make([]byte, 8)
	_, _ = rand.Read(b)
	l.token = hex.EncodeToString(b)
	if err := l.findReader(ctx); err != nil {
		return unreadable(err.Error())
	}
	// Prove that this log is the server's: the probe's marker must show up.
	if err := l.begin(ctx); err != nil {
		return unreadable(err.Error())
	}
	if _, seen, err := l.collect(ctx); err != nil || !seen {
		why := "the server's log does not show the probe's marker"
		if err != nil {
			why = err.Error()
		}
		return unreadable(why + " (is " + l.where() + " this server's log?)")
	}
	return l, strings.Join(note, "; "), nil
}

func deref(s *string) string {
	if s == nil {
		return "(unset)"
	}
	return *s
}

// findReader settles how to read the log: from the file system when the
// file is readable here, else through the server (pg_read_binary_file).
func (l *planLog) findReader(ctx context.Context) error {
	cur, err := l.current(ctx)
	if err != nil {
		return err
	}
	if f, err := os.Open(l.localPath(cur.file)); err == nil {
		f.Close()
		l.pos = cur
		return nil
	} else if l.fixed != "" {
		return fmt.Errorf("read the server log: %w", err)
	}
	var n int64
	if err := l.conn.QueryRow(ctx, probeTag+` SELECT length(pg_read_binary_file($1, 0, 1))`, cur.file).Scan(&n); err != nil {
		return fmt.Errorf("the server's log %s is neither readable here nor through the server (%v)", cur.file, scrubErr(l.dsn, err))
	}
	l.remote = true
	l.pos = cur
	return nil
}

func (l *planLog) where() string {
	if l.pos.file == "" {
		return "the log"
	}
	return l.localPath(l.pos.file)
}

// localPath makes a log path from pg_current_logfile absolute.
func (l *planLog) localPath(file string) string {
	if filepath.IsAbs(file) || l.dataDir == "" || l.remote {
		return file
	}
	return filepath.Join(l.dataDir, file)
}

// current returns the log file the server writes now and its size.
func (l *planLog) current(ctx context.Context) (logPos, error) {
	file := l.fixed
	if file == "" {
		kind := "jsonlog"
		if l.csv {
			kind = "csvlog"
		}
		var f *string
		if err := l.conn.QueryRow(ctx, probeTag+` SELECT pg_current_logfile($1)`, kind).Scan(&f); err != nil {
			return logPos{}, fmt.Errorf("ask the server for its log file: %v", scrubErr(l.dsn, err))
		}
		if f == nil {
			return logPos{}, fmt.Errorf("the server reports no %s file", kind)
		}
		file = *f
	}
	if l.remote {
		var size int64
		if err := l.conn.QueryRow(ctx, probeTag+` SELECT (pg_stat_file($1)).size`, file).Scan(&size); err != nil {
			return logPos{}, fmt.Errorf("size of the server log %s: %v", file, scrubErr(l.dsn, err))
		}
		return logPos{file, size}, nil
	}
	st, err := os.Stat(l.localPath(file))
	if err != nil {
		return logPos{file: file}, nil // findReader decides; a missing file reads as empty
	}
	return logPos{file, st.Size()}, nil
}

// readAt reads up to n bytes of file from off.
func (l *planLog) readAt(ctx context.Context, file string, off, n int64) ([]byte, error) {
	if l.remote {
		var b []byte
		err := l.conn.QueryRow(ctx, probeTag+` SELECT pg_read_binary_file($1, $2, $3)`, file, off, n).Scan(&b)
		if err != nil {
			return nil, fmt.Errorf("read the server log %s: %v", file, scrubErr(l.dsn, err))
		}
		return b, nil
	}
	f, err := os.Open(l.localPath(file))
	if err != nil {
		return nil, fmt.Errorf("read the server log: %w", err)
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := f.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read the server log: %w", err)
	}
	return b[:k], nil
}

// mark writes a marker line to the server's log and returns its text.
func (l *planLog) mark(ctx context.Context) (string, error) {
	l.seq++
	m := markerText + l.token + "-" + strconv.Itoa(l.seq)
	// RAISE LOG reaches the server log at the default log_min_messages,
	// and any role may run it.
	if _, err := l.conn.Exec(ctx, probeTag+` DO $perfgate$BEGIN RAISE LOG '`+m+`'; END$perfgate$`); err != nil {
		return "", fmt.Errorf("db probe: mark the server log: %w", scrubErr(l.dsn, err))
	}
	return m, nil
}

// begin opens a window: plans logged after its marker belong to it.
func (l *planLog) begin(ctx context.Context) error {
	m, err := l.mark(ctx)
	if err != nil {
		return err
	}
	l.open = m
	return nil
}

// collect closes the window with a marker, reads the log up to it (waiting
// at most l.wait for the collector) and returns the window's plans; seen
// is false when the closing marker never showed up, and then the plans
// are those logged by the time it gave up. The next window starts at the
// closing marker.
func (l *planLog) collect(ctx context.Context) (*planSet, bool, error) {
	closing, err := l.mark(ctx)
	if err != nil {
		return nil, false, err
	}
	set := newPlanSet()
	deadline := time.Now().Add(l.wait)
	for {
		done, err := l.readNew(ctx, func(r logRecord) bool {
			switch {
			case r.message == l.open:
				set = newPlanSet() // plans before it were an earlier window's
			case r.message == closing:
				return true
			case r.db == l.db && r.pid != l.self && (r.backend == "" || r.backend == "client backend"):
				if dur, doc, ok := parseAutoExplain(r.message); ok {
					if s, err := ParsePlan([]byte(doc), "", dur); err == nil && !strings.Contains(s.Query, "perfgate-probe") {
						set.add(s)
					}
				}
			}
			return false
		})
		if err != nil {
			return nil, false, err
		}
		if done || time.Now().After(deadline) {
			l.open = closing
			return set, done, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// readNew reads the log from l.pos to its current end, following one
// rotation, and hands each complete record to fn until fn returns true;
// l.pos then points after that record.
func (l *planLog) readNew(ctx context.Context, fn func(logRecord) bool) (bool, error) {
	cur, err := l.current(ctx)
	if err != nil {
		return false, err
	}
	if cur.file != l.pos.file {
		// Rotated: finish the old file, then start the new one.
		if done, err := l.readFile(ctx, l.pos.file, -1, fn); done || err != nil {
			return done, err
		}
		l.pos, l.tail = logPos{file: cur.file}, nil
	}
	return l.readFile(ctx, cur.file, cur.off, fn)
}

// readFile reads file from l.pos.off up to end (-1: to its end now).
func (l *planLog) readFile(ctx context.Context, file string, end int64, fn func(logRecord) bool) (bool, error) {
	for end < 0 || l.pos.off < end {
		n := cmp.Or(l.chunk, planLogChunk)
		if end >= 0 {
			n = min(n, end-l.pos.off)
		}
		b, err := l.readAt(ctx, file, l.pos.off, n)
		if err != nil {
			return false, err
		}
		if len(b) == 0 {
			return false, nil
		}
		start := l.pos.off - int64(len(l.tail))
		buf := append(l.tail, b...)
		l.pos.off += int64(len(b))
		used, done := l.records(buf, fn)
		if done {
			l.pos.off, l.tail = start+int64(used), nil
			return true, nil
		}
		l.tail = slices.Clone(buf[used:])
	}
	return false, nil
}

// records parses the complete records at the start of buf; it returns the
// bytes consumed (up to and including the record fn stopped at).
func (l *planLog) records(buf []byte, fn func(logRecord) bool) (int, bool) {
	if l.csv {
		return csvRecords(buf, fn)
	}
	used := 0
	for {
		nl := bytes.IndexByte(buf[used:], '\n')
		if nl < 0 {
			return used, false
		}
		line := buf[used : used+nl]
		used += nl + 1
		// Most lines are not plans or markers: skip them unparsed.
		if !bytes.Contains(line, []byte(durationPrefix)) && !bytes.Contains(line, []byte(markerText)) {
			continue
		}
		var r struct {
			DB      string `json:"dbname"`
			PID     int    `json:"pid"`
			Backend string `json:"backend_type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(line, &r) != nil {
			continue
		}
		if fn(logRecord{db: r.DB, pid: r.PID, backend: r.Backend, message: r.Message}) {
			return used, true
		}
	}
}

// csvlog columns (PostgreSQL 13 to 17 keep these first fourteen).
const (
	csvDB      = 2
	csvPID     = 3
	csvMessage = 13
	csvBackend = 23 // PostgreSQL 13+
)

// csvRecords parses the complete csvlog records at the start of buf. A
// record ends at a newline outside quotes.
func csvRecords(buf []byte, fn func(logRecord) bool) (int, bool) {
	complete, quoted := 0, false
	for i, c := range buf {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				complete = i + 1
			}
		}
	}
	r := csv.NewReader(bytes.NewReader(buf[:complete]))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return complete, false
		}
		if err != nil || len(rec) <= csvMessage {
			continue
		}
		pid, _ := strconv.Atoi(rec[csvPID])
		lr := logRecord{db: rec[csvDB], pid: pid, message: rec[csvMessage]}
		if len(rec) > csvBackend {
			lr.backend = rec[csvBackend]
		}
		if fn(lr) {
			return int(r.InputOffset()), true
		}
	}
}
