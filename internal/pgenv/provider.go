package pgenv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
)

// Provider names, as --provider takes them.
const (
	ProviderAuto   = "auto"
	ProviderLocal  = "local"
	ProviderDocker = "docker"
	ProviderDSN    = "dsn"
)

// ProviderNames lists the values --provider accepts.
var ProviderNames = []string{ProviderAuto, ProviderLocal, ProviderDocker, ProviderDSN}

// Provider provisions a PostgreSQL database.
type Provider interface {
	// Name is the provider's --provider value.
	Name() string
	// Start hands out a running database; cancelling ctx after Start
	// returned stops an ephemeral one.
	Start(ctx context.Context) (Database, error)
}

// Database is a running database handed out by a Provider.
type Database interface {
	// DSN connects to the database (it may hold a password: print it
	// through RedactDSN except where the user asked for it).
	DSN() string
	// Stop stops and removes an ephemeral database; for an existing one it
	// does nothing. Safe to call more than once.
	Stop() error
}

var (
	_ Provider = LocalProvider{}
	_ Provider = DockerProvider{}
	_ Provider = DSNProvider{}
	_ Provider = AutoProvider{}
	_ Database = (*Local)(nil)
	_ Database = (*Docker)(nil)
	_ Database = existing("")
)

// ErrNoProvider is returned (wrapped) by the auto provider when neither
// local binaries nor a Docker engine are available.
var ErrNoProvider = errors.New("no PostgreSQL provider available")

// ProviderConfig is what the providers need from the command line.
type ProviderConfig struct {
	DSN   string        // the dsn provider's database; also chosen by auto when set
	Image string        // the docker provider's image (default DefaultImage)
	Local []LocalOption // options of the local provider
}

// NewProvider returns the provider called name (see ProviderNames). An
// unknown name, and the dsn provider without a DSN, are usage errors
// (exit 2).
func NewProvider(name string, cfg ProviderConfig) (Provider, error) {
	switch name {
	case ProviderLocal:
		return LocalProvider{Options: cfg.Local}, nil
	case ProviderDocker:
		return DockerProvider{Image: cfg.Image}, nil
	case ProviderDSN:
		if cfg.DSN == "" {
			return nil, exit.Usagef("--provider dsn needs --dsn (or PERFGATE_DSN)")
		}
		return DSNProvider{DSN: cfg.DSN}, nil
	case ProviderAuto, "":
		if cfg.DSN != "" {
			return DSNProvider{DSN: cfg.DSN}, nil
		}
		return AutoProvider{Local: LocalProvider{Options: cfg.Local}, Docker: DockerProvider{Image: cfg.Image}}, nil
	}
	return nil, exit.Usagef("unknown provider %q; use one of %s", name, strings.Join(ProviderNames, ", "))
}

// LocalProvider starts an ephemeral cluster from the machine's binaries.
type LocalProvider struct{ Options []LocalOption }

// Name implements Provider.
func (LocalProvider) Name() string { return ProviderLocal }

// Start implements Provider with StartLocal.
func (p LocalProvider) Start(ctx context.Context) (Database, error) {
	l, err := StartLocal(ctx, p.Options...)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// DSNProvider hands out an existing database, after checking that it answers.
type DSNProvider struct{ DSN string }

// Name implements Provider.
func (DSNProvider) Name() string { return ProviderDSN }

// Start implements Provider: it connects once to check the DSN.
func (p DSNProvider) Start(ctx context.Context) (Database, error) {
	conn, err := connect(ctx, p.DSN)
	if err != nil {
		return nil, fmt.Errorf("%w; is the database running? check --dsn", err)
	}
	conn.Close(context.WithoutCancel(ctx))
	return existing(p.DSN), nil
}

// existing is a database perfgate did not create: Stop leaves it alone.
type existing string

func (e existing) DSN() string { return string(e) }
func (existing) Stop() error   { return nil }

// AutoProvider tries the local binaries, then a Docker engine.
type AutoProvider struct {
	Local  LocalProvider
	Docker DockerProvider
}

// Name implements Provider.
func (AutoProvider) Name() string { return ProviderAuto }

// Start implements Provider. Local is used when its binaries are found
// (a local start-up failure is reported, not hidden behind Docker); Docker
// when an engine answers; otherwise the error says what to install or pass.
func (p AutoProvider) Start(ctx context.Context) (Database, error) {
	if _, err := FindBinDir(); err == nil || p.Local.hasBinDir() {
		return p.Local.Start(ctx)
	} else if derr := DockerAvailable(ctx); derr == nil {
		return p.Docker.Start(ctx)
	} else {
		return nil, fmt.Errorf("%w: no PostgreSQL server binaries (%v) and no Docker engine (%v); "+
			"install PostgreSQL (apt-get install postgresql postgresql-contrib) or set PG_BIN, "+
			"start Docker, or pass --dsn to use an existing database", ErrNoProvider, trimHint(err), derr)
	}
}

func (p LocalProvider) hasBinDir() bool {
	var c localConfig
	for _, o := range p.Options {
		o(&c)
	}
	return c.binDir != ""
}

// trimHint drops the install hint from a binary-discovery error that is
// about to be followed by a fuller one.
func trimHint(err error) string {
	return strings.TrimSuffix(err.Error(), "; "+InstallHint)
}

// ProviderOf names the provider that handed out db: local, docker or dsn.
func ProviderOf(db Database) string {
	switch db.(type) {
	case *Local:
		return ProviderLocal
	case *Docker:
		return ProviderDocker
	}
	return ProviderDSN
}
