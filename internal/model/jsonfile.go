package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/perfgate/perfgate/internal/safefile"
)

// writeJSON writes v as indented JSON to dir/name, atomically; what names
// the document in errors.
func writeJSON(dir, name, what string, v any) error {
	var buf bytes.Buffer
	if err := Encode(&buf, v); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	return safefile.Write(filepath.Join(dir, name), buf.Bytes())
}

// Encode writes v as the files of a run directory hold it: indented JSON
// and a final newline. Durations are integer nanoseconds.
func Encode(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// readJSON reads a schema-tagged JSON document from path, or from
// path/name when path is a directory, and checks its schema. A missing
// file gives an error matching fs.ErrNotExist.
func readJSON[T any](path, name, what, schema string, schemaOf func(*T) string) (*T, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	if got := schemaOf(&v); got != schema {
		return nil, fmt.Errorf("read %s %s: schema %q, want %q", what, path, got, schema)
	}
	return &v, nil
}
