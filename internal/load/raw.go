package load

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/perfgate/perfgate/internal/build"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/safefile"
)

// RawExt is the file extension of raw result files.
const RawExt = ".parquet"

// rawRowGroup is the number of rows per row group: big enough for the
// encodings to pay off, small enough that a buffer is a few MB.
const rawRowGroup = 128 * 1024

// rawRow is one row of a raw results file. The column names and encodings
// are the contract of DESIGN §4. timestamp and intended are INT64
// TIMESTAMP(NANOS, UTC), so DuckDB and pandas show times; the other
// integers are plain, readable without logical-type support. intended and
// pass come last, so that readers that address columns by position keep
// working on files with and without them.
type rawRow struct {
	Seq       int64  `parquet:"seq,delta"`
	Timestamp int64  `parquet:"timestamp,delta,timestamp(nanosecond)"` // ns since the Unix epoch
	LatencyNS int64  `parquet:"latency_ns,delta"`
	Code      int32  `parquet:"code,dict"`
	BytesIn   int64  `parquet:"bytes_in,delta"`
	BytesOut  int64  `parquet:"bytes_out,delta"`
	Error     string `parquet:"error,dict"`
	Shard     int32  `parquet:"shard,dict"`
	Intended  int64  `parquet:"intended,delta,timestamp(nanosecond)"`
	Pass      bool   `parquet:"pass"`
}

// toRow converts r; pass is whether r met the expected status. A zero
// Intended (a caller with no schedule) is stored as Timestamp.
func toRow(r *Result, pass bool) rawRow {
	intended := r.Timestamp
	if !r.Intended.IsZero() {
		intended = r.Intended
	}
	return rawRow{
		Seq:       int64(r.Seq),
		Timestamp: r.Timestamp.UnixNano(),
		LatencyNS: int64(r.Latency),
		Code:      int32(r.Code),
		BytesIn:   int64(r.BytesIn),
		BytesOut:  int64(r.BytesOut),
		Error:     r.Error,
		Shard:     int32(r.Shard),
		Intended:  intended.UnixNano(),
		Pass:      pass,
	}
}

// RawOption tunes CreateRaw.
type RawOption func(*rawConfig)

type rawConfig struct {
	// expect is the expected status; 0 means vegeta's success (2xx, 3xx).
	expect int
}

// ExpectStatus says which HTTP status the scenario expects: the pass
// column is true for a result with that status. Without it pass is
// vegeta's success (no error: a 2xx or 3xx status), which is wrong for a
// scenario that expects 400.
func ExpectStatus(code int) RawOption {
	return func(c *rawConfig) { c.expect = code }
}

// passes says whether r met the expected status.
func (c rawConfig) passes(r *Result) bool {
	if c.expect == 0 {
		return r.Error == ""
	}
	return int(r.Code) == c.expect
}

// RawWriter writes raw results to a Parquet file. Write only appends to an
// in-memory buffer; full row groups are encoded and written by a
// background goroutine, so the attack's hot path never waits for zstd or
// the disk. The file appears under its final name only when Close
// succeeds. A RawWriter is safe for use by several goroutines.
type RawWriter struct {
	path, tmp string
	cfg       rawConfig

	rows   int // per row group
	mu     sync.Mutex
	buf    []rawRow
	closed bool

	full  chan []rawRow // row groups for the encoder
	free  chan []rawRow // emptied buffers back from it
	done  chan struct{} // closed when the encoder has ended
	err   error         // the encoder's first error; read after done or via errMu
	errMu sync.Mutex

	f      *os.File
	pw     *parquet.GenericWriter[rawRow]
	sorter rowSorter // the encoder's
}

// CreateRaw creates the raw results file path. It writes to a temporary
// file of its own in the same directory (".<name>.tmp<random>") until
// Close renames it over path, so two writers of one path never mix their
// rows: the last to close leaves its complete file.
func CreateRaw(path string, opts ...RawOption) (*RawWriter, error) {
	return createRaw(path, rawRowGroup, opts...)
}

// createRaw is CreateRaw with groupRows rows per row group; tests use
// small groups.
func createRaw(path string, groupRows int, opts ...RawOption) (*RawWriter, error) {
	var cfg rawConfig
	for _, o := range opts {
		o(&cfg)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("create raw results: %w", err)
	}
	w := &RawWriter{
		path: path,
		tmp:  f.Name(),
		cfg:  cfg,
		rows: groupRows,
		buf:  make([]rawRow, 0, groupRows),
		full: make(chan []rawRow, 2),
		free: make(chan []rawRow, 2),
		done: make(chan struct{}),
		f:    f,
		pw: parquet.NewGenericWriter[rawRow](f,
			parquet.Compression(&parquet.Zstd),
			// Version 1 data pages are what every reader supports.
			parquet.DataPageVersion(1),
			parquet.CreatedBy("perfgate", build.Version()+" ", build.Commit()), // parquet-go writes "<app> version <v>(build <b>)",
		),
	}
	go w.encode()
	return w, nil
}

// encode writes each full buffer as one row group.
func (w *RawWriter) encode() {
	defer close(w.done)
	for rows := range w.full {
		if w.failed() == nil {
			sorted := w.sorter.sort(rows)
			if _, err := w.pw.Write(sorted); err != nil {
				w.fail(fmt.Errorf("write raw results %s: %w", w.path, err))
			} else if err := w.pw.Flush(); err != nil {
				w.fail(fmt.Errorf("write raw results %s: %w", w.path, err))
			}
			clear(sorted)
		}
		clear(rows) // drop the error strings
		select {
		case w.free <- rows[:0]:
		default:
		}
	}
}

// rowSorter puts row groups in send order (by timestamp). Results arrive
// in the order their responses end; sent in order, seq, timestamp and
// intended grow by small steps that delta encoding stores in a few bits: a
// paced run's raw file shrank from 6.0-6.3 to 5.6-5.9 bytes a request although
// it gained the intended column (BENCHMARKS.md §9). Sorting 80-byte rows
// with a comparison function cost 240 ns a row; sorting integer keys (the
// send time in the group, then the arrival index) and copying the rows
// once costs about 50.
type rowSorter struct {
	keys []uint64
	out  []rawRow
}

// sort returns rows in send order: rows itself when it already is, else
// the sorter's own buffer, valid until the next call.
func (s *rowSorter) sort(rows []rawRow) []rawRow {
	if len(rows) < 2 {
		return rows
	}
	lo, hi, sorted := rows[0].Timestamp, rows[0].Timestamp, true
	for i := 1; i < len(rows); i++ {
		t := rows[i].Timestamp
		sorted = sorted && t >= rows[i-1].Timestamp
		lo, hi = min(lo, t), max(hi, t)
	}
	if sorted {
		return rows
	}
	shift := bits.Len(uint(len(rows)))
	if span := uint64(hi - lo); span >= 1<<(64-shift) { // exact even where hi-lo overflows int64
		// A group spanning centuries (a clock gone wrong): sort the rows.
		slices.SortStableFunc(rows, func(a, b rawRow) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
		return rows
	}
	s.keys = s.keys[:0]
	for i, r := range rows {
		s.keys = append(s.keys, uint64(r.Timestamp-lo)<<shift|uint64(i))
	}
	slices.Sort(s.keys)
	s.out = s.out[:0]
	mask := uint64(1)<<shift - 1
	for _, k := range s.keys {
		s.out = append(s.out, rows[k&mask])
	}
	return s.out
}

func (w *RawWriter) fail(err error) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *RawWriter) failed() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

// Write appends r to the file; r.Body is not stored, and r.Pass is
// derived from r.Code and ExpectStatus.
func (w *RawWriter) Write(r *Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("write raw results %s: writer closed", w.path)
	}
	w.buf = append(w.buf, toRow(r, w.cfg.passes(r)))
	if len(w.buf) < w.rows {
		return nil
	}
	if err := w.failed(); err != nil {
		return err
	}
	w.full <- w.buf
	select {
	case w.buf = <-w.free:
	default:
		w.buf = make([]rawRow, 0, w.rows)
	}
	return nil
}

// Close writes what is buffered, the file footer, and renames the file to
// its final name. It is safe to call more than once; later calls return nil.
func (w *RawWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if len(w.buf) > 0 {
		w.full <- w.buf
		w.buf = nil
	}
	close(w.full)
	<-w.done
	err := w.failed()
	if err == nil {
		if cerr := w.pw.Close(); cerr != nil {
			err = fmt.Errorf("close raw results %s: %w", w.path, cerr)
		}
	}
	if serr := w.f.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("close raw results %s: %w", w.path, serr)
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close raw results %s: %w", w.path, cerr)
	}
	if err == nil {
		// CreateTemp made it private; raw results are as readable as
		// every other file of a run.
		if cerr := os.Chmod(w.tmp, safefile.DefaultPerm); cerr != nil {
			err = fmt.Errorf("close raw results %s: %w", w.path, cerr)
		}
	}
	if err == nil {
		if rerr := os.Rename(w.tmp, w.path); rerr != nil {
			err = fmt.Errorf("close raw results: %w", rerr)
		}
	}
	if err != nil {
		os.Remove(w.tmp)
		return err
	}
	return nil
}

// readBatch is how many values are decoded at a time.
const readBatch = 4096

// rawFile is an open raw results file.
type rawFile struct {
	path string
	f    *os.File
	pf   *parquet.File
	// hasIntended and hasPass say whether the file has these columns;
	// files written before perfgate recorded them do not.
	hasIntended, hasPass bool
}

// requiredColumns are the columns every raw results file has.
var requiredColumns = []string{"seq", "timestamp", "latency_ns", "code", "bytes_in", "bytes_out", "error", "shard"}

// openRaw opens path and checks that it holds raw results.
func openRaw(path string) (*rawFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read raw results: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read raw results: %w", err)
	}
	rf := &rawFile{path: path, f: f}
	err = decoding(path, func() error {
		footer, err := checkFooter(f, st.Size())
		if err != nil {
			return err
		}
		// perfgate reads every page of the columns it needs: the page
		// index and bloom filters would only be more to trust.
		pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return fmt.Errorf("not a Parquet file: %w", err)
		}
		rf.pf = pf
		return checkLayout(pf, footer)
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	schema := rf.pf.Schema()
	for _, col := range requiredColumns {
		if _, ok := schema.Lookup(col); !ok {
			f.Close()
			return nil, exit.Usagef("%s: no %q column; is it a perfgate raw results file?", path, col)
		}
	}
	_, rf.hasIntended = schema.Lookup("intended")
	_, rf.hasPass = schema.Lookup("pass")
	return rf, nil
}

func (rf *rawFile) close() { rf.f.Close() }

// checkPages checks the page headers of column col of row group rg
// before parquet-go decodes them, or of every column when col is -1.
func (rf *rawFile) checkPages(rg, col int) error {
	g := &rf.pf.Metadata().RowGroups[rg]
	for j := range g.Columns {
		if col >= 0 && j != col {
			continue
		}
		if err := checkPages(rf.f, &g.Columns[j], g.NumRows); err != nil {
			return fmt.Errorf("row group %d column %d: %w", rg, j, err)
		}
	}
	return nil
}

// each calls fn for every result in file order, decoding a row group at a
// time; r is reused after fn returns. An error from fn stops the read and
// is returned as is.
func (rf *rawFile) each(fn func(*Result) error) error {
	var cols rawColumns
	intern := map[string]string{"": ""}
	var groups []parquet.RowGroup
	if err := decoding(rf.path, func() error { groups = rf.pf.RowGroups(); return nil }); err != nil {
		return err
	}
	var r Result
	for i, rg := range groups {
		err := decoding(rf.path, func() error {
			if err := rf.checkPages(i, -1); err != nil {
				return err
			}
			return cols.read(rg, intern)
		})
		if err != nil {
			return err
		}
		intended := cols.intended
		if !rf.hasIntended {
			intended = cols.timestamp
		}
		for i := range cols.seq {
			r = Result{
				Seq:       uint64(cols.seq[i]),
				Intended:  time.Unix(0, intended[i]),
				Timestamp: time.Unix(0, cols.timestamp[i]),
				Latency:   time.Duration(cols.latency[i]),
				Code:      uint16(cols.code[i]),
				BytesIn:   uint64(cols.bytesIn[i]),
				BytesOut:  uint64(cols.bytesOut[i]),
				Error:     cols.errText[i],
				Pass:      rf.hasPass && cols.pass[i],
				Shard:     uint16(cols.shard[i]),
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}

// rawColumns are the columns of one row group, decoded.
type rawColumns struct {
	seq, timestamp, intended, latency, bytesIn, bytesOut []int64
	code, shard                                          []int32
	pass                                                 []bool
	errText                                              []string
	vals                                                 []parquet.Value // decode buffer
}

// ReadRaw calls fn for every result in the raw results file path, in file
// order. Body is nil. r is reused after fn returns: copy *r to keep it. An
// error from fn stops the read and is returned. A file that cannot be
// decoded gives an error wrapping ErrCorrupt that names it (exit code 2).
// In files written before perfgate recorded them, Intended is Timestamp
// and Pass is false.
//
// It decodes column by column, a row group at a time, which is several
// times faster than decoding rows, and shares one string per distinct
// error text.
func ReadRaw(path string, fn func(*Result) error) error {
	rf, err := openRaw(path)
	if err != nil {
		return err
	}
	defer rf.close()
	return rf.each(fn)
}

// read decodes every column of rg into c, reusing c's slices; a column
// the row group lacks (intended, pass in older files) is left empty.
func (c *rawColumns) read(rg parquet.RowGroup, intern map[string]string) error {
	schema := rg.Schema()
	chunks := rg.ColumnChunks()
	col := func(name string) (parquet.ColumnChunk, bool, error) {
		leaf, ok := schema.Lookup(name)
		if !ok {
			return nil, false, nil
		}
		if leaf.ColumnIndex < 0 || leaf.ColumnIndex >= len(chunks) {
			return nil, false, fmt.Errorf("column %q has no chunk in a row group", name)
		}
		return chunks[leaf.ColumnIndex], true, nil
	}
	n := int(rg.NumRows())
	var err error
	for _, ic := range []struct {
		name string
		dst  *[]int64
	}{
		{"seq", &c.seq}, {"timestamp", &c.timestamp}, {"intended", &c.intended},
		{"latency_ns", &c.latency}, {"bytes_in", &c.bytesIn}, {"bytes_out", &c.bytesOut},
	} {
		if err = readColumn(col, ic.name, ic.dst, &c.vals, parquet.Value.Int64); err != nil {
			return err
		}
	}
	for _, ic := range []struct {
		name string
		dst  *[]int32
	}{{"code", &c.code}, {"shard", &c.shard}} {
		if err = readColumn(col, ic.name, ic.dst, &c.vals, parquet.Value.Int32); err != nil {
			return err
		}
	}
	if err = readColumn(col, "pass", &c.pass, &c.vals, parquet.Value.Boolean); err != nil {
		return err
	}
	c.errText = c.errText[:0]
	cc, ok, err := col("error")
	if err != nil {
		return err
	}
	if ok {
		err = readValues(cc, &c.vals, func(vs []parquet.Value) {
			for _, v := range vs {
				b := v.ByteArray()
				if len(b) == 0 {
					c.errText = append(c.errText, "")
					continue
				}
				s, ok := intern[string(b)]
				if !ok {
					s = string(b)
					intern[s] = s
				}
				c.errText = append(c.errText, s)
			}
		})
		if err != nil {
			return fmt.Errorf("error: %w", err)
		}
	}
	for _, l := range []struct {
		name string
		n    int
	}{
		{"seq", len(c.seq)}, {"timestamp", len(c.timestamp)}, {"latency_ns", len(c.latency)},
		{"bytes_in", len(c.bytesIn)}, {"bytes_out", len(c.bytesOut)}, {"code", len(c.code)},
		{"shard", len(c.shard)}, {"error", len(c.errText)},
	} {
		if l.n != n {
			return fmt.Errorf("column %s holds %d values in a row group of %d rows", l.name, l.n, n)
		}
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"intended", len(c.intended)}, {"pass", len(c.pass)}} {
		if _, ok := schema.Lookup(l.name); ok && l.n != n {
			return fmt.Errorf("column %s holds %d values in a row group of %d rows", l.name, l.n, n)
		}
	}
	return nil
}

// readColumn decodes the column name into dst (emptied first), when the
// row group has it; conv converts values of pages that have no typed
// reader.
func readColumn[T any](col func(string) (parquet.ColumnChunk, bool, error), name string, dst *[]T, buf *[]parquet.Value, conv func(parquet.Value) T) error {
	*dst = (*dst)[:0]
	cc, ok, err := col(name)
	if err != nil || !ok {
		return err
	}
	if err := eachPage(cc, func(p parquet.Page) error { return appendPage(p, dst, buf, conv) }); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// eachPage calls fn with every page of a column chunk, releasing each
// page after fn returns.
func eachPage(cc parquet.ColumnChunk, fn func(parquet.Page) error) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		err = fn(p)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

// readValues calls fn with every value of a column chunk, a batch at a
// time; buf is the batch buffer, kept between calls.
func readValues(cc parquet.ColumnChunk, buf *[]parquet.Value, fn func([]parquet.Value)) error {
	if len(*buf) < readBatch {
		*buf = make([]parquet.Value, readBatch)
	}
	return eachPage(cc, func(p parquet.Page) error {
		vr := p.Values()
		for {
			n, err := vr.ReadValues(*buf)
			fn((*buf)[:n])
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
}

// typedReader returns the page reader's method that decodes straight into
// []T, when it has one: plain and delta INT64 pages, plain INT32 and
// BOOLEAN pages. Skipping the generic parquet.Value is most of the saving
// of a column-wise read.
func typedReader[T any](vr parquet.ValueReader) (func([]T) (int, error), bool) {
	var read any
	switch rd := vr.(type) {
	case parquet.Int64Reader:
		read = rd.ReadInt64s
	case parquet.Int32Reader:
		read = rd.ReadInt32s
	case parquet.BooleanReader:
		read = rd.ReadBooleans
	default:
		return nil, false
	}
	f, ok := read.(func([]T) (int, error))
	return f, ok
}

// appendPage appends the values of one page to dst: through its typed
// reader when it has one, otherwise through parquet.Value and conv, with
// buf as the batch buffer.
func appendPage[T any](p parquet.Page, dst *[]T, buf *[]parquet.Value, conv func(parquet.Value) T) error {
	vr := p.Values()
	if read, ok := typedReader[T](vr); ok {
		n := int(p.NumValues())
		d := slices.Grow(*dst, n)
		for {
			k, err := read(d[len(d):cap(d)])
			d = d[:len(d)+k]
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if len(d) == cap(d) {
				d = slices.Grow(d, readBatch)
			}
		}
		*dst = d
		return nil
	}
	if len(*buf) < readBatch {
		*buf = make([]parquet.Value, readBatch)
	}
	for {
		n, err := vr.ReadValues(*buf)
		for _, v := range (*buf)[:n] {
			*dst = append(*dst, conv(v))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ReadLatencies returns the latencies in the raw results file path, in file
// order. It decodes only the latency_ns column. A file that cannot be
// decoded gives an error wrapping ErrCorrupt that names it.
func ReadLatencies(path string) ([]time.Duration, error) {
	rf, err := openRaw(path)
	if err != nil {
		return nil, err
	}
	defer rf.close()
	var out []time.Duration
	err = decoding(path, func() error {
		leaf, _ := rf.pf.Schema().Lookup("latency_ns")
		out = make([]time.Duration, 0, max(rf.pf.NumRows(), 0))
		buf := make([]int64, readBatch)
		for i, rg := range rf.pf.RowGroups() {
			chunks := rg.ColumnChunks()
			if leaf.ColumnIndex < 0 || leaf.ColumnIndex >= len(chunks) {
				return fmt.Errorf("column latency_ns has no chunk in a row group")
			}
			if err := rf.checkPages(i, leaf.ColumnIndex); err != nil {
				return err
			}
			err := readInt64Pages(chunks[leaf.ColumnIndex], buf, func(vs []int64) {
				for _, v := range vs {
					out = append(out, time.Duration(v))
				}
			})
			if err != nil {
				return fmt.Errorf("latency_ns: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readInt64Pages decodes every value of an INT64 column chunk, a batch
// at a time into buf.
func readInt64Pages(cc parquet.ColumnChunk, buf []int64, fn func([]int64)) error {
	return eachPage(cc, func(p parquet.Page) error {
		rd, ok := p.Values().(parquet.Int64Reader)
		if !ok {
			return fmt.Errorf("column is not INT64")
		}
		for {
			n, err := rd.ReadInt64s(buf)
			fn(buf[:n])
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
}

// scenarioOf returns the scenario name of a raw results file: its base
// name without RawExt.
func scenarioOf(path string) string {
	base := filepath.Base(path)
	return base[:len(base)-len(filepath.Ext(base))]
}
