package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/hint"
	"github.com/perfgate/perfgate/internal/load"
)

// TemplateNames lists what a template may use, for error hints.
const TemplateNames = `.Prefix, .Tenant, .User n, .Users a b, .Course n, .Courses a b, .NewUser, ` +
	`.SparseUser n, .SparseUsers a b, .CourseWithRows user n, .CourseWithoutRows user n, ` +
	`.UnstartedCourse n, .UnstartedCourses a b, .UserWithoutRows n, .UsersWithoutRows a b, ` +
	`.OtherTenant, .OtherTenantUser n, .Var "key"`

// templateFields are the names of TemplateNames, for "did you mean".
var templateFields = func() []string {
	var out []string
	for _, f := range strings.Fields(TemplateNames) {
		if strings.HasPrefix(f, ".") {
			out = append(out, strings.TrimSuffix(f[1:], ","))
		}
	}
	return out
}()

// Data is what scenario templates see: fixtures plus --set variables.
// Variables named like a fixture (Prefix, Tenant, NewUser, OtherTenant)
// override it.
type Data struct {
	fx   *fixtures.Fixtures
	vars map[string]string
}

// NewData returns template data over fx (DefaultFixtures when nil) and vars.
func NewData(fx *fixtures.Fixtures, vars map[string]string) *Data {
	if fx == nil {
		fx = fixtures.Default()
	}
	return &Data{fx: fx, vars: vars}
}

// Fixtures returns the fixtures the templates draw from (perfgate diff
// generates requests over them). The caller must not modify them.
func (d *Data) Fixtures() *fixtures.Fixtures { return d.fx }

// Prefix is the path prefix of the service: /tracking/v1 through the
// gateway (the checklist's calls), /v1/tracking when calling it directly.
func (d *Data) Prefix() string {
	if v, ok := d.vars["Prefix"]; ok {
		return v
	}
	return DefaultPrefix
}

// Tenant is the tenant ID sent in the tenantid header.
func (d *Data) Tenant() string {
	if v, ok := d.vars["Tenant"]; ok {
		return v
	}
	return d.fx.Tenant
}

// NewUser is a valid user UUID that has no data.
func (d *Data) NewUser() string {
	if v, ok := d.vars["NewUser"]; ok {
		return v
	}
	return d.fx.NewUser
}

// User returns the n-th user ID (from 0).
func (d *Data) User(n int) (string, error) { return pick("users", d.fx.Users, n) }

// Course returns the n-th course ID (from 0).
func (d *Data) Course(n int) (string, error) { return pick("courses", d.fx.Courses, n) }

// Users returns users a..b-1 as a JSON list: .Users 0 3 is three users.
func (d *Data) Users(a, b int) (string, error) { return slice("Users", "users", d.fx.Users, a, b) }

// Courses returns courses a..b-1 as a JSON list.
func (d *Data) Courses(a, b int) (string, error) {
	return slice("Courses", "courses", d.fx.Courses, a, b)
}

// SparseUser returns the n-th sparse user: one with rows for some of the
// courses and none for the others (.CourseWithRows and .CourseWithoutRows
// say which).
func (d *Data) SparseUser(n int) (string, error) { return pick("sparse_users", d.fx.SparseUsers, n) }

// SparseUsers returns sparse users a..b-1 as a JSON list.
func (d *Data) SparseUsers(a, b int) (string, error) {
	return slice("SparseUsers", "sparse_users", d.fx.SparseUsers, a, b)
}

// CourseWithRows returns the n-th course that user has rows for in the
// tenant: any course for a user of .User, the right ones for a sparse user.
func (d *Data) CourseWithRows(user string, n int) (string, error) {
	with, ok := d.fx.CoursesWithRows(user)
	if !ok {
		return "", fmt.Errorf("user %s is in neither users nor sparse_users of the fixtures, so its courses with rows are unknown", user)
	}
	return pick("courses with rows for "+user, with, n)
}

// CourseWithoutRows returns the n-th course of .Course that sparse user
// has no rows for in the tenant.
func (d *Data) CourseWithoutRows(user string, n int) (string, error) {
	gaps, ok := d.fx.CoursesWithoutRows[user]
	if !ok {
		return "", fmt.Errorf("user %s is not in sparse_users of the fixtures (only sparse users have courses without rows; use .SparseUser n)", user)
	}
	return pick("courses without rows for "+user, gaps, n)
}

// UnstartedCourse returns the n-th course that nobody has rows for.
func (d *Data) UnstartedCourse(n int) (string, error) {
	return pick("unstarted_courses", d.fx.UnstartedCourses, n)
}

// UnstartedCourses returns unstarted courses a..b-1 as a JSON list.
func (d *Data) UnstartedCourses(a, b int) (string, error) {
	return slice("UnstartedCourses", "unstarted_courses", d.fx.UnstartedCourses, a, b)
}

// UserWithoutRows returns the n-th valid user UUID with no rows anywhere;
// .UserWithoutRows 0 is .NewUser.
func (d *Data) UserWithoutRows(n int) (string, error) {
	return pick("users_without_rows", d.fx.UsersWithoutRows, n)
}

// UsersWithoutRows returns users without rows a..b-1 as a JSON list.
func (d *Data) UsersWithoutRows(a, b int) (string, error) {
	return slice("UsersWithoutRows", "users_without_rows", d.fx.UsersWithoutRows, a, b)
}

// OtherTenant is the second seeded tenant, for tenant isolation.
func (d *Data) OtherTenant() (string, error) {
	if v, ok := d.vars["OtherTenant"]; ok {
		return v, nil
	}
	if d.fx.OtherTenant == "" {
		return "", fmt.Errorf("the fixtures name no other_tenant (write them again with perfgate db seed)")
	}
	return d.fx.OtherTenant, nil
}

// OtherTenantUser returns the n-th user with rows in the other tenant;
// the first three are .User 0 to 2.
func (d *Data) OtherTenantUser(n int) (string, error) {
	return pick("other_tenant_users", d.fx.OtherTenantUsers, n)
}

// Var returns the --set variable key.
func (d *Data) Var(key string) (string, error) {
	v, ok := d.vars[key]
	if !ok {
		return "", fmt.Errorf("no variable %q; pass --set %s=value", key, key)
	}
	return v, nil
}

func pick(what string, ids []string, n int) (string, error) {
	if len(ids) == 0 {
		return "", fmt.Errorf("the fixtures have no %s (a fixtures file from an older perfgate? write it again with perfgate db seed)", what)
	}
	if n < 0 || n >= len(ids) {
		return "", fmt.Errorf("the fixtures have %d %s, so index %d is out of range (pass a --fixtures file with more, or seed a larger --scale)", len(ids), what, n)
	}
	return ids[n], nil
}

// slice returns ids[a:b] as a JSON list; fn is the accessor's name, what
// the list's name in the fixtures file.
func slice(fn, what string, ids []string, a, b int) (string, error) {
	if a < 0 || b < a || b > len(ids) {
		return "", fmt.Errorf("the fixtures have %d %s, so %d..%d is out of range (.%s a b takes items a to b-1)", len(ids), what, a, b, fn)
	}
	out, err := json.Marshal(ids[a:b])
	return string(out), err
}

// Render executes the request templates and joins the path to target. It
// also renders the jq checks that are templates and sets sc.Checks to them,
// compiled, so that a check sees the same fixtures as the request.
func (sc *Scenario) Render(target string, data *Data) (load.Request, error) {
	var errs ErrorList
	exec := func(t tmpl) string {
		if t.t == nil {
			return ""
		}
		out, err := execute(t.t, data)
		if err != nil {
			errs = append(errs, &Error{File: sc.File, Line: templateLine(t.line, t.block, err),
				Msg: fmt.Sprintf("%s: %s", t.t.Name(), templateMsg(err))})
		}
		return out
	}
	r := sc.Request
	path := exec(r.pathT)
	req := load.Request{Method: r.Method, Header: http.Header{}}
	for _, h := range r.Headers {
		v := exec(h.t)
		if !httpguts.ValidHeaderFieldValue(v) {
			errs = append(errs, &Error{File: sc.File, Line: h.t.line, Msg: fmt.Sprintf("header %s renders to %q, which is not a valid header value (control characters or newlines)", h.Name, v)})
		}
		req.Header.Add(h.Name, v)
	}
	req.Body = []byte(exec(r.bodyT))
	checks := sc.renderChecks(data, &errs)
	if err := errs.Err(); err != nil {
		return load.Request{}, err
	}
	sc.Checks = checks
	req.URL = strings.TrimRight(target, "/") + path
	if err := onTarget(req.URL, target, path); err != nil {
		return load.Request{}, ErrorList{{File: sc.File, Line: r.pathT.line, Msg: err.Error()}}
	}
	return req, nil
}

// renderChecks returns sc's checks with every template rendered over data
// and compiled; problems go to errs, with the check's file:line.
func (sc *Scenario) renderChecks(data *Data, errs *ErrorList) []Check {
	out := make([]Check, len(sc.Checks))
	for i, c := range sc.Checks {
		out[i] = c
		if c.t.t == nil {
			continue
		}
		src, err := execute(c.t.t, data)
		if err != nil {
			*errs = append(*errs, &Error{File: sc.File, Line: templateLine(c.t.line, c.t.block, err),
				Msg: fmt.Sprintf("check %q: jq: %s", c.Name, templateMsg(err))})
			continue
		}
		code, err := CompileJQ(src)
		if err != nil {
			*errs = append(*errs, &Error{File: sc.File, Line: c.t.line, Msg: fmt.Sprintf("check %q: %v (the template renders to it)", c.Name, err)})
			continue
		}
		out[i].JQ, out[i].Code = src, code
	}
	return out
}

// onTarget checks that a rendered URL still goes to target: the path
// starts with / and holds no control characters, and the URL's scheme,
// host and port are target's. A path such as "@other-host/x" would
// otherwise move the load off --target.
func onTarget(rendered, target, path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path renders to %q, which does not start with /; check the template and --set Prefix (it must start with /, like /v1/tracking)", path)
	}
	if i := strings.IndexFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return fmt.Errorf("path renders to %q, which holds a control character at byte %d", path, i)
	}
	u, err := url.Parse(rendered)
	if err != nil {
		return fmt.Errorf("path renders to %q, which does not make a URL with --target: %v", path, err)
	}
	t, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("--target %q is not a URL: %v", target, err)
	}
	if u.Scheme != t.Scheme || u.Host != t.Host || u.User != nil {
		return fmt.Errorf("path renders to %q, which sends the request to %s://%s instead of --target %s; a path cannot change the host", path, u.Scheme, u.Host, target)
	}
	return nil
}

var (
	tmplLineRE = regexp.MustCompile(`template: [^:]+:(\d+)`)
	fieldRE    = regexp.MustCompile(`can't evaluate field (\w+)`)
	funcRE     = regexp.MustCompile(`function "(\w+)" not defined`)
	callRE     = regexp.MustCompile(`error calling \w+: `)
)

// templateLine maps a template error to the file line: the node's line
// plus the line inside the template (block scalars start one line later).
func templateLine(line int, block bool, err error) int {
	if m := tmplLineRE.FindStringSubmatch(err.Error()); m != nil {
		k, _ := strconv.Atoi(m[1])
		line += k - 1
		if block {
			line++
		}
	}
	return line
}

func isBlock(n *yaml.Node) bool {
	return n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
}

// templateMsg turns a text/template error into a message with a hint.
func templateMsg(err error) string {
	msg := err.Error()
	// Drop text/template's "template: body:1:15: executing "body" at <.X>: " noise.
	if i := strings.LastIndex(msg, ">: "); i >= 0 && strings.Contains(msg, "executing") {
		msg = msg[i+3:]
	} else if m := tmplLineRE.FindStringIndex(msg); m != nil {
		msg = strings.TrimLeft(msg[m[1]:], ":0123456789 ")
	}
	msg = callRE.ReplaceAllString(msg, "")
	unknown := ""
	if m := fieldRE.FindStringSubmatch(msg); m != nil {
		unknown = m[1]
		msg = fmt.Sprintf("unknown fixture .%s", unknown)
	} else if m := funcRE.FindStringSubmatch(msg); m != nil {
		unknown = m[1]
		msg = fmt.Sprintf("unknown function %q", unknown)
	}
	if unknown != "" {
		if s := hint.Closest(unknown, templateFields); s != "" {
			msg += fmt.Sprintf(" (did you mean .%s?)", s)
		}
		msg += "; templates know " + TemplateNames
	}
	return msg
}

// ParseSets reads --set key=value pairs.
func ParseSets(sets []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: write it as key=value, e.g. --set Prefix=/v1/tracking", s)
		}
		vars[k] = v
	}
	return vars, nil
}

// Sample returns data for the i-th variation of a scenario (perfgate diff
// --samples): users and courses rotated by i, so that .User 0 is the i-th
// user. Sample(0) is d itself.
func (d *Data) Sample(i int) *Data {
	if i == 0 {
		return d
	}
	fx := *d.fx
	fx.Users = rotate(fx.Users, i)
	fx.Courses = rotate(fx.Courses, i*7) // a different stride, so pairs vary too
	return &Data{fx: &fx, vars: d.vars}
}

func rotate(ids []string, k int) []string {
	if len(ids) == 0 {
		return ids
	}
	k %= len(ids)
	return append(append([]string{}, ids[k:]...), ids[:k]...)
}
