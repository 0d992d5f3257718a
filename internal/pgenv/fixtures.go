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
