package equiv

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// seededFixtures looks like a seeded database's fixtures file: more users
// and courses than the fixed ones, sparse users, courses nobody started.
func seededFixtures() *fixtures.Fixtures {
	fx := fixtures.Default()
	fx.Users = append(fx.Users, "11111111-1111-4111-8111-111111111111", "a2c4e6f8-2222-4222-8222-22222222bbbb")
	fx.Courses = append(fx.Courses, "do_1", "do_2")
	// The sparse users lack the courses beyond the fixed ones too.
	for _, u := range fx.SparseUsers {
		fx.CoursesWithoutRows[u] = append(fx.CoursesWithoutRows[u], "do_1", "do_2")
	}
	return fx
}

// TestExploreCoversEveryShape: the generated requests, classified
// independently of how they were made, hold every shape an equivalence
// test must cover, within the first len(focuses) requests already.
func TestExploreCoversEveryShape(t *testing.T) {
	fx := seededFixtures()
	o := ExploreOptions{N: DefaultExplore, Seed: DefaultSeed, MaxSubset: DefaultMaxSubset,
		Tenant: fx.Tenant, OtherTenant: fx.OtherTenant}
	probes, notes := Explore(fx, o)
	if len(probes) != DefaultExplore || len(notes) != 0 {
		t.Fatalf("%d requests, notes %q; want %d and none", len(probes), notes, DefaultExplore)
	}
	count := map[Shape]int{}
	for i, p := range probes {
		for _, s := range Classify(p, fx, fx.Tenant, fx.OtherTenant) {
			count[s]++
			if i < len(focuses) {
				count["first round: "+s]++
			}
		}
	}
	for _, s := range focuses {
		if count["first round: "+s] == 0 {
			t.Errorf("shape %s (%s) is not in the first %d requests", s, s.Description(), len(focuses))
		}
		// Each shape comes about DefaultExplore/len(focuses) times or more.
		if count[s] < DefaultExplore/len(focuses) {
			t.Errorf("shape %s in %d of %d requests, want at least %d", s, count[s], DefaultExplore, DefaultExplore/len(focuses))
		}
	}
	// Empty lists are a behaviour change by design (the checklist's 400):
	// the scenario files cover them, exploring does not.
	if count[ShapeNoUsers]+count[ShapeNoCourses] != 0 {
		t.Errorf("exploring sent empty lists: %v", count)
	}
}

// TestExploreRequests: every request holds 1 to MaxSubset users and
// courses (one more with a repeated ID), never in sorted order when it
// could be, and IDs of the fixtures, unknown ones, or the fixtures' in
// upper case.
func TestExploreRequests(t *testing.T) {
	fx := seededFixtures()
	for _, k := range []int{1, 2, DefaultMaxSubset} {
		probes, _ := Explore(fx, ExploreOptions{N: 200, Seed: 3, MaxSubset: k, Tenant: fx.Tenant, OtherTenant: fx.OtherTenant})
		sizes := map[int]bool{}
		for _, p := range probes {
			for _, l := range [][]string{p.Users, p.Courses} {
				n := len(l)
				if repeats(l) {
					n--
				}
				// Two-element shapes (a course with rows and one without)
				// need two even when k is 1.
				if n < 1 || n > max(k, 2) {
					t.Errorf("k=%d: %d IDs in %v", k, len(l), l)
				}
				sizes[n] = true
				distinct := slices.Compact(slices.Sorted(slices.Values(l)))
				if len(distinct) > 1 && slices.IsSorted(l) {
					t.Errorf("k=%d: sorted list %v", k, l)
				}
			}
			if p.Tenant != fx.Tenant && p.Tenant != fx.OtherTenant && p.Tenant != strings.ToUpper(fx.Tenant) {
				t.Errorf("tenant %q", p.Tenant)
			}
		}
		for n := 1; n <= k; n++ {
			if !sizes[n] {
				t.Errorf("k=%d: no list of %d IDs", k, n)
			}
		}
	}
}

func TestExploreDeterministic(t *testing.T) {
	fx := seededFixtures()
	o := ExploreOptions{N: 50, Seed: 42, Tenant: fx.Tenant, OtherTenant: fx.OtherTenant}
	a, _ := Explore(fx, o)
	b, _ := Explore(fx, o)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("the same seed gave other requests:\n%s", d)
	}
	o.Seed = 43
	c, _ := Explore(fx, o)
	if cmp.Equal(a, c) {
		t.Error("seeds 42 and 43 gave the same requests")
	}
}

// TestExploreNotes: what the fixtures or the scenario cannot give is said,
// not silently skipped.
func TestExploreNotes(t *testing.T) {
	fx := &fixtures.Fixtures{Tenant: "t", Users: []string{"u1", "u2"}, Courses: []string{"c1", "c2"}} // an old fixtures file
	probes, notes := Explore(fx, ExploreOptions{N: 30, Seed: 1})
	if len(probes) != 30 {
		t.Fatalf("%d requests, want 30", len(probes))
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{
		"a user without rows (fixtures users_without_rows) not explored: the fixtures name no users_without_rows",
		"a course nobody started (fixtures unstarted_courses) not explored",
		"the tenant ID in another letter case not explored: the scenario sends no tenant header",
		"the other tenant not explored",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	// Without sparse users, a course without rows still comes: a user of
	// every course with a course nobody has.
	seen := false
	for _, p := range probes {
		seen = seen || slices.Contains(Classify(p, fx, "t", ""), ShapeCourseWithoutRows)
	}
	if !seen {
		t.Error("no course without rows for a user with rows, without sparse users in the fixtures")
	}
	if _, notes := Explore(&fixtures.Fixtures{Tenant: "t"}, ExploreOptions{N: 3}); !strings.Contains(strings.Join(notes, ""), "nothing explored") {
		t.Errorf("fixtures without users and courses: notes %q", notes)
	}
}
