package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/fixtures"
)

// TestDefaultFixturesAreSeeded holds the scenario package's default
// fixtures (used without --fixtures) to the IDs every seeded database
// holds: the two packages do not import each other, the cli wires them.
func TestDefaultFixturesAreSeeded(t *testing.T) {
	fx := fixtures.Default()
	if fx.Tenant != fixtures.ChecklistTenant {
		t.Errorf("tenant %s, seeder %s", fx.Tenant, fixtures.ChecklistTenant)
	}
	if d := cmp.Diff(fixtures.FixedUsers, fx.Users); d != "" {
		t.Errorf("users (-seeder +scenario):\n%s", d)
	}
	if d := cmp.Diff(fixtures.FixedCourses, fx.Courses); d != "" {
		t.Errorf("courses (-seeder +scenario):\n%s", d)
	}
	if fx.NewUser != fixtures.FixedNewUser {
		t.Errorf("new user %s, seeder %s", fx.NewUser, fixtures.FixedNewUser)
	}
}
