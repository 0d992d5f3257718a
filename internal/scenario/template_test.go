package scenario

import (
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/fixtures"
)

// renderBody renders body as a scenario's request body over data.
func renderBody(t *testing.T, body string, data *Data) (string, error) {
	t.Helper()
	src := "name: t\nrequest:\n  method: POST\n  path: /x\n  body: '" + strings.ReplaceAll(body, "'", "''") + "'\n" +
		"load: { rate: 1/s, duration: 1s }\nexpect: { status: 200 }\n"
	sc, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse %q: %v", body, err)
	}
	req, err := sc.Render("http://127.0.0.1:1", data)
	return string(req.Body), err
}

// TestTemplateSparseAccessors: the sparse cases' accessors work on the
// default fixtures (no --fixtures), and name what the seeder guarantees.
func TestTemplateSparseAccessors(t *testing.T) {
	fx := fixtures.Default()
	c := fixtures.FixedCourses
	sparse0, sparse1 := fixtures.FixedSparseUsers[0], fixtures.FixedSparseUsers[1]
	tests := []struct{ body, want string }{
		{`{{ .SparseUser 0 }}`, sparse0},
		{`{{ .SparseUsers 0 2 }}`, `["` + sparse0 + `","` + sparse1 + `"]`},
		{`{{ .CourseWithoutRows (.SparseUser 0) 0 }}`, c[1]},
		{`{{ .CourseWithRows (.SparseUser 0) 1 }}`, c[2]},
		{`{{ .CourseWithoutRows (.SparseUser 1) 1 }}`, c[2]},
		{`{{ .CourseWithRows (.SparseUser 1) 0 }}`, c[1]},
		{`{{ .CourseWithRows (.User 0) 2 }}`, c[2]},
		{`{{ .UnstartedCourse 1 }}`, fixtures.FixedUnstartedCourses[1]},
		{`{{ .UnstartedCourses 0 2 }}`, `["` + fixtures.FixedUnstartedCourses[0] + `","` + fixtures.FixedUnstartedCourses[1] + `"]`},
		{`{{ .UserWithoutRows 0 }}`, fixtures.FixedNewUser},
		{`{{ .UsersWithoutRows 1 2 }}`, `["` + fixtures.FixedUsersWithoutRows[1] + `"]`},
		{`{{ .OtherTenant }}`, fixtures.FixedOtherTenant},
		{`{{ .OtherTenantUser 3 }}`, sparse1},
	}
	for _, tt := range tests {
		got, err := renderBody(t, tt.body, NewData(nil, nil))
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
	if got, _ := renderBody(t, `{{ .OtherTenant }}`, NewData(fx, map[string]string{"OtherTenant": "t9"})); got != "t9" {
		t.Errorf("--set OtherTenant=t9 gives %q", got)
	}
}

func TestTemplateSparseAccessorErrors(t *testing.T) {
	old := &fixtures.Fixtures{Tenant: "t", Users: []string{"u0"}, Courses: []string{"c0"}, NewUser: "n"} // a file from before
	tests := []struct {
		body string
		fx   *fixtures.Fixtures
		want string
	}{
		{`{{ .CourseWithoutRows (.User 0) 0 }}`, nil, "is not in sparse_users of the fixtures"},
		{`{{ .CourseWithRows "00000000-0000-4000-8000-000000000000" 0 }}`, nil, "is in neither users nor sparse_users"},
		{`{{ .CourseWithoutRows (.SparseUser 0) 1 }}`, nil, "index 1 is out of range"},
		{`{{ .SparseUser 2 }}`, nil, "the fixtures have 2 sparse_users, so index 2 is out of range"},
		{`{{ .UnstartedCourses 1 3 }}`, nil, "so 1..3 is out of range (.UnstartedCourses a b takes items a to b-1)"},
		{`{{ .SparseUser 0 }}`, old, "the fixtures have no sparse_users (a fixtures file from an older perfgate? write it again with perfgate db seed)"},
		{`{{ .OtherTenant }}`, old, "the fixtures name no other_tenant"},
		{`{{ .SparseUsr 0 }}`, nil, "unknown fixture .SparseUsr (did you mean .SparseUser?)"},
	}
	for _, tt := range tests {
		_, err := renderBody(t, tt.body, NewData(tt.fx, nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestTemplateNamesAreAccessors(t *testing.T) {
	for _, name := range templateFields {
		body := "{{ ." + name + " }}"
		_, err := renderBody(t, body, NewData(nil, nil))
		if err != nil && strings.Contains(err.Error(), "unknown fixture") {
			t.Errorf("TemplateNames lists .%s, which templates do not know: %v", name, err)
		}
	}
	if len(templateFields) != 18 {
		t.Errorf("templateFields = %v", templateFields)
	}
}
