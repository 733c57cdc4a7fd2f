# bench/lib.sh - shared by bench/run.sh and bench/profile.sh (sourced, not run).
# Expects: $out (bench/.out with host/ and native/), $work (a throwaway dir), $res (a log dir).

USER_PIN=1234
SO_PIN=12345678

stop_pid() { # pid: TERM, wait up to 5 s, then KILL - only pids this script started
    local p=$1
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
    kill "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# ours_start [NAME=VALUE...]: a private ock-slotd (its own HOCON in $work/ours; extra environment
# for the daemon as arguments), token 'bench' initialised with pkcs11-tool; sets ours_pid and
# exports OPENCRYPTOKI_ACTORS_SOCKET.
ours_start() {
    mkdir -p "$work/ours"
    cat > "$work/ours/slotd.conf" <<EOF
opencryptoki {
  data-dir = "$work/ours/lib"
  socket = "$work/ours/slotd.socket"
  pid-file = "$work/ours/slotd.pid"
  slots = [ { id = 0, token-type = soft, token-name = benchtok, description = "bench soft token", max-login-failures = 0 } ]
}
EOF
    env "$@" dotnet "${host_dll:-$out/host/ock-slotd.dll}" --config "$work/ours/slotd.conf" > "$res/ock-slotd.log" 2>&1 &
    ours_pid=$!
    # ready when it says so (the socket is there earlier, answering "starting" while the tokens recover)
    for _ in $(seq 600); do grep -q "ock-slotd: listening on" "$res/ock-slotd.log" 2>/dev/null && break; sleep 0.05; done
    [ -S "$work/ours/slotd.socket" ] || { echo "ock-slotd did not start:" >&2; cat "$res/ock-slotd.log" >&2; return 1; }
    export OPENCRYPTOKI_ACTORS_SOCKET="$work/ours/slotd.socket"
    pkcs11-tool --module "${init_module:-$out/native/libopencryptoki-actors.so}" --slot 0 --init-token --label bench --so-pin "$SO_PIN" >> "$res/run.log" 2>&1
    pkcs11-tool --module "${init_module:-$out/native/libopencryptoki-actors.so}" --slot 0 --login --login-type so --so-pin "$SO_PIN" --init-pin --pin "$USER_PIN" >> "$res/run.log" 2>&1
}
