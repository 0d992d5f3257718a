package equiv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// Defaults of exploring, quoted by the flag help.
const (
	// DefaultExplore is how many generated requests diff sends besides the
	// scenario files' own: enough to cover every shape about ten times
	// over, few enough that the demo's diff step takes seconds.
	DefaultExplore = 150
	// DefaultSeed seeds the generated requests: the same seed and
	// fixtures give the same requests.
	DefaultSeed = 1
	// DefaultMaxSubset is the most users and courses a generated request
	// draws (a repeated ID adds one more): the checklist's largest request
	// is 3 × 3, and every pair costs the original loop one query per
	// content, so larger requests slow the diff more than they find.
	DefaultMaxSubset = 3
)

// focuses are the shapes the generator makes sure of, one per request in
// turn: after len(focuses) requests, each has been sent at least once.
// Several users and courses, and unsorted order, come with most requests.
var focuses = []Shape{
	ShapeCourseWithoutRows, ShapeUnsorted, ShapeUserWithoutRows, ShapeUnknownUser,
	ShapeUnstartedCourse, ShapeUnknownCourse, ShapeRepeatedUser, ShapeRepeatedCourse,
	ShapeUserCase, ShapeCourseCase, ShapeTenantCase, ShapeOtherTenant,
	ShapeSeveralUsers, ShapeSeveralCourses,
}

// ExploreOptions shape the generated requests.
type ExploreOptions struct {
	// N is how many requests; Seed seeds them; MaxSubset bounds the users
	// and courses each draws (DefaultMaxSubset when 0).
	N         int
	Seed      int64
	MaxSubset int
	// Tenant is the tenant the scenario sends ("" when it sends no tenant
	// header: then the tenant shapes are not explored), OtherTenant the
	// second tenant ("" when the fixtures have none).
	Tenant, OtherTenant string
}

// Explore generates o.N requests over the fixtures that, between them,
// cover the shapes an equivalence test must cover: users and courses in
// subsets of 1 to MaxSubset, never in sorted order, with users without
// rows, courses without rows for a user who has rows for others, courses
// nobody started, unknown IDs, repeated IDs, IDs and the tenant in another
// letter case, and the other tenant. Request i is built around focuses[i %
// len(focuses)], the rest drawn at random. The same options give the same
// requests. notes say which shapes the fixtures cannot give, and why.
func Explore(fx *fixtures.Fixtures, o ExploreOptions) (probes []Probe, notes []string) {
	if o.MaxSubset < 1 {
		o.MaxSubset = DefaultMaxSubset
	}
	g := &generator{fx: fx, o: o, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15))}
	g.withRows = slices.Concat(fx.Users, fx.SparseUsers)
	g.withoutRows = fx.UsersWithoutRows
	if len(g.withoutRows) == 0 && fx.NewUser != "" {
		g.withoutRows = []string{fx.NewUser}
	}
	var can []Shape
	for _, f := range focuses {
		if why := g.cannot(f); why != "" {
			notes = append(notes, fmt.Sprintf("%s not explored: %s", f.Description(), why))
			continue
		}
		can = append(can, f)
	}
	if len(g.withRows) == 0 || len(fx.Courses) == 0 || len(can) == 0 {
		return nil, append(notes, "nothing explored: the fixtures name no users and courses with rows")
	}
	for i := range o.N {
		probes = append(probes, g.request(can[i%len(can)]))
	}
	return probes, notes
}

type generator struct {
	fx          *fixtures.Fixtures
	o           ExploreOptions
	rng         *rand.Rand
	withRows    []string // users with rows for some of fx.Courses
	withoutRows []string
}

// cannot says why the fixtures cannot give shape f, or "".
func (g *generator) cannot(f Shape) string {
	switch f {
	case ShapeUserWithoutRows:
		if len(g.withoutRows) == 0 {
			return "the fixtures name no users_without_rows"
		}
	case ShapeUnstartedCourse:
		if len(g.fx.UnstartedCourses) == 0 {
			return "the fixtures name no unstarted_courses"
		}
	case ShapeTenantCase:
		if g.o.Tenant == "" {
			return "the scenario sends no tenant header"
		}
		if strings.ToUpper(g.o.Tenant) == strings.ToLower(g.o.Tenant) {
			return "the tenant ID has no letters"
		}
	case ShapeOtherTenant:
		if g.o.Tenant == "" {
			return "the scenario sends no tenant header"
		}
		if g.o.OtherTenant == "" || len(g.fx.OtherTenantUsers) == 0 {
			return "the fixtures name no other_tenant and other_tenant_users"
		}
	}
	return ""
}

// request builds one request around focus.
func (g *generator) request(focus Shape) Probe {
	k := g.o.MaxSubset
	nu, nc := 1+g.rng.IntN(k), 1+g.rng.IntN(k)
	switch focus {
	case ShapeSeveralUsers, ShapeRepeatedUser:
		nu = max(nu, 2)
	case ShapeSeveralCourses, ShapeCourseWithoutRows, ShapeRepeatedCourse, ShapeCourseCase:
		nc = max(nc, 2)
	case ShapeUnsorted:
		nu, nc = max(nu, 2), max(nc, 2)
	}
	p := Probe{Tenant: g.o.Tenant}
	if focus == ShapeOtherTenant {
		p.Tenant = g.o.OtherTenant
		p.Users = g.distinct(nu, func() string { return g.pick(g.fx.OtherTenantUsers) })
		courses := g.fx.OtherTenantCourses
		if len(courses) == 0 {
			courses = g.fx.Courses
		}
		p.Courses = g.distinct(nc, func() string { return g.pick(courses) })
		return g.finish(p)
	}
	p.Users = g.distinct(nu, g.user)
	p.Courses = g.distinct(nc, g.course)
	for len(p.Courses) < nc { // fixtures with fewer courses than asked for
		p.Courses = append(p.Courses, g.unknownCourse())
	}
	switch focus {
	case ShapeCourseWithoutRows:
		// A user with rows for one requested course and none for another:
		// a sparse user with one of each, or a user of every course with
		// a course nobody has rows for.
		if len(g.fx.SparseUsers) > 0 {
			u := g.pick(g.fx.SparseUsers)
			with, _ := g.fx.CoursesWithRows(u)
			without := g.fx.CoursesWithoutRows[u]
			if len(with) > 0 && len(without) > 0 {
				p.Users[0] = u
				p.Courses[0], p.Courses[1] = g.pick(with), g.pick(without)
				break
			}
		}
		p.Users[0] = g.pick(g.fx.Users)
		p.Courses[0], p.Courses[1] = g.pick(g.fx.Courses), g.unknownCourse()
	case ShapeUserWithoutRows:
		p.Users[g.rng.IntN(len(p.Users))] = g.pick(g.withoutRows)
	case ShapeUnknownUser:
		p.Users[g.rng.IntN(len(p.Users))] = g.unknownUser()
	case ShapeUnstartedCourse:
		p.Courses[g.rng.IntN(len(p.Courses))] = g.pick(g.fx.UnstartedCourses)
	case ShapeUnknownCourse:
		p.Courses[g.rng.IntN(len(p.Courses))] = g.unknownCourse()
	case ShapeRepeatedUser:
		p.Users = g.repeat(p.Users)
	case ShapeRepeatedCourse:
		p.Courses = g.repeat(p.Courses)
	case ShapeUserCase:
		// A user with rows, so that matching it in any case matters.
		u := g.pick(g.withRows)
		for tries := 0; strings.ToUpper(u) == u && tries < 8; tries++ {
			u = g.pick(g.withRows) // a UUID of digits only has no other case
		}
		p.Users[g.rng.IntN(len(p.Users))] = strings.ToUpper(u)
	case ShapeCourseCase:
		// A course a user of every course has rows for, in upper case: the
		// original matches course IDs exactly, so it has no rows.
		p.Users[0] = g.pick(g.fx.Users)
		c := g.pick(g.fx.Courses)
		p.Courses[0] = strings.ToUpper(c)
		if g.rng.IntN(2) == 0 {
			p.Courses[1] = c // the same course in both spellings
		}
	case ShapeTenantCase:
		p.Tenant = strings.ToUpper(p.Tenant)
	}
	return g.finish(p)
}

// finish shuffles both lists so that neither is in sorted order.
func (g *generator) finish(p Probe) Probe {
	for _, l := range [][]string{p.Users, p.Courses} {
		g.rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		if slices.IsSorted(l) {
			slices.Reverse(l) // sorted with two distinct IDs or more: reversed is not
		}
	}
	return p
}

// user draws a user of the tenant: mostly users with rows for every
// course, then sparse users, then users without rows.
func (g *generator) user() string {
	switch r := g.rng.IntN(20); {
	case r < 3 && len(g.withoutRows) > 0:
		return g.pick(g.withoutRows)
	case r < 8 && len(g.fx.SparseUsers) > 0:
		return g.pick(g.fx.SparseUsers)
	}
	return g.pick(g.fx.Users)
}

// course draws a course: mostly courses with rows, sometimes one nobody
// started.
func (g *generator) course() string {
	if g.rng.IntN(8) == 0 && len(g.fx.UnstartedCourses) > 0 {
		return g.pick(g.fx.UnstartedCourses)
	}
	return g.pick(g.fx.Courses)
}

// distinct draws up to n distinct IDs with draw (fewer when draw keeps
// repeating itself: a pool of two users cannot give four).
func (g *generator) distinct(n int, draw func() string) []string {
	var out []string
	for tries := 0; len(out) < n && tries < 8*n; tries++ {
		if id := draw(); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// repeat inserts a copy of one of ids at a random place.
func (g *generator) repeat(ids []string) []string {
	id := ids[g.rng.IntN(len(ids))]
	i := g.rng.IntN(len(ids) + 1)
	return slices.Insert(slices.Clone(ids), i, id)
}

func (g *generator) pick(ids []string) string { return ids[g.rng.IntN(len(ids))] }

// unknownUser is a random version-4 UUID: valid, and with no rows.
func (g *generator) unknownUser() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// unknownCourse is a course ID no seeder writes.
func (g *generator) unknownCourse() string {
	return fmt.Sprintf("do_unknown_%08x", g.rng.Uint32())
}
