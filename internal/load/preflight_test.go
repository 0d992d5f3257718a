package load

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPreflight(t *testing.T) {
	// Any HTTP answer means reachable, even a 404 or 500.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || r.URL.Path != "/" {
			t.Errorf("preflight sent %s %s, want HEAD /", r.Method, r.URL.Path)
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer up.Close()

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close()

	// A listener nobody accepts on: the TCP handshake completes through
	// the backlog, then no HTTP answer ever comes.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silentURL := "http://" + silent.Addr().String()

	tests := []struct {
		name    string
		url     string
		wantErr []string // substrings of the error; nil means no error
	}{
		{name: "reachable", url: up.URL + "/tracking/v1/content/course/status"},
		{name: "refused", url: refused + "/x", wantErr: []string{"target " + refused + " is not reachable (connection refused)", "set --target"}},
		{name: "no answer", url: silentURL, wantErr: []string{"target " + silentURL + " is not reachable (no answer within 300ms)"}},
		{name: "not a URL", url: "127.0.0.1:3000", wantErr: []string{`"127.0.0.1:3000" is not an http(s) URL`, "--target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			err := Preflight(context.Background(), tt.url, 300*time.Millisecond, nil)
			if took := time.Since(began); took > 2*time.Second {
				t.Errorf("Preflight took %s", took)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("Preflight(%s) = %v, want nil", tt.url, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Preflight(%s) = nil, want an error", tt.url)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Preflight error %q does not contain %q", err, want)
				}
			}
		})
	}
}
