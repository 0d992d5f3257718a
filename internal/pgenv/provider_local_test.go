package pgenv_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// withoutPassword returns dsn with its password removed, or replaced by pw.
func withPassword(t *testing.T, dsn, pw string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if pw == "" {
		u.User = url.User(u.User.Username())
	} else {
		u.User = url.UserPassword(u.User.Username(), pw)
	}
	return u.String()
}

// TestLocalRequiresPassword: the local cluster's superuser needs the
// generated password, which its DSN carries.
func TestLocalRequiresPassword(t *testing.T) {
	l := pgtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u, _ := url.Parse(l.DSN())
	pw, ok := u.User.Password()
	if !ok || len(pw) < 20 {
		t.Fatalf("DSN %s carries no strong password", pgenv.RedactDSN(l.DSN()))
	}
	conn, err := pgx.Connect(ctx, l.DSN())
	if err != nil {
		t.Fatalf("connect with the DSN: %v", err)
	}
	conn.Close(ctx)
	for name, dsn := range map[string]string{
		"no password":    withPassword(t, l.DSN(), ""),
		"wrong password": withPassword(t, l.DSN(), "not-"+pw),
	} {
		conn, err := pgx.Connect(ctx, dsn+"&connect_timeout=5")
		if err == nil {
			conn.Close(ctx)
			t.Errorf("%s: connected", name)
			continue
		}
		if !strings.Contains(err.Error(), "password") && !strings.Contains(err.Error(), "SASL") {
			t.Errorf("%s: %v, want a refusal for the password", name, err)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("%s: error quotes the password: %v", name, err)
		}
	}
}

// TestLocalRefusesOtherOSUsers is the attack: user nobody connects
// to the cluster of root and runs a program as the server's user. It must
// be refused over TCP (no password) and over the Unix socket (its
// directory is closed to other users).
func TestLocalRefusesOtherOSUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("acting as another OS user needs root")
	}
	l := pgtest.Cluster(t)
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("this test needs the nobody user: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	psql := filepath.Join(l.BinDir(), "psql")
	asNobody := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, psql, args...)
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "PGCONNECT_TIMEOUT=5"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// nobody can run psql at all, so a refusal below is the server's.
	if out, err := asNobody("--version"); err != nil {
		t.Fatalf("psql as nobody: %v\n%s", err, out)
	}
	const attack = "COPY (SELECT 1) TO PROGRAM 'id'"
	tcp := withPassword(t, l.DSN(), "")
	out, err := asNobody("-w", tcp, "-c", attack)
	if err == nil || !strings.Contains(out, "password") {
		t.Errorf("nobody over TCP without the password: err %v, output %q; want a password refusal", err, out)
	}
	out, err = asNobody("-w", "-h", l.Dir(), "-p", strconv.Itoa(l.Port()), "-U", "postgres", "-d", "postgres", "-c", attack)
	if err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("nobody over the Unix socket: err %v, output %q; want permission denied", err, out)
	}
}
