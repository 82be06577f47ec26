#!/usr/bin/env bash
# Records the expected results of crates/jgt-cli/tests/fixtures/cross_db_cases.tsv
# with real dbt: each case's expression is compiled by dbt-duckdb as
# `select {{ expression }} as v`, the compiled SQL is run in Python DuckDB,
# and `cast(v as varchar)` (or NULL) is written to the third column.
# Needs dbt-core + dbt-duckdb (DBT_VENV, default /root/.venvs/dbt). Never run by CI.
set -euo pipefail
venv="${DBT_VENV:-/root/.venvs/dbt}"
cases="$(cd "$(dirname "$0")/.." && pwd)/crates/jgt-cli/tests/fixtures/cross_db_cases.tsv"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

mkdir -p "$scratch/models"
cat > "$scratch/dbt_project.yml" <<YML
name: cross_db
version: '1.0'
profile: cross_db
YML
cat > "$scratch/profiles.yml" <<YML
cross_db:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: $scratch/cross_db.duckdb
YML
tail -n +2 "$cases" | while IFS=$'\t' read -r name expression _; do
  printf 'select {{ %s }} as v\n' "$expression" > "$scratch/models/$name.sql"
done
(cd "$scratch" && "$venv/bin/dbt" compile --profiles-dir . -q >/dev/null)

"$venv/bin/python" - "$cases" "$scratch/target/compiled/cross_db/models" <<'PY'
import sys, duckdb, pathlib
cases, compiled = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lines = cases.read_text().splitlines()
out = [lines[0]]
con = duckdb.connect()
for line in lines[1:]:
    name, expression, _ = line.split("\t")
    sql = (compiled / f"{name}.sql").read_text()
    value = con.execute(f"select cast(v as varchar) from ({sql}) q").fetchall()[0][0]
    out.append(f"{name}\t{expression}\t{'NULL' if value is None else value}")
cases.write_text("\n".join(out) + "\n")
PY
echo "recorded $(($(wc -l < "$cases") - 1)) cases in $cases"
