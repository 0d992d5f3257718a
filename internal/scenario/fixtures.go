package scenario

import (
	"encoding/json"
	"fmt"
	"os"
)

// FixturesSchema identifies the fixtures file written by `perfgate db seed`.
const FixturesSchema = "perfgate.fixtures/v1"

// Default IDs: the ones printed in the deployment checklist, which the
// seeder always includes, so the checklist's own curl command works against
// seeded data. The seeder also always includes the other defaults below, so
// that every shipped scenario works without --fixtures.
const (
	DefaultTenant  = "fd8f3180-9988-495b-8a0d-ed201d7d28df"
	DefaultUser    = "af771398-bc1a-4350-b849-907561d25957"
	DefaultCourse  = "do_21430769261883392012483"
	DefaultNewUser = "0b5e8c1d-6f2a-4c3b-9d4e-7a8f9b0c1d2e"
	DefaultPrefix  = "/tracking/v1"
)

// Fixtures are the IDs that scenario templates draw from: the content of
// the fixtures file that `perfgate db seed` writes.
type Fixtures struct {
	Schema           string   `json:"schema,omitempty"`
	Tenant           string   `json:"tenant"`
	Users            []string `json:"users"`
	Courses          []string `json:"courses"`
	NewUser          string   `json:"new_user"`
	OtherTenant      string   `json:"other_tenant,omitempty"`
	OtherTenantUsers []string `json:"other_tenant_users,omitempty"`
	Seed             int64    `json:"seed,omitempty"`
	Profile          string   `json:"profile,omitempty"`
	ContentsPerPair  int      `json:"contents_per_pair,omitempty"`
}

// DefaultFixtures returns the fixtures used without --fixtures: the
// checklist's tenant, user and course first.
func DefaultFixtures() *Fixtures {
	return &Fixtures{
		Schema: FixturesSchema,
		Tenant: DefaultTenant,
		Users: []string{
			DefaultUser,
			"3f2b7c9e-1a4d-4e6f-8b2c-5d7e9f1a3b4c",
			"7c4d2e1f-9b8a-4c6d-a5e3-2f1b0c9d8e7a",
		},
		Courses: []string{
			DefaultCourse,
			"do_21430769261883392012484",
			"do_21430769261883392012485",
		},
		NewUser: DefaultNewUser,
	}
}

// LoadFixtures reads a fixtures file.
func LoadFixtures(path string) (*Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixtures: %w", err)
	}
	var f Fixtures
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("fixtures %s: %w (write it with `perfgate db seed --fixtures %s`)", path, err, path)
	}
	if f.Schema != "" && f.Schema != FixturesSchema {
		return nil, fmt.Errorf("fixtures %s: schema %q, want %q", path, f.Schema, FixturesSchema)
	}
	if f.Tenant == "" || len(f.Users) == 0 || len(f.Courses) == 0 {
		return nil, fmt.Errorf("fixtures %s: needs tenant, users and courses", path)
	}
	return &f, nil
}
