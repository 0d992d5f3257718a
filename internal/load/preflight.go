package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"
)

// DefaultPreflightTimeout bounds the preflight request.
const DefaultPreflightTimeout = 5 * time.Second

// Preflight tries the target once before any load: one HEAD request on the
// origin of target (scheme and host). Any HTTP response, whatever its
// status, means reachable. Otherwise the error names the origin and the
// cause, and says what to do: a TLS failure says why the certificate was
// refused and how to trust it, since the service is evidently running.
// tlsConf is TLSConfig's (nil for Go's defaults). It returns within
// timeout (DefaultPreflightTimeout when 0).
func Preflight(ctx context.Context, target string, timeout time.Duration, tlsConf *tls.Config) error {
	if timeout <= 0 {
		timeout = DefaultPreflightTimeout
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q is not an http(s) URL; set --target like http://127.0.0.1:3000", target)
	}
	origin := u.Scheme + "://" + u.Host
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, origin+"/", nil)
	if err != nil {
		return fmt.Errorf("target %s: %w", origin, err)
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true, TLSClientConfig: tlsConf}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		// A redirect is an answer: the service is there.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		if c := tlsCause(err); c != "" {
			return fmt.Errorf("target %s: %s", origin, c)
		}
		return fmt.Errorf("target %s is not reachable (%s); is the service running? set --target", origin, cause(ctx, err, timeout))
	}
	resp.Body.Close()
	return nil
}

// cause names why a request failed in a few words.
func cause(ctx context.Context, err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	case errors.As(err, &dnsErr):
		return "cannot resolve " + dnsErr.Name
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		if ctx.Err() != nil {
			return fmt.Sprintf("no answer within %s", timeout)
		}
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
