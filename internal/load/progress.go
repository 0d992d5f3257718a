package load

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// startProgress draws a one-line progress bar on w from its own goroutine,
// reading the counters the attack loop bumps, so the hot path only pays
// two atomic adds. The returned func clears the line and waits for the
// goroutine to end.
func startProgress(w io.Writer, name string, d time.Duration, sent, errs *atomic.Int64) (stop func()) {
	bar := progressbar.NewOptions64(d.Milliseconds(),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(20),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetRenderBlankState(true),
	)
	began := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				_ = bar.Clear()
				return
			case <-tick.C:
			}
			el := min(time.Since(began), d)
			bar.Describe(progressLine(name, el, d, sent.Load(), errs.Load()))
			// The bar stays one step short of full: a full bar finishes and
			// stops drawing while late responses are still arriving.
			_ = bar.Set64(min(el.Milliseconds(), d.Milliseconds()-1))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// progressLine is the text beside the bar.
func progressLine(name string, elapsed, d time.Duration, sent, errs int64) string {
	return fmt.Sprintf("%s %s/%s %d requests, %d errors", name,
		roughly(elapsed, d), roughly(d, d), sent, errs)
}

// roughly rounds d to a precision that suits a run of length total.
func roughly(d, total time.Duration) time.Duration {
	if total < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
