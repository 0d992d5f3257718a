package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/model"
)

func TestParseFormats(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "text", want: []string{"text"}},
		{in: " text, JSON ,md,junit,html ", want: []string{"text", "json", "md", "junit", "html"}},
		{in: "md,md,markdown", want: []string{"md"}},
		{in: "text,,json", want: []string{"text", "json"}},
		{in: "pdf", wantErr: `unknown format "pdf": valid formats are text,json,md,junit,html`},
		{in: "", wantErr: "no format given: valid formats are text,json,md,junit,html"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			fs, err := RunFormats(nil).Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseFormats(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, fs.Names()); diff != "" {
				t.Errorf("ParseFormats(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{MarkdownFile, func(b *bytes.Buffer) error { return Markdown(b, testRun()) }},
		{JUnitFile, func(b *bytes.Buffer) error { return JUnit(b, testRun()) }},
		{HTMLFile, func(b *bytes.Buffer) error { return HTML(b, testRun(), testRaw()) }},
		{"report-noraw.html", func(b *bytes.Buffer) error { return HTML(b, testRun(), nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestWriteFormats(t *testing.T) {
	dir := t.TempDir()
	formats, err := RunFormats(testRaw()).Parse("text,json,md,junit,html")
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := formats.Write(dir, testRun(), &stdout); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// Every file format lands in the directory, no temporary file is
	// left, and text goes to stdout.
	if diff := cmp.Diff([]string{JUnitFile, HTMLFile, "summary.json", MarkdownFile}, names); diff != "" {
		t.Errorf("files in run dir (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(stdout.String(), "perfgate run") {
		t.Errorf("stdout does not hold the text table:\n%s", stdout.String())
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "## ❌ perfgate run `after`: FAIL: 2 of 3 scenarios failed (multi-user-multi-course, empty-user-list)") {
		t.Errorf("summary.md starts with %q", strings.SplitN(string(md), "\n", 2)[0])
	}
}

func TestFormatsTables(t *testing.T) {
	// One parser for every command: the same rules whatever the table.
	for _, names := range [][]string{RunFormats(nil).Names(), CapacityFormats.Names(), CompareFormats.Names()} {
		if names[0] != FormatText {
			t.Errorf("table %v does not start with text", names)
		}
	}
	if _, err := CapacityFormats.Parse(""); err == nil || !strings.Contains(err.Error(), "valid formats are text,json,html") {
		t.Errorf("capacity accepts an empty --format: %v", err)
	}
	got, err := CapacityFormats.Parse("html,HTML, text")
	if err != nil || !cmp.Equal(got.Names(), []string{"html", "text"}) {
		t.Errorf("capacity --format html,HTML,text = %v, %v; want deduplicated [html text]", got.Names(), err)
	}
	if got := CapacityFormats.Renamed(FormatHTML, CapacityHTMLFile); got[2].File != CapacityHTMLFile || CapacityFormats[2].File != HTMLFile {
		t.Error("Renamed changed the table it was called on, or did not rename")
	}
	// Rendered: the text without the header a run printed at its start,
	// and the table it was called on left as it was.
	tr := testRun()
	full := RunFormats(nil).Only([]string{FormatText})
	table := full.Rendered(FormatText, TextTable)
	var gotFull, gotTable, wantTable bytes.Buffer
	for _, w := range []struct {
		fs  Formats[*model.Run]
		out *bytes.Buffer
	}{{full, &gotFull}, {table, &gotTable}} {
		if err := w.fs.Write(t.TempDir(), tr, w.out); err != nil {
			t.Fatal(err)
		}
	}
	if err := TextTable(&wantTable, tr); err != nil {
		t.Fatal(err)
	}
	if gotTable.String() != wantTable.String() || !strings.HasPrefix(gotFull.String(), "perfgate run") {
		t.Errorf("Rendered(text, TextTable) wrote %q, want %q; the table it was called on wrote %q", gotTable.String(), wantTable.String(), gotFull.String())
	}
	run, _ := RunFormats(nil).Parse("text")
	if with := run.With(RunFormats(nil), FormatJSON); !cmp.Equal(with.Names(), []string{"text", "json"}) || len(run) != 1 {
		t.Errorf("With = %v", with.Names())
	}
}

func TestMarkdownContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, testRun()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"199/s of 200/s ⚠️ under-delivered",
		"| ❌ | p95 | &lt; 3s | 3.4s | p95 3.4s &gt; 3s |",
		"| statements | 1 |",
		"`WITH req AS (SELECT unnest($1::uuid[]) ...) SELECT ... \\| ...`",
		"**interrupted**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	// Every table row has the same number of unescaped cells as its header.
	for _, block := range strings.Split(md, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if !strings.HasPrefix(lines[0], "|") {
			continue
		}
		cells := func(l string) int { return strings.Count(l, "|") - strings.Count(l, `\|`) }
		for _, l := range lines[1:] {
			if cells(l) != cells(lines[0]) {
				t.Errorf("row %q has %d cells, header %q has %d", l, cells(l), lines[0], cells(lines[0]))
			}
		}
	}
}

// TestTextSaysThingsOnce: a scenario that sent nothing says so once, and a
// probe without pg_stat_statements shows no statement count.
func TestTextSaysThingsOnce(t *testing.T) {
	run := &model.Run{Target: "http://x", Scenarios: []*model.Scenario{{Name: "s", StatusCodes: map[string]int64{},
		Criteria: []model.Criterion{
			{Name: "status", Message: "no requests were sent"},
			{Name: "errors", Message: "no requests were sent"},
		},
		DB: &model.DB{SeqScansPerRequest: 2, StatementsAvailable: false}}}}
	var buf bytes.Buffer
	if err := Text(&buf, run); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "no requests were sent"); n != 1 {
		t.Errorf("said %d times:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "n/a statements") || strings.Contains(buf.String(), " 0 statements") {
		t.Errorf("statements without pg_stat_statements:\n%s", buf.String())
	}
}

// TestTextGrammar: counts agree with their nouns, large figures have
// thousands separators, the success column has the name the other formats
// give it, a run of one scenario does not say "all 1", and a failing
// status shows the answer behind it.
func TestTextGrammar(t *testing.T) {
	one := &model.Run{Target: "http://x", Pass: true, Scenarios: []*model.Scenario{{Name: "single", Pass: true, Success: 1,
		StatusCodes: map[string]int64{"200": 3},
		DB:          &model.DB{StatementsPerRequest: 1, SeqScansPerRequest: 1, RowsReadPerRequest: 44891550, StatementsAvailable: true}}}}
	var buf bytes.Buffer
	if err := Text(&buf, one); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"db   single: 1 statement, 1 seq scan, 0 index scans, 44,891,550 rows read per request",
		"PASS: single met its criteria",
		"  success  ",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}

	body := `{"success":true,"message":"success","data":[]}` + strings.Repeat(" ", 300) + "tail"
	failing := &model.Run{Target: "http://x", Scenarios: []*model.Scenario{{Name: "invalid-input", StatusCodes: map[string]int64{"200": 3},
		Criteria: []model.Criterion{{Name: "status", Message: "status 200 on 3/3 requests (want 400)"},
			{Name: "check:the error says the request failed", Message: `check "the error says the request failed" failed on 3/3: got false`}},
		Checks: []model.Check{{Name: "the error says the request failed", Failed: 3, Failures: []string{"got false: " + body}}}}}}
	buf.Reset()
	if err := Text(&buf, failing); err != nil {
		t.Fatal(err)
	}
	want := `     invalid-input: first failing answer: got false: {"success":true,"message":"success","data":[]} tail` + "\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("text lacks the failing answer on one line %q:\n%s", want, buf.String())
	}

	// Without a check, the answer fetched after the load stands in.
	notFound := &model.Run{Target: "http://x", Scenarios: []*model.Scenario{{Name: "wrong-prefix", StatusCodes: map[string]int64{"404": 3},
		Criteria:      []model.Criterion{{Name: "status", Message: "status 404 on 3/3 requests (want 200)"}},
		FailingAnswer: &model.Answer{Status: 404, Body: "404 page not found\n", Resent: true}}}}
	buf.Reset()
	if err := Text(&buf, notFound); err != nil {
		t.Fatal(err)
	}
	want = "     wrong-prefix: first failing answer: answered again after the load 404: 404 page not found\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("text lacks the failing answer fetched after the load %q:\n%s", want, buf.String())
	}
}

func TestOneLine(t *testing.T) {
	long := strings.Repeat("é", 400)
	if got := oneLine(long, 160); len([]rune(got)) != 160 || !strings.HasSuffix(got, "…") {
		t.Errorf("oneLine of 400 runes: %d runes %q", len([]rune(got)), got)
	}
	if got := oneLine("a\n  b\tc", 160); got != "a b c" {
		t.Errorf("oneLine folds whitespace: %q", got)
	}
}

// TestMarkdownStatements: a statement is shortened in the table, so that
// calls, mean and rows stay on the page, and written in full once, however
// many scenarios list it.
func TestMarkdownStatements(t *testing.T) {
	long := "WITH req_users AS (\n  SELECT u.id, u.ord FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)\n), req_courses AS (" +
		strings.Repeat(" SELECT 1 UNION ALL", 30) + " SELECT 2) SELECT * FROM req_users, req_courses"
	db := func() *model.DB {
		return &model.DB{StatementsPerRequest: 1, StatementsAvailable: true, SlowestStatements: []model.Statement{
			{Query: long, Calls: 300, MeanTime: time.Millisecond, Rows: 300},
			{Query: "SELECT 1", Calls: 1, Rows: 1}}}
	}
	run := &model.Run{Target: "http://x", Scenarios: []*model.Scenario{{Name: "a", DB: db()}, {Name: "b", DB: db()}}}
	var buf bytes.Buffer
	if err := Markdown(&buf, run); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if n := strings.Count(md, "| S1 | `WITH req_users AS ( SELECT u.id, u.ord FROM unnest($1::text…` | 300 | 1ms | 300 |"); n != 2 {
		t.Errorf("shortened S1 row appears %d times, want once per scenario:\n%s", n, md)
	}
	if n := strings.Count(md, long); n != 1 {
		t.Errorf("the full statement appears %d times, want once:\n%s", n, md)
	}
	if !strings.Contains(md, "<details><summary>Statements S1 to S2 in full</summary>\n\nS1:\n\n```sql\n"+long+"\n```\n\nS2:\n\n```sql\nSELECT 1\n```") {
		t.Errorf("no full statements block:\n%s", md)
	}
}

func TestScenarioLine(t *testing.T) {
	sc := &model.Scenario{Name: "multi", Requests: 2, Success: 1, Latency: model.Latency{P95: 5250 * time.Millisecond},
		Criteria: []model.Criterion{{Name: "status", Pass: true}, {Name: "p95", Message: "p95 5.25s > 3s"}, {Name: "p99", Message: "p99 5.25s > 3s"}}}
	if got, want := ScenarioLine(sc), "multi: FAIL, 2 requests, p95 5.25s, success 100%; p95 5.25s > 3s"; got != want {
		t.Errorf("ScenarioLine = %q, want %q", got, want)
	}
	sc = &model.Scenario{Name: "one", Pass: true, Requests: 1, Success: 1, Latency: model.Latency{P95: 3 * time.Millisecond}}
	if got, want := ScenarioLine(sc), "one: PASS, 1 request, p95 3ms, success 100%"; got != want {
		t.Errorf("ScenarioLine = %q, want %q", got, want)
	}
}
