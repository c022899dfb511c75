#!/bin/sh
# Writes the WAV files in testdata/ and the table of their levels in testdata/README.md. Deterministic: running it
# again writes the same bytes. Run from anywhere; needs Go.
set -eu
cd "$(dirname "$0")/.."
go run ./internal/cmd/gentestdata -dir testdata
ls -l testdata/*.wav | awk '{ total += $5 } END { printf "testdata: %d WAV files, %d bytes\n", NR, total }'
