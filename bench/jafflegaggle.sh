#!/usr/bin/env bash
# JaffleGaggle build, side by side: jgt vs dbt-core + dbt-duckdb vs the same
# SQL run straight in DuckDB (Python, one process, no jgt).
#
#   bench/jafflegaggle.sh            # from the repository root
#
# Environment (all optional):
#   JGT       the jgt binary      (default /root/.cache/jgt-target/release/jgt)
#   DBT_VENV  a venv with dbt-core + dbt-duckdb + duckdb 2.0.x (default /tmp/dbtvenv)
#   RUNS      timed runs per command (default 10; hyperfine warmup is 1)
#   ROUNDS    interleaved rounds of the second stage (default 20)
#   OUT       where results go (default bench/results)
#
# Every command starts from a fresh database: hyperfine's --prepare deletes the
# database file (and its WAL) before each run. The copies of the project live
# in a temporary folder that is left behind (its path is printed) so the
# databases can be inspected; after the timed runs each holds the output of
# its tool's last run, and those are compared row by row.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
JGT=${JGT:-/root/.cache/jgt-target/release/jgt}
DBT_VENV=${DBT_VENV:-$(if [ -d /tmp/dbtvenv ]; then echo /tmp/dbtvenv; else echo /root/.venvs/dbt; fi)}
PY=$DBT_VENV/bin/python
DBT=$DBT_VENV/bin/dbt
RUNS=${RUNS:-10}
OUT=${OUT:-$REPO/bench/results}
THREADS=$(nproc)
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

WORK=$(mktemp -d /tmp/jgt-bench-jafflegaggle.XXXXXX)
mkdir -p "$OUT"
echo "work folder: $WORK"

copy_project() {
    mkdir -p "$1"
    cp -r "$REPO/models" "$REPO/macros" "$REPO/seeds" "$REPO/tests" "$1/"
}

# --- jgt: the project as it is -------------------------------------------
copy_project "$WORK/jgt"
cp "$REPO/project.yml" "$WORK/jgt/"

# --- dbt: the same files plus a dbt_project.yml and a profiles.yml ---------
# Paths stay relative: an absolute seed-paths entry makes dbt 1.12 write
# compiled SQL over the CSV files.
copy_project "$WORK/dbt"
dbt_jafflegaggle "$WORK/dbt" "$THREADS"

# --- DuckDB itself: jgt's compiled SQL, compiled once here (not timed) -----
# Compiled with no database present, so the incremental stg_events renders
# its first-build SQL (no is_incremental() filter).
copy_project "$WORK/duck"
cp "$REPO/project.yml" "$WORK/duck/"
(cd "$WORK/duck" && "$JGT" compile >/dev/null && rm -f target/jgt.duckdb target/jgt.duckdb.wal)
cp "$REPO/bench/duckdb_direct.py" "$WORK/duck/"
# The compiled SQL names the catalog "jgt": DuckDB names it after the file.
mkdir -p "$WORK/duck/full" "$WORK/duck/nt" "$WORK/duck/like"

# --- versions ----------------------------------------------------------------
{
    machine_lines "$REPO"
    echo "jgt: $("$JGT" --version), binary sha256 $(sha256sum "$JGT" | cut -c1-16), built $(date -u -r "$JGT" +%Y-%m-%dT%H:%M:%SZ)"
    echo "dbt: $("$DBT" --version 2>/dev/null | grep -E 'installed|duckdb' | tr -s ' ' | tr '\n' ' ')"
    echo "python duckdb: $("$PY" -c 'import duckdb; print(duckdb.__version__)')"
    echo "hyperfine: $(hyperfine --version)"
} | tee "$OUT/jafflegaggle-env.txt"

# --- timing ---------------------------------------------------------------------
hyperfine --warmup 1 --runs "$RUNS" \
    --export-markdown "$OUT/jafflegaggle.md" \
    --export-json "$OUT/jafflegaggle.json" \
    -n "jgt build" \
    --prepare "rm -f $WORK/jgt/target/jgt.duckdb $WORK/jgt/target/jgt.duckdb.wal" \
    "cd $WORK/jgt && $JGT build" \
    -n "jgt build --threads 1" \
    --prepare "rm -f $WORK/jgt/target/jgt.duckdb $WORK/jgt/target/jgt.duckdb.wal" \
    "cd $WORK/jgt && $JGT build --threads 1" \
    -n "dbt build" \
    --prepare "rm -f $WORK/dbt/dbt.duckdb $WORK/dbt/dbt.duckdb.wal" \
    "cd $WORK/dbt && $DBT build --profiles-dir ." \
    -n "dbt build --no-partial-parse" \
    --prepare "rm -f $WORK/dbt/dbt.duckdb $WORK/dbt/dbt.duckdb.wal" \
    "cd $WORK/dbt && $DBT build --profiles-dir . --no-partial-parse" \
    -n "DuckDB itself (seeds + models + tests)" \
    --prepare "rm -f $WORK/duck/full/jgt.duckdb $WORK/duck/full/jgt.duckdb.wal" \
    "cd $WORK/duck && $PY duckdb_direct.py . full/jgt.duckdb" \
    -n "DuckDB itself (seeds + models)" \
    --prepare "rm -f $WORK/duck/nt/jgt.duckdb $WORK/duck/nt/jgt.duckdb.wal" \
    "cd $WORK/duck && $PY duckdb_direct.py . nt/jgt.duckdb --no-tests" \
    -n "python -c 'import duckdb' (interpreter start-up alone)" \
    --prepare "true" \
    "$PY -c 'import duckdb'"

# --- ratios against the targets ---------------------------------------------------
"$PY" - "$OUT/jafflegaggle.json" <<'PY' | tee "$OUT/jafflegaggle-ratios.md"
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
jgt = results["jgt build"]
def ratio(name, num, den):
    a, b = results[num], results[den]
    print(f"| {name} | {a['mean'] / b['mean']:.2f}x | {a['median'] / b['median']:.2f}x |")
print("| ratio | of means | of medians |")
print("|---|---:|---:|")
ratio("dbt build / jgt build (target >= 25x, issue 13)", "dbt build", "jgt build")
ratio("dbt build --no-partial-parse / jgt build", "dbt build --no-partial-parse", "jgt build")
ratio("jgt build / DuckDB itself with tests (target <= 1x, issue 13)", "jgt build", "DuckDB itself (seeds + models + tests)")
ratio("jgt build / DuckDB itself without tests", "jgt build", "DuckDB itself (seeds + models)")
ratio("jgt build --threads 1 / DuckDB itself with tests", "jgt build --threads 1", "DuckDB itself (seeds + models + tests)")
PY

# --- the same, interleaved ---------------------------------------------------------
# The main commands again, one of each per round in random order
# (bench/interleave.py), so that a slow spell of this shared machine hits them
# alike and the ratios are taken within a round; plus DuckDB itself running
# jgt's bookkeeping statements too.
"$PY" "$REPO/bench/interleave.py" --rounds "${ROUNDS:-20}" --warmup 1 \
    --out "$OUT/jafflegaggle-interleaved.md" \
    "jgt build" "rm -f $WORK/jgt/target/jgt.duckdb $WORK/jgt/target/jgt.duckdb.wal" \
    "cd $WORK/jgt && $JGT build" \
    "jgt build --threads 1" "rm -f $WORK/jgt/target/jgt.duckdb $WORK/jgt/target/jgt.duckdb.wal" \
    "cd $WORK/jgt && $JGT build --threads 1" \
    "DuckDB itself (seeds + models + tests)" "rm -f $WORK/duck/full/jgt.duckdb $WORK/duck/full/jgt.duckdb.wal" \
    "cd $WORK/duck && $PY duckdb_direct.py . full/jgt.duckdb" \
    "DuckDB itself + jgt's bookkeeping queries (--like-jgt)" "rm -f $WORK/duck/like/jgt.duckdb $WORK/duck/like/jgt.duckdb.wal" \
    "cd $WORK/duck && $PY duckdb_direct.py . like/jgt.duckdb --like-jgt" \
    "dbt build" "rm -f $WORK/dbt/dbt.duckdb $WORK/dbt/dbt.duckdb.wal" \
    "cd $WORK/dbt && $DBT build --profiles-dir ."

# --- output equality ---------------------------------------------------------------
{
    echo "jgt vs dbt:"
    echo
    "$PY" "$REPO/bench/compare_outputs.py" "$WORK/jgt/target/jgt.duckdb" "$WORK/dbt/dbt.duckdb" || true
    echo
    echo "jgt vs DuckDB itself:"
    echo
    "$PY" "$REPO/bench/compare_outputs.py" "$WORK/jgt/target/jgt.duckdb" "$WORK/duck/full/jgt.duckdb" || true
} | tee "$OUT/jafflegaggle-equality.md"

echo "results in $OUT; project copies in $WORK"
