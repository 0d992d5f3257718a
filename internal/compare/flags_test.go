package compare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/exit"
)

func TestFlagsOptions(t *testing.T) {
	// good is what perfgate compare's defaults give.
	good := Flags{ClaimPercentile: DefaultClaimPercentile, ClaimTolerance: "50%", MaxRegression: "10%",
		MinEffect: DefaultMinEffect, Percentiles: DefaultPercentiles}
	tests := []struct {
		name    string
		f       func(*Flags)
		want    Options
		wantErr string
	}{
		{name: "defaults", f: func(*Flags) {},
			want: Options{MaxRegression: 0.1, MinEffect: DefaultMinEffect, Percentiles: DefaultPercentiles,
				ClaimPercentile: DefaultClaimPercentile, ClaimTolerance: 0.5}},
		{name: "every flag", f: func(f *Flags) {
			*f = Flags{Claim: "50s:2s", ClaimPercentile: "p95", ClaimScenario: "s1", ClaimTolerance: "0.2", MaxRegression: "150%",
				MinEffect: time.Second, AllowInconclusive: true, Percentiles: []string{"p50"}}
		}, want: Options{MaxRegression: 1.5, MinEffect: time.Second, AllowInconclusive: true, Percentiles: []string{"p50"},
			Claim: &Claim{50 * time.Second, 2 * time.Second}, ClaimPercentile: "p95", ClaimScenario: "s1", ClaimTolerance: 0.2}},
		{name: "min effect 0: the intervals alone", f: func(f *Flags) { f.MinEffect = 0 },
			want: Options{MaxRegression: 0.1, MinEffect: NoMinEffect, Percentiles: DefaultPercentiles,
				ClaimPercentile: DefaultClaimPercentile, ClaimTolerance: 0.5}},
		{name: "max regression not a number", f: func(f *Flags) { f.MaxRegression = "lots" },
			wantErr: `--max-regression "lots": not a number; write e.g. 10% or 0.1`},
		{name: "max regression zero", f: func(f *Flags) { f.MaxRegression = "0%" },
			wantErr: `--max-regression "0%": must be positive; write e.g. 10% or 0.1`},
		{name: "claim tolerance", f: func(f *Flags) { f.ClaimTolerance = "x" },
			wantErr: `--claim-tolerance "x": not a number; write e.g. 50% or 0.5`},
		{name: "negative min effect", f: func(f *Flags) { f.MinEffect = -time.Millisecond },
			wantErr: "--min-effect -1ms: must not be negative; write e.g. 2ms, or 0 to judge on the interval alone"},
		{name: "claim", f: func(f *Flags) { f.Claim = "fast" },
			wantErr: `--claim: claim "fast": want BEFORE:AFTER, e.g. 50s:2s`},
		{name: "max regression checked first", f: func(f *Flags) { f.MaxRegression, f.ClaimTolerance, f.Claim = "x", "x", "x" },
			wantErr: `--max-regression "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.f(&f)
			got, err := f.Options()
			if tt.wantErr != "" {
				if exit.Code(err) != exit.CodeUsage || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Errorf("error %v (exit %d), want exit 2 and %q", err, exit.Code(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("options (-want +got):\n%s", d)
			}
		})
	}
}

func TestCreateOutDir(t *testing.T) {
	after := Input{Dir: t.TempDir()}
	if got, err := CreateOutDir("", after); err != nil || got != after.Dir {
		t.Errorf("no --out: %q, %v; want the after run's directory %q", got, err, after.Dir)
	}
	out := filepath.Join(t.TempDir(), "a", "b")
	if got, err := CreateOutDir(out, after); err != nil || got != out {
		t.Errorf("--out %s: %q, %v", out, got, err)
	}
	if fi, err := os.Stat(out); err != nil || !fi.IsDir() {
		t.Errorf("--out %s was not created: %v", out, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := CreateOutDir(filepath.Join(file, "sub"), after)
	if want := "--out " + filepath.Join(file, "sub") + ": "; exit.Code(err) != exit.CodeUsage || !strings.HasPrefix(err.Error(), want) ||
		!strings.HasSuffix(err.Error(), "; choose a directory perfgate can write") {
		t.Errorf("error %v (exit %d), want exit 2, %q and what to do", err, exit.Code(err), want)
	}
}

// TestParseMaxRegression: ab and compare read --max-regression here: a
// positive share, and a usage error that says how to write one.
func TestParseMaxRegression(t *testing.T) {
	for _, tt := range []struct {
		s       string
		want    float64
		wantErr string
	}{
		{s: "10%", want: 0.1},
		{s: "0.05", want: 0.05},
		{s: "150%", want: 1.5},
		{s: "0%", wantErr: `--max-regression "0%": must be positive; write e.g. 10% or 0.1`},
		{s: "-5%", wantErr: `--max-regression "-5%": must be positive; write e.g. 10% or 0.1`},
		{s: "lots", wantErr: `--max-regression "lots": not a number; write e.g. 10% or 0.1`},
	} {
		got, err := ParseMaxRegression(tt.s)
		if tt.wantErr == "" && (err != nil || got != tt.want) || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || exit.Code(err) != exit.CodeUsage) {
			t.Errorf("ParseMaxRegression(%q) = %v, %v (exit %d); want %v, %q", tt.s, got, err, exit.Code(err), tt.want, tt.wantErr)
		}
	}
}
