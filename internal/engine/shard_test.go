package engine

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

func TestParseShard(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == jobIndexEnv {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		spec    string
		env     string
		want    *ShardPlan
		wantErr string
	}{
		{spec: "", want: nil},
		{spec: "0/4", want: &ShardPlan{Index: 0, Count: 4}},
		{spec: " 3/4 ", want: &ShardPlan{Index: 3, Count: 4}},
		{spec: "0/1", want: &ShardPlan{Index: 0, Count: 1}},
		{spec: "auto/4", env: "2", want: &ShardPlan{Index: 2, Count: 4}},
		{spec: "/4", env: "1", want: &ShardPlan{Index: 1, Count: 4}},
		{spec: "$(JOB_COMPLETION_INDEX)/4", env: "3", want: &ShardPlan{Index: 3, Count: 4}},
		{spec: "${JOB_COMPLETION_INDEX}/4", env: "0", want: &ShardPlan{Index: 0, Count: 4}},
		{spec: "auto/4", wantErr: "JOB_COMPLETION_INDEX is not set"},
		{spec: "auto/4", env: "4", wantErr: "index 4 is not below the count 4; shards are numbered 0 to 3"},
		{spec: "4/4", wantErr: "index 4 is not below the count 4"},
		{spec: "-1/4", wantErr: `the shard index "-1" must be a whole number from 0 to 3`},
		{spec: "x/4", wantErr: `the shard index "x"`},
		{spec: "1/0", wantErr: `the shard count "0" must be a whole number from 1 to 65535`},
		{spec: "1/70000", wantErr: "from 1 to 65535"},
		{spec: "2", wantErr: "write it as i/N"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"|"+tt.env, func(t *testing.T) {
			got, err := ParseShard(tt.spec, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exit.Code(err) != exit.CodeUsage {
					t.Fatalf("err %v (exit %d), want usage error containing %q", err, exit.Code(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestShardRate(t *testing.T) {
	tests := []struct {
		rate string
		n    int
		want string
	}{
		{"40/s", 2, "40/2s"},
		{"300/m", 4, "300/4m0s"},
		{"1/s", 1, "1/s"},
		{"max", 8, "max"},
	}
	for _, tt := range tests {
		t.Run(tt.rate, func(t *testing.T) {
			r, err := load.ParseRate(tt.rate)
			if err != nil {
				t.Fatal(err)
			}
			got := ShardRate(r, tt.n)
			if got.String() != tt.want {
				t.Errorf("shardRate(%s, %d) = %s, want %s", tt.rate, tt.n, got, tt.want)
			}
			if !r.IsMax() {
				if want := r.PerSecond(); math.Abs(float64(tt.n)*got.PerSecond()-want) > 1e-12*want {
					t.Errorf("%d × shard rate = %v, want %v", tt.n, float64(tt.n)*got.PerSecond(), want)
				}
			}
		})
	}
}
