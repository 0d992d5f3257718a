package pgenv

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestCopyEncodingsMatchPgx holds the hand-written binary COPY encodings
// to pgx's own binary encoders, which Seed used before: same bytes, so the
// same rows.
func TestCopyEncodingsMatchPgx(t *testing.T) {
	m := pgtype.NewMap()
	at := time.Date(2024, time.March, 9, 17, 4, 5, 123456000, time.UTC)
	uuid := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, 1, 2, 3, 4, 5, 6, 7}
	tests := []struct {
		name  string
		oid   uint32
		value any
		got   []byte
	}{
		{"uuid", pgtype.UUIDOID, uuid, copyUUID(nil, uuid)},
		{"varchar", pgtype.VarcharOID, "do_2143000000000000000001", copyText(nil, "do_2143000000000000000001")},
		{"empty varchar", pgtype.VarcharOID, "", copyText(nil, "")},
		{"jsonb", pgtype.JSONBOID, []byte(`{"a":1}`), copyJSONB(nil, []byte(`{"a":1}`))},
		{"timestamptz", pgtype.TimestamptzOID, at, copyTime(nil, at)},
		{"timestamptz before 2000", pgtype.TimestamptzOID, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), copyTime(nil, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC))},
	}
	for _, v := range []int64{0, 1, 99, 100, 9999, 10000, 20000, 123456789, 100000000, math.MaxInt64, -5, -10000} {
		tests = append(tests, struct {
			name  string
			oid   uint32
			value any
			got   []byte
		}{"numeric " + strconv.FormatInt(v, 10), pgtype.NumericOID, v, copyNumeric(nil, v)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := m.Encode(tt.oid, pgtype.BinaryFormatCode, tt.value, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := binary.BigEndian.Uint32(tt.got); int(n) != len(tt.got)-4 {
				t.Fatalf("length prefix %d, value %d bytes", n, len(tt.got)-4)
			}
			if !bytes.Equal(tt.got[4:], want) {
				t.Errorf("encoding\n got % x\nwant % x", tt.got[4:], want)
			}
		})
	}
	if got := copyJSONB(nil, nil); !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("nil jsonb = % x, want NULL (ff ff ff ff)", got)
	}
}
