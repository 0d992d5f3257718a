package pgenv

import (
	"strconv"
	"strings"
)

// DefaultPlanSampleRate is the share of statements whose plan the local
// cluster logs when plan capture is on.
const DefaultPlanSampleRate = 1.0

// planLogName is the server log file name the local cluster is given when
// it captures plans; with log_destination = jsonlog the server writes
// postgresql.json beside it.
const planLogName = "postgresql.log"

// PlanCaptureSettings are the server settings that make PostgreSQL (15+)
// log the plan each statement ran with, for the probe to read: auto_explain
// preloaded beside pg_stat_statements, every statement (nested ones too)
// explained after it ran with ANALYZE and BUFFERS but without per-node
// timing, in JSON, into a JSON server log (log_destination = jsonlog) that
// never rotates. rate is auto_explain.sample_rate, the share of statements
// explained; outside (0, 1] it is DefaultPlanSampleRate. The same lines go
// in postgresql.conf to capture plans on a server perfgate does not start.
func PlanCaptureSettings(rate float64) []string {
	if !(rate > 0 && rate <= 1) {
		rate = DefaultPlanSampleRate
	}
	libs := "pg_stat_statements"
	for _, kv := range DisposableSettings {
		if v, ok := strings.CutPrefix(kv, "shared_preload_libraries="); ok {
			libs = v
		}
	}
	return []string{
		"shared_preload_libraries=" + libs + ",auto_explain",
		"auto_explain.log_min_duration=0",
		"auto_explain.log_format=json",
		"auto_explain.log_nested_statements=on",
		"auto_explain.log_analyze=on",
		"auto_explain.log_buffers=on",
		// Per-node timing reads the clock twice per row and node; the
		// row counts and buffers are what explain a plan change.
		"auto_explain.log_timing=off",
		"auto_explain.sample_rate=" + strconv.FormatFloat(rate, 'f', -1, 64),
		"logging_collector=on",
		"log_destination=jsonlog",
		"log_directory=log",
		"log_filename=" + planLogName,
		"log_rotation_age=0",
		"log_rotation_size=0",
		"log_file_mode=0640",
	}
}
