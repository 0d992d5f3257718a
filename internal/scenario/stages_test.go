package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/load"
)

const stagedHead = "name: a\nrequest:\n  path: /x\nload:\n"

func TestParseStages(t *testing.T) {
	r := func(freq int, per time.Duration) load.Rate { return load.Rate{Freq: freq, Per: per} }
	to50 := r(50, time.Second)
	tests := []struct {
		name     string
		load     string
		want     []load.Stage
		duration time.Duration
		warmup   int
		str      string
	}{
		{"steps", "  rate: [{rate: 1/s, for: 30s}, {rate: 20/s, for: 60s}]\n",
			[]load.Stage{{Rate: r(1, time.Second), For: 30 * time.Second}, {Rate: r(20, time.Second), For: time.Minute}},
			90 * time.Second, 0, "1/s 30s → 20/s 1m0s"},
		{"ramp, block style, agreeing duration, warmup", "  rate:\n    - rate: 1/s\n      to: 50/s\n      for: 60s\n  duration: 1m\n  warmup: 20\n",
			[]load.Stage{{Rate: r(1, time.Second), To: &to50, For: time.Minute}},
			time.Minute, 20, "1/s→50/s 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("s.yaml", []byte(stagedHead+tt.load))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, sc.Load.Stages); d != "" {
				t.Errorf("stages (-want +got):\n%s", d)
			}
			if sc.Load.Duration != tt.duration {
				t.Errorf("duration = %s, want %s (the sum of the stages)", sc.Load.Duration, tt.duration)
			}
			if sc.Load.Rate != tt.want[0].Rate {
				t.Errorf("rate = %s, want the first stage's %s", sc.Load.Rate, tt.want[0].Rate)
			}
			if sc.Load.Warmup != tt.warmup {
				t.Errorf("warmup = %d, want %d", sc.Load.Warmup, tt.warmup)
			}
			if got := load.StagesString(sc.Load.Stages); got != tt.str {
				t.Errorf("StagesString = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestParseStageErrors(t *testing.T) {
	tests := []struct{ name, load, want string }{
		{"missing for", "  rate:\n    - rate: 1/s\n    - rate: 5/s\n      for: 10s\n", `bad.yaml:6: load.rate[0]: missing for; add for: 30s`},
		{"missing rate", "  rate:\n    - for: 10s\n", `bad.yaml:6: load.rate[0]: missing rate`},
		{"bad rate", "  rate:\n    - rate: 1/s\n      for: 5s\n    - rate: fast\n      for: 5s\n", `bad.yaml:8: load.rate[1].rate: rate "fast"`},
		{"max in a ramp", "  rate:\n    - rate: 1/s\n      to: max\n      for: 5s\n", `bad.yaml:7: load.rate[0].to: max cannot be a stage or a ramp's end`},
		{"max as a stage", "  rate:\n    - {rate: max, for: 5s}\n", `bad.yaml:6: load.rate[0].rate: max cannot be a stage`},
		{"bad for", "  rate:\n    - {rate: 1/s, for: 5}\n", `bad.yaml:6: load.rate[0].for "5" is not a duration`},
		{"unknown stage field", "  rate:\n    - {rate: 1/s, fr: 5s}\n", `bad.yaml:6: unknown field "fr" in load.rate[0] (did you mean "for"?)`},
		{"not a stage", "  rate:\n    - 5/s\n", `bad.yaml:6: load.rate[0] must be a stage {rate, to, for}`},
		{"empty list", "  rate: []\n", `bad.yaml:5: load.rate is an empty list`},
		{"disagreeing duration", "  rate: [{rate: 1/s, for: 30s}]\n  duration: 1m\n", `bad.yaml:6: load.duration 1m0s disagrees with the stages of load.rate, which last 30s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(stagedHead+tt.load))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}
