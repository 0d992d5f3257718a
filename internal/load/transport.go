package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// bytesInHeader carries the number of response-body bytes read off the
// wire from the transport to the result. vegeta sets BytesIn to the length
// of the body it kept, which is 0 when bodies are discarded.
const bytesInHeader = "X-Perfgate-Bytes-In"

// abortedText marks a request cut short because the attack was interrupted.
// Such results are not handed to the caller: the target did not cause them.
const abortedText = "aborted: attack interrupted"

var errAborted = errors.New(abortedText)

// timeoutError is the error of a request that outlived Options.Timeout.
type timeoutError struct{ d time.Duration }

// timeoutText begins the text of every timeoutError.
const timeoutText = "timeout: no complete response within "

func (e timeoutError) Error() string {
	return fmt.Sprintf("%s%s", timeoutText, e.d)
}

// IsTimeout reports whether a result's error text (Result.Error, or a
// transport error counted in a summary) is a request that outlived the
// timeout. Its latency is then a lower bound on what the request would
// have taken: a censored observation, as metrics.Sample counts it.
func IsTimeout(text string) bool { return strings.Contains(text, timeoutText) }

// transport applies the per-request timeout and the attack's cancellation
// to every request, and counts response-body bytes.
//
// It replaces http.Client.Timeout: the client's timeout cannot be cancelled
// from outside, so an interrupted attack would wait for every in-flight
// request (up to 90 s for the slow endpoint). The cost per request is the
// same as the client's own timeout path: one context and one body wrapper.
//
// It also counts the requests in flight (sent, response not yet read to
// the end) and keeps the peak: a peak at --max-workers says every worker
// was busy at once, so later requests waited to be sent. Two atomic adds
// per request, and a compare-and-swap only while the peak rises.
type transport struct {
	base     *http.Transport
	ctx      context.Context // the attack's; cancelled on interrupt
	timeout  time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
}

// newTransport returns a transport configured like vegeta's default one,
// with keep-alive on, trusting certificates as tlsConf says (nil: Go's
// defaults).
func newTransport(ctx context.Context, timeout time.Duration, tlsConf *tls.Config) *transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	return &transport{
		base: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 10000, // vegeta's DefaultConnections
			TLSClientConfig:     tlsConf,
		},
		ctx:     ctx,
		timeout: timeout,
	}
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if n := t.inFlight.Add(1); n > t.peak.Load() {
		t.raisePeak(n)
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		t.inFlight.Add(-1)
		err = t.explain(ctx, err)
		cancel()
		return nil, err
	}
	resp.Body = &countingBody{t: t, ctx: ctx, rc: resp.Body, cancel: cancel, header: resp.Header}
	return resp, nil
}

// raisePeak sets the peak to n unless another request raised it further.
func (t *transport) raisePeak(n int64) {
	for {
		p := t.peak.Load()
		if n <= p || t.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// explain replaces a context error with what caused it.
func (t *transport) explain(ctx context.Context, err error) error {
	switch {
	case t.ctx.Err() != nil:
		return errAborted
	case ctx.Err() != nil:
		return timeoutError{t.timeout}
	}
	return err
}

// countingBody counts the bytes read from a response body and releases the
// request's context when closed.
type countingBody struct {
	t      *transport
	ctx    context.Context
	rc     io.ReadCloser
	cancel context.CancelFunc
	header http.Header
	n      uint64
	closed bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += uint64(n)
	if err != nil && err != io.EOF {
		err = b.t.explain(b.ctx, err)
	}
	return n, err
}

func (b *countingBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	if !b.closed {
		b.closed = true
		b.t.inFlight.Add(-1)
	}
	// vegeta keeps this header map in its Result; the worker goroutine owns
	// it until the result is sent.
	b.header[bytesInHeader] = []string{strconv.FormatUint(b.n, 10)}
	return err
}
