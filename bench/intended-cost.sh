#!/usr/bin/env bash
# intended-cost.sh: the cost of recording intended send times (issue 15),
# side by side: perfgate before and after, the vegeta CLI and a bare vegeta
# loop, against one local target, in rounds whose order alternates (ABBA)
# so that the machine's drift hits both builds alike.
#
#   bench/intended-cost.sh                      2 rounds, no pinning
#   bench/intended-cost.sh --rounds 3 --client-cpus 8-15 --target-cpus 0-7
#   bench/intended-cost.sh --before 286e6ca --after HEAD --duration 10s
#
# Each tool runs at the highest rate it sustains with --workers workers for
# --duration; rates are vegeta's definition, (requests - 1) over the span of
# send times. Prints one line per tool and round, then the means and the
# after/before ratio (the goal: no regression beyond 5 %). Needs git, go,
# jq, taskset (util-linux) and /usr/bin/time (GNU time).
set -euo pipefail

BEFORE=286e6ca # main before issue 15: no intended times
AFTER=HEAD
ROUNDS=2
DURATION=10s
WORKERS=64
ADDR=127.0.0.1:18081
CLIENT_CPUS="" TARGET_CPUS=""
OUT=${BENCH_OUT:-/tmp/perfgate-intended-cost}

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--before) BEFORE=$2; shift ;;
	--after) AFTER=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	--addr) ADDR=$2; shift ;;
	--client-cpus) CLIENT_CPUS=$2; shift ;;
	--target-cpus) TARGET_CPUS=$2; shift ;;
	--out) OUT=$2; shift ;;
	-h | --help) usage ;;
	*) echo "intended-cost: unknown argument $1" >&2; usage ;;
	esac
	shift
done
for tool in git go jq taskset /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "intended-cost: $tool is needed; install it" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
BIN=$OUT/bin
rm -rf "$OUT"
mkdir -p "$BIN" "$OUT/runs"

echo "== building into $BIN"
for side in before after; do
	rev=$BEFORE
	[ "$side" = after ] && rev=$AFTER
	src=$OUT/src-$side
	git worktree add --detach "$src" "$rev" >/dev/null 2>&1
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$BIN/perfgate-$side" ./cmd/perfgate)
	echo "perfgate-$side: $(git rev-parse --short "$rev") $(git log -1 --format=%s "$rev" | cut -c1-70)"
	git worktree remove --force "$src"
done
go build -o "$BIN/" ./bench/cmd/target ./bench/cmd/barevegeta
go build -o "$BIN/vegeta" github.com/tsenart/vegeta/v12

echo "== machine"
machine_line "client CPUs ${CLIENT_CPUS:-all}, target CPUs ${TARGET_CPUS:-all}"

start_target "$BIN/target" "$ADDR" "$OUT/target.log" "$TARGET_CPUS"

SCEN=$OUT/bench.yaml
bench_scenario "$SCEN"
echo "GET http://$ADDR/" >"$OUT/targets.txt"

# measure ROUND TOOL: one run; appends "round tool requests rate cpu B/req".
measure() {
	local r=$OUT/runs/r$1-$2 n rate bytes
	case $2 in
	bare)
		timed "$r" "$BIN/barevegeta" -target "http://$ADDR/" -duration "$DURATION" -max-workers "$WORKERS" >"$r.out"
		n=$(sed 's/.*requests=\([0-9]*\).*/\1/' "$r.out")
		rate=$(sed 's/.*rate=\([0-9.]*\).*/\1/' "$r.out")
		bytes=0
		;;
	vegeta)
		timed "$r" "$BIN/vegeta" attack -rate=0 -max-workers="$WORKERS" -duration="$DURATION" \
			-targets="$OUT/targets.txt" -output="$r.bin"
		"$BIN/vegeta" report -type=json "$r.bin" >"$r.json"
		n=$(jq .requests "$r.json")
		rate=$(jq .rate "$r.json")
		bytes=$(stat -c %s "$r.bin")
		;;
	before | after)
		timed "$r" "$BIN/perfgate-$2" run --target "http://$ADDR" --rate max --duration "$DURATION" \
			--max-workers "$WORKERS" --timeout 30s --no-progress --format json --out "$r" "$SCEN" >"$r.log" 2>&1 || {
			echo "intended-cost: perfgate-$2 run failed; see $r.log" >&2
			cat "$r.log" >&2
			exit 1
		}
		n=$(jq '.scenarios[0].requests' "$r/summary.json")
		rate=$(jq '.scenarios[0].achieved_rate' "$r/summary.json")
		bytes=$(stat -c %s "$r/bench.parquet")
		;;
	esac
	echo "$1 $2 $n $rate $(cpu_us "$r" "$n") $(echo "$bytes $n" | awk '{ printf "%.2f", $1 / $2 }') $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/figures.txt"
}

printf '\n== throughput, %s each, %s workers, %s rounds (round tool requests req/s CPU-µs/req B/req load)\n' "$DURATION" "$WORKERS" "$ROUNDS"
for round in $(seq "$ROUNDS"); do
	# ABBA: odd rounds before first, even rounds after first.
	if [ $((round % 2)) = 1 ]; then order="bare before vegeta after"; else order="after vegeta before bare"; fi
	for tool in $order; do
		measure "$round" "$tool"
	done
done

echo
echo "== means over $ROUNDS rounds"
awk '{ rate[$2] += $4; cpu[$2] += $5; b[$2] += $6; n[$2]++; r[$1, $2] = $4; rounds = $1 }
END {
	for (t in n) printf "%-7s %10.0f req/s %8.1f CPU µs/req %6.2f B/req\n", t, rate[t] / n[t], cpu[t] / n[t], b[t] / n[t]
	printf "after / before: throughput %.3f, CPU per request %.3f (goal: throughput >= 0.95)\n", rate["after"] / rate["before"], cpu["after"] / cpu["before"]
	printf "perfgate (after) / vegeta CLI = %.2f, / bare loop = %.2f\n", rate["after"] / rate["vegeta"], rate["after"] / rate["bare"]
	printf "perfgate (before) / vegeta CLI = %.2f, / bare loop = %.2f\n", rate["before"] / rate["vegeta"], rate["before"] / rate["bare"]
	# Each round pairs the two builds on the same machine state: the
	# after/before ratio per round, and a 95 % t-interval of their
	# geometric mean (the rounds are the samples, so few rounds give a
	# wide interval: that is the honest figure, not a failure).
	split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26", tq)
	for (i = 1; i <= rounds; i++) {
		l = log(r[i, "after"] / r[i, "before"])
		printf "round %d: after / before = %.3f\n", i, exp(l)
		sum += l; sq += l * l
	}
	if (rounds >= 2) {
		m = sum / rounds; sd = sqrt((sq - rounds * m * m) / (rounds - 1)); t = (rounds - 1 <= 9) ? tq[rounds - 1] : 1.96
		printf "after / before, paired by round: %.3f, 95 %% interval %.3f to %.3f (%d rounds)%s\n", exp(m), exp(m - t * sd / sqrt(rounds)), exp(m + t * sd / sqrt(rounds)), rounds,
			(exp(m - t * sd / sqrt(rounds)) >= 0.95) ? ": no regression beyond 5 %" : ((exp(m + t * sd / sqrt(rounds)) < 0.95) ? ": a regression beyond 5 %" : ": inconclusive at 5 %, add rounds")
	}
}' "$OUT/figures.txt"
