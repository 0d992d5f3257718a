package engine

import (
	"net/url"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/load"
)

// Redacted replaces a secret's value wherever perfgate writes a request
// down (summary.json, reports, diff.json).
const Redacted = "REDACTED"

// secretWords mark query parameters whose values are secrets.
var secretWords = []string{"key", "token", "password", "passwd", "secret", "signature", "sig", "auth", "credential"}

// RedactURL hides the values of query parameters whose names look like
// secrets (api_key, token, X-Amz-Signature, password…) and any password in
// the URL's user part, so that a run directory can be shared.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Redacted)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			if isSecretName(name) {
				for i := range q[name] {
					q[name][i] = Redacted
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

func isSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secretHeaders are request headers whose values are credentials.
var secretHeaders = []string{"authorization", "proxy-authorization", "cookie"}

// RedactRequest is r with RedactURL applied and the values of credential
// headers (Authorization, Cookie, and any whose name looks like a secret,
// such as X-Api-Key) replaced, for what is written to disk or shown as an
// example.
func RedactRequest(r load.Request) load.Request {
	r.URL = RedactURL(r.URL)
	h := r.Header.Clone()
	for name, vs := range h {
		if slices.Contains(secretHeaders, strings.ToLower(name)) || isSecretName(name) {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	r.Header = h
	return r
}
