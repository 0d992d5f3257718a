package pgenv

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a password wherever perfgate prints a DSN.
const redacted = "xxxxx"

var (
	// kvPassword matches password=... in a key=value DSN, quoted or not.
	kvPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]*)`)
	// urlUserinfo matches user:password@ in a URL that net/url rejects.
	urlUserinfo = regexp.MustCompile(`(://[^:/@\s]*:)([^@\s]*)(@)`)
)

// RedactDSN returns dsn with its password replaced by "xxxxx", for both the
// URL form (postgres://user:secret@host/db, or ?password=secret) and the
// key=value form (host=h password=secret). A DSN without a password is
// returned unchanged.
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return urlUserinfo.ReplaceAllString(dsn, "${1}"+redacted+"${3}")
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", redacted)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}"+redacted)
}

// dsnPassword returns the password written in dsn, or "".
func dsnPassword(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			if m := urlUserinfo.FindStringSubmatch(dsn); m != nil {
				return m[2]
			}
			return ""
		}
		if p, ok := u.User.Password(); ok {
			return p
		}
		return u.Query().Get("password")
	}
	m := kvPassword.FindStringSubmatch(dsn)
	if m == nil {
		return ""
	}
	return strings.Trim(m[2], "'")
}

// redactedError hides a DSN's password inside an error message that a
// driver may have built from the DSN, while keeping the chain for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// scrubErr returns err with every occurrence of dsn's password (and of the
// raw dsn) replaced, so that no error leaving pgenv carries a secret.
func scrubErr(dsn string, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.ReplaceAll(err.Error(), dsn, RedactDSN(dsn))
	if p := dsnPassword(dsn); len(p) >= 3 {
		msg = strings.ReplaceAll(msg, p, redacted)
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// errNoDSN is returned when a function that needs a database gets none.
var errNoDSN = errors.New("no database DSN given; pass --dsn or set PERFGATE_DSN")
