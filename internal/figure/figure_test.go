package figure

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "0",
		48720 * time.Millisecond: "48.7s",
		1625 * time.Millisecond:  "1.62s",
		812 * time.Millisecond:   "812ms",
		3400 * time.Microsecond:  "3.4ms",
		104 * time.Microsecond:   "104µs",
		12:                       "12ns",
		-2 * time.Second:         "-2s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestProse(t *testing.T) {
	for d, want := range map[time.Duration]string{
		50 * time.Second:         "50 s",
		48720 * time.Millisecond: "48.7 s",
		850 * time.Millisecond:   "850 ms",
		1240 * time.Microsecond:  "1.2 ms",
		900 * time.Nanosecond:    "900 ns",
	} {
		if got := Prose(d); got != want {
			t.Errorf("Prose(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestShares(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Share(0), "0%"}, {Share(1), "100%"}, {Share(0.995), "99.5%"}, {Share(0.99999), "100%"}, {Share(0.0123), "1.23%"},
		{ShareProse(0.967), "96.7 %"}, {ShareProse(-0.0001), "-0 %"},
		{Change(0.124), "+12.40%"}, {Change(-0.9667), "-96.67%"},
		{Rate(5), "5/s"}, {Rate(0.1), "0.1/s"}, {Rate(12.34), "12.3/s"}, {Rate(1234.4), "1234/s"},
		{Knee(0), "none"}, {Knee(190), "190/s"},
		{Float(101), "101"}, {Float(0.5), "0.5"}, {Float(1.254), "1.25"},
		{Float(9999), "9999"}, {Float(12450), "12,450"}, {Float(44891550), "44,891,550"}, {Float(-123456.5), "-123,456.5"},
		{Count(2048), "2048"}, {Count(100000), "100,000"},
		{PerRequest(1, "statement"), "1 statement"}, {PerRequest(0.5, "statement"), "0.5 statements"}, {PerRequest(12450, "row"), "12,450 rows"},
		{Speedup(0), "?"}, {Speedup(501.2), "501×"}, {Speedup(2), "2×"}, {Speedup(30.14), "30.1×"},
		{Codes(map[string]int64{"500": 1, "200": 29, "0": 2}), "0×2, 200×29, 500×1"}, {Codes(nil), "none"},
		{Mark(Pass), "✅"}, {Mark(Fail), "❌"}, {Mark(NotMeasured), "➖"}, {MarkOf(false), "❌"},
		{Plural(1, "scenario"), "1 scenario"}, {Plural(0, "request"), "0 requests"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
