package load

import (
	"crypto/tls"
	"io"
	"net/http"
	"time"
)

// Request is one HTTP request of a scenario, fully rendered.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Result is the outcome of one request. Body is only valid during the
// callback that receives the Result: it is not kept afterwards.
type Result struct {
	Seq uint64 // order in which the request was sent, from 0
	// Intended is when the pacer's schedule meant the request to be sent:
	// the attack's start plus hit Seq's due time, for constant rates and
	// stages alike. Timestamp minus Intended is the schedule lag, and
	// latency measured from Intended is corrected for coordinated
	// omission. At rate max there is no schedule and Intended is
	// Timestamp; ReadRaw also sets it to Timestamp for files written
	// before perfgate recorded it.
	Intended  time.Time
	Timestamp time.Time     // when the request was sent
	Latency   time.Duration // time to the full response (or the error)
	Code      uint16        // HTTP status, 0 on a transport error
	BytesIn   uint64
	BytesOut  uint64
	// Error is a transport error or vegeta's error text ("" on success):
	// vegeta's meaning, kept for its tools, so a status of 400 or more is
	// an error even when the scenario expects it. Pass says whether the
	// scenario's expectation was met.
	Error string
	// Pass says whether Code is the status the scenario expects. ReadRaw
	// sets it from the file (false in files written before the pass
	// column); RawWriter.Write ignores it and derives it from Code and
	// the writer's ExpectStatus.
	Pass  bool
	Shard uint16 // shard index of a distributed run (0 otherwise)
	Body  []byte
}

// Defaults quoted by the flag help.
const (
	// DefaultMaxWorkers bounds vegeta's workers: unbounded, a 2-core machine
	// collapsed at 20k req/s (15k connections, local ports exhausted), while
	// 64 workers held the rate within 0.3 %.
	DefaultMaxWorkers = 256
	// DefaultWorkers is the number of workers vegeta starts with.
	DefaultWorkers = 10
	// DefaultTimeout is the per-request timeout. The "before" endpoint of
	// the claim takes ~50 s, so vegeta's 30 s default would cut it.
	DefaultTimeout = 90 * time.Second
	// DefaultMaxBody is how much of each response body is read for checks.
	DefaultMaxBody = 4 << 20
)

// Options tune an attack. Zero values take the Default constants.
type Options struct {
	Rate Rate
	// Stages, when set, pace the attack instead of Rate: each stage a
	// constant rate or a linear ramp, one after the other. Duration then
	// defaults to their sum; past the last stage its final rate holds.
	Stages   []Stage
	Duration time.Duration
	// MinRequests, at rate max only, keeps the attack going past Duration
	// until that many requests have been sent: a sample size is then a
	// promise rather than an estimate of what the duration affords. Each
	// request is still bounded by Timeout.
	MinRequests int
	// Warmup is the number of requests sent before the measured attack, at
	// the first stage's rate (or Rate; as fast as the workers allow for
	// max), over the same connections. Their results are discarded: the
	// callback never sees them.
	Warmup     int
	Timeout    time.Duration
	Workers    uint64
	MaxWorkers uint64
	MaxBody    int64
	// KeepBody says whether the callback needs response bodies (jq checks).
	KeepBody bool
	// TLS is how an https target's certificate is trusted (TLSConfig);
	// nil for Go's defaults.
	TLS   *tls.Config
	Shard uint16
	// Progress, when non-nil, gets the attack's progress (scenario,
	// elapsed/duration, requests, errors): a one-line bar cleared at the
	// end, for a terminal, or plain lines at an interval when it is a
	// *PlainProgress, for a log.
	Progress io.Writer
}
