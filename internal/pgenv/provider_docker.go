package pgenv

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
)

// Defaults of the docker provider.
const (
	DefaultImage = "postgres:16-alpine"
	// DockerDatabase, DockerUser and DockerPassword are the container's
	// credentials; the container listens on a random localhost port only.
	DockerDatabase = "perfgate"
	DockerUser     = "perfgate"
	DockerPassword = "perfgate"
	// dockerPingTimeout bounds the check that a Docker engine answers.
	dockerPingTimeout = 5 * time.Second
)

// DockerProvider runs PostgreSQL in a container with testcontainers-go.
type DockerProvider struct {
	Image string // default DefaultImage
}

// Name implements Provider.
func (DockerProvider) Name() string { return ProviderDocker }

// image returns the image to run.
func (p DockerProvider) image() string {
	if p.Image == "" {
		return DefaultImage
	}
	return p.Image
}

// customizers are the container options: credentials, the server command
// line (DisposableSettings, so pg_stat_statements is preloaded) and the
// module's wait strategy.
func (p DockerProvider) customizers() []testcontainers.ContainerCustomizer {
	cmd := []string{"postgres"}
	for _, kv := range DisposableSettings {
		// wal_level=minimal needs no replication slots; the official image
		// allows it, and it keeps bulk loads as cheap as on the local cluster.
		cmd = append(cmd, "-c", kv)
	}
	return []testcontainers.ContainerCustomizer{
		tcpostgres.WithDatabase(DockerDatabase),
		tcpostgres.WithUsername(DockerUser),
		tcpostgres.WithPassword(DockerPassword),
		testcontainers.WithCmd(cmd...),
		tcpostgres.BasicWaitStrategies(),
	}
}

// Start implements Provider: it runs the container, waits for it, and
// creates the pg_stat_statements extension.
func (p DockerProvider) Start(ctx context.Context) (Database, error) {
	ctr, err := tcpostgres.Run(ctx, p.image(), p.customizers()...)
	d := &Docker{ctr: ctr}
	if err != nil {
		_ = d.Stop()
		return nil, fmt.Errorf("docker postgres %s: %w; is the Docker engine running and the image pullable? or use --provider local", p.image(), err)
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = d.Stop()
		return nil, fmt.Errorf("docker postgres: %w", err)
	}
	d.dsn = dsn
	if err := execIn(ctx, dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		_ = d.Stop()
		return nil, fmt.Errorf("docker postgres: %w", err)
	}
	go func() {
		<-ctx.Done()
		_ = d.Stop()
	}()
	return d, nil
}

// Docker is a PostgreSQL container started by DockerProvider.
type Docker struct {
	ctr  *tcpostgres.PostgresContainer
	dsn  string
	once sync.Once
	err  error
}

// DSN implements Database.
func (d *Docker) DSN() string { return d.dsn }

// Stop terminates the container; nil-safe and idempotent.
func (d *Docker) Stop() error {
	if d == nil {
		return nil
	}
	d.once.Do(func() {
		if d.ctr != nil {
			d.err = testcontainers.TerminateContainer(d.ctr)
		}
	})
	return d.err
}

// DockerAvailable returns nil when a Docker engine answers, else why not.
func DockerAvailable(ctx context.Context) (err error) {
	ctx, cancel := context.WithTimeout(ctx, dockerPingTimeout)
	defer cancel()
	defer func() {
		// testcontainers panics on some broken configurations.
		if r := recover(); r != nil {
			err = fmt.Errorf("docker client: %v", r)
		}
	}()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("no Docker engine answers: %s", firstLine(strings.TrimSpace(err.Error())))
	}
	return cli.Close()
}
