#!/usr/bin/env bash
# The Performance section's figures: a 10,000-team trust with five years of history on PostgreSQL, then every
# benchmark, one after the other, output kept in var/bench/. Creates the database BENCH_DB (default
# bench_accredit) and drops nothing: give it a name that does not exist yet.
#   bash bench/full_run.sh            # TEAMS=10000 YEARS=5 USERS=200 MINUTES=3 SWEEP_BUDGET=600
set -u
cd "$(dirname "$0")/.."
DB=${BENCH_DB:-bench_accredit}
URL=${BENCH_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/$DB}
PY=.venv/bin/python
OUT=var/bench/report-$(date -u +%Y%m%dT%H%M).txt
mkdir -p var/bench
{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$DB\"" || exit 1
  $PY -m bench.generate --teams "${TEAMS:-10000}" --years "${YEARS:-5}" --database-url "$URL" 2>&1 | grep -v '^INFO'
  $PY -m bench.run --database-url "$URL" --only coverage,pages --repeat "${REPEAT:-3}" --requests "${REQUESTS:-20}" --rounds 2
  $PY -m bench.rush --database-url "$URL" --users "${USERS:-200}" --minutes "${MINUTES:-3}" 2>&1 | grep -v '^INFO'
  timeout "${SWEEP_BUDGET:-600}" $PY -m bench.run --database-url "$URL" --only sweep \
    || echo "month-end sweep: stopped after ${SWEEP_BUDGET:-600} s (the limit is 10 s)"
  timeout "${SWEEP_BUDGET:-600}" $PY -m bench.run --database-url "$URL" --only sweeps \
    || echo "month-end sweeps one by one: stopped after ${SWEEP_BUDGET:-600} s"
  echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$OUT"
