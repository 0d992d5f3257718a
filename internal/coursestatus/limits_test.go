package coursestatus

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRequestLimits: what would exhaust the server or reach PostgreSQL as
// a 500 is answered 400, before any query.
func TestRequestLimits(t *testing.T) {
	users := make([]string, 40)
	for i := range users {
		users[i] = fmt.Sprintf(`"%08d-0000-4000-8000-000000000000"`, i)
	}
	courses := make([]string, 30)
	for i := range courses {
		courses[i] = fmt.Sprintf(`"do_%d"`, i)
	}
	for _, tc := range []struct {
		name     string
		strategy Strategy
		body     string
		want     string
	}{
		{"too many pairs, naive", Naive, `{"userId":[` + strings.Join(users, ",") + `],"courseId":[` + strings.Join(courses, ",") + `]}`, "40 users × 30 courses is 1200 pairs"},
		{"too many pairs, optimized", Optimized, `{"userId":[` + strings.Join(users, ",") + `],"courseId":[` + strings.Join(courses, ",") + `]}`, "at most 1000 per request"},
		{"NUL in a course id", Optimized, `{"userId":["` + testUser + `"],"courseId":["do_1\u0000"]}`, "courseId[0] holds a NUL character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{}
			h, err := NewHandler(db, tc.strategy)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, DefaultPrefix+StatusPath, strings.NewReader(tc.body))
			req.Header.Set("tenantid", testTenant)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), strings.ReplaceAll(tc.want, "\x00", `\u0000`)) {
				t.Errorf("status %d, body %s; want 400 saying %q", rec.Code, rec.Body.String(), tc.want)
			}
			if len(db.queries) != 0 {
				t.Errorf("%d queries reached the database", len(db.queries))
			}
		})
	}
}

// TestSlowClientIsCutOff: a client that sends its body a byte at a time
// does not hold its connection beyond the read timeout.
func TestSlowClientIsCutOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := NewHandler(&fakeDB{}, Optimized)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = Server{Handler: h, ReadTimeout: 300 * time.Millisecond}.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s%s HTTP/1.1\r\nHost: x\r\ntenantid: %s\r\nContent-Length: 100\r\n\r\n", DefaultPrefix, StatusPath, testTenant)
	start := time.Now()
	closed := false
	for i := 0; i < 40 && !closed; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := conn.Write([]byte("{")); err != nil {
			closed = true
		}
		conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		buf := make([]byte, 512)
		if n, err := conn.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
			closed = true
		}
	}
	if !closed {
		t.Fatalf("the connection was still open after %s of a byte every 100 ms", time.Since(start).Round(time.Millisecond))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cut off after %s, want about the 300 ms read timeout", d)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
