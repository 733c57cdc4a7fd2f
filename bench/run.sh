#!/usr/bin/env bash
# bench/run.sh - one command: build, prepare three tokens, benchmark them interleaved.
#
#   sudo bench/run.sh                 # 3 rounds, 1 s per case and module and round
#   ROUNDS=5 SECONDS_PER_CASE=2 THREADS=1,2 ONLY=sha256-64B,rsa2048-sign bench/run.sh
#
# The public-key cases also run at 8 sessions (THREADS_PK, default 1,2,8). References measured
# in every round beside the modules: a raw C Unix-socket round trip (p11perf --socket-floor),
# `openssl speed rsa2048 ecdsap256`, and the small symmetric ops done in-process in .NET
# (bench/inproc). ock-slotd's RSS is sampled every 50 ms while our cases run; each p11perf
# process reports its own RSS before dlopen and after C_Initialize / session + login.
#
# Modules: ours (libopencryptoki-actors.so + a private ock-slotd), SoftHSM2 (Debian
# libsofthsm2, private SOFTHSM2_CONF) and openCryptoki's soft token (Debian opencryptoki,
# its own pkcsslotd in a private mount+IPC namespace). Every case runs in a fresh
# p11perf process per module; within a round the modules take turns case by case, and
# the order of the modules rotates every round. Raw TSV: bench/results/<stamp>/raw.tsv;
# summary: bench/results/<stamp>/summary.md, copied to bench/results/latest.md.
# A full run (no ONLY) also rewrites README.md's block between <!-- bench:begin --> and
# <!-- bench:end --> (UPDATE_README=0 keeps it) and draws bench/results/latest.png (bench/chart).
# Needs root (apt-get, unshare, mounts for openCryptoki).
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
out="$bench/.out"
rounds=${ROUNDS:-3}
secs=${SECONDS_PER_CASE:-1}
warmup=${WARMUP:-0.2}
threads=${THREADS:-1,2}
threads_pk=${THREADS_PK:-1,2,8}
pk_cases=" rsa2048-sign rsa2048-verify rsa2048-pkcs1-sign rsa2048-pkcs1-verify rsa2048-pss-sign rsa2048-oaep-decrypt ecdsa-p256-sign ecdsa-p256-verify "
stamp=$(date -u +%Y%m%dT%H%M%SZ)
res="$bench/results/$stamp"
mkdir -p "$res"
log() { echo "[bench] $*" | tee -a "$res/run.log" >&2; }

. "$bench/lib.sh"
OCK_FACTORY_SO_PIN=87654321

# ------------------------------------------------------------------ prerequisites
need=()
for p in softhsm2 libsofthsm2 opencryptoki libp11-kit-dev opensc gcc make openssl linux-perf; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >> "$res/run.log" 2>&1
fi

# ------------------------------------------------------------------ build
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building the module (NativeAOT, Release) and ock-slotd"
    for proj in Native Host; do
        dir=$([ $proj = Native ] && echo native || echo host)
        dotnet publish "$repo/src/$proj" -c Release -o "$out/$dir" -nologo -v q >> "$res/run.log" 2>&1 ||
            { log "build of src/$proj failed (last lines of $res/run.log follow; SKIP_BUILD=1 reuses bench/.out)"; tail -n 15 "$res/run.log" >&2; exit 1; }
    done
fi
make -s -C "$bench" OUT="$out" >> "$res/run.log" 2>&1
for tool in inproc chart; do
    [ "${SKIP_BUILD:-0}" = 1 ] && [ -f "$out/$tool/$tool.dll" ] && continue
    dotnet build "$bench/$tool" -c Release -o "$out/$tool" -nologo -v q >> "$res/run.log" 2>&1 ||
        { log "build of bench/$tool failed (see $res/run.log)"; exit 1; }
done
p11perf="$out/p11perf"
ours_mod="$out/native/libopencryptoki-actors.so"
softhsm_mod=$(dpkg -L libsofthsm2 | grep '/softhsm/libsofthsm2\.so$' | head -n1)
ock_mod=$(dpkg -L opencryptoki | grep '/pkcs11/libopencryptoki\.so$' | head -n1)

# ------------------------------------------------------------------ throwaway state
work=$(mktemp -d -t ock-bench.XXXXXX)
ours_pid=""
slotd_pid=""
cleanup() {
    stop_pid "$ours_pid"
    stop_pid "$slotd_pid"
    rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------ ours: ock-slotd
ours_start || exit 1
ours_rss_idle=$(rss "$ours_pid")
log "ours: ock-slotd pid $ours_pid, token 'bench' initialised, idle RSS ${ours_rss_idle} kB"

# ------------------------------------------------------------------ SoftHSM2
mkdir -p "$work/softhsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
    "$work/softhsm/tokens" > "$work/softhsm/softhsm2.conf"
export SOFTHSM2_CONF="$work/softhsm/softhsm2.conf"
softhsm2-util --init-token --free --label bench --pin "$USER_PIN" --so-pin "$SO_PIN" >> "$res/run.log" 2>&1
log "softhsm2: $(softhsm2-util --version), token 'bench' in $work/softhsm"

# ------------------------------------------------------------------ openCryptoki
# Its state lives at fixed paths and one pkcsslotd is allowed per host, so ours runs in
# a private mount + IPC namespace with /run, /dev/shm and /var/lib/opencryptoki private.
ock_ok=0
ock_why=""
ock_setup() {
    local w="$work/ock"
    mkdir -p "$w/lib" "$w/log"
    local t
    for t in swtok tpm icsf lite ccatok ep11tok; do mkdir -p "$w/lib/$t/TOK_OBJ"; done
    chgrp -R pkcs11 "$w" && chmod -R 770 "$w/lib"
    unshare --mount --ipc --propagation private /bin/bash -c '
        set -e
        mount -t tmpfs -o mode=755 tmpfs /run
        mkdir -p /run/lock/opencryptoki
        for t in swtok tpm icsf lite ccatok ep11tok; do mkdir -p /run/lock/opencryptoki/$t; done
        chgrp -R pkcs11 /run/lock/opencryptoki && chmod -R 770 /run/lock/opencryptoki
        mount --bind "$1/lib" /var/lib/opencryptoki
        mount --bind "$1/log" /var/log/opencryptoki 2>/dev/null || true
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm
        /usr/sbin/pkcsslotd
        for _ in $(seq 100); do [ -s /run/pkcsslotd.pid ] && break; sleep 0.05; done
        cat /run/pkcsslotd.pid > "$1/slotd.pid"
    ' _ "$w" >> "$res/run.log" 2>&1 || { ock_why="pkcsslotd did not start in a private namespace (see run.log)"; return 1; }
    slotd_pid=$(cat "$w/slotd.pid")
    ock_slot=$(in_ock "$p11perf" --module "$ock_mod" --list | awk -F'\t' '/model="IBM SoftTok"/ {sub(/^slot /, "", $1); print $1; exit}')
    [ -n "$ock_slot" ] || { ock_why="no slot with token model 'IBM SoftTok'"; return 1; }
    { echo bench | in_ock pkcsconf -c "$ock_slot" -I -S "$OCK_FACTORY_SO_PIN" &&
      in_ock pkcsconf -c "$ock_slot" -P -S "$OCK_FACTORY_SO_PIN" -n "$SO_PIN" &&
      in_ock pkcsconf -c "$ock_slot" -u -S "$SO_PIN" -n "$USER_PIN"; } >> "$res/run.log" 2>&1 ||
        { ock_why="pkcsconf token initialisation failed (see run.log)"; return 1; }
}
in_ock() { nsenter -t "$slotd_pid" -m -i --wd="$PWD" -- "$@"; }
if ock_setup; then
    ock_ok=1
    log "opencryptoki: pkcsslotd pid $slotd_pid (private namespace), soft token in slot $ock_slot"
else
    log "opencryptoki: SKIPPED - $ock_why"
fi

# ------------------------------------------------------------------ run
modules=(ours softhsm2)
[ $ock_ok = 1 ] && modules+=(opencryptoki)
drive() { # module case
    local m=$1 c=$2 t=$threads
    case $pk_cases in *" $c "*) t=$threads_pk ;; esac
    local common=(--pin "$USER_PIN" --threads "$t" --seconds "$secs" --warmup "$warmup" --only "$c" --tag "$m")
    case $m in
    ours)         "$p11perf" --module "$ours_mod" --slot 0 "${common[@]}" ;;
    softhsm2)     "$p11perf" --module "$softhsm_mod" --token-label bench "${common[@]}" ;;
    opencryptoki) in_ock "$p11perf" --module "$ock_mod" --slot "$ock_slot" "${common[@]}" ;;
    esac
}

cases=$("$p11perf" --list-cases | paste -sd' ')
if [ -n "${ONLY:-}" ]; then cases=${ONLY//,/ }; fi
raw="$res/raw.tsv"
printf 'round\tmodule\tcase\tthreads\tstatus\tops\tseconds\tops_per_s\tmedian_us\tp99_us\tnote\n' > "$raw"
: > "$res/meta.tsv"

"$p11perf" --socket-floor --seconds "$secs" --warmup "$warmup" | sed 's/^/0\t/' >> "$raw"
ours_rss_peak=0
# socket round trips per op (ours): sends the module makes, counted by the kernel (perf stat on the
# sendto/sendmsg tracepoints), for a timed run minus a run of one op, over the op difference
round_trips() {
    command -v perf >/dev/null || { log "perf missing: socket round trips per op not counted"; return 0; }
    local c s n0 n1 o0 o1
    for c in ${RT_CASES:-empty-call session sha256-64B random-32B aes256-cbc-1KiB hmac-sha256-1KiB rsa2048-sign create-destroy find-1000}; do
        for s in 0 0.3; do
            perf stat -x, -e syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg -o "$work/stat.$s" -- \
                "$p11perf" --module "$ours_mod" --slot 0 --pin "$USER_PIN" --threads 1 --seconds "$s" --warmup 0 \
                --only "$c" --tag ours > "$work/rt.$s" 2>/dev/null || return 0
        done
        n0=$(awk -F, '/syscalls/ {n += $1} END {print n + 0}' "$work/stat.0")
        n1=$(awk -F, '/syscalls/ {n += $1} END {print n + 0}' "$work/stat.0.3")
        o0=$(awk -F'\t' '!/^#/ {print $5; exit}' "$work/rt.0")
        o1=$(awk -F'\t' '!/^#/ {print $5; exit}' "$work/rt.0.3")
        [ -n "$o0" ] && [ -n "$o1" ] && [ "$o1" -gt "$o0" ] &&
            printf '0\tours\tround_trips\tcase=%s\tper_op=%s\n' "$c" "$(awk -v a="$n0" -v b="$n1" -v x="$o0" -v y="$o1" 'BEGIN { printf "%.2f", (b - a) / (y - x) }')" >> "$res/meta.tsv"
    done
}
if [ -z "${ONLY:-}" ] || [ -n "${RT_CASES:-}" ]; then round_trips; fi
# one untimed pass over our cases first: the daemon's JIT reaches its optimised tier before round 1
log "warm-up pass (ours, untimed)"
warm=$(for c in $cases; do [ "$c" = login ] || echo "$c"; done | paste -sd,)
[ -n "$warm" ] && "$p11perf" --module "$ours_mod" --slot 0 --pin "$USER_PIN" --threads 1 --seconds 0.1 --warmup 0.1 --only "$warm" --tag ours > /dev/null 2>> "$res/p11perf.log" || true
references() { # round: the reference figures, measured once per round
    local r=$1
    "$p11perf" --socket-floor --seconds "$secs" --warmup "$warmup" | sed "s/^/$r\t/" >> "$raw"
    dotnet "$out/inproc/inproc.dll" --seconds "$secs" --warmup "$warmup" 2>>"$res/run.log" | sed "s/^/$r\t/" >> "$raw" ||
        log "inproc failed"
    # openssl speed -mr: +F2:<n>:2048:<sign/s>:<verify/s>, +F4:<n>:256:<sign/s>:<verify/s>
    openssl speed -seconds "$(awk -v s="$secs" 'BEGIN { printf "%d", (s < 1 ? 1 : s + 0.5) }')" -mr rsa2048 ecdsap256 2>/dev/null |
        awk -F: -v r="$r" 'function row(c, ops) { printf "%s\topenssl-speed\t%s\t1\tok\t0\t0\t%.1f\t%.2f\t\tmean latency = 1/ops\n", r, c, ops, 1e6 / ops }
            $1 == "+F2" && $3 == 2048 { row("rsa2048-sign", $4); row("rsa2048-verify", $5) }
            $1 == "+F4" && $3 == 256  { row("ecdsa-p256-sign", $4); row("ecdsa-p256-verify", $5) }' >> "$raw"
}
rss_sampler() { # pid: print the largest VmRSS (kB) seen every 50 ms until killed
    local p=$1 max=0 v
    trap 'echo $max; exit 0' TERM
    while :; do
        v=$(rss "$p"); [ "$v" != "?" ] && [ "$v" -gt "$max" ] && max=$v
        sleep 0.05 & wait $!
    done
}
for r in $(seq 1 "$rounds"); do
    # rotate the module order each round
    n=${#modules[@]}
    order=()
    for i in $(seq 0 $((n - 1))); do order+=("${modules[$(( (i + r - 1) % n ))]}"); done
    log "round $r/$rounds: order ${order[*]} (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
    for c in $cases; do
        for m in "${order[@]}"; do
            if [ "$m" = ours ]; then rss_sampler "$ours_pid" > "$work/rss.max" & sampler=$!; fi
            drive "$m" "$c" 2>>"$res/p11perf.log" > "$work/one.tsv" || log "p11perf exit $? ($m $c)"
            if [ "$m" = ours ]; then
                kill "$sampler"; wait "$sampler" 2>/dev/null || true
                printf '%s\tock-slotd\tcase=%s\tdaemon_rss_kb_max=%s\n' "$r" "$c" "$(cat "$work/rss.max")" >> "$res/meta.tsv"
            fi
            grep '^#' "$work/one.tsv" | sed "s/^# /$r\t/" >> "$res/meta.tsv" || true
            grep -v '^#' "$work/one.tsv" | sed "s/^/$r\t/" >> "$raw" || true
            if [ "$m" = ours ]; then
                v=$(rss "$ours_pid"); [ "$v" != "?" ] && [ "$v" -gt "$ours_rss_peak" ] && ours_rss_peak=$v
            fi
        done
    done
    references "$r"
done
ours_rss_after=$(rss "$ours_pid")
ours_rss_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$ours_pid/status" 2>/dev/null || echo "?")
kill -0 "$ours_pid" 2>/dev/null || log "WARNING: ock-slotd (pid $ours_pid) is gone - see ock-slotd.log"

build_note() { # with SKIP_BUILD=1: are bench/.out's binaries newer than every change under src/?
    [ "${SKIP_BUILD:-0}" = 1 ] || return 0
    local built src_changed
    built=$(stat -c %Y "$ours_mod" "$out/host/ock-slotd.dll" | sort -n | head -n1)
    src_changed=$(git -C "$repo" log -1 --format=%ct -- src 2>/dev/null || echo 0)
    if git -C "$repo" diff --quiet HEAD -- src 2>/dev/null && [ "$built" -ge "$src_changed" ]; then
        echo " (SKIP_BUILD=1: binaries built $(date -u -d "@$built" '+%H:%M UTC'), after the last change under src/)"
    else
        echo " (SKIP_BUILD=1: binaries built $(date -u -d "@$built" '+%H:%M UTC'), may predate src/ at HEAD)"
    fi
}
{
    echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rounds: $rounds, ${secs}s per case/module/round (+${warmup}s warm-up), threads $threads (public-key cases $threads_pk)"
    echo "versions: softhsm2 $(dpkg-query -W -f='${Version}' libsofthsm2), opencryptoki $(dpkg-query -W -f='${Version}' opencryptoki)$([ $ock_ok = 1 ] || echo " (SKIPPED: $ock_why)"), ours $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty')$(build_note)"
    echo "ock-slotd RSS: idle ${ours_rss_idle} kB after start, ${ours_rss_peak} kB largest between cases, ${ours_rss_after} kB idle after the run, VmHWM ${ours_rss_hwm} kB"
    echo "openssl: $(openssl version)"
} > "$res/env.txt"
printf '0\tock-slotd\tidle_start_kb=%s\tidle_end_kb=%s\thwm_kb=%s\n' "$ours_rss_idle" "$ours_rss_after" "$ours_rss_hwm" >> "$res/meta.tsv"

python3 "$bench/summarize.py" "$raw" "$res/meta.tsv" "$res/env.txt" --json "$res/summary.json" > "$res/summary.md"
cp "$res/summary.md" "$bench/results/latest.md"
cp "$res/summary.json" "$bench/results/latest.json"
cp "$raw" "$bench/results/latest.tsv"
dotnet "$out/chart/chart.dll" "$bench/results/latest.json" "$bench/results/latest.png" >> "$res/run.log" 2>&1 ||
    log "chart failed (see $res/run.log)"
if [ "${UPDATE_README:-1}" = 1 ] && [ -z "${ONLY:-}" ]; then
    python3 "$bench/summarize.py" "$raw" "$res/meta.tsv" "$res/env.txt" --readme "$repo/README.md" > /dev/null &&
        log "README.md: the Performance block updated from this run"
fi
cat "$res/summary.md"
log "raw: $raw; summary: $res/summary.md; copied to bench/results/latest.{md,json,tsv} and latest.png"
