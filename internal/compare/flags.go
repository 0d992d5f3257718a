package compare

import (
	"fmt"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/scenario"
)

// Flags are a comparison's options as perfgate compare's flags spell
// them: the claim and the shares as text, and a MinEffect of 0 for the
// intervals alone. Options parses them.
type Flags struct {
	// Claim is BEFORE:AFTER (ParseClaim), "" for none.
	Claim           string
	ClaimPercentile string
	ClaimScenario   string
	// ClaimTolerance and MaxRegression are shares: "50%" or 0.5.
	ClaimTolerance    string
	MaxRegression     string
	MinEffect         time.Duration
	AllowInconclusive bool
	Percentiles       []string
}

// Options parses f into a comparison's Options, without Latencies: the
// caller says where the raw latencies come from. Every error is a usage
// error (exit 2) that names the flag and says what to write.
func (f Flags) Options() (Options, error) {
	maxReg, err := ParseMaxRegression(f.MaxRegression)
	if err != nil {
		return Options{}, err
	}
	tolerance, err := scenario.ParsePositivePercent(f.ClaimTolerance)
	if err != nil {
		return Options{}, exit.Usagef("--claim-tolerance %q: %v; write e.g. 50%% or 0.5", f.ClaimTolerance, err)
	}
	if f.MinEffect < 0 {
		return Options{}, exit.Usagef("--min-effect %s: must not be negative; write e.g. 2ms, or 0 to judge on the interval alone", f.MinEffect)
	}
	o := Options{
		MaxRegression:     maxReg,
		MinEffect:         f.MinEffect,
		AllowInconclusive: f.AllowInconclusive,
		Percentiles:       f.Percentiles,
		ClaimPercentile:   f.ClaimPercentile,
		ClaimScenario:     f.ClaimScenario,
		ClaimTolerance:    tolerance,
	}
	// 0 on the command line is the intervals alone; in Options it would
	// take DefaultMinEffect.
	if o.MinEffect == 0 {
		o.MinEffect = NoMinEffect
	}
	if f.Claim != "" {
		c, err := ParseClaim(f.Claim)
		if err != nil {
			return Options{}, exit.Usage(fmt.Errorf("--claim: %w", err))
		}
		o.Claim = &c
	}
	return o, nil
}

// ParseMaxRegression parses --max-regression, a positive share ("10%" or
// 0.1); its error is a usage error that says what to write.
func ParseMaxRegression(s string) (float64, error) {
	v, err := scenario.ParsePositivePercent(s)
	if err != nil {
		return 0, exit.Usagef("--max-regression %q: %v; write e.g. 10%% or 0.1", s, err)
	}
	return v, nil
}
