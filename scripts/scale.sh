#!/bin/sh
# scale.sh: run levelmeter with many live stereo 48 kHz sources on this machine and measure what it costs.
#
#   scripts/scale.sh [COMMANDS [FILES [SECONDS]]]     defaults: 32 32 60
#
# COMMANDS command sources each read a paced sine generator (internal/cmd/pacedsine, s16le, real time) and FILES
# WAV sources replay testdata/demo.wav in real time, looped. While it runs, /metrics is scraped every second and
# the web page's /events is read. Printed: levelmeter's own CPU time per wall second (from /proc/PID/stat
# utime+stime over the measured span, after a warm-up; the generators are separate processes and not counted),
# its peak RSS, goroutines, frames dropped, reports lost, and the report latency (levelmeter_latency_seconds)
# over all sources and scrapes.
# Environment: FILE_BLOCK sets the WAV sources' frames_per_buffer (default 1024), LOG_LEVEL the log level (info),
# REPORT_INTERVAL the report interval (100ms).
# A CPU profile of the same load comes from the in-process harness: LEVELMETER_SCALE_PROFILE=cpu.prof go test
# -run TestScaleProfile ./internal/daemon/ (see docs/PERFORMANCE.md).
set -eu
commands=${1:-32}
files=${2:-32}
seconds=${3:-60}
warmup=5
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pid=""
events=""
cleanup() {
	[ -n "$events" ] && kill "$events" 2>/dev/null || true
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

(cd "$root" && go build -o "$tmp/levelmeter" ./cmd/levelmeter && go build -o "$tmp/pacedsine" ./internal/cmd/pacedsine)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cfg="$tmp/scale.yaml"
{
	echo "http:"
	echo "  listen: 127.0.0.1:$port"
	echo "report_interval: ${REPORT_INTERVAL:-100ms}"
	echo "sources:"
	i=0
	while [ "$i" -lt "$commands" ]; do
		echo "  - name: feed$i"
		echo "    command: [$tmp/pacedsine, -freq, $((200 + 20 * i)), -amp, 0.1]"
		echo "    format: s16le"
		echo "    sample_rate: 48000"
		echo "    channels: 2"
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$files" ]; do
		echo "  - name: file$i"
		echo "    wav: $root/testdata/demo.wav"
		echo "    loop: true"
		echo "    frames_per_buffer: ${FILE_BLOCK:-1024}"
		i=$((i + 1))
	done
} >"$cfg"

"$tmp/levelmeter" run --config "$cfg" --log-format json --log-level "${LOG_LEVEL:-info}" >"$tmp/log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
n=0
until curl -sf "$url/metrics" >/dev/null; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || { echo "levelmeter did not start:"; cat "$tmp/log"; exit 1; }
	sleep 0.1
done
curl -sN "$url/events" >/dev/null &
events=$!

tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Context switches of all levelmeter's threads: how often its threads sleep and are woken.
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }
sleep "$warmup"
c0=$(cpu)
w0=$(switches)
t0=$(date +%s.%N)
s=0
: >"$tmp/latency"
while [ "$s" -lt "$seconds" ]; do
	curl -sf "$url/metrics" >"$tmp/metrics" || true
	grep '^levelmeter_latency_seconds{' "$tmp/metrics" | awk '{print $2}' >>"$tmp/latency"
	s=$((s + 1))
	sleep 1
done
c1=$(cpu)
w1=$(switches)
t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
sum() { grep "^$1{" "$tmp/metrics" | awk '{s += $2} END {print s + 0}'; }
goroutines=$(grep '^go_goroutines ' "$tmp/metrics" | awk '{print $2}')
sources=$((commands + files))
awk -v c0="$c0" -v c1="$c1" -v w0="$w0" -v w1="$w1" -v t0="$t0" -v t1="$t1" -v tck="$tck" -v n="$sources" -v rss="$rss" \
	-v drop="$(sum levelmeter_frames_dropped_total)" -v lost="$(sum levelmeter_reports_lost_total)" \
	-v restarts="$(sum levelmeter_source_restarts_total)" -v g="$goroutines" -v cmds="$commands" -v files="$files" \
	'BEGIN {
		cpu = (c1 - c0) / tck; wall = t1 - t0
		printf "sources: %d (%d commands, %d files), 48 kHz stereo, %.0f s measured\n", n, cmds, files, wall
		printf "levelmeter CPU: %.3f CPU-s/s (%.1f %% of one core), %.2f ms/s per source\n", cpu / wall, 100 * cpu / wall, 1000 * cpu / wall / n
		printf "thread context switches: %.0f/s (%.0f/s per source)\n", (w1 - w0) / wall, (w1 - w0) / wall / n
		printf "peak RSS: %.1f MB; goroutines: %d (%.1f per source)\n", rss / 1024, g, g / n
		printf "frames dropped: %d; reports lost: %d; restarts: %d\n", drop, lost, restarts
	}'
grep '^levelmeter_frames_dropped_total{' "$tmp/metrics" | awk '$2 > 0 {print "  dropped:", $0}' | head -10
grep -E '"level":"(warn|error)"' "$tmp/log" | grep -v '"stderr"' | head -5
sort -g "$tmp/latency" | awk '{v[NR] = $1} END {if (NR) printf "report latency over %d readings: median %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, 1000 * v[int(NR / 2) + 1], 1000 * v[int(NR * 0.99) + 1], 1000 * v[NR]}'
if grep -q '"level":"error"' "$tmp/log"; then
	echo "errors logged:"
	grep '"level":"error"' "$tmp/log" | head -5
fi
