package load

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCA writes srv's certificate as a PEM file: the CA a --cacert names
// (httptest's certificate is self-signed, so it is its own CA).
func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// quietTLS starts an https test server that does not log the handshakes
// the tests make fail on purpose.
func quietTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestPreflightTLS is issue 16 item 22: a target whose certificate is not
// trusted is running, so the error must not ask whether it is; it says
// how to trust it, and --cacert or --insecure let the preflight through.
func TestPreflightTLS(t *testing.T) {
	tlsSrv := quietTLS(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(plain.Close)
	ca := writeCA(t, tlsSrv)

	tests := []struct {
		name     string
		url      string
		caCert   string
		insecure bool
		wantErr  []string
	}{
		{name: "untrusted certificate", url: tlsSrv.URL, wantErr: []string{
			"target " + tlsSrv.URL + ": TLS handshake failed: certificate signed by an unknown authority",
			"--cacert FILE", "--insecure"}},
		{name: "cacert", url: tlsSrv.URL, caCert: ca},
		{name: "insecure", url: tlsSrv.URL, insecure: true},
		{name: "https to a plain HTTP service", url: strings.Replace(plain.URL, "http://", "https://", 1), wantErr: []string{
			"TLS handshake failed: the service answered in plain HTTP; write the URL with http://"}},
		{name: "certificate for another name", url: strings.Replace(tlsSrv.URL, "127.0.0.1", "localhost", 1), caCert: ca, wantErr: []string{
			"TLS handshake failed: the certificate is not valid for localhost", "--insecure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, err := TLSConfig(tt.caCert, tt.insecure)
			if err != nil {
				t.Fatal(err)
			}
			err = Preflight(context.Background(), tt.url, 2*time.Second, conf)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Preflight = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Preflight = nil, want an error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "is the service running") {
				t.Errorf("error %q asks whether the service runs; it answered", err)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, caCert string
		insecure     bool
		want         string
	}{
		{"both", notPEM, true, "--cacert and --insecure together"},
		{"missing file", filepath.Join(t.TempDir(), "nope.pem"), false, "--cacert: open"},
		{"not PEM", notPEM, false, "holds no PEM certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TLSConfig(tt.caCert, tt.insecure)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("TLSConfig = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if c, err := TLSConfig("", false); c != nil || err != nil {
		t.Errorf("TLSConfig with neither = %v, %v; want nil, nil (Go's defaults)", c, err)
	}
}

// TestAttackTLS sends an attack and one diff request to an https target
// whose CA is given with --cacert: the trust reaches the load, not only
// the preflight.
func TestAttackTLS(t *testing.T) {
	srv := quietTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	conf, err := TLSConfig(writeCA(t, srv), false)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Method: http.MethodGet, URL: srv.URL + "/x"}
	for _, tt := range []struct {
		name     string
		conf     bool
		wantCode uint16
	}{{"without --cacert", false, 0}, {"with --cacert", true, 200}} {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Rate: Rate{Freq: 20, Per: time.Second}, Duration: 100 * time.Millisecond}
			if tt.conf {
				opts.TLS = conf
			}
			got, _, _ := collect(t, context.Background(), []Request{req}, opts)
			if len(got) == 0 {
				t.Fatal("no results")
			}
			for _, r := range got {
				if r.Code != tt.wantCode {
					t.Fatalf("result code %d (error %q), want %d", r.Code, r.Error, tt.wantCode)
				}
			}
		})
	}
	if _, err := Send(context.Background(), req, time.Second, 1<<10); err == nil {
		t.Error("Send without the CA reached an untrusted target")
	}
	reply, err := SenderTLS(conf)(context.Background(), req, time.Second, 1<<10)
	if err != nil || reply.Status != 200 || string(reply.Body) != "ok" {
		t.Errorf("SenderTLS = %+v, %v; want 200 ok", reply, err)
	}
}

// TestAttackPeakInFlight: the peak of requests in flight reaches
// MaxWorkers exactly when every worker is busy, and stays low when the
// target keeps up.
func TestAttackPeakInFlight(t *testing.T) {
	tg := newTarget(t)
	for _, tt := range []struct {
		name       string
		query      string
		rate       int
		maxWorkers uint64
		wantAtMax  bool
	}{
		{"workers all busy", "sleep=50ms", 200, 3, true},
		{"target keeps up", "sleep=1ms", 20, 16, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, st, _ := collect(t, context.Background(), []Request{tg.req(tt.query)},
				Options{Rate: Rate{Freq: tt.rate, Per: time.Second}, Duration: 300 * time.Millisecond, MaxWorkers: tt.maxWorkers})
			if st.MaxWorkers != tt.maxWorkers {
				t.Errorf("Stats.MaxWorkers = %d, want %d", st.MaxWorkers, tt.maxWorkers)
			}
			if at := st.PeakInFlight >= int64(tt.maxWorkers); at != tt.wantAtMax || st.PeakInFlight < 1 || st.PeakInFlight > int64(tt.maxWorkers) {
				t.Errorf("Stats.PeakInFlight = %d of %d workers; want at the bound: %v", st.PeakInFlight, tt.maxWorkers, tt.wantAtMax)
			}
		})
	}
}
