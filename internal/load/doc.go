// Package load sends the load: it drives vegeta's attacker (used as a
// library) at a Rate for a Duration, hands every result to the caller on
// one goroutine, and stores raw results as Parquet files that export turns
// back into vegeta's gob encoding or CSV.
//
// vegeta is imported here and nowhere else; other packages see Request,
// Result and Options.
package load
