package coursestatus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	testTenant = "fd8f3180-9988-495b-8a0d-ed201d7d28df"
	testUser   = "af771398-bc1a-4350-b849-907561d25957"
	testCourse = "do_21430769261883392012483"
)

// fakeDB records the statements it is sent and fails every one of them
// with err; it stands in for Postgres where no row is ever read.
type fakeDB struct {
	mu      sync.Mutex
	queries []string
	err     error
	pingErr error
}

func (f *fakeDB) Query(_ context.Context, sql string, _ ...any) (pgx.Rows, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, sql)
	if f.err == nil {
		return nil, errors.New("fakeDB: unexpected query")
	}
	return nil, f.err
}

func (f *fakeDB) Ping(context.Context) error { return f.pingErr }

func TestHandlerWithoutDatabase(t *testing.T) {
	uuidErr := &pgconn.PgError{Severity: "ERROR", Code: "22P02", Message: `invalid input syntax for type uuid: "user-1"`}
	tests := []struct {
		name        string
		strategy    Strategy
		method      string
		path        string
		tenant      string
		body        string
		dbErr       error
		wantStatus  int
		wantBody    string
		wantQueries int
		wantHeader  string // X-Statements, when set
	}{
		{
			name: "missing tenant, naive", strategy: Naive, tenant: "",
			body:       `{"userId":["` + testUser + `"],"courseId":["` + testCourse + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"tenantId is required in the header","data":{}}`,
		},
		{
			name: "missing tenant, optimized", strategy: Optimized, tenant: "",
			body:       `{"userId":["` + testUser + `"],"courseId":["` + testCourse + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"tenantId is required in the header","data":{}}`,
		},
		{
			name: "naive: empty userId answers 200 with empty data, as the original", strategy: Naive,
			body:       `{"userId":[],"courseId":["` + testCourse + `"]}`,
			wantStatus: 200, wantBody: `{"success":true,"message":"success","data":[]}`, wantHeader: "0",
		},
		{
			name: "optimized: empty userId is a 400", strategy: Optimized,
			body:       `{"userId":[],"courseId":["` + testCourse + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"userId must be a non-empty array of user UUIDs","data":{}}`, wantHeader: "0",
		},
		{
			name: "naive: empty courseId gives each user an empty course list", strategy: Naive,
			body:       `{"userId":["` + testUser + `","x"],"courseId":[]}`,
			wantStatus: 200, wantBody: `{"success":true,"message":"success","data":[{"userId":"` + testUser + `","course":[]},{"userId":"x","course":[]}]}`,
		},
		{
			name: "optimized: missing courseId", strategy: Optimized,
			body:       `{"userId":["` + testUser + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"courseId must be a non-empty array of course IDs","data":{}}`,
		},
		{
			name: "naive: missing userId fails as the original did", strategy: Naive,
			body:       `{"courseId":["` + testCourse + `"]}`,
			wantStatus: 500, wantBody: `{"success":false,"message":"Cannot read properties of undefined (reading 'length')","data":{}}`,
		},
		{
			name: "naive: non-UUID userId reaches Postgres and comes back as a 500", strategy: Naive,
			body: `{"userId":["user-1"],"courseId":["` + testCourse + `"]}`, dbErr: uuidErr,
			wantStatus: 500, wantBody: `{"success":false,"message":"invalid input syntax for type uuid: \"user-1\"","data":{}}`,
			wantQueries: 1, wantHeader: "0",
		},
		{
			name: "optimized: non-UUID userId is a 400 before any statement", strategy: Optimized,
			body:       `{"userId":["` + testUser + `","user-1"],"courseId":["` + testCourse + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"userId[1] \"user-1\" is not a UUID","data":{}}`,
		},
		{
			name: "optimized: non-UUID tenant", strategy: Optimized, tenant: "acme",
			body:       `{"userId":["` + testUser + `"],"courseId":["` + testCourse + `"]}`,
			wantStatus: 400, wantBody: `{"success":false,"message":"tenantid header \"acme\" is not a UUID","data":{}}`,
		},
		{
			name: "malformed JSON", strategy: Optimized, body: `{"userId":`,
			wantStatus: 400, wantBody: `{"success":false,"message":"malformed JSON in request body: unexpected end of JSON input","data":{}}`,
		},
		{
			name: "malformed JSON, naive", strategy: Naive, body: `{"userId":`,
			wantStatus: 400, wantBody: `{"success":false,"message":"malformed JSON in request body: unexpected end of JSON input","data":{}}`,
		},
		{
			name: "body over 1 MiB", strategy: Optimized,
			body:       `{"userId":["` + strings.Repeat("a", DefaultMaxBodyBytes) + `"]}`,
			wantStatus: 413, wantBody: `{"success":false,"message":"request body is larger than 1048576 bytes","data":{}}`,
		},
		{
			name: "GET on the endpoint", strategy: Optimized, method: http.MethodGet,
			wantStatus: 405, wantBody: `{"success":false,"message":"method GET not allowed; use POST","data":{}}`,
		},
		{
			name: "unknown path", strategy: Optimized, path: "/v1/tracking/content/course/status",
			wantStatus: 404, wantBody: `{"success":false,"message":"Cannot POST /v1/tracking/content/course/status","data":{}}`,
		},
		{
			name: "health", strategy: Naive, method: http.MethodGet, path: "/health",
			wantStatus: 200, wantBody: `{"success":true,"message":"ok","data":{"strategy":"naive"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &fakeDB{err: tt.dbErr}
			h, err := NewHandler(db, tt.strategy)
			if err != nil {
				t.Fatal(err)
			}
			method, path, tenant := tt.method, tt.path, tt.tenant
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = DefaultPrefix + StatusPath
			}
			if tenant == "" && !strings.HasPrefix(tt.name, "missing tenant") {
				tenant = testTenant
			}
			req := httptest.NewRequest(method, path, strings.NewReader(tt.body))
			if tenant != "" {
				req.Header.Set("tenantid", tenant)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body:\n got %s\nwant %s", got, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if len(db.queries) != tt.wantQueries {
				t.Errorf("statements sent = %d, want %d: %q", len(db.queries), tt.wantQueries, db.queries)
			}
			if tt.wantHeader != "" {
				// The fake bypasses the tracer, so the header says 0 here;
				// the database tests check real counts.
				if got := rec.Header().Get(StatementsHeader); got != tt.wantHeader {
					t.Errorf("%s = %q, want %q", StatementsHeader, got, tt.wantHeader)
				}
			}
		})
	}
}

func TestHealthDatabaseDown(t *testing.T) {
	h, err := NewHandler(&fakeDB{pingErr: errors.New("connection refused")}, Optimized)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	want := `{"success":false,"message":"database is not reachable: connection refused","data":{}}`
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != want {
		t.Errorf("health = %d %s, want 503 %s", rec.Code, rec.Body, want)
	}
}

func TestHandlerPrefix(t *testing.T) {
	tests := []struct {
		prefix   string
		path     string
		wantCode int
		wantErr  string
	}{
		{prefix: "/v1/tracking", path: "/v1/tracking/content/course/status", wantCode: 200},
		{prefix: "/v1/tracking/", path: "/v1/tracking/content/course/status", wantCode: 200},
		{prefix: "", path: "/content/course/status", wantCode: 200},
		{prefix: "/", path: "/content/course/status", wantCode: 200},
		{prefix: "/v1/tracking", path: "/tracking/v1/content/course/status", wantCode: 404},
		{prefix: "v1", wantErr: `prefix "v1" must start with /`},
		{prefix: "/{x}", wantErr: `prefix "/{x}" must be a plain path (no spaces, braces, ? or #)`},
	}
	for _, tt := range tests {
		t.Run(tt.prefix+tt.path, func(t *testing.T) {
			h, err := NewHandler(&fakeDB{}, Naive, Prefix(tt.prefix))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("NewHandler error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(`{"userId":[]}`))
			req.Header.Set("tenantid", testTenant)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Errorf("POST %s = %d, want %d", tt.path, rec.Code, tt.wantCode)
			}
		})
	}
}

func TestNewHandlerRejects(t *testing.T) {
	if _, err := NewHandler(&fakeDB{}, "fast"); err == nil {
		t.Error("NewHandler accepted strategy fast")
	}
	if _, err := NewHandler(&fakeDB{}, Naive, MaxBodyBytes(0)); err == nil {
		t.Error("NewHandler accepted a zero body cap")
	}
}

func TestMaxBodyBytes(t *testing.T) {
	h, err := NewHandler(&fakeDB{}, Naive, MaxBodyBytes(16))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, DefaultPrefix+StatusPath, strings.NewReader(`{"userId": [], "courseId": []}`))
	req.Header.Set("tenantid", testTenant)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", rec.Code)
	}
}
