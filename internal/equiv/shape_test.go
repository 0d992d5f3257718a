package equiv

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/fixtures"
)

func TestClassify(t *testing.T) {
	fx := fixtures.Default()
	u, c := fx.Users, fx.Courses
	sparse := fx.SparseUsers[0] // rows for c[0] and c[2], none for c[1]
	tests := []struct {
		name string
		p    Probe
		want []Shape
	}{
		{"the checklist's request", Probe{fx.Tenant, u[:1], c[:1]}, nil},
		{"3 × 3 in sorted order", Probe{fx.Tenant, slices.Sorted(slices.Values(u[:3])), c[:3]}, []Shape{ShapeSeveralUsers, ShapeSeveralCourses}},
		{"the shipped 3 × 3: users not in sorted order", Probe{fx.Tenant, u[:3], c[:3]}, []Shape{ShapeSeveralUsers, ShapeSeveralCourses, ShapeUnsorted}},
		{"unsorted", Probe{fx.Tenant, u[:1], []string{c[2], c[0]}}, []Shape{ShapeSeveralCourses, ShapeUnsorted}},
		{"sparse user, course with and without rows", Probe{fx.Tenant, []string{sparse}, []string{c[0], c[1]}},
			[]Shape{ShapeSeveralCourses, ShapeCourseWithoutRows}},
		{"sparse user, only courses with rows", Probe{fx.Tenant, []string{sparse}, []string{c[0], c[2]}}, []Shape{ShapeSeveralCourses}},
		{"user of every course and an unstarted course", Probe{fx.Tenant, u[:1], []string{c[0], fx.UnstartedCourses[0]}},
			[]Shape{ShapeSeveralCourses, ShapeCourseWithoutRows, ShapeUnstartedCourse}},
		{"user without rows", Probe{fx.Tenant, []string{fx.NewUser}, c[:1]}, []Shape{ShapeUserWithoutRows}},
		{"unknown IDs", Probe{fx.Tenant, []string{"00000000-0000-4000-8000-000000000001"}, []string{"do_x"}},
			[]Shape{ShapeUnknownUser, ShapeUnknownCourse}},
		{"repeated IDs", Probe{fx.Tenant, []string{u[0], u[0]}, []string{c[0], c[0]}},
			[]Shape{ShapeSeveralUsers, ShapeSeveralCourses, ShapeRepeatedUser, ShapeRepeatedCourse}},
		{"letter case", Probe{strings.ToUpper(fx.Tenant), []string{strings.ToUpper(u[0])}, []string{c[0], strings.ToUpper(c[0])}},
			[]Shape{ShapeSeveralCourses, ShapeUnsorted, ShapeCourseWithoutRows, ShapeUserCase, ShapeCourseCase, ShapeTenantCase}},
		{"other tenant", Probe{fx.OtherTenant, u[:1], []string{c[0], fx.UnstartedCourses[0]}},
			[]Shape{ShapeSeveralCourses, ShapeUnstartedCourse, ShapeOtherTenant}},
		{"empty lists", Probe{fx.Tenant, []string{}, []string{}}, []Shape{ShapeNoUsers, ShapeNoCourses}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.p, fx, fx.Tenant, fx.OtherTenant)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Classify (-want +got):\n%s", d)
			}
		})
	}
}

// TestShapesDescribed: every shape has a description and a label, and
// every edge case names known shapes.
func TestShapesDescribed(t *testing.T) {
	for _, s := range Shapes {
		if s.Description() == "" || shapeLabel[s] == "" {
			t.Errorf("shape %s has no description or label", s)
		}
	}
	for _, e := range EdgeCases {
		for _, s := range e.Shapes {
			if s.Description() == "" {
				t.Errorf("edge case %s: unknown shape %s", e.Name, s)
			}
		}
	}
}
