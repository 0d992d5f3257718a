package pgenv

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://user:s3cret@host:5432/db?sslmode=disable", "postgres://user:xxxxx@host:5432/db?sslmode=disable"},
		{"postgresql://user@host/db", "postgresql://user@host/db"},
		{"postgres://host/db?password=s3cret&sslmode=disable", "postgres://host/db?password=xxxxx&sslmode=disable"},
		{"postgres://user:p%40ss@host/db", "postgres://user:xxxxx@host/db"},
		{"postgres://user:bad%zzpw@host/db", "postgres://user:xxxxx@host/db"},
		{"host=h user=u password=s3cret dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"host=h password = 's3 cret' dbname=d", "host=h password = xxxxx dbname=d"},
		{"host=h PASSWORD=s3cret", "host=h PASSWORD=xxxxx"},
		{"host=h user=u dbname=d", "host=h user=u dbname=d"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := RedactDSN(tt.in); got != tt.want {
				t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScrubErr(t *testing.T) {
	base := errors.New("connect to postgres://u:hunter22@h/db failed: auth for hunter22")
	dsn := "postgres://u:hunter22@h/db"
	err := scrubErr(dsn, base)
	if strings.Contains(err.Error(), "hunter22") {
		t.Errorf("scrubbed error still holds the password: %v", err)
	}
	if !errors.Is(err, base) {
		t.Error("scrubbed error lost its chain")
	}
	if scrubErr(dsn, nil) != nil {
		t.Error("scrubErr(nil) != nil")
	}
}
