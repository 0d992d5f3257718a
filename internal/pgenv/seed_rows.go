package pgenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// seedEpoch is where synthetic time starts: a fixed instant, so that the
// same seed gives the same timestamps on any day.
var seedEpoch = time.Date(2024, time.January, 8, 6, 0, 0, 0, time.UTC)

// seedSpan is how far after seedEpoch users start their courses.
const seedSpan = 300 * 24 * time.Hour

// Shares of content statuses (the rest is Not_Started).
const (
	shareCompleted  = 0.45
	shareInProgress = 0.35
)

type contentStatus int

const (
	statusCompleted contentStatus = iota
	statusInProgress
	statusNotStarted
)

// trackingRow is one content_tracking row.
type trackingRow struct {
	id           [16]byte
	userID       [16]byte
	courseID     string
	content      *courseContent
	createdOn    time.Time
	lastAccessOn time.Time
	tenantID     [16]byte
	resumeData   any // float64 or nil
}

// detailRow is one content_tracking_details row.
type detailRow struct {
	id         [16]byte
	trackingID [16]byte
	userID     [16]byte
	eid        string
	pageid     string
	typ        string
	edata      []byte
	summary    []byte // nil is NULL
	duration   int64
	progress   int64
	createdOn  time.Time
}

var (
	trackingColumns = []string{"contentTrackingId", "userId", "courseId", "contentId", "contentType",
		"contentMime", "unitId", "createdOn", "lastAccessOn", "updatedOn", "tenantId", "resumeData"}
	detailColumns = []string{"id", "contentTrackingId", "userId", "eid", "mode", "pageid", "type",
		"subtype", "edata", "summary", "duration", "progress", "createdOn", "updatedOn"}
)

func (r *trackingRow) values(dst []any) []any {
	return append(dst[:0], r.id, r.userID, r.courseID, r.content.id, r.content.typ, r.content.mime,
		r.content.unit, r.createdOn, r.lastAccessOn, r.lastAccessOn, r.tenantID, r.resumeData)
}

func (r *detailRow) values(dst []any) []any {
	var summary any
	if r.summary != nil {
		summary = r.summary
	}
	return append(dst[:0], r.id, r.trackingID, r.userID, r.eid, "play", r.pageid, r.typ, "",
		r.edata, summary, r.duration, r.progress, r.createdOn, r.createdOn)
}

// courseContent is one content of a course: the same for every learner.
type courseContent struct {
	id, unit, typ, mime string
	pages               int
}

var contentKinds = []struct{ typ, mime string }{
	{"Resource", "application/pdf"},
	{"Resource", "video/mp4"},
	{"Resource", "video/x-youtube"},
	{"Resource", "application/vnd.ekstep.ecml-archive"},
	{"Resource", "application/vnd.ekstep.h5p-archive"},
	{"Resource", "application/vnd.ekstep.html-archive"},
	{"Resource", "application/epub"},
	{"SelfAssess", "application/vnd.sunbird.questionset"},
}

// plan is everything the generator decides before emitting rows.
type plan struct {
	profile     Profile
	seed        int64
	tenant      [16]byte
	users       [][16]byte
	courses     []string
	contents    map[string][]courseContent
	otherTenant [16]byte
	otherUsers  [][16]byte
	otherCourse []string
	newUser     [16]byte
	rng         *rand.Rand
}

// newRand returns the generator's random source: PCG seeded from seed.
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// randUUID derives a version-4 UUID from rng: deterministic for a seed.
func randUUID(rng *rand.Rand) [16]byte {
	var u [16]byte
	hi, lo := rng.Uint64(), rng.Uint64()
	for i := 0; i < 8; i++ {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// doID returns a Sunbird-style content identifier (do_ and 23 digits).
func doID(rng *rand.Rand) string {
	return fmt.Sprintf("do_2143%019d", rng.Uint64N(1e19))
}

func newPlan(p Profile, seed int64) *plan {
	rng := newRand(seed)
	pl := &plan{profile: p, seed: seed, rng: rng, contents: map[string][]courseContent{}}
	pl.tenant = uuid.MustParse(ChecklistTenant)
	seen := map[[16]byte]bool{}
	fresh := func() [16]byte {
		for {
			u := randUUID(rng)
			if !seen[u] {
				seen[u] = true
				return u
			}
		}
	}
	pl.newUser = uuid.MustParse(FixedNewUser)
	seen[pl.newUser] = true
	for _, s := range FixedUsers {
		u := uuid.MustParse(s)
		seen[u] = true
		if len(pl.users) < max(p.Users, 1) {
			pl.users = append(pl.users, u)
		}
	}
	for len(pl.users) < p.Users {
		pl.users = append(pl.users, fresh())
	}
	for _, c := range FixedCourses {
		if len(pl.courses) < max(p.Courses, 1) {
			pl.courses = append(pl.courses, c)
		}
	}
	for len(pl.courses) < p.Courses {
		pl.courses = append(pl.courses, doID(rng))
	}
	for _, c := range pl.courses {
		units := max(1, p.Contents/10)
		unitIDs := make([]string, units)
		for i := range unitIDs {
			unitIDs[i] = doID(rng)
		}
		list := make([]courseContent, p.Contents)
		for i := range list {
			k := contentKinds[rng.IntN(len(contentKinds))]
			list[i] = courseContent{id: doID(rng), unit: unitIDs[i*units/p.Contents], typ: k.typ, mime: k.mime, pages: 3 + rng.IntN(20)}
		}
		pl.contents[c] = list
	}
	pl.otherTenant = fresh()
	pl.otherUsers = append(pl.otherUsers, pl.users[:min(3, len(pl.users))]...)
	for i := 0; i < otherTenantOwnUsers; i++ {
		pl.otherUsers = append(pl.otherUsers, fresh())
	}
	pl.otherCourse = pl.courses[:min(3, len(pl.courses))]
	return pl
}

func (pl *plan) fixtures() Fixtures {
	str := func(us [][16]byte) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = uuid.UUID(u).String()
		}
		return out
	}
	return Fixtures{
		Schema:           FixturesSchema,
		Tenant:           uuid.UUID(pl.tenant).String(),
		Users:            str(pl.users),
		Courses:          append([]string(nil), pl.courses...),
		NewUser:          uuid.UUID(pl.newUser).String(),
		OtherTenant:      uuid.UUID(pl.otherTenant).String(),
		OtherTenantUsers: str(pl.otherUsers),
		Seed:             pl.seed,
		Profile:          pl.profile.Name,
		ContentsPerPair:  pl.profile.Contents,
	}
}

// otherContents is how many contents per pair the second tenant holds.
func (pl *plan) otherContents() int { return max(1, pl.profile.Contents/2) }

// batchSize is how many rows travel together from the generator to a loader.
const batchSize = 2048

// generate emits every row, in a fixed order, in batches on the two
// channels; it closes both when done. The order of random draws is fixed,
// so the same plan gives the same rows however fast the loaders read.
func (pl *plan) generate(ctx context.Context, tracking chan<- []trackingRow, details chan<- []detailRow) error {
	defer close(tracking)
	defer close(details)
	tb := make([]trackingRow, 0, batchSize)
	db := make([]detailRow, 0, batchSize)
	send := func(flush bool) error {
		if len(tb) > 0 && (flush || len(tb) == cap(tb)) {
			select {
			case tracking <- tb:
			case <-ctx.Done():
				return ctx.Err()
			}
			tb = make([]trackingRow, 0, batchSize)
		}
		if len(db) > 0 && (flush || len(db) >= batchSize-64) {
			select {
			case details <- db:
			case <-ctx.Done():
				return ctx.Err()
			}
			db = make([]detailRow, 0, batchSize)
		}
		return nil
	}
	rng := pl.rng
	emitPair := func(tenant, user [16]byte, course string, n int) error {
		start := seedEpoch.Add(time.Duration(rng.Int64N(int64(seedSpan))))
		at := start
		list := pl.contents[course][:n]
		for i := range list {
			c := &list[i]
			// Contents are opened in course order, minutes to days apart.
			at = at.Add(time.Duration(60+rng.Int64N(2*24*3600)) * time.Second)
			var status contentStatus
			switch r := rng.Float64(); {
			case r < shareCompleted:
				status = statusCompleted
			case r < shareCompleted+shareInProgress:
				status = statusInProgress
			default:
				status = statusNotStarted
			}
			row := trackingRow{id: randUUID(rng), userID: user, courseID: course, content: c, createdOn: at, tenantID: tenant}
			if status == statusInProgress {
				row.resumeData = float64(1 + rng.IntN(c.pages))
			}
			last := pl.details(&db, &row, c, status)
			row.lastAccessOn = last
			tb = append(tb, row)
			if err := send(false); err != nil {
				return err
			}
		}
		return nil
	}
	for _, u := range pl.users {
		for _, c := range pl.courses {
			if err := emitPair(pl.tenant, u, c, pl.profile.Contents); err != nil {
				return err
			}
		}
	}
	for _, u := range pl.otherUsers {
		for _, c := range pl.otherCourse {
			if err := emitPair(pl.otherTenant, u, c, pl.otherContents()); err != nil {
				return err
			}
		}
	}
	return send(true)
}

// details appends the detail events of one content and returns the time of
// the last one. Completed has START … END, In_Progress START without END,
// Not_Started only IMPRESSION events.
func (pl *plan) details(db *[]detailRow, row *trackingRow, c *courseContent, status contentStatus) time.Time {
	rng := pl.rng
	n := max(1, pl.profile.Events-1+rng.IntN(3))
	if status == statusCompleted {
		n = max(n, 2)
	}
	at := row.createdOn
	total := int64(0)
	for i := 0; i < n; i++ {
		step := int64(5 + rng.IntN(240))
		if i > 0 {
			at = at.Add(time.Duration(step) * time.Second)
			total += step
		}
		d := detailRow{id: randUUID(rng), trackingID: row.id, userID: row.userID, createdOn: at}
		page := 1 + i%c.pages
		switch {
		case status == statusNotStarted:
			d.eid, d.typ, d.pageid = "IMPRESSION", "workflow", strconv.Itoa(page)
			d.edata = fmt.Appendf(nil, `{"type":"workflow","pageid":"%d","uri":"/play/content/%s"}`, page, c.id)
		case i == 0:
			d.eid, d.typ = "START", "content"
			d.duration = int64(1 + rng.IntN(5))
			d.edata = fmt.Appendf(nil, `{"type":"content","mode":"play","pageid":"","duration":%d}`, d.duration)
		case i == n-1 && status == statusCompleted:
			d.eid, d.typ, d.pageid = "END", "content", "sunbird-player-Endpage"
			d.duration, d.progress = total, 100
			d.summary = fmt.Appendf(nil, `[{"progress":100},{"totallength":%d},{"visitedlength":%d},{"visitedcontentend":true},{"totalseekedlength":%d},{"endpageseen":true}]`,
				c.pages, c.pages, rng.IntN(30))
			d.edata = fmt.Appendf(nil, `{"type":"content","mode":"play","pageid":"sunbird-player-Endpage","summary":%s,"duration":%d}`, d.summary, total)
		default:
			d.eid, d.typ, d.pageid = "INTERACT", "TOUCH", strconv.Itoa(page)
			d.progress = int64(min(99, 100*page/c.pages))
			d.edata = fmt.Appendf(nil, `{"type":"TOUCH","id":"next","pageid":"%d","extra":{"pos":[{"x":%d,"y":%d}]}}`, page, rng.IntN(1280), rng.IntN(720))
		}
		*db = append(*db, d)
	}
	return at
}
