package hint

import "testing"

func TestClosest(t *testing.T) {
	flags := []string{"target", "max-workers", "rate", "duration", "format", "fixtures"}
	for word, want := range map[string]string{
		"targt": "target", "trget": "target", "max-worker": "max-workers", "fromat": "format",
		"rat": "rate", "zzz": "", "timeout": "", "Target": "target",
	} {
		if got := Closest(word, flags); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}
