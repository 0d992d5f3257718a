package load

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
)

// RawExt is the file extension of raw result files.
const RawExt = ".parquet"

// rawRowGroup is the number of rows per row group: big enough for the
// encodings to pay off, small enough that a buffer is a few MB.
const rawRowGroup = 128 * 1024

// rawRow is one row of a raw results file. The column names and encodings
// are the contract of DESIGN §4; plain signed integers keep the file
// readable by DuckDB, pandas and Spark without logical-type support.
type rawRow struct {
	Seq       int64  `parquet:"seq,delta"`
	Timestamp int64  `parquet:"timestamp,delta"` // ns since the Unix epoch
	LatencyNS int64  `parquet:"latency_ns,delta"`
	Code      int32  `parquet:"code,dict"`
	BytesIn   int64  `parquet:"bytes_in,delta"`
	BytesOut  int64  `parquet:"bytes_out,delta"`
	Error     string `parquet:"error,dict"`
	Shard     int32  `parquet:"shard,dict"`
}

func toRow(r *Result) rawRow {
	return rawRow{
		Seq:       int64(r.Seq),
		Timestamp: r.Timestamp.UnixNano(),
		LatencyNS: int64(r.Latency),
		Code:      int32(r.Code),
		BytesIn:   int64(r.BytesIn),
		BytesOut:  int64(r.BytesOut),
		Error:     r.Error,
		Shard:     int32(r.Shard),
	}
}

// RawWriter writes raw results to a Parquet file. Write only appends to an
// in-memory buffer; full row groups are encoded and written by a
// background goroutine, so the attack's hot path never waits for zstd or
// the disk. The file appears under its final name only when Close
// succeeds. A RawWriter is safe for use by several goroutines.
type RawWriter struct {
	path, tmp string

	rows   int // per row group
	mu     sync.Mutex
	buf    []rawRow
	closed bool

	full  chan []rawRow // row groups for the encoder
	free  chan []rawRow // emptied buffers back from it
	done  chan struct{} // closed when the encoder has ended
	err   error         // the encoder's first error; read after done or via errMu
	errMu sync.Mutex

	f  *os.File
	pw *parquet.GenericWriter[rawRow]
}

// CreateRaw creates the raw results file path. It writes to path+".tmp"
// until Close renames it.
func CreateRaw(path string) (*RawWriter, error) {
	return createRaw(path, rawRowGroup)
}

// createRaw is CreateRaw with groupRows rows per row group; tests use
// small groups.
func createRaw(path string, groupRows int) (*RawWriter, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("create raw results: %w", err)
	}
	w := &RawWriter{
		path: path,
		tmp:  tmp,
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
			parquet.CreatedBy("perfgate", "", ""),
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
			if _, err := w.pw.Write(rows); err != nil {
				w.fail(fmt.Errorf("write raw results %s: %w", w.path, err))
			} else if err := w.pw.Flush(); err != nil {
				w.fail(fmt.Errorf("write raw results %s: %w", w.path, err))
			}
		}
		clear(rows) // drop the error strings
		select {
		case w.free <- rows[:0]:
		default:
		}
	}
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

// Write appends r to the file; r.Body is not stored.
func (w *RawWriter) Write(r *Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("write raw results %s: writer closed", w.path)
	}
	w.buf = append(w.buf, toRow(r))
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
	if err != nil {
		os.Remove(w.tmp)
		return err
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return fmt.Errorf("close raw results: %w", err)
	}
	return nil
}

// readBatch is how many values are decoded at a time.
const readBatch = 4096

// rawColumns are the columns of one row group, decoded.
type rawColumns struct {
	seq, timestamp, latency, bytesIn, bytesOut []int64
	code, shard                                []int32
	errText                                    []string
	vals                                       []parquet.Value // decode buffer
}

// ReadRaw calls fn for every result in the raw results file path, in file
// order. Body is nil. r is reused after fn returns: copy *r to keep it. An
// error from fn stops the read and is returned.
//
// It decodes column by column, a row group at a time, which is several
// times faster than decoding rows, and shares one string per distinct
// error text.
func ReadRaw(path string, fn func(*Result) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read raw results: %w", err)
	}
	defer f.Close()
	pf, err := openParquet(f, path)
	if err != nil {
		return err
	}
	var cols rawColumns
	intern := map[string]string{"": ""}
	var r Result
	for _, rg := range pf.RowGroups() {
		if err := cols.read(rg, intern); err != nil {
			return fmt.Errorf("read raw results %s: %w", path, err)
		}
		for i := range cols.seq {
			r = Result{
				Seq:       uint64(cols.seq[i]),
				Timestamp: time.Unix(0, cols.timestamp[i]),
				Latency:   time.Duration(cols.latency[i]),
				Code:      uint16(cols.code[i]),
				BytesIn:   uint64(cols.bytesIn[i]),
				BytesOut:  uint64(cols.bytesOut[i]),
				Error:     cols.errText[i],
				Shard:     uint16(cols.shard[i]),
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}

// read decodes every column of rg into c, reusing c's slices.
func (c *rawColumns) read(rg parquet.RowGroup, intern map[string]string) error {
	schema := rg.Schema()
	chunks := rg.ColumnChunks()
	col := func(name string) (parquet.ColumnChunk, error) {
		leaf, ok := schema.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("no %q column", name)
		}
		return chunks[leaf.ColumnIndex], nil
	}
	ints := []struct {
		name string
		dst  *[]int64
	}{
		{"seq", &c.seq}, {"timestamp", &c.timestamp}, {"latency_ns", &c.latency},
		{"bytes_in", &c.bytesIn}, {"bytes_out", &c.bytesOut},
	}
	for _, ic := range ints {
		cc, err := col(ic.name)
		if err != nil {
			return err
		}
		*ic.dst = (*ic.dst)[:0]
		if err := readInt64s(cc, ic.dst, &c.vals); err != nil {
			return fmt.Errorf("%s: %w", ic.name, err)
		}
	}
	for _, ic := range []struct {
		name string
		dst  *[]int32
	}{{"code", &c.code}, {"shard", &c.shard}} {
		cc, err := col(ic.name)
		if err != nil {
			return err
		}
		*ic.dst = (*ic.dst)[:0]
		err = readValues(cc, &c.vals, func(vs []parquet.Value) {
			for _, v := range vs {
				*ic.dst = append(*ic.dst, v.Int32())
			}
		})
		if err != nil {
			return fmt.Errorf("%s: %w", ic.name, err)
		}
	}
	cc, err := col("error")
	if err != nil {
		return err
	}
	c.errText = c.errText[:0]
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
	n := len(c.seq)
	for _, l := range []int{len(c.timestamp), len(c.latency), len(c.bytesIn), len(c.bytesOut), len(c.code), len(c.shard), len(c.errText)} {
		if l != n {
			return fmt.Errorf("columns of a row group differ in length (%d and %d values)", n, l)
		}
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

// readInt64s appends every value of an INT64 column chunk to dst. Pages
// that decode straight into int64s (plain and delta ones: every column
// perfgate writes) skip the generic parquet.Value, which is most of the
// cost of a read; others take the generic path, with buf as its buffer.
func readInt64s(cc parquet.ColumnChunk, dst *[]int64, buf *[]parquet.Value) error {
	return eachPage(cc, func(p parquet.Page) error { return appendInt64s(p, dst, buf) })
}

// appendInt64s appends the values of one INT64 page to dst.
func appendInt64s(p parquet.Page, dst *[]int64, buf *[]parquet.Value) error {
	vr := p.Values()
	if rd, ok := vr.(parquet.Int64Reader); ok {
		n := int(p.NumValues())
		d := slices.Grow(*dst, n)
		for {
			k, err := rd.ReadInt64s(d[len(d):cap(d)])
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
			*dst = append(*dst, v.Int64())
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// openParquet opens f as a Parquet file and checks that it holds raw results.
func openParquet(f *os.File, path string) (*parquet.File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read raw results: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read raw results %s: not a Parquet file: %w", path, err)
	}
	for _, col := range []string{"seq", "timestamp", "latency_ns", "code"} {
		if _, ok := pf.Schema().Lookup(col); !ok {
			return nil, fmt.Errorf("read raw results %s: no %q column; is it a perfgate raw results file?", path, col)
		}
	}
	return pf, nil
}

// ReadLatencies returns the latencies in the raw results file path, in file
// order. It decodes only the latency_ns column.
func ReadLatencies(path string) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read raw results: %w", err)
	}
	defer f.Close()
	pf, err := openParquet(f, path)
	if err != nil {
		return nil, err
	}
	leaf, _ := pf.Schema().Lookup("latency_ns")
	out := make([]time.Duration, 0, pf.NumRows())
	buf := make([]int64, readBatch)
	for _, rg := range pf.RowGroups() {
		err := readInt64Pages(rg.ColumnChunks()[leaf.ColumnIndex], buf, func(vs []int64) {
			for _, v := range vs {
				out = append(out, time.Duration(v))
			}
		})
		if err != nil {
			return nil, fmt.Errorf("read raw results %s: latency_ns: %w", path, err)
		}
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
