package load

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/perfgate/perfgate/internal/figure"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// DefaultPlainProgressEvery is how often PlainProgress writes a line: a
// 30 s scenario gets five lines in a CI log, each with its own timestamp,
// where a bar redrawn four times a second would fill it.
const DefaultPlainProgressEvery = 5 * time.Second

// PlainProgress is a progress writer for a stream that is not a terminal
// (a CI log, a pipe): given as Options.Progress, it gets one plain line
// per Every (DefaultPlainProgressEvery when zero) instead of a bar redrawn
// in place, which a log would keep as one line per redraw or, with no
// terminal to interpret them, as carriage returns.
type PlainProgress struct {
	W     io.Writer
	Every time.Duration
}

// Write writes p to W.
func (pp *PlainProgress) Write(p []byte) (int, error) { return pp.W.Write(p) }

// startProgress reports the attack's progress on w from its own goroutine,
// reading the counters the attack loop bumps, so the hot path only pays
// two atomic adds: plain lines at an interval for a PlainProgress, a
// one-line bar otherwise. The returned func clears the bar and waits for
// the goroutine to end.
func startProgress(w io.Writer, name string, d time.Duration, sent, errs *atomic.Int64) (stop func()) {
	if pp, ok := w.(*PlainProgress); ok {
		return startPlainProgress(pp, name, d, sent, errs)
	}
	bar := progressbar.NewOptions64(d.Milliseconds(),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(20),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return tick(progressEvery, func(elapsed time.Duration) {
		el := min(elapsed, d)
		bar.Describe(progressLine(name, el, d, sent.Load(), errs.Load()))
		// The bar stays one step short of full: a full bar finishes and
		// stops drawing while late responses are still arriving.
		_ = bar.Set64(min(el.Milliseconds(), d.Milliseconds()-1))
	}, func() { _ = bar.Clear() })
}

// startPlainProgress writes a progress line to pp every pp.Every until
// stopped; an attack shorter than the interval writes none.
func startPlainProgress(pp *PlainProgress, name string, d time.Duration, sent, errs *atomic.Int64) (stop func()) {
	every := pp.Every
	if every <= 0 {
		every = DefaultPlainProgressEvery
	}
	return tick(every, func(elapsed time.Duration) {
		fmt.Fprintln(pp, progressLine(name, min(elapsed, d), d, sent.Load(), errs.Load()))
	}, nil)
}

// tick calls fn with the time elapsed every interval until the returned
// stop is called (any number of times), then last, when set, from the
// same goroutine; stop returns once that goroutine has ended.
func tick(every time.Duration, fn func(elapsed time.Duration), last func()) (stop func()) {
	began := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if last != nil {
					last()
				}
				return
			case <-t.C:
				fn(time.Since(began))
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// progressLine is the text beside the bar, and a plain progress line.
func progressLine(name string, elapsed, d time.Duration, sent, errs int64) string {
	return fmt.Sprintf("%s %s/%s %s, %s", name,
		roughly(elapsed, d), roughly(d, d), figure.Plural(int(sent), "request"), figure.Plural(int(errs), "error"))
}

// roughly rounds d to a precision that suits a run of length total.
func roughly(d, total time.Duration) time.Duration {
	if total < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
