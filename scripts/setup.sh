#!/usr/bin/env bash
# What the tests need on a fresh Debian 12 machine (as root): the Debian packages the tests drive (.ci/interop-packages
# too), a large PID space, and PostgreSQL on loopback (scripts/postgres.sh). Called by scripts/test.sh; idempotent and
# quick when everything is there already (dpkg/command checks, no apt-get). OCK_SKIP_SETUP=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${OCK_SKIP_SETUP:-0}" = "1" ]; then exit 0; fi

export DEBIAN_FRONTEND=noninteractive

need=()
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)                       # pkcs11-tool (end-to-end tests)
[ -f /usr/include/p11-kit-1/p11-kit/pkcs11.h ] || need+=(libp11-kit-dev)      # pkcs11.h for the C test client
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)                         # compiles the C test client
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)                        # NativeAOT link step (gcc links)
dpkg -s softhsm2 >/dev/null 2>&1 || need+=(softhsm2)                            # ock tests run against SoftHSM2 too
dpkg -s opencryptoki >/dev/null 2>&1 || need+=(opencryptoki)                    # ock token import-opencryptoki makes a real source token
command -v tmux >/dev/null 2>&1 || need+=(tmux)                                  # ock's no-echo PIN prompt test
command -v openssl >/dev/null 2>&1 || need+=(openssl)                            # signatures checked by openssl
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)                  # verifies config/systemd/ock-slotd.service
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)                         # runs clients and ock as test users
# The real consumers the interop tests drive (OpenSSL engine, GnuTLS, p11-kit, OpenSSH, NSS, Java, Python).
while read -r pkg; do
  [ -n "$pkg" ] && ! dpkg -s "$pkg" >/dev/null 2>&1 && need+=("$pkg")
done < <(grep -v '^#' .ci/interop-packages)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/setup.sh: missing Debian packages: ${need[*]}; run as root (the tests also create Unix users)" >&2
    exit 1
  fi
  echo "==> apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The tests start and kill thousands of processes (300-client swarms, SIGKILLed daemons and PostgreSQL servers):
# with the kernel's default of 32768 PIDs a number is handed out again within minutes, and a signal meant for a
# process that has just exited can reach whatever got its number. A large PID space makes that practically impossible.
if [ -w /proc/sys/kernel/pid_max ] && [ "$(cat /proc/sys/kernel/pid_max)" -lt 4194304 ]; then
  echo 4194304 > /proc/sys/kernel/pid_max
fi

# A real PostgreSQL on loopback: the store tests run on SQLite and on PostgreSQL (quick when it already runs).
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/postgres.sh >/dev/null
elif ! { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }; then
  echo "scripts/setup.sh: PostgreSQL is not running on 127.0.0.1:5432; run as root (scripts/postgres.sh)" >&2
  exit 1
fi
