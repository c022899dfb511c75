#!/usr/bin/env bash
# bench-analyze.sh — time `levelmeter analyze` against ffmpeg's ebur128 filter on the same one-hour 48 kHz stereo
# 24-bit WAV file, in one run, and report the ratio, the maximum resident memory of each and their results.
#
# The file (1.04 GB of pink noise under a slow level change, made with SoX) is kept in $BENCH_DIR (default /tmp)
# and reused by later runs. Needs Go, SoX, ffmpeg and GNU time (apt-get install sox ffmpeg time).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BENCH_DIR:-/tmp}
wav=$dir/levelmeter-bench-1h-48k-s24-stereo.wav
bin=$dir/levelmeter-bench-bin
for tool in sox ffmpeg /usr/bin/time go; do
	command -v "$tool" >/dev/null || { echo "bench-analyze: $tool is missing (apt-get install sox ffmpeg time)" >&2; exit 1; }
done

if [ ! -s "$wav" ]; then
	echo "making $wav (one hour, 48 kHz, stereo, 24-bit)..."
	sox -q -n -r 48000 -c 2 -b 24 -e signed-integer "$wav" synth 3600 pinknoise pinknoise \
		tremolo 0.01 40 gain -12
fi
go build -o "$bin" ./cmd/levelmeter

# timed NAME CMD...: runs CMD under GNU time, leaves the wall seconds and max RSS (kB) in $wall and $rss, and the
# command's stdout and stderr in $out.
timed() {
	local name=$1; shift
	local tf; tf=$(mktemp)
	out=$(/usr/bin/time -v -o "$tf" "$@" 2>&1)
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tf")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")
	cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$tf")
	rm -f "$tf"
	printf '%-10s %8.2f s wall  %8.2f s CPU (user+sys)  %8d kB max RSS\n' "$name" "$wall" "$cpu" "$rss"
}

echo "file: $wav ($(stat -c %s "$wav") bytes)"
timed levelmeter "$bin" analyze --json "$wav"
lm_wall=$wall lm_rss=$rss lm_cpu=$cpu lm_out=$out
timed ffmpeg ffmpeg -nostats -hide_banner -nostdin -i "$wav" -af ebur128=peak=true -f null -
ff_wall=$wall ff_rss=$rss ff_cpu=$cpu ff_out=$out

echo
echo "levelmeter: $(grep -o '"loudness":{[^}]*}' <<<"$lm_out"), true peak $(grep -o '"overall":{[^}]*}' <<<"$lm_out" | grep -o '"true_peak_dbtp":[^,}]*')"
echo "ffmpeg:     I $(awk '/^ *I:/ { print $2 }' <<<"$ff_out") LUFS, LRA $(awk '/^ *LRA:/ { print $2 }' <<<"$ff_out") LU, true peak $(awk '/^ *Peak:/ { print $2 }' <<<"$ff_out") dBFS"
awk -v a="$lm_wall" -v b="$ff_wall" -v ca="$lm_cpu" -v cb="$ff_cpu" -v ra="$lm_rss" -v rb="$ff_rss" 'BEGIN {
	printf "\nlevelmeter analyze is %.2fx as fast as ffmpeg ebur128=peak=true in wall time (%.1f s vs %.1f s; %.0f vs %.0f x real time)\n", b / a, a, b, 3600 / a, 3600 / b
	printf "and %.2fx in CPU time (%.1f s vs %.1f s; the machine is shared: CPU time is the steadier figure)\n", cb / ca, ca, cb
	printf "max RSS: levelmeter %.1f MB, ffmpeg %.1f MB\n", ra / 1024, rb / 1024
}'
