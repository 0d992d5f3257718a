package hint

import (
	"slices"
	"testing"
)

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

func TestCompleteList(t *testing.T) {
	words := []string{"text", "json", "md", "junit", "html"}
	for _, tt := range []struct {
		typed string
		want  []string
	}{
		{"", words},
		{"j", []string{"json", "junit"}},
		{"text,j", []string{"text,json", "text,junit"}},
		{"text,json,", []string{"text,json,md", "text,json,junit", "text,json,html"}},
		{"json,ju", []string{"json,junit"}},
		{"pdf", nil},
	} {
		if got := CompleteList(words, tt.typed); !slices.Equal(got, tt.want) {
			t.Errorf("CompleteList(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}
