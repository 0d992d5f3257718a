package metrics

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"
)

// Recorder aggregates results as they stream in: Add per result, figures
// once in Summary. It keeps one 8-byte latency per request and counters,
// never bodies, plus one more 8-byte corrected latency per request once a
// request has lagged its schedule (never at rate max, where nothing has a
// schedule). It is not safe for concurrent use; the attack hands results
// over on one goroutine.
type Recorder struct {
	latencies []time.Duration
	// corrected is latency plus schedule lag, paired by index with
	// latencies; nil while no request has lagged, when it would equal
	// latencies.
	corrected []time.Duration
	// lag is the lag summary of the first lagN results, kept because
	// Summary's sorts break the pairs it is derived from.
	lag  Latencies
	lagN int
	// statuses counts the codes below 600 (HTTP's, and 0 for transport
	// errors) by index, codes the others: hashing a map key was a third
	// of Add's cost.
	statuses [600]int64
	codes    map[uint16]int64
	errors   map[string]int64
	first    time.Time
	last     time.Time
	end      time.Time // latest response end
	bytesIn  uint64
	bytesOut uint64
	// flow counts sends and answers over time for Summary.Flow.
	flow flow
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

// Add records one result sent with no schedule to lag (rate max, or a
// file written before perfgate recorded intended send times): AddIntended
// with intended = sent.
func (r *Recorder) Add(sent time.Time, latency time.Duration, code uint16, err string, bytesIn, bytesOut uint64) {
	r.add(sent, latency, 0, code, err, bytesIn, bytesOut)
}

// AddIntended records one result: intended is when the pacer's schedule
// meant the request to be sent, sent when it was, latency the time from
// sent to the full response. code is 0 on a transport error, whose text
// is err. The schedule lag is sent − intended, clamped at 0, and the
// corrected latency (measured from intended, as wrk2 and HdrHistogram's
// coordinated-omission correction do) is lag + latency.
func (r *Recorder) AddIntended(intended, sent time.Time, latency time.Duration, code uint16, err string, bytesIn, bytesOut uint64) {
	r.add(sent, latency, max(sent.Sub(intended), 0), code, err, bytesIn, bytesOut)
}

// add records one result that lagged its schedule by lag >= 0.
func (r *Recorder) add(sent time.Time, latency, lag time.Duration, code uint16, err string, bytesIn, bytesOut uint64) {
	if len(r.latencies) == 0 || sent.Before(r.first) {
		r.first = sent
	}
	if sent.After(r.last) {
		r.last = sent
	}
	if end := sent.Add(latency); end.After(r.end) {
		r.end = end
	}
	r.flow.add(sent, latency)
	if r.corrected != nil {
		r.corrected = append(r.corrected, latency+lag)
	} else if lag > 0 {
		// The first lagging request: until now corrected equalled latency.
		r.corrected = make([]time.Duration, len(r.latencies), cap(r.latencies))
		copy(r.corrected, r.latencies)
		r.corrected = append(r.corrected, latency+lag)
	}
	r.latencies = append(r.latencies, latency)
	if int(code) < len(r.statuses) {
		r.statuses[code]++
	} else {
		r.codes[code]++
	}
	if err != "" {
		r.errors[err]++
	}
	r.bytesIn += bytesIn
	r.bytesOut += bytesOut
}

// Sorted returns the recorded latencies, in ascending order once Summary
// has run (it sorts them in place): the sample a percentile's interval is
// read from (PercentileOf), without a copy. It shares the Recorder's
// memory; do not modify it.
func (r *Recorder) Sorted() []time.Duration { return r.latencies }

// SortedCorrected returns the latencies measured from the intended send
// times, in ascending order once Summary has run; the service latencies
// (Sorted) when no request lagged, since they are then the same.
func (r *Recorder) SortedCorrected() []time.Duration {
	if r.corrected == nil {
		return r.latencies
	}
	return r.corrected
}

// Summary is what a Recorder saw.
type Summary struct {
	Requests int64
	// Latency is the service time: from each request's actual send to its
	// response.
	Latency Latencies
	// Lag is the schedule lag: each request's actual send time minus its
	// intended one, clamped at 0. It grows when the workers cannot keep up
	// and requests wait to be sent. All zero without a schedule.
	Lag Latencies
	// Corrected is the latency measured from each request's intended send
	// time (lag + latency): what a user arriving on schedule waited,
	// corrected for coordinated omission. It equals Latency when nothing
	// lagged.
	Corrected Latencies
	Codes     map[uint16]int64
	// Errors counts transport error texts, most frequent first.
	Errors []ErrorCount
	First  time.Time // first request sent
	Last   time.Time // last request sent
	// Wall is from the first request sent to the last response received.
	Wall time.Duration
	// Rate is the achieved sending rate in requests per second, measured
	// like vegeta: (requests-1) over the span of send times.
	Rate float64
	// Flow is the sending and completing rates in the steady middle of
	// the run: completions below what was sent mean the service's queue
	// grew (it was saturated), however the latencies look.
	Flow     Flow
	BytesIn  uint64
	BytesOut uint64
}

// ErrorCount is one distinct error text and how often it occurred.
type ErrorCount struct {
	Error string `json:"error"`
	Count int64  `json:"count"`
}

// Summary computes the figures, after the last Add. It sorts the recorded
// latencies in place. When requests lagged, the lag percentiles need the
// pairs of latency and corrected latency before either is sorted: the
// first Summary derives the lags into a temporary slice (8 bytes per
// request, released on return) and keeps their summary for later calls.
func (r *Recorder) Summary() Summary {
	s := Summary{
		Requests: int64(len(r.latencies)),
		Codes:    maps.Clone(r.codes),
		First:    r.first,
		Last:     r.last,
		BytesIn:  r.bytesIn,
		BytesOut: r.bytesOut,
	}
	if r.corrected != nil {
		// Three sorts of up to millions of values: on goroutines of their
		// own, so that a paced run's summary takes about as long as one
		// sort where there are cores (10 M: 2.3 s one after the other,
		// 1.3 s on two cores).
		var wg sync.WaitGroup
		if r.lagN != len(r.latencies) {
			lags := make([]time.Duration, len(r.latencies))
			for i, c := range r.corrected {
				lags[i] = c - r.latencies[i]
			}
			r.lagN = len(lags)
			wg.Go(func() { r.lag = Summarize(lags) })
		}
		wg.Go(func() { s.Corrected = Summarize(r.corrected) })
		s.Latency = Summarize(r.latencies)
		wg.Wait()
		s.Lag = r.lag
	} else {
		s.Latency = Summarize(r.latencies)
		s.Corrected = s.Latency
	}
	for c, n := range r.statuses {
		if n > 0 {
			s.Codes[uint16(c)] = n
		}
	}
	if s.Requests > 0 {
		s.Wall = r.end.Sub(r.first)
		if span := r.last.Sub(r.first); s.Requests > 1 && span > 0 {
			s.Rate = float64(s.Requests-1) / span.Seconds()
		}
		s.Flow = r.flow.rates(r.first, r.last, s.Latency.P50)
	}
	for e, n := range r.errors {
		s.Errors = append(s.Errors, ErrorCount{Error: e, Count: n})
	}
	slices.SortFunc(s.Errors, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Error, b.Error))
	})
	return s
}
