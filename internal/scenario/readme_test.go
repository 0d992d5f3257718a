package scenario

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestReadmeExamples: every YAML example in README.md is a scenario file
// that parses and renders over the default fixtures, as a reader would
// copy it.
func TestReadmeExamples(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := yamlBlocks(string(data))
	if len(examples) < 2 {
		t.Fatalf("README.md has %d YAML examples; the scenario file and the ramp are expected", len(examples))
	}
	for _, ex := range examples {
		t.Run(fmt.Sprintf("README.md:%d", ex.line), func(t *testing.T) {
			// Blank lines before the block, so that errors name README.md's lines.
			sc, err := Parse("README.md", []byte(strings.Repeat("\n", ex.line-1)+ex.text))
			if err != nil {
				t.Fatalf("the example does not parse as a scenario:\n%v\n%s", err, ex.text)
			}
			if _, err := sc.Render("http://127.0.0.1:3000", NewData(nil, nil)); err != nil {
				t.Errorf("the example does not render over the default fixtures:\n%v", err)
			}
		})
	}
}

// example is a fenced block and the line its text starts on.
type example struct {
	line int
	text string
}

// yamlBlocks returns the text of every ```yaml fenced block of markdown.
func yamlBlocks(markdown string) []example {
	var out []example
	var cur *example
	for i, line := range strings.Split(markdown, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```yaml":
			cur = &example{line: i + 2}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return out
}
