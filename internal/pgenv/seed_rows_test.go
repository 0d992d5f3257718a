package pgenv

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// planRows runs the generator of profile name without a database and
// counts the checklist pair's tracking rows and all detail rows.
func planRows(t *testing.T, opts SeedOptions) (pair, details int64) {
	t.Helper()
	p, seed, err := opts.resolve()
	if err != nil {
		t.Fatal(err)
	}
	pl := newPlan(p, seed)
	tracking := make(chan []trackingRow, 4)
	detailCh := make(chan []detailRow, 4)
	done := make(chan struct{})
	user, tenant := uuid.MustParse(fixtures.ChecklistUser), uuid.MustParse(fixtures.ChecklistTenant)
	go func() {
		for batch := range tracking {
			for _, r := range batch {
				if r.userID == user && r.tenantID == tenant && r.courseID == fixtures.ChecklistCourse {
					pair++
				}
			}
		}
		done <- struct{}{}
	}()
	go func() {
		for batch := range detailCh {
			details += int64(len(batch))
		}
		done <- struct{}{}
	}()
	if err := pl.generate(context.Background(), tracking, detailCh); err != nil {
		t.Fatal(err)
	}
	<-done
	<-done
	return pair, details
}

// TestProfileSizes pins the calibration: the checklist pair's rows and
// the detail table's size per profile (what the naive endpoint's cost
// follows) stay within 5 % of the sizes the profiles were calibrated at,
// before the sparse cases existed (seed 1: tiny 15,032, demo 49,755; claim
// was 3,499,304 and is 3,484,646, too slow to generate here).
func TestProfileSizes(t *testing.T) {
	for name, want := range map[string]int64{"tiny": 15_032, "demo": 49_755} {
		pair, details := planRows(t, SeedOptions{Profile: name})
		if pair != 100 {
			t.Errorf("%s: the checklist pair has %d rows, want 100", name, pair)
		}
		if lo, hi := want*95/100, want*105/100; details < lo || details > hi {
			t.Errorf("%s: %d detail rows, want %d ± 5 %%", name, details, want)
		}
	}
}
