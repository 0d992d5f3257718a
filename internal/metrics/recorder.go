package metrics

import (
	"cmp"
	"slices"
	"time"
)

// Recorder aggregates results as they stream in: Add per result, figures
// once in Summary. It keeps one 8-byte latency per request and counters,
// never bodies. It is not safe for concurrent use; the attack hands results
// over on one goroutine.
type Recorder struct {
	latencies []time.Duration
	codes     map[uint16]int64
	errors    map[string]int64
	first     time.Time
	last      time.Time
	end       time.Time // latest response end
	bytesIn   uint64
	bytesOut  uint64
}

// NewRecorder returns an empty Recorder; sizeHint preallocates for the
// expected number of requests.
func NewRecorder(sizeHint int) *Recorder {
	return &Recorder{
		latencies: make([]time.Duration, 0, max(sizeHint, 0)),
		codes:     map[uint16]int64{},
		errors:    map[string]int64{},
	}
}

// Add records one result. code is 0 on a transport error, whose text is err.
func (r *Recorder) Add(sent time.Time, latency time.Duration, code uint16, err string, bytesIn, bytesOut uint64) {
	if len(r.latencies) == 0 || sent.Before(r.first) {
		r.first = sent
	}
	if sent.After(r.last) {
		r.last = sent
	}
	if end := sent.Add(latency); end.After(r.end) {
		r.end = end
	}
	r.latencies = append(r.latencies, latency)
	r.codes[code]++
	if err != "" {
		r.errors[err]++
	}
	r.bytesIn += bytesIn
	r.bytesOut += bytesOut
}

// Summary is what a Recorder saw.
type Summary struct {
	Requests int64
	Latency  Latencies
	Codes    map[uint16]int64
	// Errors counts transport error texts, most frequent first.
	Errors []ErrorCount
	First  time.Time // first request sent
	Last   time.Time // last request sent
	// Wall is from the first request sent to the last response received.
	Wall time.Duration
	// Rate is the achieved sending rate in requests per second, measured
	// like vegeta: (requests-1) over the span of send times.
	Rate     float64
	BytesIn  uint64
	BytesOut uint64
}

// ErrorCount is one distinct error text and how often it occurred.
type ErrorCount struct {
	Error string `json:"error"`
	Count int64  `json:"count"`
}

// Summary computes the figures. It sorts the recorded latencies in place.
func (r *Recorder) Summary() Summary {
	s := Summary{
		Requests: int64(len(r.latencies)),
		Latency:  Summarize(r.latencies),
		Codes:    r.codes,
		First:    r.first,
		Last:     r.last,
		BytesIn:  r.bytesIn,
		BytesOut: r.bytesOut,
	}
	if s.Requests > 0 {
		s.Wall = r.end.Sub(r.first)
		if span := r.last.Sub(r.first); s.Requests > 1 && span > 0 {
			s.Rate = float64(s.Requests-1) / span.Seconds()
		}
	}
	for e, n := range r.errors {
		s.Errors = append(s.Errors, ErrorCount{Error: e, Count: n})
	}
	slices.SortFunc(s.Errors, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Error, b.Error))
	})
	return s
}
