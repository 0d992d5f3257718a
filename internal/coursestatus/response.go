package coursestatus

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Envelope is the response body of every endpoint, success or error, as the
// original service wrote it.
type Envelope struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	// Data is []UserStatus on success and an empty object on error.
	Data any `json:"data"`
}

// UserStatus is one requested user's entry in the response data.
type UserStatus struct {
	UserID string         `json:"userId"`
	Course []CourseStatus `json:"course"`
}

// CourseStatus is one requested course's progress for one user.
type CourseStatus struct {
	CourseID   string `json:"courseId"`
	InProgress int    `json:"in_progress"`
	Completed  int    `json:"completed"`
	// StartedOn is the earliest createdOn of the user's rows in the
	// course; nil when there are none.
	StartedOn *Timestamp `json:"started_on"`
	// InProgressList and CompletedList hold contentIds in createdOn order.
	InProgressList []string `json:"in_progress_list"`
	CompletedList  []string `json:"completed_list"`
}

// emptyCourse is the entry of a course without rows: zeros, empty lists,
// null started_on.
func emptyCourse(courseID string) CourseStatus {
	return CourseStatus{CourseID: courseID, InProgressList: []string{}, CompletedList: []string{}}
}

// Timestamp is a time that marshals as JavaScript's Date.toJSON did in the
// original service: UTC, millisecond precision, e.g. 2025-10-10T09:30:00.123Z.
type Timestamp time.Time

// timestampLayout is Date.toJSON's format; Go truncates the fraction as the
// original's Postgres driver did when it parsed microseconds into a Date.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// MarshalJSON writes t as Date.toJSON does.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(timestampLayout) + `"`), nil
}

// Equal reports whether t and u are the same instant.
func (t Timestamp) Equal(u Timestamp) bool { return time.Time(t).Equal(time.Time(u)) }

// UnmarshalJSON reads any RFC 3339 time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*t = Timestamp(v)
	return nil
}

func timestampOf(t *time.Time) *Timestamp {
	if t == nil {
		return nil
	}
	ts := Timestamp(*t)
	return &ts
}

// writeJSON writes v with status, as Express's res.status(n).send(obj) did.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; this is a programming error.
		status = http.StatusInternalServerError
		body = []byte(`{"success":false,"message":"encode response","data":{}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the original's error envelope: success false, the
// message, and an empty data object.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Envelope{Success: false, Message: msg, Data: struct{}{}})
}
