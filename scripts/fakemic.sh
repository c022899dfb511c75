#!/usr/bin/env bash
# fakemic.sh [AUDIOFILE] — a real PortAudio input device on a machine with no sound card, for demos and manual tests.
#
#   eval "$(scripts/fakemic.sh testdata/demo.wav)"
#   levelmeter devices                       # lists "fakemic" (paced in real time) and "fakemic_fast"
#   levelmeter run --device fakemic
#   kill "$FAKEMIC_PID"                      # stops the JACK server
#
# A JACK server with the dummy driver (48 kHz, 256-frame periods) is the clock; ALSA's file plugin delivers the
# samples of AUDIOFILE (any format SoX reads, converted to 48 kHz stereo float32; default: 10 minutes of a 1 kHz
# sine at -20 dBFS) as the capture device "fakemic". The printed variables replace the system's ALSA configuration
# for the programs started from this shell. The Go tests do the same through github.com/levelmeter/levelmeter/internal/fakemic.
# Needs: jackd2 libasound2-plugins sox (Debian).
set -euo pipefail
template="$(dirname "$0")/../internal/fakemic/asound.conf"
[ -r "$template" ] || { echo "fakemic.sh: $template is missing; run the script from a levelmeter checkout" >&2; exit 1; }
for cmd in jackd jack_lsp sox; do
  command -v "$cmd" >/dev/null || { echo "fakemic.sh: $cmd is missing; install jackd2 libasound2-plugins sox" >&2; exit 1; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/levelmeter-fakemic.XXXXXX")
raw="$dir/samples.f32"
if [ $# -ge 1 ]; then
  sox "$1" -t raw -e floating-point -b 32 -L -c 2 -r 48000 "$raw"
else
  sox -n -t raw -e floating-point -b 32 -L -c 2 -r 48000 "$raw" synth 600 sine 1000 vol 0.1
fi
# The ALSA configuration's one copy is internal/fakemic/asound.conf (the Go tests embed it); @INFILE@ is the samples.
conf=$(<"$template")
printf '%s\n' "${conf//@INFILE@/"$raw"}" >"$dir/asound.conf"
server="levelmeter-fakemic-$$"
JACK_NO_AUDIO_RESERVATION=1 nohup jackd -n "$server" -p 16 -d dummy -r 48000 -p 256 >"$dir/jackd.log" 2>&1 &
pid=$!
for _ in $(seq 1 500); do
  if JACK_DEFAULT_SERVER="$server" jack_lsp >/dev/null 2>&1; then
    echo "export ALSA_CONFIG_PATH='$dir/asound.conf' JACK_DEFAULT_SERVER='$server' FAKEMIC_PID=$pid"
    echo "fakemic.sh: device \"fakemic\" is ready; stop it with: kill \$FAKEMIC_PID" >&2
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
echo "fakemic.sh: jackd did not come up; its log:" >&2
cat "$dir/jackd.log" >&2
exit 1
