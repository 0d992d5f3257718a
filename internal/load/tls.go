package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TLSConfig is how perfgate trusts an https target (--cacert, --insecure):
// nil, Go's defaults (the system's roots), when neither is set. caCert is
// a PEM file of certificate authorities trusted besides the system's, for
// a service whose certificate an internal CA signed; insecure skips
// verification altogether (a self-signed certificate on a test machine).
// Setting both is refused: insecure would silently ignore caCert.
func TLSConfig(caCert string, insecure bool) (*tls.Config, error) {
	switch {
	case caCert != "" && insecure:
		return nil, fmt.Errorf("--cacert and --insecure together: --insecure skips verification, so the CA file would never be used; pass one of them")
	case insecure:
		return &tls.Config{InsecureSkipVerify: true}, nil //nolint:gosec // the user asked for it, for a test target
	case caCert == "":
		return nil, nil
	}
	pem, err := os.ReadFile(caCert)
	if err != nil {
		return nil, fmt.Errorf("--cacert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--cacert %s holds no PEM certificate (-----BEGIN CERTIFICATE-----); pass the CA's certificate in PEM form", caCert)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// tlsCause names a TLS failure in a few words and says what to do, or ""
// when err is not one: the service answered, so "is the service running?"
// would send the user the wrong way.
func tlsCause(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	const trust = "pass --cacert FILE with the certificate of the CA that signed it, or --insecure to skip verification (test machines only)"
	switch {
	case errors.As(err, &unknown):
		return "TLS handshake failed: certificate signed by an unknown authority; the service is up but perfgate does not trust its certificate: " + trust
	case errors.As(err, &hostname):
		return fmt.Sprintf("TLS handshake failed: the certificate is not valid for %s; the service is up: use a URL whose host name the certificate holds, or pass --insecure (test machines only)", hostname.Host)
	case errors.As(err, &invalid):
		return "TLS handshake failed: certificate not valid (" + invalid.Error() + "); the service is up: renew its certificate, or pass --insecure (test machines only)"
	case errors.As(err, &verify):
		return "TLS handshake failed: certificate not trusted (" + verify.Err.Error() + "); the service is up: " + trust
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "TLS handshake failed: the service answered in plain HTTP; write the URL with http://, not https://"
	case errors.As(err, &alert):
		return "TLS handshake failed: the service refused it (" + alert.Error() + "); check the TLS versions and client certificates it accepts"
	case strings.Contains(err.Error(), "tls: "):
		return "TLS handshake failed: " + err.Error()
	}
	return ""
}
