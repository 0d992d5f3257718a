package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompletions: the shell completion of flag values offers the words
// the command accepts (per command for --format), continues a
// comma-separated list after its last comma, and offers the scenario
// names of the files given for --only and --skip.
func TestCompletions(t *testing.T) {
	scenarios := filepath.Join("..", "..", "scenarios")
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--format", ""}, []string{"text", "json", "md", "junit", "html"}},
		{[]string{"run", "--format", "text,j"}, []string{"text,json", "text,junit"}},
		{[]string{"run", "--format", "text,json,"}, []string{"text,json,md", "text,json,junit", "text,json,html"}},
		{[]string{"compare", "a", "b", "--format", ""}, []string{"text", "md", "json", "html"}},
		{[]string{"capacity", "--format", ""}, []string{"text", "json", "html"}},
		{[]string{"report", "r", "--format", "m"}, []string{"md"}},
		{[]string{"db", "up", "--scale", ""}, []string{"tiny", "demo", "claim"}},
		{[]string{"db", "seed", "--scale", ""}, []string{"tiny", "demo", "claim"}},
		{[]string{"demo", "--scale", ""}, []string{"tiny", "demo", "claim"}},
		{[]string{"db", "up", "--provider", ""}, []string{"auto", "local", "docker", "dsn"}},
		{[]string{"serve", "--strategy", ""}, []string{"naive", "optimized"}},
		{[]string{"export", "r", "--to", ""}, []string{"csv", "vegeta"}},
		{[]string{"run", scenarios, "--only", ""}, []string{"single-user-single-course", "multi-user-multi-course", "user-with-no-data", "invalid-input"}},
		{[]string{"validate", scenarios, "--skip", "single-user-single-course,"}, []string{"single-user-single-course,multi-user-multi-course",
			"single-user-single-course,user-with-no-data", "single-user-single-course,invalid-input"}},
		{[]string{"capacity", scenarios, "--only", "inv"}, []string{"invalid-input"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			Execute(context.Background(), append([]string{"__complete"}, tt.args...), Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if l != "" && !strings.HasPrefix(l, ":") {
					got = append(got, strings.SplitN(l, "\t", 2)[0])
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("completions %q, want %q (stderr %q)", got, want, errOut.String())
			}
		})
	}
}
