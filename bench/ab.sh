#!/usr/bin/env bash
# bench/ab.sh - before/after: two builds of the module, or two daemon environments, alternated.
#
#   MODULE_B=bench/.out/native-new/libopencryptoki-actors.so bench/ab.sh     # module A = bench/.out/native
#   DAEMON_ENV_B="DOTNET_GCLOHThreshold=0x400000" bench/ab.sh                 # daemon A = as built
#   HOST_A=bench/.out/host-before/ock-slotd.dll HOST_B=bench/.out/host/ock-slotd.dll \
#   MODULE_A=bench/.out/native-before/libopencryptoki-actors.so bench/ab.sh   # two builds of daemon and module
#   N=4 CASES=sha256-1MiB,aes256-cbc-1MiB T=1 ...
#
# Each of N iterations runs A then B (a fresh ock-slotd per run when the daemon differs, one warm
# untimed pass first), 1 s per case; prints p11perf's TSV (tag A/B) and the medians per side.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
out="$bench/.out"
res=$(mktemp -d -t ock-ab-res.XXXXXX)
. "$bench/lib.sh"
mod_a=${MODULE_A:-$out/native/libopencryptoki-actors.so}
host_a=${HOST_A:-$out/host/ock-slotd.dll}
host_b=${HOST_B:-$host_a}
mod_b=${MODULE_B:-$mod_a}
read -r -a env_b <<< "${DAEMON_ENV_B:-}"
cases=${CASES:-empty-call,sha256-64B,aes256-cbc-1KiB}
make -s -C "$bench" OUT="$out" >/dev/null
ours_pid=""
work=""
trap 'stop_pid "$ours_pid"; [ -n "$work" ] && rm -rf "$work"; rm -rf "$res"' EXIT
one() { # side module host daemon-env...
    local side=$1 mod=$2
    host_dll=$3
    init_module=$mod
    shift 3
    work=$(mktemp -d -t ock-ab.XXXXXX)
    ours_start "$@"
    "$out/p11perf" --module "$mod" --slot 0 --pin "$USER_PIN" --threads 1 --seconds 0.5 --only "$cases" --tag warm > /dev/null 2>&1
    "$out/p11perf" --module "$mod" --slot 0 --pin "$USER_PIN" --threads "${T:-1}" --seconds 1 --only "$cases" --tag "$side" 2>/dev/null | grep -v '^#'
    echo "# $side: loadavg $(cut -d' ' -f1 /proc/loadavg), ock-slotd RSS $(rss "$ours_pid") kB"
    stop_pid "$ours_pid"
    rm -rf "$work"
    work=""
}
for _ in $(seq "${N:-3}"); do
    one A "$mod_a" "$host_a"
    one B "$mod_b" "$host_b" "${env_b[@]}"
done | tee "$res/ab.tsv"
python3 - "$res/ab.tsv" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if not line.startswith("#") and len(f) > 8:
        d[(f[1], f[2])].append((f[0], float(f[6]), float(f[7])))
print("| case | T | A ops/s | B ops/s | A median µs | B median µs | B faster in |")
print("|---|---|---:|---:|---:|---:|---|")
for (c, t), rows in sorted(d.items()):
    a = [r for r in rows if r[0] == "A"]
    b = [r for r in rows if r[0] == "B"]
    wins = sum(1 for x, y in zip(a, b) if y[2] < x[2])
    print(f"| {c} | {t} | {statistics.median(r[1] for r in a):,.0f} | {statistics.median(r[1] for r in b):,.0f} | "
          f"{statistics.median(r[2] for r in a):,.1f} | {statistics.median(r[2] for r in b):,.1f} | {wins} of {min(len(a), len(b))} pairs |")
PY
