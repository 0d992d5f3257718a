package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Reply is the answer to one request sent with Send.
type Reply struct {
	Status int
	Body   []byte
	// Latency is the time to the full answer.
	Latency time.Duration
}

// sendClient sends one request at a time (diff): a redirect is an answer
// to compare, not to follow.
var sendClient = &http.Client{
	Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Send sends r once and reads its whole answer, at most maxBody bytes of
// body (a larger body is an error), within timeout.
func Send(ctx context.Context, r Request, timeout time.Duration, maxBody int64) (Reply, error) {
	return send(ctx, sendClient, r, timeout, maxBody)
}

// SenderTLS is Send trusting certificates as tlsConf says (TLSConfig;
// nil is Send itself), for perfgate diff --cacert/--insecure. It keeps
// its connections open between calls, as Send does.
func SenderTLS(tlsConf *tls.Config) func(ctx context.Context, r Request, timeout time.Duration, maxBody int64) (Reply, error) {
	if tlsConf == nil {
		return Send
	}
	c := &http.Client{
		Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsConf},
		CheckRedirect: sendClient.CheckRedirect,
	}
	return func(ctx context.Context, r Request, timeout time.Duration, maxBody int64) (Reply, error) {
		return send(ctx, c, r, timeout, maxBody)
	}
}

// send is Send through client.
func send(ctx context.Context, client *http.Client, r Request, timeout time.Duration, maxBody int64) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Reply{}, err
	}
	req.Header = r.Header.Clone()
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return Reply{}, fmt.Errorf("read the body: %w", err)
	}
	if int64(len(body)) > maxBody {
		return Reply{}, fmt.Errorf("the body is larger than %d MiB", maxBody>>20)
	}
	return Reply{Status: resp.StatusCode, Body: body, Latency: time.Since(start)}, nil
}

// ReadPoints streams when each result of the raw results file at path was
// sent, its latency and its status (0 on a transport error), in file
// order: what charts need, without the rest of a Result.
func ReadPoints(path string, fn func(t time.Time, latency time.Duration, code uint16) error) error {
	return ReadRaw(path, func(r *Result) error { return fn(r.Timestamp, r.Latency, r.Code) })
}
