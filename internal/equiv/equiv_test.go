package equiv

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mustDecode decodes a JSON literal of a test table.
func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// strs renders differences the way perfgate diff prints them.
func strs(ds []Difference) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// The shape the reference endpoint answers with.
const statusBody = `{"success":true,"message":"success","data":[
 {"userId":"u1","course":[
   {"courseId":"c1","in_progress":1,"completed":2,"started_on":"2024-01-01T00:00:00Z","in_progress_list":["a"],"completed_list":["b","c"]},
   {"courseId":"c2","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]}]},
 {"userId":"u2","course":[
   {"courseId":"c1","in_progress":0,"completed":3,"started_on":"2024-02-01T00:00:00Z","in_progress_list":[],"completed_list":["d","e","f"]}]}]}`

// edit returns statusBody changed by a jq-like edit done in Go.
func edit(t *testing.T, f func(data []any)) any {
	t.Helper()
	v := mustDecode(t, statusBody)
	f(v.(map[string]any)["data"].([]any))
	return v
}

func course(data []any, u, c int) map[string]any {
	return data[u].(map[string]any)["course"].([]any)[c].(map[string]any)
}

func TestDiffNormalized(t *testing.T) {
	tests := []struct {
		name              string
		after             func(data []any)
		ignore, unordered []string
		want              []string
	}{
		{
			name:  "equal",
			after: func([]any) {},
		},
		{
			name:  "changed count",
			after: func(d []any) { course(d, 1, 0)["completed"] = json.Number("4") },
			want:  []string{".data[1].course[0].completed: before 3, after 4"},
		},
		{
			name:  "same number written differently",
			after: func(d []any) { course(d, 1, 0)["completed"] = json.Number("3.0") },
		},
		{
			name: "reordered list",
			after: func(d []any) {
				course(d, 0, 0)["completed_list"] = []any{"c", "b"}
			},
			want: []string{
				`.data[0].course[0].completed_list: same 2 elements, different order: before ["b","c"], after ["c","b"]`,
			},
		},
		{
			name: "reordered objects: named by their identifiers",
			after: func(d []any) {
				u := d[0].(map[string]any)
				c := u["course"].([]any)
				u["course"] = []any{c[1], c[0]}
			},
			want: []string{`.data[0].course: same 2 elements, different order: before ["c1","c2"], after ["c2","c1"]`},
		},
		{
			name: "an entry missing from the middle is one difference, not one per entry after it",
			after: func(d []any) {
				u := d[0].(map[string]any)
				u["course"] = u["course"].([]any)[1:]
			},
			want: []string{`.data[0].course[0]: before {"completed":2,"completed_list":["b","c"],"courseId":"c1","in_progress":1,"in_progress_list":["a"],"started_on":"2024-01-01T00:00:00Z"}, after absent`},
		},
		{
			name: "a repeated entry collapsed",
			after: func(d []any) {
				u := d[0].(map[string]any)
				c := u["course"].([]any)
				u["course"] = []any{c[0], c[1], c[0]}
			},
			want: []string{`.data[0].course[2]: before absent, after {"completed":2,"completed_list":["b","c"],"courseId":"c1","in_progress":1,"in_progress_list":["a"],"started_on":"2024-01-01T00:00:00Z"}`},
		},
		{
			name: "aligned entries are compared inside",
			after: func(d []any) {
				u := d[0].(map[string]any)
				c := u["course"].([]any)
				c[1].(map[string]any)["completed"] = json.Number("7")
				u["course"] = c[1:]
			},
			want: []string{
				`.data[0].course[0]: before {"completed":2,"completed_list":["b","c"],"courseId":"c1","in_progress":1,"in_progress_list":["a"],"started_on":"2024-01-01T00:00:00Z"}, after absent`,
				`.data[0].course[1].completed: before 0, after 7`,
			},
		},
		{
			name: "a list element missing from the middle",
			after: func(d []any) {
				course(d, 1, 0)["completed_list"] = []any{"d", "f"}
			},
			want: []string{`.data[1].course[0].completed_list[1]: before "e", after absent`},
		},
		{
			name: "reordered list, unordered",
			after: func(d []any) {
				course(d, 0, 0)["completed_list"] = []any{"c", "b"}
			},
			unordered: []string{".data[].course[].completed_list"},
		},
		{
			name: "unordered list is a multiset",
			after: func(d []any) {
				course(d, 0, 0)["completed_list"] = []any{"c", "b", "b"}
			},
			unordered: []string{".data[].course[].completed_list"},
			want: []string{
				`.data[0].course[0].completed_list[1]: before absent, after "b"`,
			},
		},
		{
			name: "reordered objects with reordered lists inside, both unordered",
			after: func(d []any) {
				d[0], d[1] = d[1], d[0]
				c := d[1].(map[string]any)["course"].([]any)
				c[0], c[1] = c[1], c[0]
				c[1].(map[string]any)["completed_list"] = []any{"c", "b"}
			},
			unordered: []string{".data", ".data[].course", ".data[].course[].completed_list"},
		},
		{
			name: "missing course entry",
			after: func(d []any) {
				u := d[0].(map[string]any)
				u["course"] = u["course"].([]any)[:1]
			},
			want: []string{`.data[0].course[1]: before {"completed":0,"completed_list":[],"courseId":"c2","in_progress":0,"in_progress_list":[],"started_on":null}, after absent`},
		},
		{
			name:   "ignored field",
			after:  func(d []any) { course(d, 0, 0)["started_on"] = "2024-01-01T00:00:00.000Z" },
			ignore: []string{".data[].course[].started_on"},
		},
		{
			name:  "field not ignored",
			after: func(d []any) { course(d, 0, 0)["started_on"] = "2024-01-01T00:00:00.000Z" },
			want:  []string{`.data[0].course[0].started_on: before "2024-01-01T00:00:00Z", after "2024-01-01T00:00:00.000Z"`},
		},
		{
			name:  "extra key",
			after: func(d []any) { course(d, 0, 1)["total"] = json.Number("0") },
			want:  []string{".data[0].course[1].total: before absent, after 0"},
		},
		{
			name:  "missing key",
			after: func(d []any) { delete(d[1].(map[string]any), "userId") },
			want:  []string{`.data[1].userId: before "u2", after absent`},
		},
		{
			name:  "type change",
			after: func(d []any) { course(d, 0, 0)["in_progress"] = "1" },
			want:  []string{`.data[0].course[0].in_progress: before 1 (number), after "1" (string)`},
		},
		{
			name:  "null where a list was",
			after: func(d []any) { d[1].(map[string]any)["course"] = nil },
			// The ignore path walks through the null without failing.
			ignore: []string{".data[].course[].started_on"},
			want:   []string{`.data[1].course: before [{"completed":3,"completed_list":["d","e","f"],"courseId":"c1","in_progress":0,"in_progress_list":[]}] (array), after null (null)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewNormalizer(tt.ignore, tt.unordered)
			if err != nil {
				t.Fatal(err)
			}
			b, err := n.Normalize(mustDecode(t, statusBody))
			if err != nil {
				t.Fatal(err)
			}
			a, err := n.Normalize(edit(t, tt.after))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, strs(Diff(b, a))); d != "" {
				t.Errorf("differences (-want +got):\n%s", d)
			}
		})
	}
}

func TestDiffKinds(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          []Difference
	}{
		{"root scalar", `1`, `2`, []Difference{{Path: ".", Before: json.Number("1"), After: json.Number("2"), Kind: KindChanged}}},
		{"root type", `[]`, `{}`, []Difference{{Path: ".", Before: []any{}, After: map[string]any{}, Kind: KindType}}},
		{"key that is not an identifier", `{"user-id":1}`, `{"user-id":2}`,
			[]Difference{{Path: `.["user-id"]`, Before: json.Number("1"), After: json.Number("2"), Kind: KindChanged}}},
		{"nested path", `{"a":[{"b":{"c":[true]}}]}`, `{"a":[{"b":{"c":[false]}}]}`,
			[]Difference{{Path: ".a[0].b.c[0]", Before: true, After: false, Kind: KindChanged}}},
		{"longer list", `[1]`, `[1,2]`, []Difference{{Path: "[1]", After: json.Number("2"), Kind: KindExtra}}},
		{"shorter list", `{"l":[1,2]}`, `{"l":[1]}`, []Difference{{Path: ".l[1]", Before: json.Number("2"), Kind: KindMissing}}},
		{"null and absent differ", `{"a":null}`, `{}`, []Difference{{Path: ".a", Kind: KindMissing}}},
		{"keys in sorted order", `{"b":1,"a":1}`, `{"b":2,"a":2}`, []Difference{
			{Path: ".a", Before: json.Number("1"), After: json.Number("2"), Kind: KindChanged},
			{Path: ".b", Before: json.Number("1"), After: json.Number("2"), Kind: KindChanged},
		}},
		{"big integers stay exact", `12345678901234567890`, `12345678901234567891`, []Difference{
			{Path: ".", Before: json.Number("12345678901234567890"), After: json.Number("12345678901234567891"), Kind: KindChanged},
		}},
		{"equal", `{"a":[1,{"b":null}]}`, `{"a":[1.0,{"b":null}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(mustDecode(t, tt.before), mustDecode(t, tt.after))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name              string
		in                string
		ignore, unordered []string
		want              string
		err               string
	}{
		{name: "nothing to do", in: `{"a":[2,1]}`, want: `{"a":[2,1]}`},
		{name: "ignore every match", in: `{"a":[{"t":1,"k":1},{"t":2,"k":2}]}`, ignore: []string{".a[].t"}, want: `{"a":[{"k":1},{"k":2}]}`},
		{name: "ignore list elements", in: `{"a":[1,2,3]}`, ignore: []string{".a[0]", ".a[2]"}, want: `{"a":[2]}`},
		{name: "ignore a path that is not there", in: `{"a":null,"b":"x"}`, ignore: []string{".a[].t", ".b.c", ".z"}, want: `{"a":null,"b":"x"}`},
		{name: "sort in jq order", in: `{"a":[3,"x",null,{"b":1},[1],1]}`, unordered: []string{".a"}, want: `{"a":[null,1,3,"x",[1],{"b":1}]}`},
		{name: "sort after ignoring", in: `[{"t":9,"k":2},{"t":1,"k":1}]`, ignore: []string{".[].t"}, unordered: []string{"."}, want: `[{"k":1},{"k":2}]`},
		{name: "inner lists before outer", in: `[[2,1],[1,1]]`, unordered: []string{".", ".[]"}, want: `[[1,1],[1,2]]`},
		{name: "unordered on a non-list is left alone", in: `{"a":"ba"}`, unordered: []string{".a"}, want: `{"a":"ba"}`},
		{name: "not a path", in: `{}`, ignore: []string{".a + 1"}, err: `ignore path ".a + 1": is not a path expression`},
		{name: "does not parse", in: `{}`, unordered: []string{".a["}, err: `unordered path ".a[": does not parse`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustDecode(t, tt.in)
			got, err := Normalize(in, tt.ignore, tt.unordered)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(FormatValue(mustDecode(t, tt.want)), FormatValue(got)); d != "" {
				t.Errorf("Normalize (-want +got):\n%s", d)
			}
			if d := cmp.Diff(mustDecode(t, tt.in), in); d != "" {
				t.Errorf("input modified (-before +after):\n%s", d)
			}
		})
	}
}

func TestCompareResponses(t *testing.T) {
	ok := `{"success":true,"data":[{"userId":"u","course":[{"courseId":"c","completed":1,"started_on":"t1"}]}]}`
	tests := []struct {
		name          string
		before, after Response
		ignore        []string
		expectChange  bool
		want          Result
		wantStrings   []string
	}{
		{
			name:   "equal",
			before: Response{200, []byte(ok)}, after: Response{200, []byte(" " + ok + "\n")},
		},
		{
			name:        "status change is a difference",
			before:      Response{200, []byte(`{"success":true,"data":[]}`)},
			after:       Response{400, []byte(`{"success":false}`)},
			wantStrings: []string{"status: before 200, after 400"},
		},
		{
			name:         "status change expected: bodies not compared",
			before:       Response{200, []byte(`{"success":true,"data":[]}`)},
			after:        Response{400, []byte(`{"success":false}`)},
			expectChange: true,
			want:         Result{ExpectedStatusChange: true},
		},
		{
			name:         "status change expected but none: bodies compared",
			before:       Response{400, []byte(`{"success":false}`)},
			after:        Response{400, []byte(`{"success":true}`)},
			expectChange: true,
			wantStrings:  []string{".success: before false, after true"},
		},
		{
			name:   "ignored field",
			before: Response{200, []byte(ok)}, after: Response{200, []byte(strings.Replace(ok, "t1", "t2", 1))},
			ignore: []string{".data[].course[].started_on"},
		},
		{
			name:   "not JSON: first differing byte",
			before: Response{500, []byte("Internal Server Error: pool exhausted")},
			after:  Response{500, []byte("Internal Server Error: timeout")},
			wantStrings: []string{
				`body: differs at byte 23: before …"ernal Server Error: pool exhausted", after …"ernal Server Error: timeout"`,
			},
		},
		{
			name:   "not JSON, equal",
			before: Response{502, []byte("bad gateway")}, after: Response{502, []byte("bad gateway")},
		},
		{
			name:        "JSON and not JSON",
			before:      Response{200, []byte(`{}`)},
			after:       Response{200, nil},
			wantStrings: []string{`body: differs at byte 0: before "{}", after ""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewNormalizer(tt.ignore, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := CompareResponses(tt.before, tt.after, n, tt.expectChange)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.wantStrings, strs(got.Differences)); d != "" {
				t.Errorf("differences (-want +got):\n%s", d)
			}
			if got.ExpectedStatusChange != tt.want.ExpectedStatusChange || got.Equal() != (len(tt.wantStrings) == 0) {
				t.Errorf("result %+v, want %+v with %d differences", got, tt.want, len(tt.wantStrings))
			}
		})
	}
}

func TestFormatPath(t *testing.T) {
	tests := []struct {
		path []any
		want string
	}{
		{nil, "."},
		{[]any{"data", 0, "course", 1, "completed"}, ".data[0].course[1].completed"},
		{[]any{0}, "[0]"},
		{[]any{"a b"}, `.["a b"]`},
		{[]any{"x", "é", "_ok9"}, `.x["é"]._ok9`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatPath(tt.path); got != tt.want {
				t.Errorf("FormatPath(%v) = %s, want %s", tt.path, got, tt.want)
			}
		})
	}
}

func TestFormatValueTruncates(t *testing.T) {
	got := FormatValue(strings.Repeat("é", MaxValueLen))
	if len(got) > MaxValueLen+len("…") || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, `"é`) {
		t.Errorf("FormatValue of a long string = %q", got)
	}
}

func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{`{"a":1}`, true},
		{" [1]\n", true},
		{``, false},
		{`{"a":1}{"b":2}`, false},
		{`{"a":1} x`, false},
		{`<html>`, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Errorf("Decode(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestFirstDifference(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", -1},
		{"abc", "abc", -1},
		{"abc", "abd", 2},
		{"ab", "abc", 2},
		{"abc", "", 0},
	} {
		if got := FirstDifference([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("FirstDifference(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
