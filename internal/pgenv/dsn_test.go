package pgenv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://user:s3cret@host:5432/db?sslmode=disable", "postgres://user:xxxxx@host:5432/db?sslmode=disable"},
		{"postgresql://user@host/db", "postgresql://user@host/db"},
		{"postgres://host/db?password=s3cret&sslmode=disable", "postgres://host/db?password=xxxxx&sslmode=disable"},
		{"postgres://host/db?sslmode=disable&password=s3cret", "postgres://host/db?sslmode=disable&password=xxxxx"},
		{"postgres://user:p%40ss@host/db", "postgres://user:xxxxx@host/db"},
		{"postgres://user:bad%zzpw@host/db", "postgres://user:xxxxx@host/db"},
		{"postgres://u:S3cret@h/db?sslpassword=K3yPass", "postgres://u:xxxxx@h/db?sslpassword=xxxxx"},
		{"postgres://u@h/db?pass%77ord=S3cret", "postgres://u@h/db?pass%77ord=xxxxx"},
		{"POSTGRES://u@h/db?PASSWORD=S3cret", "POSTGRES://u@h/db?PASSWORD=xxxxx"},
		// The cases: a bad port made net/url give up and the query
		// password was printed; an unencoded '@' leaked the password's tail.
		{"postgres://u@127.0.0.1:bad/db?password=S3cret", "postgres://u@127.0.0.1:bad/db?password=xxxxx"},
		{"postgres://u:p@ssTAIL@127.0.0.1:bad/db", "postgres://u:xxxxx@127.0.0.1:bad/db"},
		{"postgres://u:p@ss@word@127.0.0.1:1/db", "postgres://u:xxxxx@127.0.0.1:1/db"},
		{"postgres://myadmin@myserver:S3cret@myserver.example.com:5432/db", "postgres://myadmin@myserver:xxxxx@myserver.example.com:5432/db"},
		{"postgres://u:pa/ss@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u:pa?ss@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u:pa#ss@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u:S3cret@[::1/db", "postgres://u:xxxxx@[::1/db"},
		{"postgres://h/db?password=ab&cdTAIL&sslmode=disable", "postgres://h/db?password=xxxxx&sslmode=disable"},
		{"postgres://u@h:bad/db?password=a@bTAIL", "postgres://u@h:xxxxx"},
		{"host=h user=u password=s3cret dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"host=h password = 's3 cret' dbname=d", "host=h password = xxxxx dbname=d"},
		{`host=h password='it\'s secret' dbname=d`, "host=h password=xxxxx dbname=d"},
		{"host=h password='unterminated secret", "host=h password=xxxxx"},
		{"host=h password=S3 cretTAIL dbname=d", "host=h password=xxxxx dbname=d"},
		{"host=h PASSWORD=s3cret sslpassword=k3y", "host=h PASSWORD=xxxxx sslpassword=xxxxx"},
		{"host=127.0.0.1 port=bad password=S3cret", "host=127.0.0.1 port=bad password=xxxxx"},
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

// hostileDSNs hold secrets that must never reach a message: every word in
// them that contains "S3cret", "TAIL" or "K3y" is part of a password.
var hostileDSNs = []string{
	"postgres://u@127.0.0.1:bad/db?password=S3cret",
	"postgres://u:S3cret@127.0.0.1:bad/db",
	"postgres://u:p@ssS3cretTAIL@127.0.0.1:1/db?connect_timeout=2",
	"postgres://u:S3cret@TAIL@127.0.0.1:bad/db",
	"postgres://u:S3cret%40TAIL@127.0.0.1:1/db?connect_timeout=2",
	"postgres://u:S3cret/TAIL@127.0.0.1:1/db?connect_timeout=2",
	"postgres://u:S3cret?TAIL@127.0.0.1:1/db?connect_timeout=2",
	"postgres://u:S3cret#TAIL@127.0.0.1:1/db?connect_timeout=2",
	"postgres://u:S3cret@[::1/db",
	"postgres://u@127.0.0.1:1/db?connect_timeout=2&password=S3cret&TAIL",
	"postgres://u@127.0.0.1:1/db?connect_timeout=2&sslpassword=K3y&sslmode=require",
	"postgres://u@127.0.0.1:1/db?connect_timeout=2&pass%77ord=S3cret",
	"host=127.0.0.1 port=bad password=S3cret",
	"host=127.0.0.1 port=1 connect_timeout=2 password=S3cret dbname=x",
	"host=127.0.0.1 port=1 connect_timeout=2 password='S3cret TAIL' dbname=x",
	"host=127.0.0.1 port=1 connect_timeout=2 password=S3cret TAIL dbname=x",
	"host=127.0.0.1 port=1 connect_timeout=2 password='S3cret TAIL",
}

func leaks(s string) bool {
	return strings.Contains(s, "S3cret") || strings.Contains(s, "TAIL") || strings.Contains(s, "K3y") || strings.Contains(s, "ssS3")
}

func TestRedactDSNHostile(t *testing.T) {
	for _, dsn := range hostileDSNs {
		if got := RedactDSN(dsn); leaks(got) {
			t.Errorf("RedactDSN(%q) = %q leaks the password", dsn, got)
		}
	}
}

// TestRedactErrorDriverErrors feeds the hostile DSNs to the real driver,
// through both ways perfgate connects (pgx.Connect and pgxpool), and checks
// that no error, once redacted, quotes any part of a password.
func TestRedactErrorDriverErrors(t *testing.T) {
	for _, dsn := range hostileDSNs {
		t.Run(dsn, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, connErr := connect(ctx, dsn)
			if connErr == nil {
				t.Fatal("connect succeeded")
			}
			if leaks(connErr.Error()) {
				t.Errorf("connect error leaks the password: %v", connErr)
			}
			var poolErr error
			if cfg, err := pgxpool.ParseConfig(dsn); err != nil {
				poolErr = err
			} else {
				pool, err := pgxpool.NewWithConfig(ctx, cfg)
				if err == nil {
					poolErr = pool.Ping(ctx)
					pool.Close()
				} else {
					poolErr = err
				}
			}
			if poolErr == nil {
				t.Fatal("pool connected")
			}
			if got := RedactError(dsn, poolErr); leaks(got.Error()) || !errors.Is(got, poolErr) {
				t.Errorf("RedactError(pool error) = %v; leaks or lost its chain (raw: %v)", got, poolErr)
			}
		})
	}
}

func TestRedactError(t *testing.T) {
	base := errors.New("connect to postgres://u:hunter22@h/db failed: auth for hunter22")
	dsn := "postgres://u:hunter22@h/db"
	err := RedactError(dsn, base)
	if strings.Contains(err.Error(), "hunter22") {
		t.Errorf("redacted error still holds the password: %v", err)
	}
	if !errors.Is(err, base) {
		t.Error("redacted error lost its chain")
	}
	if RedactError(dsn, nil) != nil {
		t.Error("RedactError(nil) != nil")
	}
	// A DSN without a password leaves the message alone.
	plain := fmt.Errorf("dial tcp: connection refused")
	if got := RedactError("postgres://u@h/db", plain); got != plain {
		t.Errorf("RedactError without a password = %v, want the error unchanged", got)
	}
	// Decoded and quoted forms are replaced too.
	for dsn, quoted := range map[string]string{
		"postgres://u:p%40ssw0rd@h/db":       "p@ssw0rd",
		`host=h password='it\'s secret'`:     "it's secret",
		"postgres://h/db?password=a%26bc%3D": "a&bc=",
	} {
		got := RedactError(dsn, fmt.Errorf("server said %q", quoted))
		if strings.Contains(got.Error(), quoted) {
			t.Errorf("RedactError(%s) kept the decoded password: %v", dsn, got)
		}
	}
	// An ambiguous DSN gets the driver's message withheld and a fix.
	got := RedactError("postgres://u:p@ss@word@127.0.0.1:1/db", errors.New("lookup ss@word@127.0.0.1: no such host"))
	if strings.Contains(got.Error(), "ss@word") || !strings.Contains(got.Error(), "percent-encode") {
		t.Errorf("ambiguous DSN: %v; want the message withheld and a hint to percent-encode", got)
	}
}

func TestRedactErrorKeepsPgErrorReachable(t *testing.T) {
	dsn := "postgres://u:S3cret@h/db"
	inner := fmt.Errorf("query: %w", pgx.ErrNoRows)
	if err := RedactError(dsn, fmt.Errorf("%s: %w", dsn, inner)); !errors.Is(err, pgx.ErrNoRows) || leaks(err.Error()) {
		t.Errorf("RedactError = %v; want the chain kept and the password gone", err)
	}
}
