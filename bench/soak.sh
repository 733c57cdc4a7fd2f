#!/usr/bin/env bash
# bench/soak.sh - the soak: CLIENTS processes (default 50) of bench/soakclient.c against one private ock-slotd for
# DURATION seconds (default 1800): sessions, logins, finds, token and session objects, HMAC signatures, multi-part
# digests, reconnects (C_Finalize + C_Initialize), and every KILL_EVERY seconds (default 10) one client killed with
# SIGKILL and a new one started. The daemon's RSS and thread count are sampled every 5 s.
#
#   bench/soak.sh                      # 50 clients, 30 minutes
#   CLIENTS=20 DURATION=300 bench/soak.sh
#
# At the end (all clients gone): every token object a client was told was created is found (none lost), the token's
# session count is exactly the checker's own, and no call failed (a call the daemon does not answer surfaces as
# CKR_DEVICE_ERROR and counts as an error). Results in bench/results/soak-<stamp>/ (rss.tsv, summary.md, soak.png).
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
out="$bench/.out"
clients=${CLIENTS:-50}
duration=${DURATION:-1800}
kill_every=${KILL_EVERY:-10}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
res="$bench/results/soak-$stamp"
work=$(mktemp -d)
mkdir -p "$res" "$out"
# shellcheck source=lib.sh
. "$bench/lib.sh"

echo "==> build (log: $res/run.log)"
dotnet publish "$repo/src/Host" -c Release -o "$out/host" -nologo -v q >> "$res/run.log" 2>&1
dotnet publish "$repo/src/Native" -c Release -o "$out/native" -nologo -v q >> "$res/run.log" 2>&1
dotnet build "$bench/chart" -c Release -o "$out/chart" -nologo -v q >> "$res/run.log" 2>&1
gcc -O2 -Wall -Werror -I/usr/include/p11-kit-1 -o "$out/soakclient" "$bench/soakclient.c" -ldl >> "$res/run.log" 2>&1
module="$out/native/libopencryptoki-actors.so"

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
    stop_pid "${ours_pid:-}"
    rm -rf "$work"
}
trap cleanup EXIT

ours_start
echo "==> ock-slotd pid $ours_pid; $clients clients for ${duration}s, one killed every ${kill_every}s"
start=$(date +%s)
( echo -e "seconds\trss_kib\tthreads"
  while kill -0 "$ours_pid" 2>/dev/null; do
      echo -e "$(( $(date +%s) - start ))\t$(rss "$ours_pid")\t$(ls "/proc/$ours_pid/task" 2>/dev/null | wc -l)"
      sleep 5
  done ) > "$res/rss.tsv" &
sampler=$!

end=$(( start + duration ))
n=0
spawn() { # one client until the end of the soak
    n=$((n + 1))
    local left=$(( end - $(date +%s) ))
    [ "$left" -gt 0 ] || return 0
    "$out/soakclient" "$module" "$USER_PIN" "$left" "$work/created.$n" > "$work/client.$n.out" 2>&1 &
    pids+=($!)
}
for _ in $(seq "$clients"); do spawn; done
kills=0
while [ "$(date +%s)" -lt "$end" ]; do
    sleep "$kill_every"
    live=()
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
    pids=("${live[@]}")
    [ "$(date +%s)" -lt "$end" ] || break
    if [ "${#pids[@]}" -gt 0 ]; then
        victim=${pids[$((RANDOM % ${#pids[@]}))]}
        kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
        spawn
    fi
done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
sleep 2 # the daemon ends the last applications when their connections reach EOF

created=$(cat "$work"/created.* 2>/dev/null | wc -l)
errors=$(grep -h '^calls=' "$work"/client.*.out | sed -E 's/.*errors=([0-9]+)/\1/' | awk '{s+=$1} END {print s+0}')
calls=$(grep -h '^calls=' "$work"/client.*.out | sed -E 's/calls=([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
grep -h '^error ' "$work"/client.*.out | sort | uniq -c | sort -rn | head -20 > "$res/errors.txt" || true
check=$("$out/soakclient" "$module" "$USER_PIN" --check soak-)
found=$(echo "$check" | sed -E 's/objects=([0-9]+).*/\1/')
sessions=$(echo "$check" | sed -E 's/.*sessions=([0-9]+)/\1/')
rss_first=$(awk 'NR==3 {print $2}' "$res/rss.tsv")
rss_max=$(awk 'NR>1 && $2>m {m=$2} END {print m}' "$res/rss.tsv")
rss_last=$(tail -1 "$res/rss.tsv" | cut -f2)
threads_max=$(awk 'NR>1 && $3>m {m=$3} END {print m}' "$res/rss.tsv")
"$out/chart/chart" rss "$res/rss.tsv" "$res/soak.png" >> "$res/run.log" 2>&1 || echo "(no chart: see $res/run.log)"

verdict=PASS
[ "$found" -ge "$created" ] || verdict=FAIL
[ "$sessions" -eq 1 ] || verdict=FAIL
[ "$errors" -eq 0 ] || verdict=FAIL
kill -0 "$ours_pid" 2>/dev/null || verdict=FAIL
cat > "$res/summary.md" <<EOS
| soak ($stamp) | |
|---|---|
| clients, duration | $clients processes, ${duration} s, $kills killed with SIGKILL and replaced |
| calls answered (completed clients) | $calls, $errors failed |
| token objects reported created / found | $created / $found (none lost: found ≥ reported; a killed client may have had one created and not yet logged) |
| sessions at the end | $sessions (the checker's own) |
| ock-slotd RSS first / max / last sample | $rss_first / $rss_max / $rss_last KiB; threads max $threads_max |
| verdict | $verdict |
EOS
cat "$res/summary.md"
[ "$verdict" = PASS ]
