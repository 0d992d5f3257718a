package load

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Stats describe how an attack went, apart from its results.
type Stats struct {
	// Sent is the number of results handed to the callback.
	Sent int64
	// Aborted is the number of in-flight requests cut short by an
	// interrupt; they are not handed to the callback.
	Aborted int64
	// Wall is the time from the start of the attack to the last result
	// handed over (or to the interrupt, plus the short drain after it).
	Wall time.Duration
	// Interrupted says whether ctx was cancelled before the attack ended.
	Interrupted bool
	// Warmup is the number of warmup requests answered (or failed) before
	// the measured attack; their results were discarded.
	Warmup int64
	// MaxWorkers is the bound on concurrent requests the attack ran with
	// (Options.MaxWorkers, or its default), and PeakInFlight the most
	// requests that were in flight at once during the measured attack:
	// at MaxWorkers, every worker was busy and requests due then waited
	// to be sent (their schedule lag says how long).
	MaxWorkers   uint64
	PeakInFlight int64
}

// drainIdle is how long an interrupted attack waits for one more result
// before it stops listening. In-flight requests are aborted at once, so
// only vegeta's pacer can still be busy: it sleeps up to one request
// interval (10 s at 1/10s) before it notices the stop.
const drainIdle = 200 * time.Millisecond

// Attack sends reqs round-robin at opts.Rate for opts.Duration with vegeta's
// attacker and calls fn for every result, in the order received, from one
// goroutine. fn must be quick: a slow fn holds vegeta's workers back. The
// Result is reused after fn returns, as ReadRaw's is: copy *r to keep it.
//
// On ctx cancel it stops the attacker, aborts in-flight requests, hands
// every result already gathered to fn and returns promptly with
// Stats.Interrupted set and a nil error. It returns an error only when the
// attack could not start.
func Attack(ctx context.Context, name string, reqs []Request, opts Options, fn func(*Result)) (Stats, error) {
	if len(reqs) == 0 {
		return Stats{}, fmt.Errorf("attack %s: no requests", name)
	}
	for i, s := range opts.Stages {
		if s.Rate.IsMax() || (s.To != nil && s.To.IsMax()) || s.For <= 0 {
			return Stats{}, fmt.Errorf("attack %s: stage %d (%s): a stage needs a paced rate (not max) and a positive duration", name, i+1, s)
		}
	}
	if opts.Duration <= 0 && len(opts.Stages) > 0 {
		opts.Duration = StagesDuration(opts.Stages)
	}
	if opts.Duration <= 0 {
		return Stats{}, fmt.Errorf("attack %s: duration %s must be positive", name, opts.Duration)
	}
	if opts.Warmup < 0 {
		return Stats{}, fmt.Errorf("attack %s: warmup %d must not be negative", name, opts.Warmup)
	}
	if opts.MinRequests < 0 || (opts.MinRequests > 0 && (!opts.Rate.IsMax() || len(opts.Stages) > 0)) {
		return Stats{}, fmt.Errorf("attack %s: a minimum of %d requests needs rate max (a paced load sends what its schedule says)", name, opts.MinRequests)
	}
	opts = opts.withDefaults()
	targets := make([]vegeta.Target, len(reqs))
	for i, r := range reqs {
		if _, err := http.NewRequest(r.Method, r.URL, nil); err != nil {
			return Stats{}, fmt.Errorf("attack %s: request %d: %w", name, i, err)
		}
		targets[i] = vegeta.Target{Method: r.Method, URL: r.URL, Header: r.Header, Body: r.Body}
	}
	if ctx.Err() != nil {
		return Stats{Interrupted: true}, nil
	}

	tr := newTransport(ctx, opts.Timeout, opts.TLS)
	defer tr.base.CloseIdleConnections()
	maxBody := int64(0) // vegeta then drains the body without keeping it
	if opts.KeepBody {
		maxBody = opts.MaxBody
	}
	newAttacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(
			vegeta.Client(&http.Client{Transport: tr}),
			vegeta.Workers(min(opts.Workers, opts.MaxWorkers)),
			vegeta.MaxWorkers(opts.MaxWorkers),
			vegeta.MaxBody(maxBody),
		)
	}
	pacer := pacerFor(opts.Rate)
	first := opts.Rate
	if len(opts.Stages) > 0 {
		pacer = stagedPacer{stages: opts.Stages}
		first = opts.Stages[0].Rate
	}

	st := Stats{MaxWorkers: opts.MaxWorkers}
	if opts.Warmup > 0 {
		// The warmup shares the transport, so the measured attack starts
		// on connections that are already open.
		n, interrupted := warmup(ctx, newAttacker(), targets, pacerFor(first), opts.Warmup, name)
		st.Warmup = n
		if interrupted {
			st.Interrupted = true
			return st, nil
		}
	}
	// The warmup's requests have all come back: the peak starts afresh.
	tr.peak.Store(0)
	atk := newAttacker()
	var errs atomic.Int64
	var sent atomic.Int64
	if opts.Progress != nil {
		stop := startProgress(opts.Progress, name, opts.Duration, &sent, &errs)
		defer stop()
	}

	targeter := vegeta.NewStaticTargeter(targets...)
	// The anchor of the schedule: taken after the warmup and just before
	// the attack, whose pacer paces from it (see anchoredPacer).
	began := time.Now()
	var sched *anchoredPacer
	if s, ok := pacer.(schedule); ok {
		sched = &anchoredPacer{schedule: s, start: began, end: opts.Duration}
		pacer = sched
	}
	du := opts.Duration
	if opts.MinRequests > 0 {
		pacer = atLeastPacer{Pacer: pacer, d: du, n: uint64(opts.MinRequests)}
		du = 0 // the pacer ends the attack
	}
	results := atk.Attack(targeter, pacer, du, name)
	var r Result // one for every result: the hot path allocates nothing
	deliver := func(vr *vegeta.Result) {
		if isAborted(vr.Error) {
			st.Aborted++
			return
		}
		r.fromVegeta(vr, opts.Shard, sched)
		if r.Error != "" {
			errs.Add(1)
		}
		fn(&r)
		sent.Add(1)
	}
	for {
		select {
		case vr, ok := <-results:
			if !ok {
				st.Sent, st.Wall, st.PeakInFlight = sent.Load(), time.Since(began), tr.peak.Load()
				return st, nil
			}
			deliver(vr)
			continue
		case <-ctx.Done():
		}
		break
	}

	// Interrupted: stop pacing, then hand over what is still arriving.
	st.Interrupted = true
	atk.Stop()
	idle := time.NewTimer(drainIdle)
	defer idle.Stop()
drain:
	for {
		select {
		case vr, ok := <-results:
			if !ok {
				break drain
			}
			deliver(vr)
			idle.Reset(drainIdle)
		case <-idle.C:
			// The pacer is asleep; what it still sends is aborted at once.
			go func() {
				for range results {
				}
			}()
			break drain
		}
	}
	st.Sent, st.Wall, st.PeakInFlight = sent.Load(), time.Since(began), tr.peak.Load()
	return st, nil
}

// countPacer is a pacer that stops after n hits.
type countPacer struct {
	vegeta.Pacer
	n uint64
}

// Pace implements vegeta.Pacer.
func (p countPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.n {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// atLeastPacer is an unpaced attack's pacer that stops once d has
// passed and n hits have been sent, whichever comes last.
type atLeastPacer struct {
	vegeta.Pacer
	d time.Duration
	n uint64
}

// Pace implements vegeta.Pacer.
func (p atLeastPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if elapsed >= p.d && hits >= p.n {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// warmup sends n requests with atk at pacer and discards their results. It
// returns how many came back and whether ctx was cancelled meanwhile.
func warmup(ctx context.Context, atk *vegeta.Attacker, targets []vegeta.Target, pacer vegeta.Pacer, n int, name string) (int64, bool) {
	results := atk.Attack(vegeta.NewStaticTargeter(targets...), countPacer{Pacer: pacer, n: uint64(n)}, 0, name+" warmup")
	var got int64
	for {
		select {
		case _, ok := <-results:
			if !ok {
				return got, false
			}
			got++
		case <-ctx.Done():
			atk.Stop()
			go func() {
				for range results {
				}
			}()
			return got, true
		}
	}
}

// fromVegeta sets r to the vegeta result vr; the Body is shared, not
// copied. sched gives the intended send time; without one (rate max) it
// is the actual send time. Both times are wall-clock readings only, as
// the raw results file keeps them: with the monotonic readings, the lag
// between them would differ by the clocks' divergence (nanoseconds over
// a run) from the lag read back from the file, and a merge of one shard
// would not reproduce its own run.
func (r *Result) fromVegeta(vr *vegeta.Result, shard uint16, sched *anchoredPacer) {
	sent := vr.Timestamp.Round(0)
	*r = Result{
		Seq:       vr.Seq,
		Intended:  sent,
		Timestamp: sent,
		Latency:   vr.Latency,
		Code:      vr.Code,
		BytesIn:   vr.BytesIn,
		BytesOut:  vr.BytesOut,
		Error:     vr.Error,
		Shard:     shard,
		Body:      vr.Body,
	}
	if sched != nil {
		r.Intended = sched.intended(vr.Seq).Round(0)
	}
	if v := vr.Headers[bytesInHeader]; len(v) == 1 {
		if n, err := strconv.ParseUint(v[0], 10, 64); err == nil {
			r.BytesIn = n
		}
	}
}

// withDefaults fills zero fields with the Default constants.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = DefaultMaxWorkers
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}

// isAborted says whether a vegeta error text is the interrupt's abort,
// bare (body read) or wrapped by net/http as `Post "url": …`.
func isAborted(text string) bool {
	return text == abortedText || strings.HasSuffix(text, ": "+abortedText)
}
