package equiv

import (
	"slices"
	"strings"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// Shape is a feature of a course-status request that an equivalence test
// must cover: an "after" version that mishandles it answers differently
// only on requests that have it.
type Shape string

// The request shapes, in the order reports list them.
const (
	ShapeSeveralUsers      Shape = "several_users"
	ShapeSeveralCourses    Shape = "several_courses"
	ShapeUnsorted          Shape = "unsorted"
	ShapeCourseWithoutRows Shape = "course_without_rows"
	ShapeUserWithoutRows   Shape = "user_without_rows"
	ShapeUnknownUser       Shape = "unknown_user"
	ShapeUnstartedCourse   Shape = "unstarted_course"
	ShapeUnknownCourse     Shape = "unknown_course"
	ShapeRepeatedUser      Shape = "repeated_user"
	ShapeRepeatedCourse    Shape = "repeated_course"
	ShapeUserCase          Shape = "user_case"
	ShapeCourseCase        Shape = "course_case"
	ShapeTenantCase        Shape = "tenant_case"
	ShapeOtherTenant       Shape = "other_tenant"
	ShapeNoUsers           Shape = "no_users"
	ShapeNoCourses         Shape = "no_courses"
)

// Shapes lists every shape, in report order.
var Shapes = []Shape{
	ShapeSeveralUsers, ShapeSeveralCourses, ShapeUnsorted, ShapeCourseWithoutRows,
	ShapeUserWithoutRows, ShapeUnknownUser, ShapeUnstartedCourse, ShapeUnknownCourse,
	ShapeRepeatedUser, ShapeRepeatedCourse, ShapeUserCase, ShapeCourseCase,
	ShapeTenantCase, ShapeOtherTenant, ShapeNoUsers, ShapeNoCourses,
}

// shapeText describes each shape, as reports print it.
var shapeText = map[Shape]string{
	ShapeSeveralUsers:      "several users",
	ShapeSeveralCourses:    "several courses",
	ShapeUnsorted:          "users or courses not in sorted order",
	ShapeCourseWithoutRows: "a course without rows for a user who has rows for another requested course",
	ShapeUserWithoutRows:   "a user without rows (fixtures users_without_rows)",
	ShapeUnknownUser:       "a valid user UUID the fixtures do not know",
	ShapeUnstartedCourse:   "a course nobody started (fixtures unstarted_courses)",
	ShapeUnknownCourse:     "a course ID the fixtures do not know",
	ShapeRepeatedUser:      "a user ID repeated",
	ShapeRepeatedCourse:    "a course ID repeated",
	ShapeUserCase:          "a user ID in another letter case",
	ShapeCourseCase:        "a course ID in another letter case",
	ShapeTenantCase:        "the tenant ID in another letter case",
	ShapeOtherTenant:       "the other tenant",
	ShapeNoUsers:           "an empty userId list",
	ShapeNoCourses:         "an empty courseId list",
}

// shapeLabel is the short name of a shape in a request's label.
var shapeLabel = map[Shape]string{
	ShapeSeveralUsers:      "several users",
	ShapeSeveralCourses:    "several courses",
	ShapeUnsorted:          "unsorted",
	ShapeCourseWithoutRows: "course without rows",
	ShapeUserWithoutRows:   "user without rows",
	ShapeUnknownUser:       "unknown user",
	ShapeUnstartedCourse:   "unstarted course",
	ShapeUnknownCourse:     "unknown course",
	ShapeRepeatedUser:      "repeated user",
	ShapeRepeatedCourse:    "repeated course",
	ShapeUserCase:          "user case",
	ShapeCourseCase:        "course case",
	ShapeTenantCase:        "tenant case",
	ShapeOtherTenant:       "other tenant",
	ShapeNoUsers:           "no users",
	ShapeNoCourses:         "no courses",
}

// Description says what the shape is.
func (s Shape) Description() string { return shapeText[s] }

// The deployment checklist's edge cases ("no users, no courses, multiple
// users/courses"), each the shapes that stand for it.
var EdgeCases = []struct {
	Name   string
	Shapes []Shape
}{
	{"no users", []Shape{ShapeNoUsers, ShapeUserWithoutRows, ShapeUnknownUser}},
	{"no courses", []Shape{ShapeNoCourses, ShapeCourseWithoutRows, ShapeUnstartedCourse, ShapeUnknownCourse}},
	{"multiple users/courses", []Shape{ShapeSeveralUsers, ShapeSeveralCourses}},
}

// Probe is the part of a course-status request that its shapes are read
// from: the tenant header and the two lists of the body.
type Probe struct {
	Tenant  string
	Users   []string
	Courses []string
}

// Classify returns the shapes of p, in report order. fx tells which IDs
// have rows; tenant and otherTenant are the fixtures' tenants as the
// templates render them (--set may override them). Rows are only reasoned
// about in tenant: under another tenant, only the shapes that need no
// knowledge of rows are reported.
func Classify(p Probe, fx *fixtures.Fixtures, tenant, otherTenant string) []Shape {
	has := map[Shape]bool{}
	if len(p.Users) == 0 {
		has[ShapeNoUsers] = true
	}
	if len(p.Courses) == 0 {
		has[ShapeNoCourses] = true
	}
	has[ShapeSeveralUsers] = len(p.Users) > 1
	has[ShapeSeveralCourses] = len(p.Courses) > 1
	has[ShapeUnsorted] = !slices.IsSorted(p.Users) || !slices.IsSorted(p.Courses)
	has[ShapeRepeatedUser] = repeats(p.Users)
	has[ShapeRepeatedCourse] = repeats(p.Courses)
	for _, t := range []string{tenant, otherTenant} {
		if t != "" && p.Tenant != t && strings.EqualFold(p.Tenant, t) {
			has[ShapeTenantCase] = true
		}
	}
	other := otherTenant != "" && strings.EqualFold(p.Tenant, otherTenant) && !strings.EqualFold(tenant, otherTenant)
	has[ShapeOtherTenant] = other

	// User IDs are UUIDs: any letter case names the same user.
	known, spelled := knownUsers(fx)
	for _, u := range p.Users {
		kind, ok := known[strings.ToLower(u)]
		switch {
		case !ok:
			has[ShapeUnknownUser] = true
		case kind == userWithoutRows:
			has[ShapeUserWithoutRows] = true
		}
		if ok && !spelled[u] {
			has[ShapeUserCase] = true
		}
	}
	// Course IDs are text: another letter case is another course.
	courses := knownCourses(fx)
	for _, c := range p.Courses {
		if slices.Contains(fx.UnstartedCourses, c) {
			has[ShapeUnstartedCourse] = true
			continue
		}
		if courses[c] {
			continue
		}
		caseOf := false
		for k := range courses {
			if strings.EqualFold(k, c) {
				caseOf = true
				break
			}
		}
		if caseOf {
			has[ShapeCourseCase] = true
		} else {
			has[ShapeUnknownCourse] = true
		}
	}
	if !other {
		for _, u := range p.Users {
			with, ok := fx.CoursesWithRows(canonicalUser(fx, u))
			if !ok {
				continue
			}
			rows, none := false, false
			for _, c := range p.Courses {
				if slices.Contains(with, c) {
					rows = true
				} else {
					none = true
				}
			}
			if rows && none {
				has[ShapeCourseWithoutRows] = true
			}
		}
	}
	var out []Shape
	for _, s := range Shapes {
		if has[s] {
			out = append(out, s)
		}
	}
	return out
}

type userKind int

const (
	userWithRows userKind = iota
	userWithoutRows
)

// knownUsers maps every user ID of the fixtures, in lower case, to whether
// it has rows, and holds the IDs as the fixtures spell them.
func knownUsers(fx *fixtures.Fixtures) (map[string]userKind, map[string]bool) {
	m, spelled := map[string]userKind{}, map[string]bool{}
	for _, l := range [][]string{fx.OtherTenantUsers, fx.Users, fx.SparseUsers} {
		for _, u := range l {
			m[strings.ToLower(u)] = userWithRows
			spelled[u] = true
		}
	}
	for _, u := range append([]string{fx.NewUser}, fx.UsersWithoutRows...) {
		if u != "" {
			m[strings.ToLower(u)] = userWithoutRows
			spelled[u] = true
		}
	}
	return m, spelled
}

// canonicalUser returns the fixtures' spelling of user u: the one that
// fixtures.CoursesWithRows knows.
func canonicalUser(fx *fixtures.Fixtures, u string) string {
	for _, l := range [][]string{fx.Users, fx.SparseUsers} {
		for _, k := range l {
			if strings.EqualFold(k, u) {
				return k
			}
		}
	}
	return u
}

func knownCourses(fx *fixtures.Fixtures) map[string]bool {
	m := map[string]bool{}
	for _, l := range [][]string{fx.Courses, fx.UnstartedCourses, fx.OtherTenantCourses} {
		for _, c := range l {
			m[c] = true
		}
	}
	return m
}

func repeats(ids []string) bool {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}
