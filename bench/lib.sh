# lib.sh: what the bench scripts share; source it after setting -euo pipefail.
# Needs curl and /usr/bin/time (GNU time).

# start_target BIN ADDR LOG [CPUS]: starts the benchmark target on ADDR
# (pinned to CPUS with taskset when given), stops it when the script
# exits, and returns once it answers.
start_target() {
	local bin=$1 addr=$2 log=$3 cpus=${4:-}
	if [ -n "$cpus" ]; then
		taskset -c "$cpus" "$bin" -addr "$addr" -for 2h >"$log" 2>&1 &
	else
		"$bin" -addr "$addr" -for 2h >"$log" 2>&1 &
	fi
	TARGET_PID=$!
	trap 'kill "$TARGET_PID" 2>/dev/null || true' EXIT
	for _ in $(seq 50); do
		curl -fsS "http://$addr/" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	curl -fsS "http://$addr/" >/dev/null || { echo "$(basename "$0"): target did not start; see $log" >&2; exit 1; }
}

# timed FILE CMD...: runs CMD under GNU time (on CLIENT_CPUS with taskset
# when set), figures into FILE.time: wall, user, system, max RSS.
timed() {
	local file=$1
	shift
	if [ -n "${CLIENT_CPUS:-}" ]; then
		taskset -c "$CLIENT_CPUS" /usr/bin/time -f '%e %U %S %M' -o "$file.time" "$@"
	else
		/usr/bin/time -f '%e %U %S %M' -o "$file.time" "$@"
	fi
}

# cpu_us FILE REQUESTS: client CPU (user + system) per request in µs.
cpu_us() { awk -v n="$2" '{ printf "%.1f", ($2 + $3) * 1e6 / n }' "$1.time"; }

# rss_mb FILE: max RSS in MB.
rss_mb() { awk '{ printf "%d", $4 / 1024 }' "$1.time"; }

# machine_line [EXTRA]: the machine a figure was measured on, one line.
machine_line() {
	echo "nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(go version | cut -d' ' -f3); ${1:+$1; }load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_scenario FILE: writes the scenario every perfgate run here sends:
# GET / at rate max, status 200 expected (--rate and --duration override).
bench_scenario() {
	cat >"$1" <<'YAML'
name: bench
description: "GET the local benchmark target."
request:
  method: GET
  path: /
load:
  rate: max
  duration: 10s
expect:
  status: 200
YAML
}
