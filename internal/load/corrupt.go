package load

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/perfgate/perfgate/internal/exit"
)

// ErrCorrupt marks a raw results file that cannot be decoded: damaged on
// disk or in transit, or cut short. Errors that wrap it name the file and
// carry exit code 2.
var ErrCorrupt = errors.New("corrupt raw results file")

// corrupt is the error for a raw results file path that cannot be decoded.
func corrupt(path string, detail any) error {
	return exit.Usage(fmt.Errorf("%s: %w: %v", path, ErrCorrupt, detail))
}

// decoding runs fn, which decodes path with parquet-go, and turns its
// errors and panics into corrupt errors: parquet-go trusts the sizes and
// offsets a file declares, and a few changed bytes make it slice out of
// range. Callbacks of the caller must not run inside fn, or their panics
// would read as a damaged file.
func decoding(path string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(path, fmt.Sprintf("%v (the Parquet reader failed on it)", p))
		}
	}()
	if err := fn(); err != nil {
		return corrupt(path, err)
	}
	return nil
}

// The checks below bound what parquet-go allocates on the word of a
// damaged file. It allocates, and zeroes, whatever a length or count
// declares before reading what follows: a footer length, a list of 2³¹
// column chunks, a 2 GB statistics value in a page header. Page data is
// safe once read (each page carries a CRC that parquet-go verifies); the
// footer and the page headers are not covered by it.
const (
	// maxPageBytes bounds the sizes a page header may declare: perfgate's
	// data pages hold 256 KiB of values, and a dictionary page one row
	// group's distinct error texts, a few MB at most.
	maxPageBytes = 256 << 20
	// maxGroupRows bounds the rows of a row group: perfgate writes
	// rawRowGroup.
	maxGroupRows = 32 * rawRowGroup
)

// walkThrift decodes one thrift struct from r into v, whose fields are the
// few the caller needs. The decoder skips every other field, checking its
// lengths and counts against the bytes actually there, without allocating
// what they declare.
func walkThrift(r thrift.Reader, v any) error {
	return thrift.NewDecoder(r).Decode(v)
}

// checkFooter checks the footer of a Parquet file of size bytes: its
// declared length fits in the file, and its metadata walks as thrift. It
// returns the footer's length.
func checkFooter(r io.ReaderAt, size int64) (int64, error) {
	const tail = 8 // footer length (4 bytes, little endian) and "PAR1"
	if size < 4+tail {
		return 0, fmt.Errorf("not a Parquet file: %d bytes is too short", size)
	}
	var b [tail]byte
	if _, err := r.ReadAt(b[:], size-tail); err != nil {
		return 0, err
	}
	n := int64(binary.LittleEndian.Uint32(b[:4]))
	if n > size-4-tail {
		return 0, fmt.Errorf("footer length %d does not fit in a file of %d bytes", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-tail-n); err != nil {
		return 0, err
	}
	var walk struct{}
	if err := walkThrift(new(thrift.CompactProtocol).NewReaderFromBytes(footer), &walk); err != nil {
		return 0, fmt.Errorf("footer: %w", err)
	}
	return n, nil
}

// checkLayout checks that the row groups and column chunks of pf, a file
// whose footer is footer bytes long, lie inside the file and hold the
// values their rows need.
func checkLayout(pf *parquet.File, footer int64) error {
	end := pf.Size() - 8 - footer // where the column chunks must end
	leaves := len(pf.Schema().Columns())
	for i, rg := range pf.Metadata().RowGroups {
		if rg.NumRows < 0 || rg.NumRows > maxGroupRows {
			return fmt.Errorf("row group %d declares %d rows", i, rg.NumRows)
		}
		if len(rg.Columns) != leaves {
			return fmt.Errorf("row group %d has %d column chunks for %d columns", i, len(rg.Columns), leaves)
		}
		for j, cc := range rg.Columns {
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset != 0 {
				start = md.DictionaryPageOffset
			}
			if start < 4 || md.TotalCompressedSize < 0 || md.TotalCompressedSize > end-start {
				return fmt.Errorf("row group %d column %d: chunk of %d bytes at %d is not inside the file", i, j, md.TotalCompressedSize, start)
			}
			// perfgate compresses with zstd. A codec changed in the footer
			// would feed intact pages to the wrong decoder, and parquet-go's
			// lz4 decoder doubles its buffer on every error until the
			// process runs out of memory (found by FuzzReadRaw).
			if md.Codec != format.Zstd && md.Codec != format.Uncompressed {
				return fmt.Errorf("row group %d column %d: compressed with %s; perfgate writes zstd", i, j, md.Codec)
			}
			// Every column is required and flat: one value per row.
			if md.NumValues != rg.NumRows {
				return fmt.Errorf("row group %d column %d: %d values for %d rows", i, j, md.NumValues, rg.NumRows)
			}
		}
	}
	return nil
}

// pageHeader is what checkPages reads of a Parquet page header
// (format.PageHeader); the decoder skips the rest.
type pageHeader struct {
	Type                 format.PageType         `thrift:"1,required"`
	UncompressedPageSize int32                   `thrift:"2,required"`
	CompressedPageSize   int32                   `thrift:"3,required"`
	CRC                  int32                   `thrift:"4,optional"`
	DataPageHeader       thrift.Null[pageValues] `thrift:"5,optional"`
	DictionaryPageHeader thrift.Null[pageValues] `thrift:"7,optional"`
	DataPageHeaderV2     thrift.Null[pageValues] `thrift:"8,optional"`
}

// pageValues is the value count that every kind of page header begins with.
type pageValues struct {
	NumValues int32 `thrift:"1,required"`
}

// checkPages walks the page headers of column chunk cc of a row group of
// rows rows in r: each page must fit in what is left of the chunk and
// declare sizes and counts a perfgate file can hold.
func checkPages(r io.ReaderAt, cc *format.ColumnChunk, rows int64) error {
	md := cc.MetaData
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	// Seek past each page's data instead of reading it: only the headers
	// are checked here, and parquet-go reads the pages next anyway.
	sr := io.NewSectionReader(r, start, md.TotalCompressedSize)
	br := bufio.NewReaderSize(sr, 4096)
	proto := new(thrift.CompactProtocol)
	pos := int64(0) // of br's next byte in the chunk
	for pos < md.TotalCompressedSize {
		var h pageHeader
		if err := walkThrift(proto.NewReader(br), &h); err != nil {
			return fmt.Errorf("page header at %d: %w", start+pos, err)
		}
		read, _ := sr.Seek(0, io.SeekCurrent)
		data := read - int64(br.Buffered()) // where the page's data begins
		left := md.TotalCompressedSize - data
		values := max(h.DataPageHeader.V.NumValues, h.DictionaryPageHeader.V.NumValues, h.DataPageHeaderV2.V.NumValues)
		switch {
		case h.CompressedPageSize < 0 || int64(h.CompressedPageSize) > left:
			return fmt.Errorf("page at %d declares %d bytes, %d are left in its column chunk", start+pos, h.CompressedPageSize, left)
		case h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes:
			return fmt.Errorf("page at %d declares %d bytes uncompressed", start+pos, h.UncompressedPageSize)
		case h.DataPageHeader.V.NumValues < 0 || h.DictionaryPageHeader.V.NumValues < 0 || h.DataPageHeaderV2.V.NumValues < 0:
			return fmt.Errorf("page at %d declares a negative number of values", start+pos)
		case h.CRC == 0:
			// parquet-go checks a page's data against its CRC, which
			// perfgate writes for every page; without one, damaged data
			// would reach the decoders. (A page whose CRC is 0 reads as
			// having none: one in 2³² pages, refused with the file.)
			return fmt.Errorf("page at %d has no checksum", start+pos)
		case h.Type != format.DictionaryPage && int64(values) > rows:
			return fmt.Errorf("page at %d declares %d values in a row group of %d rows", start+pos, values, rows)
		}
		pos = data + int64(h.CompressedPageSize)
		if int(h.CompressedPageSize) <= br.Buffered() {
			br.Discard(int(h.CompressedPageSize))
			continue
		}
		if _, err := sr.Seek(pos, io.SeekStart); err != nil {
			return err
		}
		br.Reset(sr)
	}
	return nil
}
