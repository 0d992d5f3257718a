package pgenv

import (
	"fmt"
	"sort"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
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
	if err := o.checkCounts(); err != nil {
		return p, 0, err
	}
	for _, c := range []struct {
		v   int
		dst *int
	}{{o.Users, &p.Users}, {o.Courses, &p.Courses}, {o.Contents, &p.Contents}, {o.Events, &p.Events}} {
		if c.v > 0 {
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

// Validate checks options as a user gave them, as db up and db seed take
// them from flags, before anything starts: a known scale, no negative
// count, a non-zero seed and a fixtures file to write. It is stricter than
// Seed, which reads an empty Profile, a zero Seed and an empty Fixtures as
// "the default" and "none": a user who wrote --seed 0 did not mean seed 1.
// Its errors are usage errors (exit 2) that name the flags.
func (o SeedOptions) Validate() error {
	if err := CheckProfile(o.Profile); err != nil {
		return err
	}
	if err := o.checkCounts(); err != nil {
		return exit.Usage(err)
	}
	if o.Seed == 0 {
		return exit.Usagef("--seed 0: use a non-zero seed (the default is %d)", DefaultSeed)
	}
	if o.Fixtures == "" {
		return exit.Usagef("--fixtures is empty: give the path of the fixtures file to write")
	}
	return nil
}

// CheckProfile refuses a data profile that is not one of Profiles, with
// a usage error that names --scale and the profiles there are.
func CheckProfile(name string) error {
	if _, ok := Profiles[name]; !ok {
		return exit.Usagef("--scale %q: use one of %s", name, strings.Join(ProfileNames(), ", "))
	}
	return nil
}

// checkCounts refuses a negative count: 0 keeps the profile's.
func (o SeedOptions) checkCounts() error {
	for _, c := range []struct {
		flag string
		v    int
	}{{"users", o.Users}, {"courses", o.Courses}, {"contents", o.Contents}, {"events", o.Events}} {
		if c.v < 0 {
			return fmt.Errorf("--%s %d: must be positive (0 keeps the profile's count)", c.flag, c.v)
		}
	}
	return nil
}
