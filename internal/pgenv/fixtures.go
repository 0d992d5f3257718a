package pgenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// FixturesSchema is the schema tag of the fixtures file.
const FixturesSchema = "perfgate.fixtures/v1"

// DefaultFixturesPath is where `db up` and `db seed` write the fixtures file.
const DefaultFixturesPath = "fixtures.json"

// The IDs printed in the deployment checklist; the seeder always includes
// them, so the checklist's own curl command works against seeded data.
const (
	ChecklistTenant = "fd8f3180-9988-495b-8a0d-ed201d7d28df"
	ChecklistUser   = "af771398-bc1a-4350-b849-907561d25957"
	ChecklistCourse = "do_21430769261883392012483"
)

// Every seeded database also holds these IDs, whatever the seed: the
// scenario package's default fixtures (the fixtures used without
// --fixtures) name them, so the shipped scenarios run against any seeded
// database. The first user and course are the checklist's; the profiles
// have at least three users and courses, so all nine pairs have data.
var (
	FixedUsers   = []string{ChecklistUser, "3f2b7c9e-1a4d-4e6f-8b2c-5d7e9f1a3b4c", "7c4d2e1f-9b8a-4c6d-a5e3-2f1b0c9d8e7a"}
	FixedCourses = []string{ChecklistCourse, "do_21430769261883392012484", "do_21430769261883392012485"}
	FixedNewUser = "0b5e8c1d-6f2a-4c3b-9d4e-7a8f9b0c1d2e"
)

// Fixtures names the seeded IDs that scenario templates use; it is the JSON
// of the fixtures file that `run --fixtures` reads. Users[0] and Courses[0]
// are the checklist's IDs; every pair of Users[0..2] × Courses[0..2] has
// data in Tenant; NewUser has no rows anywhere; OtherTenant holds rows for
// OtherTenantUsers (the first of which are the same IDs as Users[0..2]) so
// that tenant isolation is visible.
type Fixtures struct {
	Schema           string   `json:"schema"`
	Tenant           string   `json:"tenant"`
	Users            []string `json:"users"`
	Courses          []string `json:"courses"`
	NewUser          string   `json:"new_user"`
	OtherTenant      string   `json:"other_tenant"`
	OtherTenantUsers []string `json:"other_tenant_users"`
	Seed             int64    `json:"seed"`
	Profile          string   `json:"profile"`
	ContentsPerPair  int      `json:"contents_per_pair"`
}

// WriteFixtures writes f as indented JSON to path atomically: readers see
// the old file or the new one, never a part.
func WriteFixtures(path string, f Fixtures) error {
	if f.Schema == "" {
		f.Schema = FixturesSchema
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write fixtures %s: %w", path, err)
	}
	return nil
}

// ReadFixtures reads a fixtures file written by WriteFixtures.
func ReadFixtures(path string) (Fixtures, error) {
	var f Fixtures
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("read fixtures: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("read fixtures %s: %w", path, err)
	}
	if f.Schema != FixturesSchema {
		return f, fmt.Errorf("read fixtures %s: schema %q, want %q", path, f.Schema, FixturesSchema)
	}
	return f, nil
}
