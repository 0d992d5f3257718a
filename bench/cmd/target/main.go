// Command target is the side-by-side benchmark's local HTTP target: it
// answers every request with the same 46-byte JSON body on a loopback
// address and exits by itself after -for, so a benchmark that dies cannot
// leave it running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// body is the endpoint's answer for a user with no data, the same size.
const body = `{"success":true,"message":"success","data":[]}`

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "loopback address to listen on")
	life := flag.Duration("for", 30*time.Minute, "exit after this long")
	flag.Parse()
	if err := serve(*addr, *life); err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		os.Exit(1)
	}
}

func serve(addr string, life time.Duration) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("listen %s: only loopback addresses are allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})}
	ctx, cancel := context.WithTimeout(context.Background(), life)
	defer cancel()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("target: listening on http://%s for %s\n", ln.Addr(), life)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
