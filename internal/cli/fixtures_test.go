package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/scenario"
)

// TestDefaultFixturesAreSeeded holds the scenario package's default
// fixtures (used without --fixtures) to the IDs every seeded database
// holds: the two packages do not import each other, the cli wires them.
func TestDefaultFixturesAreSeeded(t *testing.T) {
	fx := scenario.DefaultFixtures()
	if fx.Tenant != pgenv.ChecklistTenant {
		t.Errorf("tenant %s, seeder %s", fx.Tenant, pgenv.ChecklistTenant)
	}
	if d := cmp.Diff(pgenv.FixedUsers, fx.Users); d != "" {
		t.Errorf("users (-seeder +scenario):\n%s", d)
	}
	if d := cmp.Diff(pgenv.FixedCourses, fx.Courses); d != "" {
		t.Errorf("courses (-seeder +scenario):\n%s", d)
	}
	if fx.NewUser != pgenv.FixedNewUser {
		t.Errorf("new user %s, seeder %s", fx.NewUser, pgenv.FixedNewUser)
	}
}
