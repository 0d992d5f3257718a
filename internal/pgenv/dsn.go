package pgenv

import (
	"errors"
	"net/url"
	"sort"
	"strings"
)

// redacted replaces a password wherever perfgate prints a DSN.
const redacted = "xxxxx"

// minScrubLen is the shortest secret RedactError replaces inside free text:
// replacing one or two characters everywhere would garble the message, and
// the driver never prints a password of a DSN it reads one way only.
const minScrubLen = 3

// RedactDSN returns dsn with every password in it replaced by "xxxxx", in
// both forms PostgreSQL accepts:
//
//   - URL: postgres://user:secret@host/db, and query values whose key names
//     a password (?password=…, ?sslpassword=…), percent-encoded or not;
//   - keyword/value: host=h password=secret, quoted or not.
//
// It reads the DSN by its syntax, not with a URL parser that gives up on a
// bad port. A DSN that can be read more than one way (an unencoded '@', '/',
// '?', '#' or '&' inside a password) has everything that any reading takes
// for a password masked, so the mask may cover more than the password but
// never less. A DSN without a password is returned unchanged.
func RedactDSN(dsn string) string {
	spans, _ := secretSpans(dsn)
	if len(spans) == 0 {
		return dsn
	}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(dsn[last:s.start])
		b.WriteString(redacted)
		last = s.end
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// RedactError returns err with no part of dsn's password in its message,
// keeping the chain for errors.Is and errors.As. Every error that may quote
// a DSN, or that a driver built while reading one, passes through it before
// it reaches a terminal, a log or a file.
//
// When dsn can be read more than one way, the driver may have taken the
// tail of a password for a host, a port or a database name and quoted it,
// so its message is withheld and replaced by what to fix.
func RedactError(dsn string, err error) error {
	if err == nil || dsn == "" {
		return err
	}
	spans, ambiguous := secretSpans(dsn)
	if len(spans) == 0 {
		return err
	}
	if ambiguous {
		return &redactedError{err: err, msg: "the database driver's message is withheld because it may quote part of the password: " +
			"the DSN " + RedactDSN(dsn) + " reads more than one way; " +
			"percent-encode '@', ':', '/', '?', '#' and '&' inside the password and other values (e.g. '@' as %40)"}
	}
	msg := strings.ReplaceAll(err.Error(), dsn, RedactDSN(dsn))
	for _, secret := range secretTexts(dsn, spans) {
		msg = strings.ReplaceAll(msg, secret, redacted)
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// scrubErr is RedactError under the name the package's callers use.
func scrubErr(dsn string, err error) error { return RedactError(dsn, err) }

// redactedError hides a DSN's password inside an error message that a
// driver may have built from the DSN, while keeping the chain for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// span is a byte range [start, end) of a DSN that holds a secret.
type span struct{ start, end int }

// secretSpans returns the sorted, merged byte ranges of dsn that hold a
// password under any reading, and whether dsn reads more than one way.
func secretSpans(dsn string) ([]span, bool) {
	var spans []span
	var ambiguous bool
	if i := strings.Index(dsn, "://"); i >= 0 {
		spans, ambiguous = urlSecretSpans(dsn, i+len("://"))
	} else {
		spans, ambiguous = keywordSecretSpans(dsn)
	}
	return mergeSpans(spans), ambiguous
}

// urlSecretSpans reads a URL DSN whose authority starts at from. The
// userinfo password runs from the first ':' to an '@'; net/url takes the
// last '@' of the authority, pgx the first '@' before any '/', and a person
// who wrote an unencoded '@', '/' or '?' in a password meant the last '@' of
// all. When these disagree the DSN is ambiguous and the union is masked:
// from the first ':' to the last '@'.
func urlSecretSpans(dsn string, from int) ([]span, bool) {
	rest := dsn[from:]
	var spans []span
	ambiguous := strings.Contains(rest, "#")
	lastAt := strings.LastIndexByte(rest, '@')
	if lastAt >= 0 {
		userinfo := rest[:lastAt]
		if colon := strings.IndexByte(userinfo, ':'); colon >= 0 {
			spans = append(spans, span{from + colon + 1, from + lastAt})
		}
		if strings.Count(rest, "@") > 1 || strings.ContainsAny(userinfo, "/?#") {
			ambiguous = true
		}
	}
	// The query starts at the first '?', unless that '?' sits inside a
	// password, in which case it starts at the first '?' after the last '@'.
	starts := []int{strings.IndexByte(rest, '?')}
	if lastAt >= 0 {
		if q := strings.IndexByte(rest[lastAt:], '?'); q >= 0 {
			starts = append(starts, lastAt+q)
		}
	}
	for _, q := range starts {
		if q < 0 {
			continue
		}
		s, absorbed := querySecretSpans(dsn, from+q+1)
		spans = append(spans, s...)
		ambiguous = ambiguous || absorbed
	}
	return spans, ambiguous
}

// querySecretSpans masks the values of password keys in the query that
// starts at from. A segment without '=' after a password value is the tail
// of a password holding an unencoded '&': it is masked too, and reported.
func querySecretSpans(dsn string, from int) (spans []span, absorbed bool) {
	masking := false
	start := from
	for start <= len(dsn) {
		end := strings.IndexByte(dsn[start:], '&')
		if end < 0 {
			end = len(dsn)
		} else {
			end += start
		}
		seg := dsn[start:end]
		if key, _, ok := strings.Cut(seg, "="); ok {
			masking = isSecretKey(key)
			if masking {
				spans = append(spans, span{start + len(key) + 1, end})
			}
		} else if masking && seg != "" {
			spans = append(spans, span{start - 1, end}) // from the '&', so the mask is one piece
			absorbed = true
		}
		start = end + 1
	}
	return spans, absorbed
}

// keywordSecretSpans reads a keyword/value DSN the way libpq does: key,
// optional spaces, '=', optional spaces, then a value that is either quoted
// ('…' with backslash escapes) or runs to the next unescaped space. A word
// without '=' after a password value, or an unterminated quote, means the
// password held a space or quote that was not escaped: the rest is masked
// and the DSN reported ambiguous.
func keywordSecretSpans(dsn string) (spans []span, ambiguous bool) {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	n := len(dsn)
	masking := false
	secretEnd := 0 // where the last masked value ends
	for pos := 0; pos < n; {
		for pos < n && isSpace(dsn[pos]) {
			pos++
		}
		if pos == n {
			break
		}
		keyStart := pos
		for pos < n && dsn[pos] != '=' && !isSpace(dsn[pos]) {
			pos++
		}
		keyEnd := pos
		key := dsn[keyStart:keyEnd]
		for pos < n && isSpace(dsn[pos]) {
			pos++
		}
		if pos == n || dsn[pos] != '=' {
			if masking {
				// From the end of the password, so the mask is one piece.
				spans = append(spans, span{secretEnd, keyEnd})
				secretEnd = keyEnd
				ambiguous = true
			}
			continue
		}
		pos++ // '='
		for pos < n && isSpace(dsn[pos]) {
			pos++
		}
		valStart := pos
		if pos < n && dsn[pos] == '\'' {
			closed := false
			for pos++; pos < n; pos++ {
				if dsn[pos] == '\\' {
					pos++
					continue
				}
				if dsn[pos] == '\'' {
					pos++
					closed = true
					break
				}
			}
			if pos > n {
				pos = n
			}
			if !closed {
				ambiguous = true
			}
		} else {
			for ; pos < n && !isSpace(dsn[pos]); pos++ {
				if dsn[pos] == '\\' {
					pos++
				}
			}
			if pos > n {
				pos = n
			}
		}
		masking = isSecretKey(key)
		if masking {
			spans = append(spans, span{valStart, pos})
			secretEnd = pos
		}
	}
	return spans, ambiguous
}

// isSecretKey reports whether a DSN key names a password (password,
// sslpassword), in any case and percent-encoding.
func isSecretKey(key string) bool {
	if k, err := url.QueryUnescape(key); err == nil {
		key = k
	}
	return strings.Contains(strings.ToLower(key), "password")
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:1]
	for _, s := range spans[1:] {
		if last := &out[len(out)-1]; s.start <= last.end {
			last.end = max(last.end, s.end)
		} else {
			out = append(out, s)
		}
	}
	return out
}

// secretTexts returns the texts of the secret spans of dsn in every form a
// message may quote them (raw, percent-decoded, unquoted), longest first,
// skipping those too short to replace safely.
func secretTexts(dsn string, spans []span) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= minScrubLen && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, sp := range spans {
		raw := dsn[sp.start:sp.end]
		add(raw)
		if s, err := url.PathUnescape(raw); err == nil {
			add(s)
		}
		if s, err := url.QueryUnescape(raw); err == nil {
			add(s)
		}
		if len(raw) >= 2 && raw[0] == '\'' && raw[len(raw)-1] == '\'' {
			inner := raw[1 : len(raw)-1]
			add(inner)
			add(strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(inner))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// errNoDSN is returned when a function that needs a database gets none.
var errNoDSN = errors.New("no database DSN given; pass --dsn or set PERFGATE_DSN")
