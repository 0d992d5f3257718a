package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// TestHostileFiles: what run would fail on (or send elsewhere), validate
// refuses, naming the file and line.
func TestHostileFiles(t *testing.T) {
	long := strings.Repeat("a", MaxNameLength+1)
	for _, tc := range []struct {
		name, src, want string
		sets            map[string]string
	}{
		{"second document", "name: a\nrequest:\n  path: /x\n---\nname: b\nrequest:\n  path: /y\n", "s.yaml:4: a second YAML document", nil},
		{"not utf-8", "name: a\nrequest:\n  path: /x\ndescription: \xff\xfe\n", "s.yaml:4: not UTF-8", nil},
		{"bad header name", "name: a\nrequest:\n  path: /x\n  headers:\n    \"bad header\": x\n", `s.yaml:5: header name "bad header" is not a valid HTTP header name`, nil},
		{"bad header value", "name: a\nrequest:\n  path: /x\n  headers:\n    X-A: \"a\\nb\"\n", "s.yaml:5: header X-A renders to", nil},
		{"control character in path", "name: a\nrequest:\n  path: \"/x\\ty\"\n", "holds a control character", nil},
		{"long name", "name: " + long + "\nrequest:\n  path: /x\n", fmt.Sprintf("name is %d characters", MaxNameLength+1), nil},
		{"path moves the host", "name: a\nrequest:\n  path: '{{ \"@127.0.0.1:18006\" }}/x'\n", "s.yaml:3: path renders to \"@127.0.0.1:18006/x\", which does not start with /", nil},
		{"prefix without slash", "name: a\nrequest:\n  path: '{{ .Prefix }}/x'\n", "does not start with /; check the template and --set Prefix", map[string]string{"Prefix": "v1/tracking"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Parse("s.yaml", []byte(tc.src))
			if err == nil {
				_, err = sc.Render("http://127.0.0.1:18001", NewData(nil, tc.sets))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLargeFilesStayQuick(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: a\nrequest:\n  path: /x\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "unknown%d: 1\n", i)
	}
	_, err := Parse("s.yaml", []byte(b.String()))
	l, ok := err.(ErrorList)
	if !ok || len(l) != MaxErrorsPerFile+1 || !strings.Contains(l[len(l)-1].Msg, fmt.Sprintf("and %d more problems", 5000-MaxErrorsPerFile)) {
		t.Fatalf("got %d errors, last %v; want %d and a count of the rest", len(l), l[len(l)-1], MaxErrorsPerFile)
	}
	_, err = Parse("big.yaml", make([]byte, MaxFileSize+1))
	if err == nil || !strings.Contains(err.Error(), "a scenario file is at most 1024 KiB") {
		t.Errorf("a file over the size bound: %v", err)
	}
}

func TestOnTargetKeepsTheHost(t *testing.T) {
	for _, tc := range []struct{ rendered, target, path, want string }{
		{"http://127.0.0.1:18001/x", "http://127.0.0.1:18001", "/x", ""},
		{"http://127.0.0.1:18001@127.0.0.1:18006/x", "http://127.0.0.1:18001", "/x", "sends the request to http://127.0.0.1:18006"},
		{"https://127.0.0.1:18001/x", "http://127.0.0.1:18001", "/x", "instead of --target"},
	} {
		err := onTarget(tc.rendered, tc.target, tc.path)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("onTarget(%q) = %v, want %q", tc.rendered, err, tc.want)
		}
	}
}

func TestCheckSets(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("name: a\nrequest:\n  path: '{{ .Prefix }}/x'\n  headers:\n    X-Key: '{{ .Var \"apiKey\" }}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sets map[string]string
		want string
	}{
		{map[string]string{"Prefix": "/v1/tracking", "apiKey": "k"}, ""},
		{map[string]string{"prefix": "/v1/tracking"}, "--set prefix: no template reads it (did you mean Prefix?)"},
		{map[string]string{"apikey": "k"}, "(did you mean apiKey?)"},
		{map[string]string{"Nothing": "x"}, "--set names Prefix, Tenant, NewUser, OtherTenant"},
	} {
		err := CheckSets(tc.sets, []*Scenario{sc})
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckSets(%v) = %v, want %q", tc.sets, err, tc.want)
		}
	}
}
