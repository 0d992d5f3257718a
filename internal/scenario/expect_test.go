package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/model"
)

func TestApplyExpect(t *testing.T) {
	file := model.Expect{Status: 200, Latency: []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}}}
	got := file
	got.Latency = append([]model.LatencyLimit(nil), file.Latency...)
	err := ApplyExpect(&got, []string{"p95=500ms", "p99=1s", "status=400", "errors=1%", "db.statements_per_request=1"})
	if err != nil {
		t.Fatal(err)
	}
	want := model.Expect{Status: 400, Errors: 0.01,
		Latency: []model.LatencyLimit{{Stat: "p95", Max: 500 * time.Millisecond}, {Stat: "p99", Max: time.Second}},
		DB:      []model.DBLimit{{Figure: "statements_per_request", Max: 1}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for kv, msg := range map[string]string{
		"p95":                         "write it as name=value",
		"status=ok":                   "want an HTTP status code",
		"p95=fast":                    "want a duration",
		"errors=lots":                 "--expect errors",
		"db.rows=1":                   "unknown criterion",
		"db.seq_scans_per_request=-1": "want a number of 0 or more",
		"latency=1s":                  "unknown criterion",
	} {
		var e model.Expect
		if err := ApplyExpect(&e, []string{kv}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ApplyExpect(%q) = %v, want %q", kv, err, msg)
		}
	}
}

func TestCriteria(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{name: "status only", yaml: "name: m\nrequest:\n  path: /x\n", want: []string{"status 200"}},
		{name: "every kind, in order", yaml: valid,
			want: []string{"status 200", "p95 <= 2s", "p99 <= 2.5s", "1 jq check", "db.statements_per_request <= 1"}},
		{name: "two checks", yaml: "name: m\nrequest:\n  path: /x\nexpect:\n  status: 400\n  latency: { max: 1s }\n" +
			"  checks:\n    - name: a\n      jq: .a\n    - name: b\n      jq: .b\n",
			want: []string{"status 400", "max <= 1s", "2 jq checks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("s.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, sc.Criteria()); d != "" {
				t.Errorf("criteria (-want +got):\n%s", d)
			}
		})
	}
}
