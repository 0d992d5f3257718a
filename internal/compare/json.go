package compare

import (
	"encoding/json"
	"io"
)

// JSON writes the comparison as compare.json (schema perfgate.compare/v1);
// latencies are integer nanoseconds and changes are fractions.
func JSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
