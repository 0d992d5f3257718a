package coursestatus

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// rowsOf counts the content_tracking rows of one (tenant, user, course):
// the naive strategy sends one details statement per such row.
func rowsOf(t testing.TB, pool *pgxpool.Pool, tenant, user, course string) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(),
		`SELECT count(*) FROM content_tracking WHERE "userId" = $1::uuid AND "courseId" = $2 AND "tenantId" = $3::uuid`,
		user, course, tenant).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStrategiesAgree is the property the optimized strategy is built on:
// for any valid request, it answers byte for byte what the original loop
// answers, with one statement instead of one per pair plus one per row.
func TestStrategiesAgree(t *testing.T) {
	db := tinyDB(t)
	fx := db.fx
	const seed, requests = 20251010, 40
	rng := rand.New(rand.NewPCG(seed, 0))

	users := append([]string{}, fx.Users...)
	users = append(users,
		fx.NewUser,
		"00000000-0000-4000-8000-00000000beef", // no rows anywhere
		strings.ToUpper(fx.Users[0]),           // other spellings Postgres accepts
		"{"+fx.Users[1]+"}",
		strings.ReplaceAll(fx.Users[2], "-", ""),
	)
	users = append(users, fx.OtherTenantUsers...)
	users = append(users, fx.SparseUsers...)
	users = append(users, fx.SparseUsers...) // twice: they are the interesting case
	users = append(users, fx.UsersWithoutRows...)
	courses := append([]string{}, fx.Courses...)
	courses = append(courses, "do_no_such_course", "", fx.Courses[0]+" ")
	courses = append(courses, fx.UnstartedCourses...)
	tenants := []string{fx.Tenant, fx.Tenant, fx.Tenant, fx.OtherTenant, "9b2a1c3e-0000-4000-8000-000000000001"}

	pick := func(pool []string) []string {
		n := 1 + rng.IntN(3)
		out := make([]string, n)
		for i := range out {
			out[i] = pool[rng.IntN(len(pool))]
		}
		if rng.IntN(4) == 0 { // a duplicate on purpose
			out = append(out, out[rng.IntN(len(out))])
		}
		return out
	}

	var withCompleted, withInProgress, empty, sparse int
	for i := range requests {
		u, c, tenant := pick(users), pick(courses), tenants[rng.IntN(len(tenants))]
		body := requestBody(u, c)
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			naive := post(t, db.naive, tenant, body)
			opt := post(t, db.optimized, tenant, body)
			if naive.status != http.StatusOK || opt.status != http.StatusOK {
				t.Fatalf("tenant %s, %s: status naive %d, optimized %d\nnaive: %s\noptimized: %s",
					tenant, body, naive.status, opt.status, naive.body, opt.body)
			}
			if naive.body != opt.body {
				t.Fatalf("tenant %s, %s: responses differ\nnaive:     %s\noptimized: %s", tenant, body, naive.body, opt.body)
			}
			want := 0
			for _, user := range u {
				for _, course := range c {
					want += 1 + rowsOf(t, db.pool, tenant, user, course)
				}
			}
			if naive.statements != want {
				t.Errorf("naive sent %d statements, want %d (1 per pair + 1 per row)", naive.statements, want)
			}
			if opt.statements != 1 {
				t.Errorf("optimized sent %d statements, want 1", opt.statements)
			}
			for _, us := range decodeData(t, opt.body) {
				var some, none bool
				for _, cs := range us.Course {
					some = some || cs.StartedOn != nil
					none = none || cs.StartedOn == nil
				}
				if some && none {
					sparse++
				}
				for _, cs := range us.Course {
					switch {
					case cs.Completed > 0 && cs.InProgress > 0:
						withCompleted++
						withInProgress++
					case cs.Completed > 0:
						withCompleted++
					case cs.InProgress > 0:
						withInProgress++
					case cs.StartedOn == nil:
						empty++
					}
				}
			}
		})
	}
	// The property must not hold vacuously.
	if withCompleted == 0 || withInProgress == 0 || empty == 0 || sparse == 0 {
		t.Errorf("generated requests too narrow: %d course entries with completed contents, %d in progress, %d empty, "+
			"%d users with rows for some requested courses and none for others",
			withCompleted, withInProgress, empty, sparse)
	}
}

// TestStatementCounts measures the statements per request that the
// checklist's "database queries per request: 1 (was 100+)" is about.
func TestStatementCounts(t *testing.T) {
	db := tinyDB(t)
	fx := db.fx
	tests := []struct {
		name    string
		users   []string
		courses []string
	}{
		{"checklist request, 1 user x 1 course", fx.Users[:1], fx.Courses[:1]},
		{"3 users x 3 courses", fx.Users[:3], fx.Courses[:3]},
		{"user without data", []string{fx.NewUser}, fx.Courses[:1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := 0
			for _, u := range tt.users {
				for _, c := range tt.courses {
					rows += rowsOf(t, db.pool, fx.Tenant, u, c)
				}
			}
			pairs := len(tt.users) * len(tt.courses)
			body := requestBody(tt.users, tt.courses)
			if got := post(t, db.naive, fx.Tenant, body).statements; got != pairs+rows {
				t.Errorf("naive: %d statements, want %d pairs + %d rows = %d", got, pairs, rows, pairs+rows)
			}
			if got := post(t, db.optimized, fx.Tenant, body).statements; got != 1 {
				t.Errorf("optimized: %d statements, want 1", got)
			}
			if tt.users[0] == fx.Users[0] && rows < pairs*fx.ContentsPerPair {
				t.Errorf("seeded pairs hold %d rows, want %d per pair: the count is not measuring the N+1", rows, fx.ContentsPerPair)
			}
		})
	}
}

// TestChecklistScenarios runs the deployment checklist's four request
// bodies, with the fixture UUIDs where the checklist wrote placeholders,
// and the placeholders themselves to show what the original did with them.
func TestChecklistScenarios(t *testing.T) {
	db := tinyDB(t)
	fx := db.fx

	t.Run("1 single user single course", func(t *testing.T) {
		for _, h := range []http.Handler{db.naive, db.optimized} {
			r := post(t, h, fx.Tenant, requestBody(fx.Users[:1], fx.Courses[:1]))
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			data := decodeData(t, r.body)
			if len(data) != 1 || len(data[0].Course) != 1 {
				t.Fatalf("want one user with one course: %s", r.body)
			}
			cs := data[0].Course[0]
			if cs.CourseID != fx.Courses[0] || cs.StartedOn == nil || cs.Completed+cs.InProgress == 0 ||
				len(cs.CompletedList) != cs.Completed || len(cs.InProgressList) != cs.InProgress ||
				cs.Completed+cs.InProgress > fx.ContentsPerPair {
				t.Errorf("implausible course entry: %+v", cs)
			}
		}
	})

	t.Run("2 literal user-1 placeholders", func(t *testing.T) {
		body := `{"userId":["user-1","user-2","user-3"],"courseId":["course-1","course-2","course-3"]}`
		naive := post(t, db.naive, fx.Tenant, body)
		wantNaive := `{"success":false,"message":"invalid input syntax for type uuid: \"user-1\"","data":{}}`
		if naive.status != http.StatusInternalServerError || naive.body != wantNaive {
			t.Errorf("naive = %d %s, want 500 %s (the original passed it to Postgres)", naive.status, naive.body, wantNaive)
		}
		opt := post(t, db.optimized, fx.Tenant, body)
		wantOpt := `{"success":false,"message":"userId[0] \"user-1\" is not a UUID","data":{}}`
		if opt.status != http.StatusBadRequest || opt.body != wantOpt || opt.statements != 0 {
			t.Errorf("optimized = %d %s (%d statements), want 400 %s and no statement", opt.status, opt.body, opt.statements, wantOpt)
		}
	})

	t.Run("3 user with no data", func(t *testing.T) {
		want := `{"success":true,"message":"success","data":[{"userId":"` + fx.NewUser + `","course":[` +
			`{"courseId":"` + fx.Courses[0] + `","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]},` +
			`{"courseId":"` + fx.Courses[1] + `","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]}]}]}`
		body := requestBody([]string{fx.NewUser}, fx.Courses[:2])
		for name, h := range map[string]http.Handler{"naive": db.naive, "optimized": db.optimized} {
			if r := post(t, h, fx.Tenant, body); r.status != http.StatusOK || r.body != want {
				t.Errorf("%s = %d\n%s\nwant 200\n%s", name, r.status, r.body, want)
			}
		}
	})

	t.Run("4 empty userId", func(t *testing.T) {
		body := requestBody([]string{}, fx.Courses[:1])
		if r := post(t, db.optimized, fx.Tenant, body); r.status != http.StatusBadRequest ||
			r.body != `{"success":false,"message":"userId must be a non-empty array of user UUIDs","data":{}}` {
			t.Errorf("optimized = %d %s, want 400", r.status, r.body)
		}
		if r := post(t, db.naive, fx.Tenant, body); r.status != http.StatusOK ||
			r.body != `{"success":true,"message":"success","data":[]}` || r.statements != 0 {
			t.Errorf("naive = %d %s (%d statements), want 200 with empty data as the original", r.status, r.body, r.statements)
		}
	})
}

// TestSeededTenantIsolation asks for the same user and course under both
// seeded tenants: the answers come from disjoint rows.
func TestSeededTenantIsolation(t *testing.T) {
	db := tinyDB(t)
	fx := db.fx
	body := requestBody(fx.Users[:1], fx.Courses[:1])
	main := decodeData(t, post(t, db.optimized, fx.Tenant, body).body)[0].Course[0]
	other := decodeData(t, post(t, db.optimized, fx.OtherTenant, body).body)[0].Course[0]
	mainRows := rowsOf(t, db.pool, fx.Tenant, fx.Users[0], fx.Courses[0])
	otherRows := rowsOf(t, db.pool, fx.OtherTenant, fx.Users[0], fx.Courses[0])
	if otherRows == 0 || otherRows == mainRows {
		t.Fatalf("seed gives the other tenant %d rows and the main %d: isolation is not visible", otherRows, mainRows)
	}
	if n := main.Completed + main.InProgress; n > mainRows {
		t.Errorf("main tenant reports %d contents from %d rows", n, mainRows)
	}
	if n := other.Completed + other.InProgress; n > otherRows || n == 0 {
		t.Errorf("other tenant reports %d contents from %d rows", n, otherRows)
	}
	if cmp.Equal(main, other) {
		t.Errorf("both tenants get the same answer: %+v", main)
	}
}

// TestHandMadeRows pins the semantics on rows written by hand: tenant
// isolation (including rows without a tenant), END over START whatever the
// order, statuses without events, ties on createdOn, started_on, and
// request order with duplicates.
func TestHandMadeRows(t *testing.T) {
	dsn := pgtest.NewDB(t)
	ctx := context.Background()
	pool, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const (
		tenant = "11111111-1111-4111-8111-111111111111"
		other  = "22222222-2222-4222-8222-222222222222"
		user   = "33333333-3333-4333-8333-333333333333"
		user2  = "44444444-4444-4444-8444-444444444444"
	)
	type row struct {
		id, tenant, user, course, content, createdOn string
		events                                       []string
	}
	rows := []row{
		{"a0000000-0000-4000-8000-000000000001", tenant, user, "c1", "late-done", "2025-01-03T10:00:00.999999Z", []string{"START", "END"}},
		{"a0000000-0000-4000-8000-000000000002", tenant, user, "c1", "first-open", "2025-01-01T10:00:00.123456Z", []string{"IMPRESSION", "START"}},
		{"a0000000-0000-4000-8000-000000000003", tenant, user, "c1", "end-first", "2025-01-02T10:00:00Z", []string{"END", "START"}},
		{"a0000000-0000-4000-8000-000000000004", tenant, user, "c1", "no-events", "2025-01-02T11:00:00Z", nil},
		{"a0000000-0000-4000-8000-000000000005", tenant, user, "c1", "impressions", "2025-01-02T12:00:00Z", []string{"IMPRESSION", "INTERACT"}},
		// Same createdOn: ordered by contentTrackingId.
		{"a0000000-0000-4000-8000-000000000007", tenant, user, "c1", "tie-b", "2025-01-04T00:00:00Z", []string{"START"}},
		{"a0000000-0000-4000-8000-000000000006", tenant, user, "c1", "tie-a", "2025-01-04T00:00:00Z", []string{"START"}},
		// Another tenant and no tenant: never visible to tenant.
		{"b0000000-0000-4000-8000-000000000001", other, user, "c1", "other-tenant", "2024-12-01T00:00:00Z", []string{"END"}},
		{"b0000000-0000-4000-8000-000000000002", "", user, "c1", "no-tenant", "2024-12-01T00:00:00Z", []string{"END"}},
		{"c0000000-0000-4000-8000-000000000001", tenant, user2, "c2", "u2-done", "2025-02-01T00:00:00Z", []string{"END"}},
	}
	for _, r := range rows {
		var tenantArg any
		if r.tenant != "" {
			tenantArg = r.tenant
		}
		if _, err := pool.Exec(ctx, `INSERT INTO content_tracking ("contentTrackingId","userId","courseId","contentId","contentType","contentMime","unitId","createdOn","updatedOn","tenantId")
			VALUES ($1, $2, $3, $4, 'Resource', 'video/mp4', 'u1', $5, $5, $6)`, r.id, r.user, r.course, r.content, r.createdOn, tenantArg); err != nil {
			t.Fatal(err)
		}
		for i, eid := range r.events {
			if _, err := pool.Exec(ctx, `INSERT INTO content_tracking_details ("contentTrackingId","userId","eid","mode","pageid","type","subtype","edata","duration","summary","progress","createdOn","updatedOn")
				VALUES ($1, $2, $3, 'play', '1', 'content', '', '{}', 0, '[]', 0, $4::timestamptz + make_interval(secs => $5), $4::timestamptz + make_interval(secs => $5))`,
				r.id, r.user, eid, r.createdOn, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	naive, err := NewHandler(pool, Naive)
	if err != nil {
		t.Fatal(err)
	}
	optimized, err := NewHandler(pool, Optimized)
	if err != nil {
		t.Fatal(err)
	}

	c1 := `{"courseId":"c1","in_progress":3,"completed":2,"started_on":"2025-01-01T10:00:00.123Z","in_progress_list":["first-open","tie-a","tie-b"],"completed_list":["end-first","late-done"]}`
	c2none := `{"courseId":"c2","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]}`
	tests := []struct {
		name   string
		tenant string
		body   string
		want   string
	}{
		{
			name: "statuses, order, ties and started_on", tenant: tenant,
			body: requestBody([]string{user}, []string{"c1"}),
			want: `{"success":true,"message":"success","data":[{"userId":"` + user + `","course":[` + c1 + `]}]}`,
		},
		{
			name: "request order and duplicates kept", tenant: tenant,
			body: requestBody([]string{user2, user, user2}, []string{"c2", "c1", "c2"}),
			want: `{"success":true,"message":"success","data":[` +
				`{"userId":"` + user2 + `","course":[{"courseId":"c2","in_progress":0,"completed":1,"started_on":"2025-02-01T00:00:00.000Z","in_progress_list":[],"completed_list":["u2-done"]},` +
				`{"courseId":"c1","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]},` +
				`{"courseId":"c2","in_progress":0,"completed":1,"started_on":"2025-02-01T00:00:00.000Z","in_progress_list":[],"completed_list":["u2-done"]}]},` +
				`{"userId":"` + user + `","course":[` + c2none + `,` + c1 + `,` + c2none + `]},` +
				`{"userId":"` + user2 + `","course":[{"courseId":"c2","in_progress":0,"completed":1,"started_on":"2025-02-01T00:00:00.000Z","in_progress_list":[],"completed_list":["u2-done"]},` +
				`{"courseId":"c1","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]},` +
				`{"courseId":"c2","in_progress":0,"completed":1,"started_on":"2025-02-01T00:00:00.000Z","in_progress_list":[],"completed_list":["u2-done"]}]}]}`,
		},
		{
			name: "the other tenant sees only its row", tenant: other,
			body: requestBody([]string{user}, []string{"c1"}),
			want: `{"success":true,"message":"success","data":[{"userId":"` + user + `","course":[{"courseId":"c1","in_progress":0,"completed":1,"started_on":"2024-12-01T00:00:00.000Z","in_progress_list":[],"completed_list":["other-tenant"]}]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, h := range map[string]http.Handler{"naive": naive, "optimized": optimized} {
				r := post(t, h, tt.tenant, tt.body)
				if r.status != http.StatusOK || r.body != tt.want {
					t.Errorf("%s = %d\n%s\nwant\n%s", name, r.status, r.body, tt.want)
				}
				var v any
				if err := json.Unmarshal([]byte(r.body), &v); err != nil {
					t.Errorf("%s: not JSON: %v", name, err)
				}
			}
		})
	}
}
