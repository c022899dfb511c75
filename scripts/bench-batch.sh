#!/usr/bin/env bash
# bench-batch.sh — time `levelmeter analyze` on 20 three-minute 48 kHz stereo 24-bit WAV files in one call with
# -j 2 and with -j 1, and ffmpeg's ebur128=peak=true run over the same files one after the other, in one run; report
# the wall and CPU seconds of each and the ratios.
#
# The files (pink noise under a slow level change, each at its own level, made with SoX) are kept in
# $BENCH_DIR/levelmeter-bench-batch (default /tmp) and reused by later runs. Needs Go, SoX, ffmpeg and GNU time.
# On a shared machine the wall times move with the load; CPU time is the steadier figure.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BENCH_DIR:-/tmp}/levelmeter-bench-batch
bin=${BENCH_DIR:-/tmp}/levelmeter-bench-bin
n=${BENCH_FILES:-20}
for tool in sox ffmpeg /usr/bin/time go; do
	command -v "$tool" >/dev/null || { echo "bench-batch: $tool is missing (apt-get install sox ffmpeg time)" >&2; exit 1; }
done
mkdir -p "$dir"
files=()
for i in $(seq -w 1 "$n"); do
	f=$dir/track$i.wav
	if [ ! -s "$f" ]; then
		echo "making $f (three minutes, 48 kHz, stereo, 24-bit)..."
		sox -q -n -r 48000 -c 2 -b 24 -e signed-integer "$f" synth 180 pinknoise pinknoise tremolo 0.05 30 \
			gain "-$((10 + 10#$i % 10))"
	fi
	files+=("$f")
done
go build -o "$bin" ./cmd/levelmeter

# timed NAME CMD...: runs CMD under GNU time and leaves its wall and CPU (user+sys) seconds in $wall and $cpu.
timed() {
	local name=$1; shift
	local tf; tf=$(mktemp)
	/usr/bin/time -v -o "$tf" "$@" >/dev/null 2>&1
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tf")
	cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$tf")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")
	rm -f "$tf"
	printf '%-22s %8.2f s wall  %8.2f s CPU (user+sys)  %8d kB max RSS\n' "$name" "$wall" "$cpu" "$rss"
}

ffmpeg_all() {
	for f in "$@"; do
		ffmpeg -nostats -hide_banner -nostdin -i "$f" -af ebur128=peak=true -f null - || return 1
	done
}
export -f ffmpeg_all

echo "$n files in $dir, $(nproc) CPUs"
timed "analyze -j 2" "$bin" analyze --json -j 2 "${files[@]}"
j2_wall=$wall j2_cpu=$cpu
timed "analyze -j 1" "$bin" analyze --json -j 1 "${files[@]}"
j1_wall=$wall j1_cpu=$cpu
timed "ffmpeg ebur128, serial" bash -c 'ffmpeg_all "$@"' _ "${files[@]}"
ff_wall=$wall ff_cpu=$cpu
awk -v j2="$j2_wall" -v j1="$j1_wall" -v ff="$ff_wall" -v c2="$j2_cpu" -v c1="$j1_cpu" -v cf="$ff_cpu" 'BEGIN {
	printf "\n-j 2 is %.2fx as fast as -j 1 in wall time (CPU: %.1f s vs %.1f s)\n", j1 / j2, c2, c1
	printf "-j 2 is %.2fx as fast as ffmpeg ebur128=peak=true run serially (CPU: ffmpeg %.1f s, %.2fx -j 1'"'"'s)\n", ff / j2, cf, cf / c1
}'
