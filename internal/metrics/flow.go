package metrics

import "time"

// Flow is how fast requests went out and answers came back in the steady
// middle of a run: what tells a service that kept up from one whose queue
// grew. Both are zero when the run is too short or too small to tell.
type Flow struct {
	// Sent is the requests sent per second in the middle half of the
	// sending (between a quarter and three quarters of the span from the
	// first send to the last).
	Sent float64 `json:"sent"`
	// Completed is the responses (and errors) per second in the same
	// window moved later by the median latency, where the answers to those
	// requests arrive when the service keeps up. A service that keeps up
	// completes what it is sent, whatever its latency; one whose queue
	// grows completes at its own capacity, below what it is sent.
	Completed float64 `json:"completed"`
}

// Flow's time buckets: at most flowBuckets per kind, each 2^shift ns wide,
// starting at about a millisecond and doubling when a run outgrows them, so
// memory stays fixed (32 KiB) and a bucket is about span/2048 to span/4096
// wide.
const (
	flowBuckets    = 4096
	flowFirstShift = 20 // 2^20 ns ≈ 1.05 ms
	// flowMinSent is the fewest sends in the window for a figure: with
	// fewer, one response crossing the window's edge moves it by more
	// than 10 %.
	flowMinSent = 10
)

// flow counts sends and response ends in time buckets (see Flow).
type flow struct {
	origin      time.Time // start of bucket 0
	shift       uint      // a bucket is 2^shift ns
	sends, ends []uint32
}

// add counts one request sent at sent whose answer took latency. It is
// on the hot path: one time subtraction and two shifts when both fall in
// the buckets held, the slow path only to grow them.
func (f *flow) add(sent time.Time, latency time.Duration) {
	if f.shift == 0 {
		f.origin, f.shift = sent, flowFirstShift
	}
	d := sent.Sub(f.origin)
	i, j := d>>f.shift, (d+latency)>>f.shift
	if d >= 0 && latency >= 0 && j < time.Duration(len(f.ends)) {
		f.sends[i]++
		f.ends[j]++
		return
	}
	f.addSlow(sent, sent.Add(latency))
}

// addSlow is add when the buckets must grow, move or coarsen first.
func (f *flow) addSlow(sent, end time.Time) {
	i := f.slot(sent)
	shift := f.shift
	j := f.slot(end)
	if f.shift != shift {
		// Holding end coarsened the buckets; sent's slot moved with them
		// (never the origin: end is not before sent).
		i = f.slot(sent)
	}
	f.sends[i]++
	f.ends[j]++
}

// slot returns the bucket of t, growing or coarsening the buckets to hold
// it.
func (f *flow) slot(t time.Time) int {
	for {
		d := t.Sub(f.origin)
		if d < 0 {
			// Results arrive in the order their answers end, so a request
			// sent before the first one seen can come later: prepend.
			k := int((-d-1)>>f.shift) + 1
			if len(f.sends)+k > flowBuckets {
				f.coarsen()
				continue
			}
			f.sends = append(make([]uint32, k, k+len(f.sends)), f.sends...)
			f.ends = append(make([]uint32, k, k+len(f.ends)), f.ends...)
			f.origin = f.origin.Add(-time.Duration(k) << f.shift)
			continue
		}
		i := int(d >> f.shift)
		if i < len(f.sends) {
			return i
		}
		if i >= flowBuckets {
			f.coarsen()
			continue
		}
		n := min(max(i+1, 2*len(f.sends)), flowBuckets)
		f.sends = append(f.sends, make([]uint32, n-len(f.sends))...)
		f.ends = append(f.ends, make([]uint32, n-len(f.ends))...)
		return i
	}
}

// coarsen merges every two buckets into one of twice the width.
func (f *flow) coarsen() {
	merge := func(b []uint32) []uint32 {
		for i := 0; i < len(b); i += 2 {
			v := b[i]
			if i+1 < len(b) {
				v += b[i+1]
			}
			b[i/2] = v
		}
		return b[:(len(b)+1)/2]
	}
	f.sends, f.ends = merge(f.sends), merge(f.ends)
	f.shift++
}

// rates computes the Flow of a run whose sends span [first, last] and
// whose median latency is p50.
func (f *flow) rates(first, last time.Time, p50 time.Duration) Flow {
	if f.shift == 0 {
		return Flow{}
	}
	span := last.Sub(first)
	a := f.index(first.Add(span / 4))
	b := f.index(first.Add(3 * span / 4))
	if b-a < 8 {
		return Flow{} // too few buckets for the window to mean anything
	}
	sh := int((p50 + time.Duration(1)<<(f.shift-1)) >> f.shift) // rounded
	var sent, done uint64
	for i := a; i < b; i++ {
		sent += uint64(f.sends[i])
		if k := i + sh; k < len(f.ends) {
			done += uint64(f.ends[k])
		}
	}
	if sent < flowMinSent {
		return Flow{}
	}
	window := (time.Duration(b-a) << f.shift).Seconds()
	return Flow{Sent: float64(sent) / window, Completed: float64(done) / window}
}

// index is the bucket of t, clamped into the buckets held.
func (f *flow) index(t time.Time) int {
	return min(max(int(t.Sub(f.origin)>>f.shift), 0), len(f.sends))
}
