package pgenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBinDir makes dir/name executable for each name.
func fakeBinDir(t *testing.T, dir string, names ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	v9 := fakeBinDir(t, filepath.Join(root, "lib/postgresql/9.6/bin"), "initdb", "postgres")
	v15 := fakeBinDir(t, filepath.Join(root, "lib/postgresql/15/bin"), "initdb", "postgres")
	v16half := fakeBinDir(t, filepath.Join(root, "lib/postgresql/16/bin"), "initdb") // no postgres
	custom := fakeBinDir(t, filepath.Join(root, "custom"), "initdb", "postgres")
	config := fakeBinDir(t, filepath.Join(root, "config"), "initdb", "postgres")
	onPath := fakeBinDir(t, filepath.Join(root, "path"), "initdb", "postgres")
	broken := fakeBinDir(t, filepath.Join(root, "broken"), "postgres")
	none := func() (string, error) { return "", errors.New("not found") }
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PG_BIN" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		s       binSearch
		want    string
		wantErr []string
	}{
		{name: "PG_BIN first", s: binSearch{env: env(custom), pgConfig: func() (string, error) { return config, nil }, globRoot: filepath.Join(root, "lib")}, want: custom},
		{name: "bad PG_BIN is an error", s: binSearch{env: env(broken), pgConfig: func() (string, error) { return config, nil }, globRoot: filepath.Join(root, "lib")},
			wantErr: []string{"PG_BIN=" + broken, "no executable initdb in", "point PG_BIN"}},
		{name: "pg_config next", s: binSearch{env: env(""), pgConfig: func() (string, error) { return config, nil }, lookPath: func(string) (string, error) { return filepath.Join(onPath, "initdb"), nil }, globRoot: filepath.Join(root, "lib")}, want: config},
		{name: "PATH next", s: binSearch{env: env(""), pgConfig: none, lookPath: func(string) (string, error) { return filepath.Join(onPath, "initdb"), nil }, globRoot: filepath.Join(root, "lib")}, want: onPath},
		{name: "newest complete versioned dir", s: binSearch{env: env(""), pgConfig: none, lookPath: func(string) (string, error) { return "", errors.New("no") }, globRoot: filepath.Join(root, "lib")}, want: v15},
		{name: "nothing anywhere", s: binSearch{env: env(""), pgConfig: func() (string, error) { return broken, nil }, lookPath: func(string) (string, error) { return "", errors.New("no") }, globRoot: filepath.Join(root, "nothing")},
			wantErr: []string{"no PostgreSQL server binaries", broken + " (pg_config --bindir)", "apt-get install postgresql postgresql-contrib", "PG_BIN", "--dsn"}},
	}
	_, _, _ = v9, v16half, v15
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.find()
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("find() = %q, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("find() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if got, want := versionedBinDirs(filepath.Join(root, "lib")), []string{v16half, v15, v9}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("versionedBinDirs = %v, want newest first %v", got, want)
	}
}

func TestNoBinariesErrorIs(t *testing.T) {
	s := binSearch{env: func(string) string { return "" }, pgConfig: func() (string, error) { return "", errors.New("no") },
		lookPath: func(string) (string, error) { return "", errors.New("no") }, globRoot: t.TempDir()}
	if _, err := s.find(); !errors.Is(err, ErrNoBinaries) {
		t.Errorf("err = %v, want ErrNoBinaries", err)
	}
}
