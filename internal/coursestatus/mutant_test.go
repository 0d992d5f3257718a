package coursestatus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Mutant is a variant of the optimized handler with one realistic bug,
// for the tests that hold perfgate diff to catching it (mutation_test.go).
// Exported for the external test package; it exists only in tests.
type Mutant struct {
	Name string
	// What the bug is, for failure messages.
	What string
	// sql rewrites the optimized statement (nil: unchanged); reject, when
	// set, answers 400 to a request body it returns a message for.
	sql    [][2]string
	reject func(Request) string
}

// Mutants are the bugs an "after" version can have while answering the
// checklist's four scenarios exactly like the original.
var Mutants = []Mutant{
	{
		Name: "a-omits-course-without-rows",
		What: "omits the entry of a course without rows when the user has rows for other courses",
		sql: [][2]string{{"ORDER BY u.ord, c.ord", `WHERE p."userId" IS NOT NULL
   OR NOT EXISTS (SELECT 1 FROM per_course q WHERE q."userId" = u.user_id)
ORDER BY u.ord, c.ord`}},
	},
	{
		Name: "b-orders-courses-by-id",
		What: "orders each user's courses by course ID instead of request order",
		sql:  [][2]string{{"ORDER BY u.ord, c.ord", "ORDER BY u.ord, c.course_id"}},
	},
	{
		Name: "c-collapses-repeated-courses",
		What: "answers a course ID repeated in the request once",
		sql: [][2]string{{`SELECT c.ord, c.id AS course_id
    FROM unnest($2::text[]) WITH ORDINALITY AS c(id, ord)`, `SELECT min(c.ord) AS ord, c.id AS course_id
    FROM unnest($2::text[]) WITH ORDINALITY AS c(id, ord)
    GROUP BY c.id`}},
	},
	{
		Name: "d-course-id-case-insensitive",
		What: "matches course IDs in any letter case, where the original matches them exactly",
		sql: [][2]string{
			{`AND ct."courseId" = ANY ($2::text[])`, `AND lower(ct."courseId") IN (SELECT lower(x) FROM unnest($2::text[]) AS x)`},
			{`p."courseId" = c.course_id`, `lower(p."courseId") = lower(c.course_id)`},
		},
	},
	{
		Name: "d-user-id-lower-case",
		What: "echoes user IDs in lower case, where the original echoes them as sent",
		sql:  [][2]string{{"u.id AS user_text", "u.id::uuid::text AS user_text"}},
	},
	{
		Name: "e-rejects-repeated-users",
		What: "answers 400 to a request that repeats a user ID, which the original answers",
		reject: func(r Request) string {
			for i, u := range r.UserID {
				if slices.Contains(r.UserID[:i], u) {
					return fmt.Sprintf("userId[%d] %q is given twice", i, u)
				}
			}
			return ""
		},
	},
	{
		Name: "e-rejects-upper-case-uuids",
		What: "answers 400 to a user UUID in upper case, which the original answers",
		reject: func(r Request) string {
			for i, u := range r.UserID {
				if !lowerUUID.MatchString(u) {
					return fmt.Sprintf("userId[%d] %q is not a UUID", i, u)
				}
			}
			return ""
		},
	},
	{
		Name: "f-impression-is-in-progress",
		What: "counts a content with only IMPRESSION events as In_Progress, where the original says Not_Started",
		sql: [][2]string{{`WHEN bool_or(d.eid = 'START') THEN 1`,
			`WHEN bool_or(d.eid = 'START') OR count(d.eid) > 0 THEN 1`}},
	},
}

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Handler serves the mutant on db: the optimized handler, with its
// statement rewritten or a stricter check in front of it.
func (m Mutant) Handler(db DB) (http.Handler, error) {
	query := optimizedSQL
	for _, r := range m.sql {
		if !strings.Contains(query, r[0]) {
			return nil, fmt.Errorf("mutant %s: the optimized statement no longer holds %q; update the mutant", m.Name, r[0])
		}
		query = strings.Replace(query, r[0], r[1], 1)
	}
	h, err := NewHandler(rewriteDB{DB: db, from: optimizedSQL, to: query}, Optimized)
	if err != nil || m.reject == nil {
		return h, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req Request
		if json.Unmarshal(body, &req) == nil {
			if msg := m.reject(req); msg != "" {
				writeError(w, http.StatusBadRequest, msg)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}), nil
}

// rewriteDB runs to instead of from.
type rewriteDB struct {
	DB
	from, to string
}

func (d rewriteDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if sql == d.from {
		sql = d.to
	}
	return d.DB.Query(ctx, sql, args...)
}
