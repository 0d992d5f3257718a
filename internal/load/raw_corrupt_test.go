package load

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
)

// smallRawFile writes a real raw results file of n results in row groups
// of groupRows and returns its path and bytes.
func smallRawFile(t testing.TB, n, groupRows int) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed"+RawExt)
	w, err := createRaw(path, groupRows, ExpectStatus(200))
	if err != nil {
		t.Fatal(err)
	}
	rs := fakeResults(n, 42)
	for i := range rs {
		if err := w.Write(&rs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// flip returns a copy of data with the byte at each offset XOR-ed with x.
func flip(data []byte, x byte, offsets ...int) []byte {
	out := append([]byte(nil), data...)
	for _, o := range offsets {
		out[o%len(out)] ^= x
	}
	return out
}

// readAll reads the raw results file path through every reader entry
// point and returns their errors by name. A panic fails the test.
func readAll(path string) map[string]error {
	return map[string]error{
		"ReadRaw":       ReadRaw(path, func(*Result) error { return nil }),
		"ReadLatencies": func() error { _, err := ReadLatencies(path); return err }(),
		"ExportCSV":     ExportCSV(io.Discard, path),
		"ExportVegeta":  ExportVegeta(io.Discard, path),
	}
}

// checkCorruptErrors: every error names the file and is a usage error
// (exit 2), and a decoding failure says the file is corrupt.
func checkCorruptErrors(t *testing.T, path string, errs map[string]error) {
	t.Helper()
	for name, err := range errs {
		if err == nil {
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, path+": ") {
			t.Errorf("%s: error %q does not start with the file's path", name, msg)
		}
		if !errors.Is(err, ErrCorrupt) && !strings.Contains(msg, "is it a perfgate raw results file?") {
			t.Errorf("%s: error %q is neither ErrCorrupt nor a missing column", name, msg)
		}
		if c := exit.Code(err); c != exit.CodeUsage {
			t.Errorf("%s: error %q maps to exit %d, want %d", name, msg, c, exit.CodeUsage)
		}
	}
}

// TestReadRawCorrupt reproduces issue 16 item 13: a perfgate-written file
// with two bytes changed made the readers panic inside parquet-go (4 of 40
// random corruptions). Every reader entry point now returns an error that
// names the file, or reads the file when the change hit bytes that do not
// matter.
func TestReadRawCorrupt(t *testing.T) {
	_, data := smallRawFile(t, 3*testGroupRows, testGroupRows)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(16, 13))
	failed := 0
	const cases = 300
	for i := range cases {
		bad := flip(data, byte(1+rng.IntN(255)), rng.IntN(len(data)), rng.IntN(len(data)))
		path := filepath.Join(dir, "c"+RawExt)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		errs := readAll(path)
		checkCorruptErrors(t, path, errs)
		if errs["ReadRaw"] != nil {
			failed++
		}
		if t.Failed() {
			t.Fatalf("corruption %d", i)
		}
	}
	// parquet-go checks each page's CRC, so most changes are caught; the
	// rest fall on bytes no reader looks at or on values read as written.
	if failed < cases/2 {
		t.Errorf("only %d of %d corrupted files failed to read; want most caught", failed, cases)
	}
	t.Logf("%d of %d corrupted files refused", failed, cases)
}

// FuzzReadRaw feeds damaged raw results files to every reader entry point:
// none may panic, and every error names the file. The seed corpus is a
// real small file and copies of it with bytes flipped in the header, the
// pages and the footer; `go test` runs it, `go test -fuzz FuzzReadRaw`
// searches further.
func FuzzReadRaw(f *testing.F) {
	_, data := smallRawFile(f, 120, 50)
	f.Add(data)
	n := len(data)
	for _, offs := range [][]int{{0}, {5}, {40}, {n / 3}, {n / 2, n/2 + 1}, {n - 100}, {n - 40, n - 39}, {n - 9}, {n - 8}, {n - 5}} {
		f.Add(flip(data, 0xff, offs...))
		f.Add(flip(data, 0x01, offs...))
	}
	f.Add(data[:n/2])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		tmp, err := os.CreateTemp(dir, "f*"+RawExt)
		if err != nil {
			t.Fatal(err)
		}
		path := tmp.Name()
		defer os.Remove(path)
		if _, err := tmp.Write(b); err != nil {
			t.Fatal(err)
		}
		tmp.Close()
		checkCorruptErrors(t, path, readAll(path))
	})
}

// TestReadRawCorruptBounded: a changed byte in a length or count that
// parquet-go trusts (the footer length, a page header, the footer's lists)
// made a read allocate and zero up to 4 GB and take seconds. The checks of
// corrupt.go hold every read of such a file to a few MB.
func TestReadRawCorruptBounded(t *testing.T) {
	path0, data := smallRawFile(t, 120, 50)
	rf, err := openRaw(path0)
	if err != nil {
		t.Fatal(err)
	}
	var offsets []int
	for _, cc := range rf.pf.Metadata().RowGroups[0].Columns {
		start := int(cc.MetaData.DataPageOffset)
		if d := int(cc.MetaData.DictionaryPageOffset); d != 0 {
			start = d
		}
		for o := start; o < start+40; o++ { // the first page header
			offsets = append(offsets, o)
		}
	}
	rf.close()
	for o := len(data) - 8 - 400; o < len(data)-4; o++ { // the footer and its length
		offsets = append(offsets, o)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "c"+RawExt)
	const limit = 64 << 20
	var ms runtime.MemStats
	for _, o := range offsets {
		for _, x := range []byte{0xff, 0x80} {
			if err := os.WriteFile(path, flip(data, x, o), 0o644); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			err := ReadRaw(path, func(*Result) error { return nil })
			runtime.ReadMemStats(&ms)
			if got := ms.TotalAlloc - before; got > limit {
				t.Errorf("byte %d ^ %#x: the read allocated %d MB (%v); want under %d MB", o, x, got>>20, err, limit>>20)
			}
		}
	}
}
