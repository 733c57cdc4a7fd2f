#!/usr/bin/env bash
# bench/profile.sh - where the time of one call goes (bench/PROFILE.md is written from its output).
#
#   bench/profile.sh            # after bench/run.sh has built bench/.out (or SKIP_BUILD=0 builds)
#   PARTS=cpu CPU="sha256-1MiB aes256-cbc-1MiB" bench/profile.sh        # one part, other cases
#
# Against a private ock-slotd (bench/lib.sh), 1 thread:
#  1. per-call split: p11perf --per-call times every PKCS#11 call of an op (Init vs the op);
#  2. timeline: `perf record -a` of the kernel's socket syscall and scheduler tracepoints while
#     p11perf runs a case; bench/timeline.py cuts each request into its stages (client send ->
#     daemon reader's recv -> wake-up of the thread that serves it -> reply send -> client recv);
#  3. CPU: `perf record -g` of ock-slotd (DOTNET_PerfMapEnabled=1 names the JIT code) per case,
#     shares by activity (bench/cpuprofile.py) and the top symbols.
# Output: bench/results/profile-<stamp>/ (percall.tsv, timeline-<case>.txt, cpu-<case>.txt).
# Needs root and perf (Debian: linux-perf).
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
out="$bench/.out"
secs=${SECONDS_PER_CASE:-1}
res="$bench/results/profile-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$res"
. "$bench/lib.sh"
command -v perf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y linux-perf >> "$res/run.log" 2>&1
if [ "${SKIP_BUILD:-1}" != 1 ] || [ ! -f "$out/native/libopencryptoki-actors.so" ]; then
    dotnet publish "$repo/src/Native" -c Release -o "$out/native" -nologo -v q >> "$res/run.log" 2>&1
    dotnet publish "$repo/src/Host" -c Release -o "$out/host" -nologo -v q >> "$res/run.log" 2>&1
fi
make -s -C "$bench" OUT="$out" >> "$res/run.log" 2>&1
work=$(mktemp -d -t ock-profile.XXXXXX)
ours_pid=""
trap 'stop_pid "$ours_pid"; rm -rf "$work"' EXIT
# perf map for the JIT code; W^X off so that code is not behind a memfd double mapping perf cannot name
ours_start DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
mod="$out/native/libopencryptoki-actors.so"
p11=("$out/p11perf" --module "$mod" --slot 0 --pin "$USER_PIN" --threads 1 --tag ours)
echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg), ock-slotd pid $ours_pid" | tee "$res/env.txt"

small=${CASES:-empty-call,session,sha256-64B,random-32B,aes256-cbc-1KiB,aes256-gcm-1KiB,hmac-sha256-1KiB,ecdsa-p256-sign,rsa2048-verify,create-destroy,find-1000}
# references on the same machine, same minute: raw C socket round trip (read vs poll+read), in-process .NET
for i in 1 2 3; do
    "$out/p11perf" --socket-floor --seconds 0.5
    "$out/p11perf" --socket-floor-poll --seconds 0.5
done > "$res/floor.tsv"
[ -f "$out/inproc/inproc.dll" ] || dotnet build "$bench/inproc" -c Release -o "$out/inproc" -nologo -v q >> "$res/run.log" 2>&1
dotnet "$out/inproc/inproc.dll" --seconds 0.5 > "$res/inproc.tsv" 2>> "$res/run.log" || true
# 1. per-call split
parts=" ${PARTS:-percall timeline cpu} "
[[ $parts == *" percall "* ]] &&
    "${p11[@]}" --per-call --seconds "$secs" --only "$small" > "$res/percall.tsv" 2>> "$res/run.log"
# 2. timeline + 3. CPU, per case
events=syscalls:sys_enter_sendto,syscalls:sys_exit_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_exit_recvfrom
events+=,syscalls:sys_enter_sendmsg,syscalls:sys_exit_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_exit_recvmsg
events+=,sched:sched_wakeup,sched:sched_switch
[[ $parts == *" timeline "* ]] || TIMELINE=none
for c in ${TIMELINE:-empty-call sha256-64B aes256-cbc-1KiB session}; do
    [ "$c" = none ] && continue
    perf record -q -a -e "$events" -o "$work/tl.data" -- "${p11[@]}" --seconds 0.3 --warmup 0.2 --only "$c" \
        > "$res/timeline-$c.tsv" 2>> "$res/run.log"
    perf script -i "$work/tl.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null |
        python3 "$bench/timeline.py" --daemon "$ours_pid" > "$res/timeline-$c.txt"
done
[[ $parts == *" cpu "* ]] || CPU=none
for c in ${CPU:-sha256-64B aes256-cbc-1KiB sha256-1MiB}; do
    [ "$c" = none ] && continue
    "${p11[@]}" --seconds 4 --warmup 1 --only "$c" > "$res/cpu-$c.tsv" 2>> "$res/run.log" &
    load=$!
    sleep 2.5       # past set-up, warm-up and tier-1 JIT
    perf record -q -g -p "$ours_pid" -o "$work/cpu.data" -- sleep 1.2 2>> "$res/run.log" ||
        echo "perf record of $c: exit $?" >> "$res/run.log"
    wait "$load" || echo "p11perf $c: exit $?" >> "$res/run.log"
    { perf script -i "$work/cpu.data" 2>/dev/null | python3 "$bench/cpuprofile.py"
      echo
      perf report -i "$work/cpu.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 || true
    } > "$res/cpu-$c.txt"
done
echo "profile: $res"
