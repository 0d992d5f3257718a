package coursestatus

import (
	"context"
	"fmt"
	"time"
)

// optimizedSQL answers a whole request in one statement. $1 is the user IDs
// and $2 the course IDs, both text[] in request order (duplicates kept), $3
// the tenant. The IDs travel as text so that the response echoes them as
// sent; validate has already checked that every user ID casts to uuid.
//
// contents: the user's rows in the requested courses, each with its status
// from a LEFT JOIN on the details (END wins over START, no event is
// Not_Started). per_course: counts, earliest createdOn and the contentId
// lists in createdOn order, per (user, course). The final SELECT crosses
// the requested users with the requested courses, so every pair appears
// (with zeros when it has no rows), ordered as the request.
const optimizedSQL = `WITH req_users AS (
    SELECT u.ord, u.id AS user_text, u.id::uuid AS user_id
    FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)
), req_courses AS (
    SELECT c.ord, c.id AS course_id
    FROM unnest($2::text[]) WITH ORDINALITY AS c(id, ord)
), contents AS (
    SELECT ct."contentTrackingId", ct."userId", ct."courseId", ct."contentId", ct."createdOn",
           CASE WHEN bool_or(d.eid = 'END') THEN 2
                WHEN bool_or(d.eid = 'START') THEN 1
                ELSE 0 END AS status
    FROM content_tracking ct
    LEFT JOIN content_tracking_details d ON d."contentTrackingId" = ct."contentTrackingId"
    WHERE ct."tenantId" = $3::uuid
      AND ct."userId" = ANY ($1::text[]::uuid[])
      AND ct."courseId" = ANY ($2::text[])
    GROUP BY ct."contentTrackingId"
), per_course AS (
    SELECT "userId", "courseId",
           count(*) FILTER (WHERE status = 1) AS in_progress,
           count(*) FILTER (WHERE status = 2) AS completed,
           min("createdOn") AS started_on,
           array_agg("contentId" ORDER BY "createdOn", "contentTrackingId") FILTER (WHERE status = 1) AS in_progress_list,
           array_agg("contentId" ORDER BY "createdOn", "contentTrackingId") FILTER (WHERE status = 2) AS completed_list
    FROM contents
    GROUP BY "userId", "courseId"
)
SELECT u.ord, u.user_text, c.course_id,
       coalesce(p.in_progress, 0), coalesce(p.completed, 0), p.started_on,
       coalesce(p.in_progress_list, '{}'), coalesce(p.completed_list, '{}')
FROM req_users u
CROSS JOIN req_courses c
LEFT JOIN per_course p ON p."userId" = u.user_id AND p."courseId" = c.course_id
ORDER BY u.ord, c.ord`

// optimizedStatus answers a validated request with one statement.
func optimizedStatus(ctx context.Context, db DB, tenant string, req Request) ([]UserStatus, error) {
	rows, err := db.Query(ctx, optimizedSQL, req.UserID, req.CourseID, tenant)
	if err != nil {
		return nil, fmt.Errorf("query course status: %w", err)
	}
	defer rows.Close()
	users := make([]UserStatus, 0, len(req.UserID))
	last := int64(0)
	for rows.Next() {
		var (
			ord       int64
			user      string
			cs        CourseStatus
			startedOn *time.Time
		)
		if err := rows.Scan(&ord, &user, &cs.CourseID, &cs.InProgress, &cs.Completed, &startedOn,
			&cs.InProgressList, &cs.CompletedList); err != nil {
			return nil, fmt.Errorf("query course status: %w", err)
		}
		cs.StartedOn = timestampOf(startedOn)
		cs.InProgressList, cs.CompletedList = nonNil(cs.InProgressList), nonNil(cs.CompletedList)
		if ord != last {
			users = append(users, UserStatus{UserID: user, Course: make([]CourseStatus, 0, len(req.CourseID))})
			last = ord
		}
		u := &users[len(users)-1]
		u.Course = append(u.Course, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query course status: %w", err)
	}
	return users, nil
}
