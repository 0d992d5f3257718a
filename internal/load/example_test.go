package load_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/perfgate/perfgate/internal/load"
)

// Attack drives one request at a constant rate for a duration with
// vegeta's attacker and hands every result to a callback, on one
// goroutine, in the order received.
func ExampleAttack() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()

	rate, _ := load.ParseRate("50/s")
	codes := map[uint16]int{}
	stats, err := load.Attack(context.Background(), "health",
		[]load.Request{{Method: "GET", URL: srv.URL + "/health"}},
		load.Options{Rate: rate, Duration: 200 * time.Millisecond},
		func(r *load.Result) { codes[r.Code]++ })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent:", stats.Sent, "answered 200:", codes[200])
	// Output:
	// sent: 10 answered 200: 10
}

// Raw results stream to a Parquet file as they arrive and read back in
// the order they were written.
func ExampleCreateRaw() {
	path := filepath.Join(os.TempDir(), "example-raw.parquet")
	defer os.Remove(path)
	w, err := load.CreateRaw(path)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		r := load.Result{Seq: uint64(i), Timestamp: start.Add(time.Duration(i) * time.Second), Latency: time.Duration(i+1) * time.Millisecond, Code: 200}
		if err := w.Write(&r); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	lat, err := load.ReadLatencies(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lat)
	// Output:
	// [1ms 2ms 3ms]
}
