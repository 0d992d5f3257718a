package pgenv

import (
	"fmt"
	"sort"
	"strings"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// DefaultSeed is the seed used when SeedOptions.Seed is 0.
const DefaultSeed = 1

// DefaultProfile is the scale used when SeedOptions.Profile is empty.
const DefaultProfile = "tiny"

// Profile is a named scale of synthetic data. Every one of Users has
// Contents contents in every one of Courses in the main tenant, and each
// content has about Events detail events, so the bulk of the data is
// Users × Courses × Contents × Events detail rows. Around it, sized from the
// profile so that every scale has them, are the sparse cases the fixtures
// name: sparse users (rows in some courses, Contents/4 per pair), courses
// nobody started, users without rows, and a second tenant; they add a few
// per cent. Users and Courses are at least 3: the fixed users and courses
// of the default fixtures are always seeded.
type Profile struct {
	Name     string
	Users    int // users with rows in every course; the first is the checklist's user
	Courses  int // courses; the first is the checklist's course
	Contents int // contents per user and course
	Events   int // mean detail events per content
}

// Profiles are the named scales, calibrated on the original N+1 endpoint,
// whose cost grows with the detail table (≈ 15 s per million detail rows
// for the checklist's request, on 2 cores without the indexes):
//
//	tiny   ≈ 15k detail rows: CI, seconds
//	demo   ≈ 50k detail rows: the original loop takes about a second
//	claim  ≈ 3.5M detail rows: the original loop takes ≈ 50 s, the checklist's figure
var Profiles = map[string]Profile{
	"tiny":  {Name: "tiny", Users: 6, Courses: 5, Contents: 100, Events: 4},
	"demo":  {Name: "demo", Users: 13, Courses: 9, Contents: 100, Events: 4},
	"claim": {Name: "claim", Users: 437, Courses: 20, Contents: 100, Events: 4},
}

// ProfileNames lists the profile names, smallest first.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return Profiles[names[i]].rows() < Profiles[names[j]].rows() })
	return names
}

func (p Profile) rows() int { return p.Users * p.Courses * p.Contents * p.Events }

// otherTenantOwnUsers is how many users the second tenant has besides the
// IDs it shares with the main tenant.
const otherTenantOwnUsers = 2

// resolve turns options into the scale to generate.
func (o SeedOptions) resolve() (Profile, int64, error) {
	name := o.Profile
	if name == "" {
		name = DefaultProfile
	}
	p, ok := Profiles[name]
	if !ok {
		return p, 0, fmt.Errorf("unknown scale %q; use one of %s or explicit counts", name, strings.Join(ProfileNames(), ", "))
	}
	for _, c := range []struct {
		flag string
		v    int
		dst  *int
	}{{"users", o.Users, &p.Users}, {"courses", o.Courses, &p.Courses}, {"contents", o.Contents, &p.Contents}, {"events", o.Events, &p.Events}} {
		switch {
		case c.v < 0:
			return p, 0, fmt.Errorf("--%s %d: must be positive", c.flag, c.v)
		case c.v > 0:
			*c.dst = c.v
			p.Name = "custom"
		}
	}
	// The fixed IDs are always seeded: the shipped scenarios rely on them.
	p.Users = max(p.Users, len(fixtures.FixedUsers))
	p.Courses = max(p.Courses, len(fixtures.FixedCourses))
	seed := o.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	return p, seed, nil
}
