#!/usr/bin/env bash
# fuzz.sh SECONDS [PACKAGE...] — runs every fuzz target in the packages (default: all) for SECONDS each.
# go test -fuzz takes one target per run, so the targets are found and run one by one. New crashers are kept by
# Go under the package's testdata/fuzz/ and fail the run: commit them as regression cases after fixing.
set -euo pipefail
secs=${1:?usage: fuzz.sh SECONDS [PACKAGE...]}
shift
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || mapfile -t pkgs < <(go list ./...)
for pkg in "${pkgs[@]}"; do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $target (${secs}s)"
    # Progress lines are dropped; on a failure everything else is shown (the failing input and why).
    if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" -fuzzminimizetime 10s "$pkg" 2>&1); then
      # Go 1.26's fuzz coordinator can report the end of -fuzztime itself as a failure (go.dev/issue/75804,
      # fixed in Go 1.27): the target fails with "context deadline exceeded" and nothing else, and no input is
      # written. The fuzzing ran its full time, so that failure, and only that one, counts as a pass.
      if grep -qx '    context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written to' <<<"$out" &&
        [ "$(grep -c '^    ' <<<"$out")" -eq 1 ]; then
        echo "fuzz: $pkg $target: ran ${secs}s; Go reported its own deadline as a failure (go.dev/issue/75804), no failing input"
        continue
      fi
      grep -v '^fuzz: elapsed: .*execs:' <<<"$out" || true
      echo "fuzz: $pkg $target failed"
      exit 1
    fi
    tail -n 3 <<<"$out"
  done
done
