package coursestatus

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Request is the body of POST {prefix}/content/course/status.
type Request struct {
	// UserID lists the users to report on, in the order of the response;
	// nil when the field was absent or null.
	UserID []string `json:"userId"`
	// CourseID lists the courses reported for every user, in the order of
	// the response; nil when the field was absent or null.
	CourseID []string `json:"courseId"`
}

// wireRequest tells an absent or null field (nil pointer) from an empty list.
type wireRequest struct {
	UserID   *[]string `json:"userId"`
	CourseID *[]string `json:"courseId"`
}

// decodeRequest parses a request body. An empty body is read as {}, as the
// original's body parser did; anything that is not a JSON object with
// string arrays is a 400.
func decodeRequest(body []byte) (Request, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return Request{}, nil
	}
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && (te.Field == "userId" || strings.HasPrefix(te.Field, "userId.") ||
			te.Field == "courseId" || strings.HasPrefix(te.Field, "courseId.")) {
			field, _, _ := strings.Cut(te.Field, ".")
			return Request{}, badRequest("%s must be an array of strings", field)
		}
		if errors.As(err, &te) {
			return Request{}, badRequest("request body must be a JSON object like {\"userId\": [...], \"courseId\": [...]}")
		}
		return Request{}, badRequest("malformed JSON in request body: %v", err)
	}
	var r Request
	if w.UserID != nil {
		r.UserID = nonNil(*w.UserID)
	}
	if w.CourseID != nil {
		r.CourseID = nonNil(*w.CourseID)
	}
	return r, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validate applies the optimized strategy's checks, which the original
// lacked: both lists present and non-empty, every user ID and the tenant
// a UUID. It leaves nothing for Postgres to reject.
func (r Request) validate(tenant string) error {
	if len(r.UserID) == 0 {
		return badRequest("userId must be a non-empty array of user UUIDs")
	}
	if len(r.CourseID) == 0 {
		return badRequest("courseId must be a non-empty array of course IDs")
	}
	for i, u := range r.UserID {
		if !isUUID(u) {
			return badRequest("userId[%d] %q is not a UUID", i, u)
		}
	}
	for i, c := range r.CourseID {
		// PostgreSQL text cannot hold a NUL character: rejected here, it
		// is the client's mistake (400) rather than a database error.
		if strings.ContainsRune(c, 0) {
			return badRequest("courseId[%d] holds a NUL character, which PostgreSQL text cannot store", i)
		}
	}
	if !isUUID(tenant) {
		return badRequest("tenantid header %q is not a UUID", tenant)
	}
	return nil
}

// isUUID reports whether Postgres's uuid input function accepts s: 32 hex
// digits, optionally in braces, with an optional hyphen after any group of
// four digits. Accepting exactly Postgres's forms keeps a request that the
// naive strategy answers from being refused by the optimized one.
func isUUID(s string) bool {
	braces := strings.HasPrefix(s, "{")
	if braces {
		s = s[1:]
	}
	for i := 0; i < 16; i++ {
		if len(s) < 2 || !isHex(s[0]) || !isHex(s[1]) {
			return false
		}
		s = s[2:]
		if len(s) > 0 && s[0] == '-' && i%2 == 1 && i < 15 {
			s = s[1:]
		}
	}
	if braces {
		if !strings.HasPrefix(s, "}") {
			return false
		}
		s = s[1:]
	}
	return s == ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// httpError is an error with the status code it answers with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}
