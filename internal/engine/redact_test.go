package engine

import (
	"net/http"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/load"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/x?userId=1":                           "http://h/x?userId=1",
		"http://h/x?api_key=S3cret&userId=1":            "http://h/x?api_key=REDACTED&userId=1",
		"http://h/x?X-Amz-Signature=abc&token=t":        "http://h/x?X-Amz-Signature=REDACTED&token=REDACTED",
		"http://u:S3cret@h/x":                           "http://u:REDACTED@h/x",
		"http://h/x?Password=p&password=q&keyword=pass": "http://h/x?Password=REDACTED&keyword=REDACTED&password=REDACTED",
	} {
		got := RedactURL(in)
		if got != want || strings.Contains(got, "S3cret") {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactRequest(t *testing.T) {
	r := load.Request{URL: "http://h/x?token=S3cret", Header: http.Header{"Authorization": {"Bearer S3cret"}, "X-Api-Key": {"S3cret"}, "Tenantid": {"t"}}}
	got := RedactRequest(r)
	if strings.Contains(got.URL, "S3cret") || got.Header.Get("Authorization") != Redacted || got.Header.Get("X-Api-Key") != Redacted || got.Header.Get("Tenantid") != "t" {
		t.Errorf("RedactRequest = %+v", got)
	}
	if r.Header.Get("Authorization") != "Bearer S3cret" {
		t.Error("RedactRequest changed the request it was given")
	}
}
