#!/usr/bin/env bash
# soak-realtime.sh [MINUTES] [CONFIG] — run the daemon in real time for MINUTES (default 10) on CONFIG (default
# config.yaml, the demo replayed in real time), poll /metrics and /events every second as a dashboard and a
# browser would, then report the daemon's CPU time and share, its peak RSS, and the frame counters from /metrics.
# It exits 1 when frames were dropped, a poll failed, or the daemon did not stop cleanly on SIGTERM.
#
#   scripts/soak-realtime.sh 10
#
# Needs: go, curl. LISTEN (default 127.0.0.1:19464) is where the daemon serves.
set -euo pipefail
minutes=${1:-10}
config=${2:-config.yaml}
listen=${LISTEN:-127.0.0.1:19464}
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/levelmeter-soak.XXXXXX")
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/levelmeter" ./cmd/levelmeter
"$dir/levelmeter" run --config "$config" --log-format json --listen "$listen" >"$dir/log" 2>"$dir/stderr" &
pid=$!
tick=$(getconf CLK_TCK)
for _ in $(seq 50); do curl -fs "http://$listen/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# /events is a stream: keep one client connected for the whole run, as the web page does.
curl -fsN "http://$listen/events" >"$dir/events" 2>/dev/null &
events=$!

end=$(( $(date +%s) + minutes * 60 ))
polls=0 failed=0 maxrss=0
while [ "$(date +%s)" -lt "$end" ]; do
  if curl -fs -o "$dir/metrics" "http://$listen/metrics"; then polls=$((polls + 1)); else failed=$((failed + 1)); fi
  # The 1-second poll of /events a client without streaming would make: connect, read briefly, go.
  curl -fsN --max-time 0.2 "http://$listen/events" >/dev/null 2>&1 || true
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  [ "$rss" -gt "$maxrss" ] && maxrss=$rss
  sleep 1
done
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
cpu=$(awk -v u="$utime" -v s="$stime" -v t="$tick" 'BEGIN {printf "%.2f", (u + s) / t}')
metric() { awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%d", s}' "$dir/metrics"; }
captured=$(metric levelmeter_frames_captured_total)
metered=$(metric levelmeter_frames_metered_total)
dropped=$(metric levelmeter_frames_dropped_total)
overflows=$(metric levelmeter_input_overflows_total)
lost=$(metric levelmeter_reports_lost_total)
restarts=$(metric levelmeter_source_restarts_total)
kill "$events" 2>/dev/null || true
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
wait "$events" 2>/dev/null || true
events_bytes=$(wc -c <"$dir/events")
summaries=$(grep -c '"message":"summary"' "$dir/log" || true)

secs=$((minutes * 60))
echo "real-time soak: $minutes min on $config"
echo "  cpu:       ${cpu} s ($(awk -v c="$cpu" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / s}') % of one core)"
echo "  max rss:   $((maxrss / 1024)) MiB (${maxrss} kB)"
echo "  frames:    captured $captured, metered $metered, dropped $dropped; overflows $overflows, reports lost $lost, restarts $restarts"
echo "  polls:     $polls of /metrics ok, $failed failed; /events stream delivered $events_bytes bytes"
echo "  shutdown:  exit $status, $summaries summary line(s); stderr: $(wc -l <"$dir/stderr") line(s)"
[ "$dropped" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$status" -eq 0 ] && [ "$summaries" -ge 1 ]
