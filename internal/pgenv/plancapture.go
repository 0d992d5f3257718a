package pgenv

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultPlanSampleRate is the share of statements whose plan is logged
// when plan capture is on: all of them, so that every statement shape of a
// short scenario shows up. Capture costs latency (BenchmarkPlanCaptureOverhead:
// +10 % to +70 % on the reference endpoint at tiny scale, about nothing
// at 0.1), so it is opt-in and the report must say it was on.
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
// explained, at most 1; at 0 or below auto_explain is loaded but off until
// SetPlanCapture switches it on, at no cost to the statements (a cluster
// started with capture on keeps it on). The same lines
// go in postgresql.conf to capture plans on a server perfgate does not
// start.
func PlanCaptureSettings(rate float64) []string {
	rate = min(rate, 1)
	libs := "pg_stat_statements"
	for _, kv := range DisposableSettings {
		if v, ok := strings.CutPrefix(kv, "shared_preload_libraries="); ok {
			libs = v
		}
	}
	var on []string
	if rate > 0 {
		// Off, they are left at their defaults (-1 and 1): a setting given
		// on the server's command line would outrank SetPlanCapture's.
		on = []string{"auto_explain.log_min_duration=0", "auto_explain.sample_rate=" + strconv.FormatFloat(rate, 'f', -1, 64)}
	}
	return append(on,
		"shared_preload_libraries="+libs+",auto_explain",
		"auto_explain.log_format=json",
		"auto_explain.log_nested_statements=on",
		"auto_explain.log_analyze=on",
		"auto_explain.log_buffers=on",
		// Per-node timing reads the clock twice per row and node; the
		// row counts and buffers are what explain a plan change.
		"auto_explain.log_timing=off",
		"logging_collector=on",
		"log_destination=jsonlog",
		"log_directory=log",
		"log_filename="+planLogName,
		"log_rotation_age=0",
		"log_rotation_size=0",
		"log_file_mode=0640",
	)
}

// SetPlanCapture switches plan capture on (rate in (0, 1], the share of
// statements explained) or off (rate 0) on a running server that preloads
// auto_explain, such as a local cluster started WithPlanCapture: ALTER
// SYSTEM and a configuration reload, which the service's sessions apply
// before their next statement. It needs a superuser, and waits until a
// new session sees the change. A Probe notices capture switched on at its
// next Begin; switched off, its scenarios carry no plans and say so.
func SetPlanCapture(ctx context.Context, dsn string, rate float64) error {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("set plan capture: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var source *string
	if err := conn.QueryRow(ctx, probeTag+` SELECT (SELECT source FROM pg_settings WHERE name = 'auto_explain.log_min_duration')`).Scan(&source); err != nil {
		return fmt.Errorf("set plan capture: %w", scrubErr(dsn, err))
	}
	switch {
	case source == nil:
		return fmt.Errorf("set plan capture: auto_explain is not preloaded on this server; start it WithPlanCapture(0) " +
			"(or add auto_explain to shared_preload_libraries and restart)")
	case *source == "command line":
		return fmt.Errorf("set plan capture: the server was started with capture on its command line, which outranks ALTER SYSTEM; " +
			"start it WithPlanCapture(0) to switch capture while it runs")
	}
	minDuration := "0"
	if rate <= 0 {
		minDuration, rate = "-1", DefaultPlanSampleRate
	}
	rate = min(rate, 1)
	sampleRate := strconv.FormatFloat(rate, 'f', -1, 64)
	for _, stmt := range []string{
		"ALTER SYSTEM SET auto_explain.log_min_duration = " + minDuration,
		"ALTER SYSTEM SET auto_explain.sample_rate = " + sampleRate,
		"SELECT pg_reload_conf()",
	} {
		if _, err := conn.Exec(ctx, probeTag+" "+stmt); err != nil {
			return fmt.Errorf("set plan capture: %w; it needs a superuser", scrubErr(dsn, err))
		}
	}
	// The reload is asynchronous: wait until a new session sees it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("set plan capture: %w", err)
		}
		var got string
		err = c.QueryRow(ctx, probeTag+` SELECT current_setting('auto_explain.log_min_duration') || '/' || current_setting('auto_explain.sample_rate')`).Scan(&got)
		c.Close(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("set plan capture: %w", scrubErr(dsn, err))
		}
		if got == minDuration+"/"+sampleRate {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("set plan capture: the server still reports %s after its reload", got)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
