package exit

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, CodeOK},
		{"gate", ErrGateFailed, CodeFailed},
		{"wrapped gate", fmt.Errorf("compare: %w", ErrGateFailed), CodeFailed},
		{"usage", Usage(base), CodeUsage},
		{"usagef", Usagef("bad %s", "flag"), CodeUsage},
		{"wrapped usage", fmt.Errorf("load: %w", Usage(base)), CodeUsage},
		{"unavailable", Unavailable(base), CodeUnavailable},
		{"unavailablef", Unavailablef("down %d", 3), CodeUnavailable},
		{"plain", base, CodeUnavailable},
		{"usage stays usage", Unavailable(fmt.Errorf("seed: %w", Usage(base))), CodeUsage},
		{"unavailable stays unavailable", Usage(Unavailable(base)), CodeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Code(tt.err); got != tt.want {
				t.Errorf("Code(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestWrappersKeepTheCause(t *testing.T) {
	base := errors.New("boom")
	for _, err := range []error{Usage(base), Unavailable(base)} {
		if !errors.Is(err, base) || err.Error() != "boom" {
			t.Errorf("%v: lost its cause", err)
		}
	}
	if Usage(nil) != nil || Unavailable(nil) != nil {
		t.Error("wrapping nil must stay nil")
	}
	if !Silent(ErrGateFailed) || Silent(fmt.Errorf("x: %w", ErrGateFailed)) || Silent(base) {
		t.Error("only the bare gate error is silent")
	}
}
