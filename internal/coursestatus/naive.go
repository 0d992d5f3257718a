package coursestatus

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// The original's two statements, column lists included so that the rows
// fetched (and their cost) are the same. The only change is the
// "contentTrackingId" tie-break: the original left the order of rows with
// equal createdOn to the planner, which made its lists nondeterministic.
const (
	naiveTrackingSQL = `SELECT "contentTrackingId","userId","courseId","lastAccessOn","createdOn","updatedOn","contentId","tenantId" FROM content_tracking WHERE "userId"=$1 and "courseId"=$2 and "tenantId"=$3 order by "createdOn" asc, "contentTrackingId" asc`
	naiveDetailsSQL  = `SELECT "eid","edata","duration","mode","pageid","type","subtype","summary","progress","createdOn","updatedOn" FROM content_tracking_details WHERE "contentTrackingId"=$1`
)

// errUndefinedLength is what the original answered when userId or courseId
// was missing: it read .length of undefined and its catch-all said so.
const errUndefinedLength = "Cannot read properties of undefined (reading 'length')"

// contentStatus is a content's status from its detail events.
type contentStatus int

const (
	notStarted contentStatus = iota
	inProgress
	completed
)

// statusOf folds detail events in the order the database returned them,
// exactly as the original loop did: START makes it in progress, END
// completes it and stops looking.
func statusOf(eids []string) contentStatus {
	st := notStarted
	for _, eid := range eids {
		if eid == "START" {
			st = inProgress
		}
		if eid == "END" {
			return completed
		}
	}
	return st
}

// trackingRow is the part of a content_tracking row the loop uses.
type trackingRow struct {
	id        [16]byte
	contentID string
	createdOn *time.Time
}

// naiveStatus answers req the original way. IDs go to Postgres as text, so
// a non-UUID user or tenant ID fails there, as it did in the original, and
// comes back as a 500 with Postgres's message.
func naiveStatus(ctx context.Context, db DB, tenant string, req Request) ([]UserStatus, error) {
	if req.UserID == nil {
		return nil, &httpError{status: http.StatusInternalServerError, msg: errUndefinedLength}
	}
	users := make([]UserStatus, 0, len(req.UserID))
	for _, user := range req.UserID {
		if req.CourseID == nil {
			return nil, &httpError{status: http.StatusInternalServerError, msg: errUndefinedLength}
		}
		us := UserStatus{UserID: user, Course: make([]CourseStatus, 0, len(req.CourseID))}
		for _, course := range req.CourseID {
			cs, err := naiveCourse(ctx, db, tenant, user, course)
			if err != nil {
				return nil, err
			}
			us.Course = append(us.Course, cs)
		}
		users = append(users, us)
	}
	return users, nil
}

func naiveCourse(ctx context.Context, db DB, tenant, user, course string) (CourseStatus, error) {
	rows, err := db.Query(ctx, naiveTrackingSQL, user, course, tenant)
	if err != nil {
		return CourseStatus{}, fmt.Errorf("query content_tracking: %w", err)
	}
	tracked, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (trackingRow, error) {
		var t trackingRow
		err := row.Scan(&t.id, nil, nil, nil, &t.createdOn, nil, &t.contentID, nil)
		return t, err
	})
	if err != nil {
		return CourseStatus{}, fmt.Errorf("query content_tracking: %w", err)
	}
	cs := emptyCourse(course)
	if len(tracked) > 0 {
		cs.StartedOn = timestampOf(tracked[0].createdOn)
	}
	for _, t := range tracked {
		rows, err := db.Query(ctx, naiveDetailsSQL, t.id)
		if err != nil {
			return CourseStatus{}, fmt.Errorf("query content_tracking_details: %w", err)
		}
		eids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
			var eid string
			err := row.Scan(&eid, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
			return eid, err
		})
		if err != nil {
			return CourseStatus{}, fmt.Errorf("query content_tracking_details: %w", err)
		}
		switch statusOf(eids) {
		case inProgress:
			cs.InProgress++
			cs.InProgressList = append(cs.InProgressList, t.contentID)
		case completed:
			cs.Completed++
			cs.CompletedList = append(cs.CompletedList, t.contentID)
		}
	}
	return cs, nil
}
