package engine

import (
	"time"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
	"github.com/perfgate/perfgate/internal/verdict"
)

// Sink takes every result of one scenario, on the goroutine that receives
// them: it records the result's figures, runs the jq checks on its body
// and streams it to the raw results file. It is the one place where a
// request without an answer (a transport error) is told from an answer.
type Sink struct {
	rec      *metrics.Recorder
	checker  *verdict.Checker
	raw      *load.RawWriter
	writeErr error
}

// NewSink returns a Sink for about sizeHint results, running checks (none
// when empty) and writing to raw (nothing when nil).
func NewSink(sizeHint int, checks []scenario.Check, raw *load.RawWriter) *Sink {
	return &Sink{rec: metrics.NewRecorder(sizeHint), checker: verdict.NewChecker(checks), raw: raw}
}

// NeedsBodies reports whether results must carry their bodies (for the jq
// checks); without checks, bodies are never read.
func (s *Sink) NeedsBodies() bool { return s.checker.Active() }

// Add takes one result. vegeta also sets Error to the status text of a
// non-2xx answer; only a request without an answer is a transport error.
func (s *Sink) Add(r *load.Result) {
	transportErr := ""
	if r.Code == 0 {
		transportErr = r.Error
	}
	s.rec.AddIntended(r.Intended, r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
	if r.Code != 0 {
		s.checker.Observe(r.Body, r.BytesIn)
	}
	if s.raw != nil && s.writeErr == nil {
		s.writeErr = s.raw.Write(r)
	}
}

// WriteErr is the first error writing the raw results, if any.
func (s *Sink) WriteErr() error { return s.writeErr }

// Summary computes the figures of every result added. It sorts the
// recorded latencies in place, so call it once, after the last Add.
func (s *Sink) Summary() metrics.Summary { return s.rec.Summary() }

// Sorted is every latency added, ascending, once Summary has run: the
// sample ApplyFigures reads each percentile's interval from.
func (s *Sink) Sorted() []time.Duration { return s.rec.Sorted() }

// SortedCorrected is every latency measured from its intended send time,
// ascending, once Summary has run (Sorted when nothing lagged).
func (s *Sink) SortedCorrected() []time.Duration { return s.rec.SortedCorrected() }

// Checks returns the tallies of the jq checks.
func (s *Sink) Checks() []model.Check { return s.checker.Results() }
