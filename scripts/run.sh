#!/usr/bin/env bash
# Runs ock-slotd in the foreground on config/opencryptoki.conf (socket ./var/run/slotd.socket). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --project src/Host -c Release -- "$@"
