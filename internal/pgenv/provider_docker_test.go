package pgenv

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
)

func TestDockerProviderOptions(t *testing.T) {
	tests := []struct {
		name, image, want string
	}{
		{"default image", "", DefaultImage},
		{"explicit image", "postgres:15", "postgres:15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DockerProvider{Image: tt.image}
			if got := p.image(); got != tt.want {
				t.Errorf("image() = %q, want %q", got, tt.want)
			}
			var req testcontainers.GenericContainerRequest
			for _, c := range p.customizers() {
				if err := c.Customize(&req); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Contains(req.Cmd, "shared_preload_libraries=pg_stat_statements") || req.Cmd[0] != "postgres" {
				t.Errorf("container command %v does not preload pg_stat_statements", req.Cmd)
			}
			for k, want := range map[string]string{"POSTGRES_DB": DockerDatabase, "POSTGRES_USER": DockerUser, "POSTGRES_PASSWORD": DockerPassword} {
				if req.Env[k] != want {
					t.Errorf("env %s = %q, want %q", k, req.Env[k], want)
				}
			}
			if req.WaitingFor == nil {
				t.Error("no wait strategy")
			}
		})
	}
}

// TestDockerProviderLive needs a Docker engine; without one it skips and
// says so (the local provider covers the same ground on every machine).
func TestDockerProviderLive(t *testing.T) {
	ctx := context.Background()
	if err := DockerAvailable(ctx); err != nil {
		t.Skipf("docker provider live test skipped: %v (start a Docker engine to run it)", err)
	}
	db, err := DockerProvider{}.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	if err := CreateSchema(ctx, db.DSN()); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, db.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var libs string
	if err := conn.QueryRow(ctx, "SHOW shared_preload_libraries").Scan(&libs); err != nil || !strings.Contains(libs, "pg_stat_statements") {
		t.Errorf("shared_preload_libraries = %q, %v", libs, err)
	}
	if strings.Contains(RedactDSN(db.DSN()), DockerPassword+"@") {
		t.Errorf("RedactDSN(%s) keeps the password", RedactDSN(db.DSN()))
	}
}
