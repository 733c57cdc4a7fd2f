#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh Debian machine (scripts/setup.sh: Debian packages,
# PostgreSQL on loopback; quick when already done), builds the NativeAOT PKCS#11 module, then runs every test project
# of the solution (the end-to-end tests load artifacts/native/libopencryptoki-actors.so and start ock-slotd themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> scripts/setup.sh"
bash scripts/setup.sh

echo "==> dotnet publish src/Native -c Release -o artifacts/native"
dotnet publish src/Native -c Release -o artifacts/native

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "==> dotnet test OpenCryptokiActors.sln -c Release"
status=0
# --blame: if a test host process dies, the runner names the test that was running.
# -m:1: one test project at a time (each starts its own daemons, PostgreSQL servers and client swarms).
dotnet test OpenCryptokiActors.sln -c Release -m:1 --blame "$@" 2>&1 | tee "$log" || status=$?

# One summary line over every test project, from the runner's per-assembly lines
# ("Passed!  - Failed:     0, Passed:   126, Skipped:     0, Total:   126, ...").
read -r passed failed skipped < <(
  grep -E '^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \1 \3/' |
    awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}'
)
echo "Summary: ${passed} passed, ${failed} failed, ${skipped} skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "TESTS FAILED (dotnet test exit code $status)" >&2
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "NO TESTS RAN" >&2
  exit 1
fi
