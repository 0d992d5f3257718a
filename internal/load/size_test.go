package load

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"65536": 65536, "4MiB": 4 << 20, "512 KiB": 512 << 10, "1gib": 1 << 30, "8MB": 8 << 20, "10B": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1", "4TiB", "1.5MiB", "99999999999GiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
