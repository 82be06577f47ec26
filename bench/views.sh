#!/usr/bin/env bash
# 1,000 models, every one a view: `jgt run` against the same `create view`
# statements run from one Python DuckDB process (the floor,
# bench/views_sql.py) and against `dbt run` (dbt-core + dbt-duckdb).
# Writes bench/results/views.md (env header, hyperfine tables, ratios and
# targets) and views-*.json (hyperfine's raw runs).
#
#   bash bench/views.sh                          # from anywhere
#   LAYERS=4 RUNS=2 DBT_RUNS=2 bash bench/views.sh   # a quick check
#
# Environment (all optional):
#   JGT          the jgt binary (default /root/.cache/jgt-target/release/jgt)
#   DBT_VENV     venv with dbt-core + dbt-duckdb + duckdb (default /tmp/dbtvenv,
#                else /root/.venvs/dbt); its python runs the floor
#   MODELS       models in the project (default 1000)
#   LAYERS       layers of views (default: gen_project.py's, 16 for 1,000
#                models). Every view is bound with all the views under it, so
#                deep projects are slow for DuckDB itself: at 16 layers one
#                run takes minutes for each tool.
#   RUNS         timed runs of jgt and the floor (default 3)
#   DBT_RUNS     timed runs of dbt (default 3)
#   WARMUP       untimed runs before them (default 1)
#   DBT_TIMEOUT  seconds before one dbt run counts as "did not finish" (default 1800)
#   OUT          where results go (default bench/results)
#
# The project: `python3 bench/gen_project.py $MODELS DIR --all-views`.
# Seeds are loaded once in a prepare step, not timed, for all three tools
# alike: `jgt seed` and `dbt seed` each write their database once, and that
# file (seeds only) is copied over the tool's database before every run
# (hyperfine --prepare), so each timed run creates all the views in a
# database holding the seeds and nothing else. The floor's database is a
# copy of jgt's seeded file, named jgt.duckdb because the compiled SQL
# names its catalog "jgt". The floor's statements are written from jgt's
# manifest (`jgt compile`, not timed). The work folder under /tmp is
# deleted at the end.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
JGT=${JGT:-/root/.cache/jgt-target/release/jgt}
if [ -z "${DBT_VENV:-}" ]; then
    if [ -d /tmp/dbtvenv ]; then DBT_VENV=/tmp/dbtvenv; else DBT_VENV=/root/.venvs/dbt; fi
fi
PY=$DBT_VENV/bin/python
DBT=$DBT_VENV/bin/dbt
MODELS=${MODELS:-1000}
LAYERS=${LAYERS:-}
RUNS=${RUNS:-3}
DBT_RUNS=${DBT_RUNS:-3}
WARMUP=${WARMUP:-1}
DBT_TIMEOUT=${DBT_TIMEOUT:-1800}
OUT=${OUT:-$REPO/bench/results}
THREADS=$(nproc)
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

for tool in "$JGT" "$PY" "$DBT"; do
    [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 1; }
done
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/jgt-bench-views.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
echo "work folder: $WORK (deleted at the end)" >&2
# Every run uses a copy of the binary taken now (a build into its folder
# during the benchmark cannot mix two versions in one report).
mkdir -p "$WORK/bin"
cp "$JGT" "$WORK/bin/jgt"
JGT_ORIGINAL=$JGT
JGT=$WORK/bin/jgt

# --- the project -----------------------------------------------------------
gen_args=("$MODELS" "$WORK/jgt" --all-views)
[ -n "$LAYERS" ] && gen_args+=(--layers "$LAYERS")
python3 "$REPO/bench/gen_project.py" "${gen_args[@]}" 2> "$WORK/project.txt"
cat "$WORK/project.txt" >&2

# jgt: seeds once, kept aside; the manifest for the floor.
(cd "$WORK/jgt" && "$JGT" seed >/dev/null && "$JGT" compile >/dev/null)
cp "$WORK/jgt/target/jgt.duckdb" "$WORK/jgt-seeds.duckdb"
rm -f "$WORK/jgt/target/jgt.duckdb.wal"

# The floor: the same statements, from one process, in a copy of jgt's seeds.
mkdir -p "$WORK/duck"
"$PY" "$REPO/bench/views_sql.py" write "$WORK/jgt" "$WORK/duck/views.sql"
cp "$REPO/bench/views_sql.py" "$REPO/bench/duckdb_direct.py" "$WORK/duck/"

# dbt: the same models, macros and seeds, with its own project and profile.
mkdir -p "$WORK/dbt"
cp -r "$WORK/jgt/models" "$WORK/jgt/macros" "$WORK/jgt/seeds" "$WORK/dbt/"
cat > "$WORK/dbt/dbt_project.yml" <<YAML
name: bench_$MODELS
version: "1.0.0"
config-version: 2
profile: bench
model-paths: ["models"]
macro-paths: ["macros"]
seed-paths: ["seeds"]
target-path: target
models:
  bench_$MODELS:
    +materialized: view
YAML
dbt_profile "$WORK/dbt" bench "$THREADS"
(cd "$WORK/dbt" && "$DBT" seed --profiles-dir . >/dev/null)
cp "$WORK/dbt/dbt.duckdb" "$WORK/dbt-seeds.duckdb"

# --- environment header --------------------------------------------------------
ENV_TXT=$WORK/env.txt
{
    machine_lines "$REPO"
    echo "jgt: $("$JGT" --version), binary sha256 $(sha256sum "$JGT" | cut -c1-16), built $(date -u -r "$JGT_ORIGINAL" +%Y-%m-%dT%H:%M:%SZ) ($JGT_ORIGINAL)"
    echo "dbt: $("$DBT" --version 2>/dev/null | grep -E 'installed|duckdb' | tr -s ' ' | tr '\n' ' ')"
    echo "python duckdb: $("$PY" -c 'import duckdb; print(duckdb.__version__)')"
    echo "hyperfine: $(hyperfine --version)"
    echo "project: $(cat "$WORK/project.txt" | sed "s|$WORK/jgt: ||"), all views (gen_project.py ${gen_args[*]:2})"
    echo "settings: RUNS=$RUNS DBT_RUNS=$DBT_RUNS WARMUP=$WARMUP DBT_TIMEOUT=${DBT_TIMEOUT}s threads=$THREADS"
} | tee "$ENV_TXT" >&2

# --- timing ---------------------------------------------------------------------
J=$WORK/jgt D=$WORK/duck B=$WORK/dbt
hyperfine --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$OUT/views-jgt-floor.json" --export-markdown "$WORK/jgt-floor.md" \
    -n "jgt run" \
    --prepare "rm -f $J/target/jgt.duckdb.wal && cp $WORK/jgt-seeds.duckdb $J/target/jgt.duckdb" \
    "cd $J && $JGT run" \
    -n "DuckDB floor (create view x $MODELS, one process)" \
    --prepare "rm -f $D/jgt.duckdb.wal && cp $WORK/jgt-seeds.duckdb $D/jgt.duckdb" \
    "cd $D && $PY views_sql.py run jgt.duckdb views.sql"
# jgt's own timeline of its last run.
"$PY" - "$J/target/run_results.json" > "$WORK/jgt-nodes.txt" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
rows = results["results"]
busy = sum(r["execution_time"] for r in rows)
slow = sorted(rows, key=lambda r: -r["execution_time"])[:5]
print(f"jgt's last run (run_results.json): elapsed_time {results['elapsed_time']:.2f} s, "
      f"{len(rows)} nodes, sum of node execute times {busy:.2f} s; slowest nodes:")
for r in slow:
    print(f"    {r['execution_time']:7.3f} s  {r['unique_id']}")
PY

dbt_status=ok
if ! hyperfine --warmup "$WARMUP" --runs "$DBT_RUNS" \
    --export-json "$OUT/views-dbt.json" --export-markdown "$WORK/dbt.md" \
    -n "dbt run" \
    --prepare "rm -f $B/dbt.duckdb.wal && cp $WORK/dbt-seeds.duckdb $B/dbt.duckdb" \
    "cd $B && timeout --kill-after=10 $DBT_TIMEOUT $DBT run --profiles-dir ."; then
    dbt_status="did not finish within ${DBT_TIMEOUT}s (or failed)"
    echo "{\"results\": []}" > "$OUT/views-dbt.json"
    echo "| dbt run | $dbt_status |" > "$WORK/dbt.md"
fi

# --- report -----------------------------------------------------------------------
REPORT=$OUT/views.md
{
    echo "# $MODELS views: jgt run, the DuckDB floor, dbt run"
    echo
    echo '```'
    cat "$ENV_TXT"
    echo '```'
    echo
    echo "Seeds loaded before every run (a copy of a seeded database, not timed); timed: creating the $MODELS views."
    echo
    cat "$WORK/jgt-floor.md"
    echo
    cat "$WORK/dbt.md"
    echo
    "$PY" - "$OUT/views-jgt-floor.json" "$OUT/views-dbt.json" <<'PY'
import json, sys
runs = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        runs[r["command"]] = r
jgt = runs["jgt run"]
floor = next(r for name, r in runs.items() if name.startswith("DuckDB floor"))
dbt = runs.get("dbt run")
print("| ratio | of means | of medians | target | verdict |")
print("|---|---:|---:|---|---|")
m, d = jgt["mean"] / floor["mean"], jgt["median"] / floor["median"]
print(f"| jgt run / floor | {m:.2f}x | {d:.2f}x | <= 1.1x | {'met' if d <= 1.1 else 'not met'} |")
if dbt:
    m, d = dbt["mean"] / jgt["mean"], dbt["median"] / jgt["median"]
    print(f"| dbt run / jgt run | {m:.1f}x | {d:.1f}x | >= 8x | {'met' if d >= 8 else 'not met'} |")
else:
    print("| dbt run / jgt run | — | — | >= 8x | dbt did not finish |")
PY
    echo
    echo '```'
    cat "$WORK/jgt-nodes.txt"
    echo '```'
} > "$REPORT"
cat "$REPORT"
echo "results: $REPORT, $OUT/views-jgt-floor.json, $OUT/views-dbt.json" >&2
