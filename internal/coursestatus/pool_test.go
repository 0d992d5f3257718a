package coursestatus

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestConnectRedactsPassword: every error path of Connect (parse, pool,
// first ping) keeps the DSN's password, and any tail of it, out of the text.
func TestConnectRedactsPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u@127.0.0.1:bad/db?password=S3cret",
		"postgres://u:S3cret@TAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:p@ssS3cretTAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:S3cret%40TAIL@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u@127.0.0.1:1/db?connect_timeout=2&password=S3cret&TAIL",
		"postgres://u@127.0.0.1:1/db?pool_max_conns=bad&password=S3cret",
		"host=127.0.0.1 port=bad password=S3cret",
		"host=127.0.0.1 port=1 connect_timeout=2 password='S3cret TAIL' dbname=x",
		"host=127.0.0.1 port=1 connect_timeout=2 password=S3cret TAIL dbname=x",
	} {
		t.Run(dsn, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			pool, err := Connect(ctx, dsn)
			if err == nil {
				pool.Close()
				t.Fatal("Connect succeeded")
			}
			if strings.Contains(err.Error(), "S3cret") || strings.Contains(err.Error(), "TAIL") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
