package coursestatus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultShutdownTimeout is how long Serve lets in-flight requests finish
// after its context is cancelled before it closes their connections.
const DefaultShutdownTimeout = 10 * time.Second

// DefaultReadTimeout bounds reading a whole request, body included: a
// client sending a byte a second must not hold a connection forever.
const DefaultReadTimeout = 30 * time.Second

// Server serves a handler until its context is cancelled.
type Server struct {
	// Handler is usually the one NewHandler returns.
	Handler http.Handler
	// ShutdownTimeout overrides DefaultShutdownTimeout when positive.
	ShutdownTimeout time.Duration
	// ReadTimeout overrides DefaultReadTimeout when positive.
	ReadTimeout time.Duration
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish for up to the
// shutdown timeout, and then closes what is left. It returns nil after a
// shutdown caused by ctx.
func (s Server) Serve(ctx context.Context, ln net.Listener) error {
	read := s.ReadTimeout
	if read <= 0 {
		read = DefaultReadTimeout
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: min(10*time.Second, read), ReadTimeout: read, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
		err = fmt.Errorf("shut down: requests still running after %s were cut off: %w", timeout, err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("serve on %s: %w", ln.Addr(), serr)
	}
	return err
}
