package load

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a byte size as --max-body takes it: a whole number of
// bytes, or with a unit: 512KiB, 4MiB, 1GiB (KB, MB and GB are the same
// powers of two here, as most people mean them for buffer sizes).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("size %q: write a number of bytes such as 4MiB, 512KiB or 65536", s)
	}
	return n * mult, nil
}
