package load

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		perSec  float64
		wantErr bool
	}{
		{in: "5/s", want: Rate{5, time.Second}, perSec: 5},
		{in: "1/10s", want: Rate{1, 10 * time.Second}, perSec: 0.1},
		{in: "300/m", want: Rate{300, time.Minute}, perSec: 5},
		{in: "20", want: Rate{20, time.Second}, perSec: 20},
		{in: "max", want: Max},
		{in: "MAX", want: Max},
		{in: "0/s", wantErr: true},
		{in: "x/s", wantErr: true},
		{in: "5/fortnight", wantErr: true},
		{in: "5/-1s", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseRate(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRate(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if ps := got.PerSecond(); ps != tt.perSec {
				t.Errorf("PerSecond = %v, want %v", ps, tt.perSec)
			}
			back, err := ParseRate(got.String())
			if err != nil || back != got {
				t.Errorf("round trip %q -> %q -> %v (%v)", tt.in, got.String(), back, err)
			}
		})
	}
}
