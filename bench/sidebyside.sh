#!/usr/bin/env bash
# sidebyside.sh: perfgate against its anchors on this machine, in one run,
# against one local target (a tiny Go HTTP server on 127.0.0.1 that exits by
# itself and is stopped at the end).
#
#   bench/sidebyside.sh                 throughput side by side, --rounds times
#   bench/sidebyside.sh --accuracy      also fixed rates 1k, 5k, 10k, 15k req/s
#   bench/sidebyside.sh --memory        also max RSS of one run of >= 3 M requests
#                                       (--memory-rate max|N, --memory-duration D)
#   bench/sidebyside.sh --report        also `perfgate report` of a synthetic 10 M-request run
#   bench/sidebyside.sh --all           everything
#
# Throughput, each at the highest rate it sustains for --duration:
#   (a) bare:     vegeta's attacker in a loop, same workers, latencies into a
#                 slice, nothing saved (bench/cmd/barevegeta)
#   (b) vegeta:   the vegeta CLI, -rate=0 -max-workers=64, results to a file
#   (c) perfgate: perfgate run --rate max --max-workers 64, raw results saved
# Rates are vegeta's definition throughout: (requests - 1) over the span of
# send times. Needs go, jq and /usr/bin/time (GNU time).
set -euo pipefail

DURATION=10s
WORKERS=64
ROUNDS=2
ADDR=127.0.0.1:18080
OUT=${BENCH_OUT:-/tmp/perfgate-bench}
ACCURACY=0 MEMORY=0 REPORT=0
RATES="1000 5000 10000 15000"
REPORT_N=10000000
MEMORY_RATE=15000 MEMORY_DURATION=200s

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--addr) ADDR=$2; shift ;;
	--out) OUT=$2; shift ;;
	--accuracy) ACCURACY=1 ;;
	--rates) RATES=$2; shift ;;
	--memory) MEMORY=1 ;;
	--memory-rate) MEMORY_RATE=$2; shift ;;
	--memory-duration) MEMORY_DURATION=$2; shift ;;
	--report) REPORT=1 ;;
	--report-n) REPORT_N=$2; shift ;;
	--all) ACCURACY=1 MEMORY=1 REPORT=1 ;;
	-h | --help) usage ;;
	*) echo "sidebyside: unknown argument $1" >&2; usage ;;
	esac
	shift
done
for tool in go jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "sidebyside: $tool is needed; install it" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
BIN=$OUT/bin
mkdir -p "$BIN" "$OUT/runs"
echo "== building into $BIN"
CGO_ENABLED=0 go build -trimpath -o "$BIN/perfgate" ./cmd/perfgate
go build -o "$BIN/" ./bench/cmd/target ./bench/cmd/barevegeta ./bench/cmd/synthrun
# The vegeta CLI from the module cache: the same version perfgate links.
go build -o "$BIN/vegeta" github.com/tsenart/vegeta/v12

echo "== machine"
machine_line

start_target "$BIN/target" "$ADDR" "$OUT/target.log"

SCEN=$OUT/bench.yaml
bench_scenario "$SCEN"

# perfgate_run DIR RATE DURATION: one perfgate run, raw results saved.
perfgate_run() {
	rm -rf "$1"
	timed "$1" "$BIN/perfgate" run --target "http://$ADDR" --rate "$2" --duration "$3" \
		--max-workers "$WORKERS" --timeout 30s --no-progress --format json --out "$1" "$SCEN" >"$1.log" 2>&1 || {
		echo "sidebyside: perfgate run failed; see $1.log" >&2
		cat "$1.log" >&2
		exit 1
	}
}

printf '\n== throughput, %s each, %s workers, %s rounds\n' "$DURATION" "$WORKERS" "$ROUNDS"
printf '%-6s %-9s %10s %10s %12s %8s %9s %s\n' round tool requests "req/s" "CPU µs/req" "RSS MB" "B/req" "load avg"
for round in $(seq "$ROUNDS"); do
	r=$OUT/runs/r$round
	mkdir -p "$r"

	timed "$r/bare" "$BIN/barevegeta" -target "http://$ADDR/" -duration "$DURATION" -max-workers "$WORKERS" >"$r/bare.out"
	bare_n=$(sed 's/.*requests=\([0-9]*\).*/\1/' "$r/bare.out")
	bare_rate=$(sed 's/.*rate=\([0-9.]*\).*/\1/' "$r/bare.out")
	printf '%-6s %-9s %10d %10.0f %12s %8s %9s %s\n' "$round" bare "$bare_n" "$bare_rate" "$(cpu_us "$r/bare" "$bare_n")" "$(rss_mb "$r/bare")" - "$(cut -d' ' -f1 /proc/loadavg)"

	echo "GET http://$ADDR/" >"$r/targets.txt"
	timed "$r/vegeta" "$BIN/vegeta" attack -rate=0 -max-workers="$WORKERS" -duration="$DURATION" \
		-targets="$r/targets.txt" -output="$r/vegeta.bin"
	"$BIN/vegeta" report -type=json "$r/vegeta.bin" >"$r/vegeta.json"
	veg_n=$(jq .requests "$r/vegeta.json")
	veg_rate=$(jq .rate "$r/vegeta.json")
	veg_bytes=$(stat -c %s "$r/vegeta.bin")
	printf '%-6s %-9s %10d %10.0f %12s %8s %9.1f %s\n' "$round" vegeta "$veg_n" "$veg_rate" "$(cpu_us "$r/vegeta" "$veg_n")" "$(rss_mb "$r/vegeta")" "$(echo "$veg_bytes $veg_n" | awk '{print $1/$2}')" "$(cut -d' ' -f1 /proc/loadavg)"

	perfgate_run "$r/perfgate" max "$DURATION"
	pg_n=$(jq '.scenarios[0].requests' "$r/perfgate/summary.json")
	pg_rate=$(jq '.scenarios[0].achieved_rate' "$r/perfgate/summary.json")
	pg_bytes=$(stat -c %s "$r/perfgate/bench.parquet")
	printf '%-6s %-9s %10d %10.0f %12s %8s %9.2f %s\n' "$round" perfgate "$pg_n" "$pg_rate" "$(cpu_us "$r/perfgate" "$pg_n")" "$(rss_mb "$r/perfgate")" "$(echo "$pg_bytes $pg_n" | awk '{print $1/$2}')" "$(cut -d' ' -f1 /proc/loadavg)"

	awk -v p="$pg_rate" -v v="$veg_rate" -v b="$bare_rate" -v round="$round" 'BEGIN {
		printf "round %s: perfgate / vegeta CLI = %.2f (goal >= 1.0), perfgate / bare loop = %.2f (goal >= 0.9)\n", round, p / v, p / b }'
done

if [ "$ACCURACY" = 1 ]; then
	printf '\n== rate accuracy, %s each, %s workers (goal: within 1 %%, p99 < 5 ms)\n' "$DURATION" "$WORKERS"
	printf '%-8s %10s %12s %9s %10s %10s %8s %s\n' tool requested achieved "error %" "p99 ms" "max ms" "B/req" "load avg"
	for rate in $RATES; do
		d=$OUT/runs/rate-$rate
		perfgate_run "$d" "$rate/s" "$DURATION"
		s=$d/summary.json
		achieved=$(jq '.scenarios[0].achieved_rate' "$s")
		p99=$(jq '.scenarios[0].latency.p99' "$s")
		mx=$(jq '.scenarios[0].latency.max' "$s")
		n=$(jq '.scenarios[0].requests' "$s")
		awk -v r="$rate" -v a="$achieved" -v p="$p99" -v m="$mx" -v b="$(stat -c %s "$d/bench.parquet")" -v n="$n" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
			e = (a - r) / r * 100
			ok = (e < 1 && e > -1 && p < 5e6) ? "ok" : "MISSED"
			printf "perfgate %10d %12.1f %+9.2f %10.2f %10.2f %8.2f %s %s\n", r, a, e, p / 1e6, m / 1e6, b / n, l, ok }'
		# The anchor: the vegeta CLI at the same rate and workers.
		echo "GET http://$ADDR/" >"$d-targets.txt"
		"$BIN/vegeta" attack -rate="$rate" -max-workers="$WORKERS" -duration="$DURATION" -targets="$d-targets.txt" -output="$d-vegeta.bin"
		"$BIN/vegeta" report -type=json "$d-vegeta.bin" >"$d-vegeta.json"
		jq -r --arg r "$rate" --arg l "$(cut -d' ' -f1 /proc/loadavg)" \
			'"vegeta   \($r|tonumber|tostring|.[0:10]|(" " * (10 - length)) + .) \(.rate*10|round/10|tostring|(" " * (12 - length)) + .) \(((.rate - ($r|tonumber)) / ($r|tonumber) * 100 * 100 | round / 100)|tostring|(" " * (9 - length)) + .) \(.latencies["99th"]/1e4|round/100|tostring|(" " * (10 - length)) + .) \(.latencies.max/1e4|round/100|tostring|(" " * (10 - length)) + .)        - \($l)"' "$d-vegeta.json"
	done
fi

if [ "$MEMORY" = 1 ]; then
	printf '\n== memory: perfgate run --rate %s --duration %s (goal: >= 3 M requests under 300 MB RSS)\n' "$MEMORY_RATE" "$MEMORY_DURATION"
	d=$OUT/runs/memory
	mrate=$MEMORY_RATE
	[ "$mrate" = max ] || mrate=$mrate/s
	perfgate_run "$d" "$mrate" "$MEMORY_DURATION"
	n=$(jq '.scenarios[0].requests' "$d/summary.json")
	echo "requests $n, achieved $(jq '.scenarios[0].achieved_rate' "$d/summary.json")/s, max RSS $(rss_mb "$d") MB, raw $(stat -c %s "$d/bench.parquet") bytes, load avg $(cut -d' ' -f1 /proc/loadavg)"
fi

if [ "$REPORT" = 1 ]; then
	printf '\n== perfgate report of a synthetic %s-request run (goal for 10 M: < 5 s, < 300 MB)\n' "$REPORT_N"
	d=$OUT/runs/synthetic
	rm -rf "$d"
	timed "$d-gen" "$BIN/synthrun" -dir "$d" -n "$REPORT_N"
	for formats in text text,md text,md,html; do
		timed "$d-report" "$BIN/perfgate" report "$d" --format "$formats" >"$d-report.out"
		awk -v f="$formats" -v l="$(cut -d' ' -f1 /proc/loadavg)" '{ printf "perfgate report --format %-13s %6.2f s wall, %5.2f s CPU, max RSS %4d MB, load avg %s\n", f, $1, $2 + $3, $4 / 1024, l }' "$d-report.time"
	done
fi
