#!/usr/bin/env bash
# A seed of 1,000,000 rows loaded into PostgreSQL: `jgt seed --target pg`
# (COPY ... FROM STDIN) against `dbt seed` with dbt-postgres, on the same
# throwaway PostgreSQL 15 cluster in the same run. Issue 14's target: jgt
# at least 5x faster.
#
#   bash bench/pg_seed.sh            # from anywhere, as root
#
# Environment (all optional):
#   JGT       a jgt binary built with the postgres feature (default
#             $CARGO_TARGET_DIR/release/jgt, else /root/.cache/jgt-target/release/jgt;
#             `cargo build --release -p jgt-cli --features postgres`)
#   DBT_VENV  venv with dbt-core + dbt-postgres (default /root/.venvs/dbt-pg;
#             created from bench/dbt-postgres-requirements.txt when missing)
#   ROWS      rows in the seed (default 1000000)
#   RUNS      timed runs of jgt (default 5)
#   DBT_RUNS  timed runs of dbt (default 2)
#   OUT       where results go (default bench/results)
#
# The seed has six columns: an integer id, a text name (some with commas
# and quotes, so the CSV quotes them), a date, a timestamp, a decimal with
# two places and a boolean. Both tools infer the column types themselves.
# The cluster: Debian's PostgreSQL 15, initdb into a temporary folder, one
# server on a free 127.0.0.1 port, fsync off (as in the tests), run as the
# `postgres` user, stopped and removed at the end. Before every timed run
# the tool's schema is dropped (hyperfine --prepare), so each run creates
# its table from nothing. Afterwards both tables are compared: row counts,
# column types, and the rows themselves (each column cast to one type).
# Writes bench/results/pg-seed.md (env header, hyperfine tables, ratio,
# comparison) and pg-seed-*.json.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
JGT=${JGT:-${CARGO_TARGET_DIR:-/root/.cache/jgt-target}/release/jgt}
DBT_VENV=${DBT_VENV:-/root/.venvs/dbt-pg}
DBT=$DBT_VENV/bin/dbt
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
DBT_RUNS=${DBT_RUNS:-2}
OUT=${OUT:-$REPO/bench/results}
PGBIN=/usr/lib/postgresql/15/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

[ -x "$JGT" ] || { echo "missing: $JGT" >&2; exit 1; }
[ -x "$PGBIN/initdb" ] || { echo "needs postgresql-15 (apt-get install -y postgresql-15)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
if [ ! -x "$DBT" ]; then
    python3 -m venv "$DBT_VENV"
    "$DBT_VENV/bin/pip" install -q --no-deps -r "$REPO/bench/dbt-postgres-requirements.txt"
fi

WORK=$(mktemp -d /tmp/jgt-bench-pg-seed.XXXXXX)
mkdir -p "$OUT"
echo "work folder: $WORK"

# --- the cluster --------------------------------------------------------------
chown postgres:postgres "$WORK"
as_pg() { runuser -u postgres -- "$@"; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off" start >/dev/null
stop_cluster() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null || true
    rm -rf "$WORK"
}
trap stop_cluster EXIT
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres bench
PSQL="$PGBIN/psql -X -q -h 127.0.0.1 -p $PORT -U postgres -d bench -v ON_ERROR_STOP=1"
psql_() { $PSQL "$@"; }

# --- the seed: ROWS rows, made here ---------------------------------------------
mkdir -p "$WORK/jgt/seeds" "$WORK/dbt/seeds"
python3 - "$ROWS" "$WORK/jgt/seeds/big_seed.csv" <<'PY'
import csv, datetime, random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(14)
day0 = datetime.date(2020, 1, 1)
t0 = datetime.datetime(2020, 1, 1)
names = ["Ada", "Grace", "Linus", "Barbara", "Edsger", 'Ken "K" T', "Smith, Jo"]
with open(path, "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["id", "customer_name", "signup_date", "last_seen_at", "balance", "is_active"])
    for i in range(1, rows + 1):
        out.writerow([
            i,
            f"{rng.choice(names)} {i}",
            (day0 + datetime.timedelta(days=rng.randrange(2000))).isoformat(),
            (t0 + datetime.timedelta(seconds=rng.randrange(150_000_000))).strftime("%Y-%m-%d %H:%M:%S"),
            f"{rng.randrange(-1_000_000, 10_000_000) / 100:.2f}",
            "true" if rng.random() < 0.7 else "false",
        ])
PY
cp "$WORK/jgt/seeds/big_seed.csv" "$WORK/dbt/seeds/"
chmod -R a+rX "$WORK/jgt" "$WORK/dbt"

# --- jgt's project and dbt's, one profile each on the same server ----------------
cat > "$WORK/jgt/project.yml" <<YAML
name: pg_seed
profile: pg_seed
seed-paths: ["seeds"]
YAML
cat > "$WORK/jgt/profiles.yml" <<YAML
pg_seed:
  target: pg
  outputs:
    pg:
      type: postgres
      host: 127.0.0.1
      port: $PORT
      user: postgres
      dbname: bench
      schema: jgt_seed
      threads: 1
YAML
cat > "$WORK/dbt/dbt_project.yml" <<'YAML'
name: pg_seed
version: "1.0.0"
config-version: 2
profile: pg_seed
seed-paths: ["seeds"]
target-path: target
YAML
cat > "$WORK/dbt/profiles.yml" <<YAML
pg_seed:
  target: pg
  outputs:
    pg:
      type: postgres
      host: 127.0.0.1
      port: $PORT
      user: postgres
      password: unused
      dbname: bench
      schema: dbt_seed
      threads: 1
YAML

# --- versions -------------------------------------------------------------------
{
    machine_lines "$REPO"
    echo "jgt: $("$JGT" --version), binary sha256 $(sha256sum "$JGT" | cut -c1-16), built $(date -u -r "$JGT" +%Y-%m-%dT%H:%M:%SZ)"
    echo "dbt: $("$DBT" --version 2>/dev/null | grep -E 'installed|postgres' | tr -s ' ' | tr '\n' ' ')"
    echo "server: $(psql_ -Atc 'select version()')"
    echo "seed: $ROWS rows, $(du -h "$WORK/jgt/seeds/big_seed.csv" | cut -f1) ($(wc -c < "$WORK/jgt/seeds/big_seed.csv") bytes)"
    echo "hyperfine: $(hyperfine --version)"
} | tee "$OUT/pg-seed-env.txt"

# --- timing -----------------------------------------------------------------------
hyperfine --warmup 0 --runs "$RUNS" \
    --export-json "$OUT/pg-seed-jgt.json" --export-markdown "$OUT/pg-seed-jgt.md" \
    -n "jgt seed --target pg" \
    --prepare "$PSQL -c 'drop schema if exists jgt_seed cascade'" \
    "cd $WORK/jgt && $JGT seed --target pg"
hyperfine --warmup 0 --runs "$DBT_RUNS" \
    --export-json "$OUT/pg-seed-dbt.json" --export-markdown "$OUT/pg-seed-dbt.md" \
    -n "dbt seed (dbt-postgres)" \
    --prepare "$PSQL -c 'drop schema if exists dbt_seed cascade'" \
    "cd $WORK/dbt && $DBT seed --profiles-dir . --quiet"

# --- what each loaded -------------------------------------------------------------
types() {
    psql_ -Atc "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position)
                from information_schema.columns where table_schema = '$1' and table_name = 'big_seed'"
}
rows_as() {
    echo "select id::bigint, customer_name::text, signup_date::date, last_seen_at::timestamp,
                 balance::numeric(12, 2), is_active::boolean from $1.big_seed"
}
{
    echo
    echo "| | jgt seed --target pg | dbt seed |"
    echo "|---|---|---|"
    echo "| rows | $(psql_ -Atc 'select count(*) from jgt_seed.big_seed') | $(psql_ -Atc 'select count(*) from dbt_seed.big_seed') |"
    echo "| column types | $(types jgt_seed) | $(types dbt_seed) |"
    echo "| rows only in one table (each column cast to one type) | $(psql_ -Atc "select count(*) from (($(rows_as jgt_seed)) except all ($(rows_as dbt_seed))) as d") | $(psql_ -Atc "select count(*) from (($(rows_as dbt_seed)) except all ($(rows_as jgt_seed))) as d") |"
} | tee "$OUT/pg-seed-compare.md"

# --- the ratio --------------------------------------------------------------------
python3 - "$OUT/pg-seed-jgt.json" "$OUT/pg-seed-dbt.json" <<'PY' | tee "$OUT/pg-seed-ratio.md"
import json, sys
jgt, dbt = (json.load(open(p))["results"][0] for p in sys.argv[1:3])
print()
print("| | mean | min | max | runs |")
print("|---|---:|---:|---:|---:|")
for r in (jgt, dbt):
    print(f"| {r['command']} | {r['mean']:.2f} s | {r['min']:.2f} s | {r['max']:.2f} s | {len(r['times'])} |")
ratio = dbt["mean"] / jgt["mean"]
print()
print(f"dbt seed / jgt seed: {ratio:.1f}x (means), {dbt['min'] / jgt['max']:.1f}x (dbt's fastest / jgt's slowest); target >= 5x: {'met' if ratio >= 5 else 'NOT met'}")
PY
cat "$OUT/pg-seed-env.txt" "$OUT/pg-seed-jgt.md" "$OUT/pg-seed-dbt.md" \
    "$OUT/pg-seed-compare.md" "$OUT/pg-seed-ratio.md" > "$OUT/pg-seed.md"
rm -f "$OUT/pg-seed-env.txt" "$OUT/pg-seed-jgt.md" "$OUT/pg-seed-dbt.md" \
    "$OUT/pg-seed-compare.md" "$OUT/pg-seed-ratio.md"
echo "results in $OUT/pg-seed.md"
