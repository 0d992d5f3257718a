package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/model"
)

// TestTextWhy: the text summary names the indexes used per request, the
// plans' scans, the resources and the environment; a plans note the run
// already gives is not repeated per scenario.
func TestTextWhy(t *testing.T) {
	run := testRun()
	var buf bytes.Buffer
	if err := Text(&buf, run); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"idx  single-user-single-course: idx_content_tracking_user_course_tenant 1 scan · 100 read · 0 fetched; idx_content_tracking_details_tracking_id 102 scans · 374 read · 374 fetched; PK_content_tracking 2 scans · 2 read · 2 fetched (the planner's) per request; unused: idx_content_tracking_created_on, idx_content_tracking_details_eid",
		"plan single-user-single-course: Bitmap Heap Scan using idx_content_tracking_user_course_tenant on content_tracking; Index Scan using idx_content_tracking_details_tracking_id on content_tracking_details",
		"res  single-user-single-course: service CPU 5ms per request (0.05 cores), RSS mean 48.0 MiB, max 52.0 MiB; db connections mean 4.5, max 5; active mean 1.2, max 3; 0 temp files (0 B); db time 95ms per request",
		"note single-user-single-course: no captured plan scans PK_content_tracking",
		"env  perfgate v0.1.0, go1.26.0, linux/amd64 (Debian GNU/Linux 12 (bookworm)), AMD EPYC 7B13, 2 CPUs, 8.0 GiB, load 0.42 0.30 0.25 at start",
		"env  PostgreSQL 15.18 (Debian 15.18-0+deb12u1); jit=on shared_buffers=128MB work_mem=4MB; content_tracking 12,450 rows (2.0 MiB)",
		"env  service: process 4242 (--service-pid)",
		"env  plans captured in a plan pass:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}

	// Capture off: the run says what to enable, once.
	note := "plans not captured: auto_explain is not loaded in this database's sessions; enable auto_explain"
	run.Environment.Plans = &model.PlanCapture{Mode: model.PlanCaptureOff, Note: note}
	run.Scenarios[0].DB.Plans, run.Scenarios[0].DB.PlansNote = nil, note
	buf.Reset()
	if err := Text(&buf, run); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), note); n != 1 || !strings.Contains(buf.String(), "env  "+note) {
		t.Errorf("the note appears %d times, want once on an env line:\n%s", n, buf.String())
	}
}
