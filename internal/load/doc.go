// Package load sends the load: it drives vegeta's attacker (used as a
// library) at a Rate for a Duration, hands every result to the caller on
// one goroutine, and stores raw results as Parquet files that export turns
// back into vegeta's gob encoding or CSV.
//
// vegeta is imported here and nowhere else; other packages see Request,
// Result and Options.
//
// # Intended send times
//
// A paced attack (a constant rate or stages) follows a schedule: request k,
// counted from 0, is due k·Per/Freq after the start (for stages, when the
// expected hits reach k), so the first goes out at the start and an attack
// of duration d sends the requests due in [0, d). Every Result carries its
// Intended send time from that schedule beside Timestamp, the actual one.
// When the workers cannot keep up (all of --max-workers busy, a stalled
// target), requests wait to be sent and vegeta's pacer catches up in a
// burst; latency measured from Timestamp then hides the wait (coordinated
// omission), while latency measured from Intended shows what a user
// arriving on schedule saw, as wrk2 and HdrHistogram correct it.
// metrics.Recorder keeps both, and the lag between them.
//
// At rate max there is no schedule: Intended is the actual send time, the
// lag is zero and the corrected latency is the service time.
//
// # Raw results files
//
// One row per result, zstd-compressed, in row groups of up to 128 Ki rows,
// each in send order (timestamp, then shard and seq): results arrive in the
// order their responses end, and sorted they delta-encode in a few bits.
// A response that ends after its row group was written lands in a later
// one, so across row groups the order is only nearly send order.
//
//	seq         INT64 (delta)
//	timestamp   INT64 TIMESTAMP(NANOS, UTC) (delta)  actual send time
//	latency_ns  INT64 (delta)
//	code        INT32 (dictionary)                    0 on a transport error
//	bytes_in    INT64 (delta)
//	bytes_out   INT64 (delta)
//	error       BYTE_ARRAY STRING (dictionary)        vegeta's meaning: "" on 2xx/3xx
//	shard       INT32 (dictionary)
//	intended    INT64 TIMESTAMP(NANOS, UTC) (delta)  intended send time
//	pass        BOOLEAN                               status is the expected one
//
// error keeps vegeta's meaning, so that `perfgate export --to vegeta` feeds
// vegeta's tools what they expect: a 400 is an error there even where the
// scenario expects 400. pass is perfgate's meaning: the status the scenario
// expects (CreateRaw's ExpectStatus). Files written before intended and
// pass existed (timestamp then a plain INT64) still read: Intended is the
// send time and Pass false. DuckDB, pandas and pyarrow read the two
// TIMESTAMP(NANOS) columns as times; Spark 3.2 and later refuses them
// unless spark.sql.legacy.parquet.nanosAsLong is set, and then reads
// integers.
//
// A damaged file gives an error wrapping ErrCorrupt that names it, never a
// panic, from every reader.
package load
