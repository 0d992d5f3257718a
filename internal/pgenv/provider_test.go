package pgenv_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

func TestLocalStartStopCleansUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := pgenv.StartLocal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	if !strings.HasPrefix(l.DSN(), "postgres://postgres:") || !strings.Contains(l.DSN(), "@127.0.0.1:") {
		t.Errorf("DSN %s does not listen on 127.0.0.1", l.DSN())
	}
	conn, err := pgx.Connect(ctx, l.DSN())
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, name := range []string{"fsync", "synchronous_commit", "full_page_writes", "shared_preload_libraries", "listen_addresses", "unix_socket_directories"} {
		var v string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		settings[name] = v
	}
	conn.Close(ctx)
	for name, want := range map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
		"shared_preload_libraries": "pg_stat_statements", "listen_addresses": "127.0.0.1", "unix_socket_directories": l.Dir()} {
		if settings[name] != want {
			t.Errorf("%s = %q, want %q", name, settings[name], want)
		}
	}
	if err := l.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(l.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory %s still there after Stop (%v)", l.Dir(), err)
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if c, err := pgx.Connect(cctx, l.DSN()); err == nil {
		c.Close(ctx)
		t.Error("server still accepts connections after Stop")
	}
	if err := l.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	var nilLocal *pgenv.Local
	if err := nilLocal.Stop(); err != nil {
		t.Errorf("nil Stop: %v", err)
	}
}

func TestLocalStopsOnContextCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := pgenv.StartLocal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	cancel() // what Ctrl-C and SIGTERM do to db up
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(l.Dir()); errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster directory %s still there 20s after cancel", l.Dir())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartLocalBadBinDir(t *testing.T) {
	_, err := pgenv.StartLocal(context.Background(), pgenv.WithBinDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "no executable initdb or postgres") || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("err = %v, want one naming the missing binaries and what to install", err)
	}
}

func TestNewProvider(t *testing.T) {
	tests := []struct {
		name, provider, dsn string
		want                string
		wantErr             string
	}{
		{name: "auto", provider: "auto", want: "auto"},
		{name: "empty is auto", provider: "", want: "auto"},
		{name: "auto with a dsn uses it", provider: "auto", dsn: "postgres://u@h/db", want: "dsn"},
		{name: "local", provider: "local", want: "local"},
		{name: "docker", provider: "docker", want: "docker"},
		{name: "dsn", provider: "dsn", dsn: "postgres://u@h/db", want: "dsn"},
		{name: "dsn without dsn", provider: "dsn", wantErr: "--provider dsn needs --dsn"},
		{name: "unknown", provider: "podman", wantErr: `unknown provider "podman"; use one of auto, local, docker, dsn`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pgenv.NewProvider(tt.provider, pgenv.ProviderConfig{DSN: tt.dsn})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exit.Code(err) != exit.CodeUsage {
					t.Errorf("err = %v (exit %d), want %q (exit %d)", err, exit.Code(err), tt.wantErr, exit.CodeUsage)
				}
				return
			}
			if err != nil || p.Name() != tt.want {
				t.Errorf("NewProvider = %v, %v; want %s", p, err, tt.want)
			}
		})
	}
}

func TestDSNProvider(t *testing.T) {
	ctx := context.Background()
	dsn := pgtestDSN(t)
	db, err := pgenv.DSNProvider{DSN: dsn}.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if db.DSN() != dsn || db.Stop() != nil {
		t.Errorf("existing database: DSN %s, Stop %v", db.DSN(), db.Stop())
	}
	_, err = pgenv.DSNProvider{DSN: "postgres://u:hunter22@127.0.0.1:1/db?connect_timeout=2"}.Start(ctx)
	if err == nil || strings.Contains(err.Error(), "hunter22") || !strings.Contains(err.Error(), "check --dsn") {
		t.Errorf("unreachable DSN: err = %v, want a redacted error saying to check --dsn", err)
	}
}
