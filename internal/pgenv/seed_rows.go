package pgenv

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/perfgate/perfgate/internal/fixtures"
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

// silentNotStarted: one Not_Started content in this many has no detail
// event at all (listed, never opened) and no lastAccessOn, so that a
// content_tracking row without details, which only a LEFT JOIN keeps,
// occurs in every profile.
const silentNotStarted = 10

// The sparse cases, sized from the profile so that every profile has them
// while the detail table keeps its calibrated size.
const (
	// sparseUserEvery: one generated sparse user per this many users,
	// besides FixedSparseUsers.
	sparseUserEvery = 8
	// sparseContentsDivisor: a sparse user's pair holds Contents / this
	// many contents (it started the course and left).
	sparseContentsDivisor = 4
	// unstartedCourseEvery: one generated unstarted course per this many
	// courses, besides FixedUnstartedCourses.
	unstartedCourseEvery = 5
	// userWithoutRowsEvery: one generated user without rows per this many
	// users, besides FixedUsersWithoutRows.
	userWithoutRowsEvery = 20
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
	lastAccessOn time.Time // the zero time is NULL: never accessed
	tenantID     [16]byte
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
	summary    []byte // nil is noSummary
	duration   int64
	progress   int64
	createdOn  time.Time
}

var (
	trackingColumns = []string{"contentTrackingId", "userId", "courseId", "contentId", "contentType",
		"contentMime", "unitId", "createdOn", "lastAccessOn", "updatedOn", "tenantId"}
	detailColumns = []string{"id", "contentTrackingId", "userId", "eid", "mode", "pageid", "type",
		"subtype", "edata", "summary", "duration", "progress", "createdOn", "updatedOn"}
)

// noSummary is the summary of every event but END: the column is NOT NULL
// in the service's entity, and only END events carry a summary.
var noSummary = []byte("[]")

// appendCopy appends r as one tuple of a binary COPY stream in
// trackingColumns order.
func (r *trackingRow) appendCopy(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(trackingColumns)))
	b = copyUUID(b, r.id)
	b = copyUUID(b, r.userID)
	b = copyText(b, r.courseID)
	b = copyText(b, r.content.id)
	b = copyText(b, r.content.typ)
	b = copyText(b, r.content.mime)
	b = copyText(b, r.content.unit)
	b = copyTime(b, r.createdOn)
	if r.lastAccessOn.IsZero() {
		b = copyNull(b)
		b = copyTime(b, r.createdOn) // updatedOn: NOT NULL, last written at creation
	} else {
		b = copyTime(b, r.lastAccessOn)
		b = copyTime(b, r.lastAccessOn) // updatedOn
	}
	return copyUUID(b, r.tenantID)
}

// appendCopy appends r as one tuple of a binary COPY stream in
// detailColumns order.
func (r *detailRow) appendCopy(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(detailColumns)))
	b = copyUUID(b, r.id)
	b = copyUUID(b, r.trackingID)
	b = copyUUID(b, r.userID)
	b = copyText(b, r.eid)
	b = copyText(b, "play") // mode
	b = copyText(b, r.pageid)
	b = copyText(b, r.typ)
	b = copyText(b, "") // subtype
	b = copyJSONB(b, r.edata)
	if r.summary == nil {
		b = copyJSONB(b, noSummary)
	} else {
		b = copyJSONB(b, r.summary)
	}
	b = copyNumeric(b, r.duration)
	b = copyNumeric(b, r.progress)
	b = copyTime(b, r.createdOn)
	b = copyTime(b, r.createdOn) // updatedOn
	return b
}

// The binary COPY encodings of the schema's types, each field a 4-byte
// length (-1 for NULL) and the value.

func copyNull(b []byte) []byte { return binary.BigEndian.AppendUint32(b, math.MaxUint32) }

func copyUUID(b []byte, u [16]byte) []byte {
	b = binary.BigEndian.AppendUint32(b, 16)
	return append(b, u[:]...)
}

// copyText encodes character varying: the bytes themselves.
func copyText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// copyJSONB encodes jsonb: a version byte (1) and the JSON text; nil is NULL.
func copyJSONB(b []byte, j []byte) []byte {
	if j == nil {
		return copyNull(b)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(j)+1))
	b = append(b, 1)
	return append(b, j...)
}

// pgEpoch is timestamptz's zero: microseconds count from 2000-01-01 UTC.
var pgEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// copyTime encodes timestamptz: microseconds since pgEpoch.
func copyTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(t.Sub(pgEpoch).Microseconds()))
}

// copyNumeric encodes an integer as numeric: base-10000 digits, most
// significant first, as pgx encodes it (the server strips trailing zero
// digits itself).
func copyNumeric(b []byte, v int64) []byte {
	var sign uint16
	u := uint64(v)
	if v < 0 {
		sign, u = 0x4000, -u
	}
	var digits [5]uint16 // least significant first; 10000^5 > 2^64
	n := 0
	for ; u > 0; n++ {
		digits[n] = uint16(u % 10000)
		u /= 10000
	}
	b = binary.BigEndian.AppendUint32(b, uint32(8+2*n))
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(n-1))) // weight; -1 for 0
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, 0) // display scale
	for i := n - 1; i >= 0; i-- {
		b = binary.BigEndian.AppendUint16(b, digits[i])
	}
	return b
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
	profile      Profile
	seed         int64
	tenant       [16]byte
	users        [][16]byte // rows in every course of courses
	courses      []string
	contents     map[string][]courseContent
	sparse       []sparseUser
	unstarted    []string   // no rows anywhere
	withoutRows  [][16]byte // no rows anywhere; the first is the new user
	otherTenant  [16]byte
	otherUsers   [][16]byte
	otherCourses []string
	rng          *rand.Rand
	arena        []byte // where JSON values are written (see json)
}

// sparseUser has rows in the main tenant for some of the plan's courses
// and none for the others.
type sparseUser struct {
	id      [16]byte
	courses []string // the courses it has rows for, in plan order
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

// newPlan decides every ID of the seed. p has at least as many users and
// courses as fixtures.FixedUsers and FixedCourses (resolve sees to it).
// The fixed IDs are reserved first, so that no generated ID equals one.
func newPlan(p Profile, seed int64) *plan {
	rng := newRand(seed)
	pl := &plan{profile: p, seed: seed, rng: rng, contents: map[string][]courseContent{}}
	seenUser := map[[16]byte]bool{}
	fixed := func(s string) [16]byte {
		u := uuid.MustParse(s)
		seenUser[u] = true
		return u
	}
	fixedAll := func(ids []string) [][16]byte {
		out := make([][16]byte, len(ids))
		for i, s := range ids {
			out[i] = fixed(s)
		}
		return out
	}
	freshUser := func() [16]byte {
		for {
			if u := randUUID(rng); !seenUser[u] {
				seenUser[u] = true
				return u
			}
		}
	}
	seenCourse := map[string]bool{}
	for _, c := range slices.Concat(fixtures.FixedCourses, fixtures.FixedUnstartedCourses) {
		seenCourse[c] = true
	}
	freshCourse := func() string {
		for {
			if c := doID(rng); !seenCourse[c] {
				seenCourse[c] = true
				return c
			}
		}
	}

	pl.tenant = fixed(fixtures.ChecklistTenant)
	pl.otherTenant = fixed(fixtures.FixedOtherTenant)
	pl.users = fixedAll(fixtures.FixedUsers)
	fixedSparse := fixedAll(fixtures.FixedSparseUsers)
	pl.withoutRows = fixedAll(fixtures.FixedUsersWithoutRows)
	for len(pl.users) < p.Users {
		pl.users = append(pl.users, freshUser())
	}
	pl.courses = slices.Clone(fixtures.FixedCourses)
	for len(pl.courses) < p.Courses {
		pl.courses = append(pl.courses, freshCourse())
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

	// The fixed sparse users follow fixtures.FixedSparseCourses in the fixed
	// courses, and take about half of the others.
	extra := pl.courses[len(fixtures.FixedCourses):]
	for i, id := range fixedSparse {
		has := map[string]bool{}
		for _, c := range fixtures.FixedSparseCourses[fixtures.FixedSparseUsers[i]] {
			has[c] = true
		}
		for _, c := range extra {
			has[c] = rng.IntN(2) == 0
		}
		pl.sparse = append(pl.sparse, sparseUser{id: id, courses: pl.inCourseOrder(has)})
	}
	// The generated ones have rows in 1 .. all-but-one courses.
	for range p.Users / sparseUserEvery {
		id := freshUser()
		has := map[string]bool{}
		for _, j := range rng.Perm(len(pl.courses))[:1+rng.IntN(len(pl.courses)-1)] {
			has[pl.courses[j]] = true
		}
		pl.sparse = append(pl.sparse, sparseUser{id: id, courses: pl.inCourseOrder(has)})
	}
	pl.unstarted = slices.Clone(fixtures.FixedUnstartedCourses)
	for range p.Courses / unstartedCourseEvery {
		pl.unstarted = append(pl.unstarted, freshCourse())
	}
	for range p.Users / userWithoutRowsEvery {
		pl.withoutRows = append(pl.withoutRows, freshUser())
	}

	// The second tenant: the fixed users (same IDs, other rows), the second
	// fixed sparse user (rows there for courses it has none for in the
	// main tenant), and users of its own, in the fixed courses.
	pl.otherUsers = append(slices.Clone(pl.users[:len(fixtures.FixedUsers)]), fixedSparse[1])
	for range otherTenantOwnUsers {
		pl.otherUsers = append(pl.otherUsers, freshUser())
	}
	pl.otherCourses = slices.Clone(fixtures.FixedCourses)
	return pl
}

// inCourseOrder returns the courses of the plan that has marks, in plan order.
func (pl *plan) inCourseOrder(has map[string]bool) []string {
	var out []string
	for _, c := range pl.courses {
		if has[c] {
			out = append(out, c)
		}
	}
	return out
}

func (pl *plan) fixtures() fixtures.Fixtures {
	str := func(us [][16]byte) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = uuid.UUID(u).String()
		}
		return out
	}
	fx := fixtures.Fixtures{
		Schema:             fixtures.Schema,
		Tenant:             uuid.UUID(pl.tenant).String(),
		Users:              str(pl.users),
		Courses:            slices.Clone(pl.courses),
		NewUser:            uuid.UUID(pl.withoutRows[0]).String(),
		CoursesWithoutRows: map[string][]string{},
		UnstartedCourses:   slices.Clone(pl.unstarted),
		UsersWithoutRows:   str(pl.withoutRows),
		OtherTenant:        uuid.UUID(pl.otherTenant).String(),
		OtherTenantUsers:   str(pl.otherUsers),
		OtherTenantCourses: slices.Clone(pl.otherCourses),
		Seed:               pl.seed,
		Profile:            pl.profile.Name,
		ContentsPerPair:    pl.profile.Contents,
	}
	for _, s := range pl.sparse {
		id := uuid.UUID(s.id).String()
		fx.SparseUsers = append(fx.SparseUsers, id)
		gaps := []string{}
		for _, c := range pl.courses {
			if !slices.Contains(s.courses, c) {
				gaps = append(gaps, c)
			}
		}
		fx.CoursesWithoutRows[id] = gaps
	}
	return fx
}

// otherContents is how many contents per pair the second tenant holds.
func (pl *plan) otherContents() int { return max(1, pl.profile.Contents/2) }

// sparseContents is how many contents per pair a sparse user holds.
func (pl *plan) sparseContents() int { return max(1, pl.profile.Contents/sparseContentsDivisor) }

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
			if status != statusNotStarted || rng.IntN(silentNotStarted) != 0 {
				row.lastAccessOn = pl.details(&db, &row, c, status)
			}
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
	for _, su := range pl.sparse {
		for _, c := range su.courses {
			if err := emitPair(pl.tenant, su.id, c, pl.sparseContents()); err != nil {
				return err
			}
		}
	}
	for _, u := range pl.otherUsers {
		for _, c := range pl.otherCourses {
			if err := emitPair(pl.otherTenant, u, c, pl.otherContents()); err != nil {
				return err
			}
		}
	}
	return send(true)
}

// arenaSize is the size of the blocks JSON values are carved from.
const arenaSize = 64 << 10

// json concatenates parts (string, []byte or int64) into a JSON value carved
// from the plan's arena: one allocation per arenaSize bytes instead of one
// per value. A full arena is left to the rows that point into it.
func (pl *plan) json(parts ...any) []byte {
	if cap(pl.arena)-len(pl.arena) < 1024 {
		pl.arena = make([]byte, 0, arenaSize)
	}
	start := len(pl.arena)
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			pl.arena = append(pl.arena, v...)
		case []byte:
			pl.arena = append(pl.arena, v...)
		case int64:
			pl.arena = strconv.AppendInt(pl.arena, v, 10)
		}
	}
	return pl.arena[start:len(pl.arena):len(pl.arena)]
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
			d.edata = pl.json(`{"type":"workflow","pageid":"`, int64(page), `","uri":"/play/content/`, c.id, `"}`)
		case i == 0:
			d.eid, d.typ = "START", "content"
			d.duration = int64(1 + rng.IntN(5))
			d.edata = pl.json(`{"type":"content","mode":"play","pageid":"","duration":`, d.duration, `}`)
		case i == n-1 && status == statusCompleted:
			d.eid, d.typ, d.pageid = "END", "content", "sunbird-player-Endpage"
			d.duration, d.progress = total, 100
			d.summary = pl.json(`[{"progress":100},{"totallength":`, int64(c.pages), `},{"visitedlength":`, int64(c.pages),
				`},{"visitedcontentend":true},{"totalseekedlength":`, int64(rng.IntN(30)), `},{"endpageseen":true}]`)
			d.edata = pl.json(`{"type":"content","mode":"play","pageid":"sunbird-player-Endpage","summary":`, d.summary, `,"duration":`, total, `}`)
		default:
			d.eid, d.typ, d.pageid = "INTERACT", "TOUCH", strconv.Itoa(page)
			d.progress = int64(min(99, 100*page/c.pages))
			x, y := rng.IntN(1280), rng.IntN(720)
			d.edata = pl.json(`{"type":"TOUCH","id":"next","pageid":"`, int64(page), `","extra":{"pos":[{"x":`, int64(x), `,"y":`, int64(y), `}]}}`)
		}
		*db = append(*db, d)
	}
	return at
}
