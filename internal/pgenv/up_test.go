package pgenv_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/syncbuf"
)

// validSeed is what db up and db seed's flags give by default.
func validSeed() pgenv.SeedOptions {
	return pgenv.SeedOptions{Profile: pgenv.DefaultProfile, Seed: pgenv.DefaultSeed, Fixtures: fixtures.DefaultPath}
}

func TestSeedOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*pgenv.SeedOptions)
		want string // "" when valid
	}{
		{"defaults", func(*pgenv.SeedOptions) {}, ""},
		{"explicit counts", func(o *pgenv.SeedOptions) { o.Users, o.Courses, o.Contents, o.Events = 1, 2, 3, 4 }, ""},
		{"unknown scale", func(o *pgenv.SeedOptions) { o.Profile = "huge" }, `--scale "huge": use one of tiny, demo, claim`},
		// Seed reads "" as tiny; a user who passed --scale "" did not say tiny.
		{"empty scale", func(o *pgenv.SeedOptions) { o.Profile = "" }, `--scale "": use one of tiny, demo, claim`},
		{"negative users", func(o *pgenv.SeedOptions) { o.Users = -1 }, "--users -1: must be positive (0 keeps the profile's count)"},
		{"negative courses", func(o *pgenv.SeedOptions) { o.Courses = -2 }, "--courses -2: must be positive (0 keeps the profile's count)"},
		{"negative contents", func(o *pgenv.SeedOptions) { o.Contents = -3 }, "--contents -3: must be positive (0 keeps the profile's count)"},
		{"negative events", func(o *pgenv.SeedOptions) { o.Events = -4 }, "--events -4: must be positive (0 keeps the profile's count)"},
		// The first of several is named, in the flags' order.
		{"two negative counts", func(o *pgenv.SeedOptions) { o.Events, o.Courses = -4, -2 }, "--courses -2: must be positive (0 keeps the profile's count)"},
		{"seed 0", func(o *pgenv.SeedOptions) { o.Seed = 0 }, "--seed 0: use a non-zero seed (the default is 1)"},
		{"no fixtures file", func(o *pgenv.SeedOptions) { o.Fixtures = "" }, "--fixtures is empty: give the path of the fixtures file to write"},
		{"scale before seed", func(o *pgenv.SeedOptions) { o.Profile, o.Seed = "huge", 0 }, `--scale "huge": use one of tiny, demo, claim`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validSeed()
			tt.edit(&o)
			err := o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate(%+v) = %v, want nil", o, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || exit.Code(err) != exit.CodeUsage {
				t.Errorf("Validate(%+v) = %v (exit %d), want %q (exit %d)", o, err, exit.Code(err), tt.want, exit.CodeUsage)
			}
		})
	}
}

func TestUpOptionsValidate(t *testing.T) {
	const dsn = "postgres://u@h/db"
	tests := []struct {
		name          string
		provider, dsn string
		scale         string // "" keeps the default
		users         int
		want          string // "" when valid
		wantEphemeral bool
	}{
		{name: "auto", provider: pgenv.ProviderAuto, wantEphemeral: true},
		{name: "local", provider: pgenv.ProviderLocal, wantEphemeral: true},
		{name: "docker", provider: pgenv.ProviderDocker, wantEphemeral: true},
		{name: "dsn", provider: pgenv.ProviderDSN, dsn: dsn},
		// auto takes a DSN when one is given: nothing to start, or to keep.
		{name: "auto with a dsn", provider: pgenv.ProviderAuto, dsn: dsn},
		{name: "dsn without a dsn", provider: pgenv.ProviderDSN, want: "--provider dsn needs --dsn (or PERFGATE_DSN)"},
		{name: "unknown provider", provider: "podman", want: `unknown provider "podman"; use one of auto, local, docker, dsn`},
		// The provider is checked before the seed.
		{name: "unknown provider and scale", provider: "podman", scale: "huge", want: `unknown provider "podman"; use one of auto, local, docker, dsn`},
		{name: "bad seed", provider: pgenv.ProviderLocal, users: -2, want: "--users -2: must be positive (0 keeps the profile's count)", wantEphemeral: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := pgenv.UpOptions{Provider: tt.provider, ProviderConfig: pgenv.ProviderConfig{DSN: tt.dsn}, SeedOptions: validSeed()}
			if tt.scale != "" {
				o.Profile = tt.scale
			}
			o.Users = tt.users
			err := o.Validate()
			if tt.want == "" && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
			if tt.want != "" && (err == nil || err.Error() != tt.want || exit.Code(err) != exit.CodeUsage) {
				t.Errorf("Validate = %v (exit %d), want %q (exit %d)", err, exit.Code(err), tt.want, exit.CodeUsage)
			}
			if got := o.Ephemeral(); got != tt.wantEphemeral {
				t.Errorf("Ephemeral = %v, want %v", got, tt.wantEphemeral)
			}
		})
	}
}

// TestHoldExistingDatabase: db up on a DSN seeds it, writes the fixtures
// file at its absolute path, says so, and returns without waiting; the
// database stays.
func TestHoldExistingDatabase(t *testing.T) {
	dsn := pgtestDSN(t)
	t.Chdir(t.TempDir())
	var log bytes.Buffer
	o := pgenv.UpOptions{Provider: pgenv.ProviderDSN, ProviderConfig: pgenv.ProviderConfig{DSN: dsn},
		SeedOptions: validSeed(), StateFile: filepath.Join(t.TempDir(), "state.json"), Log: &log}
	o.Fixtures = "fx.json"
	var up *pgenv.Up
	// ctx never ends: Hold must return on its own.
	if err := pgenv.Hold(context.Background(), o, func(u *pgenv.Up) { up = u }); err != nil {
		t.Fatalf("Hold: %v\n%s", err, log.String())
	}
	wd, _ := os.Getwd()
	if up == nil || up.DB.DSN() != dsn || up.Fixtures != filepath.Join(wd, "fx.json") {
		t.Fatalf("ready got %+v, want the DSN and the fixtures file's absolute path", up)
	}
	if fx, err := fixtures.Read(up.Fixtures); err != nil || fx.Users[0] != fixtures.ChecklistUser {
		t.Errorf("fixtures file: %+v, %v", fx, err)
	}
	for _, want := range []string{"database up (provider dsn)", "rows/s", `indexes off: the "before" state`, "the database at --dsn stays as it is"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, log.String())
		}
	}
	if _, err := os.Stat(o.StateFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a db up on an existing database wrote a state file: %v", err)
	}
	// Its rows are still there: a second seed is refused.
	if _, err := pgenv.Seed(context.Background(), dsn, pgenv.SeedOptions{}); !errors.Is(err, pgenv.ErrNotEmpty) {
		t.Errorf("seed after Hold = %v, want ErrNotEmpty (the database kept its rows)", err)
	}
}

// TestHoldEphemeralDatabase: db up on a local cluster records itself in
// its state file once ready, keeps the cluster until Ctrl-C, then stops
// it and removes the state file.
func TestHoldEphemeralDatabase(t *testing.T) {
	dir := t.TempDir()
	var log syncbuf.Buffer
	o := pgenv.UpOptions{Provider: pgenv.ProviderLocal, SeedOptions: validSeed(), Indexes: true,
		StateFile: filepath.Join(dir, "state.json"), Log: &log}
	o.Fixtures = filepath.Join(dir, "fx.json")
	o.Users, o.Courses, o.Contents = 3, 3, 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ups := make(chan *pgenv.Up, 1)
	done := make(chan error, 1)
	go func() { done <- pgenv.Hold(ctx, o, func(u *pgenv.Up) { ups <- u }) }()
	var up *pgenv.Up
	select {
	case up = <-ups:
	case err := <-done:
		t.Fatalf("Hold returned before it was ready: %v\n%s", err, log.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("not ready after 2 minutes:\n%s", log.String())
	}
	// The state file is written after ready is called, before the wait.
	var st pgenv.State
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if st, err = pgenv.ReadState(o.StateFile); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if st.PID != os.Getpid() || st.DSN != up.DB.DSN() || st.Fixtures != o.Fixtures || st.Provider != pgenv.ProviderLocal {
		t.Errorf("state while up = %+v, want this process, its DSN, %s, local", st, o.Fixtures)
	}
	if v, err := pgenv.VerifyIndexes(ctx, up.DB.DSN()); err != nil || !v.OK() {
		t.Errorf("--indexes on: VerifyIndexes = %v missing, %v", v.Missing, err)
	}

	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Hold after Ctrl-C = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Hold still running 30s after Ctrl-C")
	}
	if _, err := os.Stat(o.StateFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left behind: %v", err)
	}
	if _, err := pgenv.VerifyIndexes(context.Background(), up.DB.DSN()+"&connect_timeout=2"); err == nil {
		t.Error("the cluster still answers after Hold returned")
	}
	for _, want := range []string{"database up (provider local)", "applied the seven indexes", "Ctrl-C stops and removes the database", "stopping the database"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, log.String())
		}
	}
}

// TestHoldRefuses: a provider Validate would refuse is refused before
// anything starts, and ready is never called.
func TestHoldRefuses(t *testing.T) {
	o := pgenv.UpOptions{Provider: "podman", SeedOptions: validSeed()}
	err := pgenv.Hold(context.Background(), o, func(*pgenv.Up) { t.Error("ready called") })
	if exit.Code(err) != exit.CodeUsage || err == nil || !strings.Contains(err.Error(), `unknown provider "podman"`) {
		t.Errorf("Hold = %v (exit %d), want a usage error naming the provider", err, exit.Code(err))
	}
}
