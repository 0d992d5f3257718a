package docs

import (
	"testing"
	"testing/fstest"
)

// TestSections: the first block under each heading is taken, other
// blocks and the text around them are not, and a fence's language is no
// part of its text.
func TestSections(t *testing.T) {
	page := "# perfgate x\n\nShort.\n\n```text\nperfgate x [flags]\n```\n\n## Description\n\nprose\n\n```text\nline one\n\n  indented\n```\n\n```text\nsecond block\n```\n\n## Examples\n\n```sh\n  perfgate x\n```\n"
	got := Sections(page)
	if got["Description"] != "line one\n\n  indented" || got["Examples"] != "  perfgate x" || len(got) != 2 {
		t.Errorf("sections: %q", got)
	}
}

// TestHelp: a command's help is read from its page, named after its path.
func TestHelp(t *testing.T) {
	fsys := fstest.MapFS{"cli/perfgate_db_up.md": {Data: []byte("# perfgate db up\n\n## Description\n\n```text\nup starts\n```\n")}}
	if d, e, ok := Help(fsys, "perfgate db up"); !ok || d != "up starts" || e != "" {
		t.Errorf("db up: %q, %q, %v", d, e, ok)
	}
	if _, _, ok := Help(fsys, "perfgate db"); ok {
		t.Error("perfgate db has no page, but Help found one")
	}
	if _, _, ok := Help(CLI, "perfgate run"); !ok {
		t.Error("the embedded reference has no page for perfgate run")
	}
}
