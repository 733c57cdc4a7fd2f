#!/usr/bin/env bash
# bench/store.sh - the token-store benchmarks of issue 4 (not timed tests): find by label among N token
# objects, and create-token-key throughput with 1, 2, 8 sessions (processes), on SQLite and PostgreSQL,
# beside SoftHSM2 when it is installed.
#
#   bench/store.sh                          # SIZES=1000,100000  PROCS=1,2,8  BACKENDS=sqlite,postgresql
#   SIZES=1000,100000,1000000 bench/store.sh
#   OCK_MODULE=... OCK_SLOTD=... SKIP_BUILD=1 BACKENDS=sqlite bench/store.sh
#   KEEP_LOG=1 ...                          # keep the daemon log (bench/results/store-<stamp>-slotd.log); kept anyway on failure
#   SEED=durable ...                        # fill the token as before (8 processes, every commit flushed); default SEED=fast
#   SOFTHSM=0 ...                           # without the SoftHSM2 cases
#
# Builds (unless SKIP_BUILD=1 or OCK_MODULE/OCK_SLOTD are given) the module (NativeAOT) and ock-slotd
# (Release) into bench/.out-store, and the driver bench/storebench.c. PostgreSQL: scripts/postgres.sh
# (needs root); every run uses a fresh database. Results: bench/results/store-<UTC stamp>.md.
#   bench/store.sh --sizes 1000,100000,1000000 [--backends sqlite] [--procs 1,2,8]
#
# After the largest size, the daemon is stopped and started again: "recovery" is the time from its start to the
# first answered C_FindObjects of the newest object (snapshot + journal tail replayed), "rss" its resident memory
# (VmRSS, and the peak VmHWM) once it answers.
#
# Seeding (SEED=fast, the default): the token is filled through C_CreateObject as always (the same objects, events,
# snapshots), by POPULATE_PROCS=32 processes so the daemon's group commit takes ~32 objects per journal write; on
# PostgreSQL the filling daemon's connection string adds Options=-c synchronous_commit=off (commits return once the WAL
# is written, not flushed: the fill no longer waits for the disk ~20 ms per write). Before recovery and the create
# case the daemon is restarted with the ordinary, durable connection string. SEED=durable: 8 processes, flushed commits.
# (`ock token restore` cannot seed a million objects: its one journal write outlasts the journal's 10 s circuit breaker, bench/README.md.)
set -euo pipefail

while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --procs) PROCS=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
out="$bench/.out-store"
sizes=${SIZES:-1000,100000}
procs=${PROCS:-1,2,8}
backends=${BACKENDS:-sqlite,postgresql}
secs=${SECONDS_PER_CASE:-5}
iter=${FIND_ITER:-2000}
seed=${SEED:-fast}
case "$seed" in fast) populate_procs=${POPULATE_PROCS:-32} ;; durable) populate_procs=${POPULATE_PROCS:-8} ;; *) echo "SEED=fast|durable" >&2; exit 64 ;; esac
# a snapshot writes the whole token; the daemon's snapshot-tail-ratio keeps filling a big token linear whatever this is
snapshot_every=${SNAPSHOT_EVERY:-100000}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" "$bench/results"
report="$bench/results/store-$stamp.md"
work=$(mktemp -d /tmp/ock-store-bench.XXXXXX)
daemon_pid=""
cleanup() {
    local rc=$?
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
    if { [ "$rc" != 0 ] || [ -n "${KEEP_LOG:-}" ]; } && [ -f "$work/slotd.log" ]; then cp "$work/slotd.log" "$bench/results/store-$stamp-slotd.log"; log "daemon log in bench/results/store-$stamp-slotd.log"; fi
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "[store-bench] $*" >&2; }

USER_PIN=1234
SO_PIN=12345678

module=${OCK_MODULE:-$out/native/libopencryptoki-actors.so}
slotd=${OCK_SLOTD:-$out/host/ock-slotd.dll}
if [ -z "${SKIP_BUILD:-}" ] && [ -z "${OCK_MODULE:-}" ]; then
    log "publishing the module"
    dotnet publish "$repo/src/Native" -c Release -o "$out/native" >"$work/build-native.log" 2>&1
fi
if [ -z "${SKIP_BUILD:-}" ] && [ -z "${OCK_SLOTD:-}" ]; then
    log "building ock-slotd"
    dotnet build "$repo/src/Host" -c Release -o "$out/host" >"$work/build-host.log" 2>&1
fi
gcc -O2 -Wall -I/usr/include/p11-kit-1 -o "$out/storebench" "$bench/storebench.c" -ldl
drv="$out/storebench"

run_slotd() { # config file [nowait]
    if [[ "$slotd" == *.dll ]]; then dotnet "$slotd" --config "$1" >>"$work/slotd.log" 2>&1 &
    else "$slotd" --config "$1" >>"$work/slotd.log" 2>&1 & fi
    daemon_pid=$!
    [ "${2:-}" = nowait ] && return 0
    # the socket file appears at bind(); ock-slotd accepts once its tokens have recovered and it says "listening on"
    local seen=$(grep -c "listening on" "$work/slotd.log" 2>/dev/null || true)
    for _ in $(seq 1 600); do [ "$(grep -c "listening on" "$work/slotd.log" 2>/dev/null || true)" -gt "${seen:-0}" ] && return 0; sleep 0.1; done
    log "ock-slotd did not start:"; cat "$work/slotd.log" >&2; exit 1
}

stop_slotd() {
    kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
}

{
    echo "# token store benchmark, $stamp"
    echo
    echo "$(nproc) CPU, $(uname -r); find: C_FindObjectsInit(CKA_LABEL) + C_FindObjects + C_FindObjectsFinal, $iter lookups of random labels;"
    echo "create: C_GenerateKey(CKM_AES_KEY_GEN, 256-bit, CKA_TOKEN/CKA_PRIVATE/CKA_SENSITIVE = TRUE) for $secs s per process count, one process per session."
    echo "populate: public CKO_DATA token objects through C_CreateObject, $populate_procs processes, seed=$seed$([ "$seed" = fast ] && echo " (PostgreSQL fill: synchronous_commit=off; recovery and create: durable)")."
    echo
    echo "| module | store | case | result |"
    echo "|---|---|---|---|"
} >"$report"

for backend in ${backends//,/ }; do
    rm -rf "$work/lib" "$work/run"; mkdir -p "$work/lib" "$work/run"
    store="" fill_store=""
    if [ "$backend" = postgresql ]; then
        admin=$("$repo/scripts/postgres.sh" | tail -1)
        db="ock_bench_$(date +%s)"
        su postgres -c "psql -qtAX -c 'CREATE DATABASE $db OWNER ock'"
        cs="${admin/Database=ock_test/Database=$db}"
        store="store { provider-name = \"PostgreSQL.15\", connection-string = \"$cs\" }"
        fill_store=$store
        [ "$seed" = fast ] && fill_store="store { provider-name = \"PostgreSQL.15\", connection-string = \"$cs;Options=-c synchronous_commit=off\" }"
    fi
    write_conf() { # file store-block
        cat >"$1" <<EOF
opencryptoki {
  data-dir = "$work/lib"
  socket = "$work/run/slotd.socket"
  pid-file = "$work/run/slotd.pid"
  admin.socket = ""
  snapshot-every = $snapshot_every
  $2
  slots = [ { id = 0, token-type = soft, token-name = bench, description = "store bench", max-login-failures = 0 } ]
}
akka.loglevel = WARNING
EOF
    }
    write_conf "$work/opencryptoki.conf" "$store"
    write_conf "$work/fill.conf" "$fill_store"
    run_slotd "$work/fill.conf"
    export OPENCRYPTOKI_ACTORS_SOCKET="$work/run/slotd.socket"
    pkcs11-tool --module "$module" --slot 0 --init-token --label bench --so-pin "$SO_PIN" >/dev/null
    pkcs11-tool --module "$module" --slot 0 --login --login-type so --so-pin "$SO_PIN" --init-pin --pin "$USER_PIN" >/dev/null

    have=0
    for n in ${sizes//,/ }; do
        log "$backend: populating to $n objects"
        p=$("$drv" "$module" 0 "$USER_PIN" populate "$have" "$n" "$populate_procs"); have=$n
        echo "| ours | $backend | populate to $n | ${p#populate } |" >>"$report"
        f=$("$drv" "$module" 0 "$USER_PIN" find "$n" "$iter")
        log "$f"
        echo "| ours | $backend | find among $n | ${f#find } |" >>"$report"
    done
    # recovery of the largest token: restart, time to the first answered find of its newest object, resident memory
    stop_slotd
    run_slotd "$work/opencryptoki.conf" nowait
    r=$("$drv" "$module" 0 "$USER_PIN" first "obj-$((have - 1))" 1800)
    rss=$(awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{printf "rss_mib=%.0f peak_mib=%.0f", r/1024, h/1024}' "/proc/$daemon_pid/status")
    log "$backend: recovery of $have objects: $r $rss"
    echo "| ours | $backend | recovery of $have objects | ${r#first } $rss |" >>"$report"
    for p in ${procs//,/ }; do
        c=$("$drv" "$module" 0 "$USER_PIN" create "$p" "$secs" 2>&1) || c="create FAILED: $(echo "$c" | grep FAIL | head -1)"
        log "$backend: $c"
        echo "| ours | $backend | create, $p sessions | ${c#create } |" >>"$report"
    done
    stop_slotd
    unset OPENCRYPTOKI_ACTORS_SOCKET
    if [ "$backend" = postgresql ]; then su postgres -c "psql -qtAX -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'"; fi
done

softhsm=/usr/lib/softhsm/libsofthsm2.so
if [ "${SOFTHSM:-1}" != 0 ] && [ -f "$softhsm" ] && command -v softhsm2-util >/dev/null; then
    mkdir -p "$work/softhsm"
    echo "directories.tokendir = $work/softhsm" >"$work/softhsm2.conf"
    export SOFTHSM2_CONF="$work/softhsm2.conf"
    softhsm2-util --init-token --free --label bench --so-pin "$SO_PIN" --pin "$USER_PIN" >/dev/null
    sslot=$(softhsm2-util --show-slots | awk '/^Slot [0-9]+/{s=$2} /Label: *bench/{print s; exit}')
    have=0
    for n in ${sizes//,/ }; do
        [ "$n" -le "${SOFTHSM_MAX:-10000}" ] || { echo "| softhsm2 | files | find among $n | skipped (SOFTHSM_MAX=${SOFTHSM_MAX:-10000}) |" >>"$report"; continue; }
        "$drv" "$softhsm" "$sslot" "$USER_PIN" populate "$have" "$n" 1 >/dev/null; have=$n
        f=$("$drv" "$softhsm" "$sslot" "$USER_PIN" find "$n" "$(( iter < 200 ? iter : 200 ))")
        echo "| softhsm2 | files | find among $n | ${f#find } |" >>"$report"
    done
    for p in ${procs//,/ }; do
        c=$("$drv" "$softhsm" "$sslot" "$USER_PIN" create "$p" "$secs" 2>&1) || c="create FAILED: $(echo "$c" | grep FAIL | head -1)"
        echo "| softhsm2 | files | create, $p sessions | ${c#create } |" >>"$report"
    done
fi

cat "$report"
log "written $report"
