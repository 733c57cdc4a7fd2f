#!/usr/bin/env bash
# Installs and starts PostgreSQL 15 on loopback (Debian 12, run as root) with the role and database the
# tests use. Idempotent: safe to run again on a machine where it already ran.
# Prints the connection string; tests read it from OCK_TEST_POSTGRES (default below).
set -euo pipefail

ROLE="${OCK_PG_ROLE:-ock}"
PASSWORD="${OCK_PG_PASSWORD:-ock}"
DATABASE="${OCK_PG_DATABASE:-ock_test}"
VERSION=15

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d "/usr/lib/postgresql/$VERSION" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  pg_createcluster "$VERSION" main >/dev/null
fi

# loopback only
sed -i "s/^#\?listen_addresses.*/listen_addresses = 'localhost'/" "/etc/postgresql/$VERSION/main/postgresql.conf"

if ! pg_lsclusters -h | grep -E "^$VERSION +main " | grep -q online; then
  pg_ctlcluster "$VERSION" main start
fi

for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
  sleep 1
done

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAX -d postgres -c \"$1\""; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  psql_admin "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB"
else
  psql_admin "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB"
fi

if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  psql_admin "CREATE DATABASE $DATABASE OWNER $ROLE"
fi

echo "Host=127.0.0.1;Port=5432;Username=$ROLE;Password=$PASSWORD;Database=$DATABASE"
