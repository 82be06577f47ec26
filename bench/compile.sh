#!/usr/bin/env bash
# Compile-time benchmark on generated projects of 1,000 and 10,000 models:
# `jgt compile` and `jgt ls`, `jgt run -s one_model` on the built 10,000,
# the floors under them (the file system creating the same files, DuckDB
# opening the built file), and dbt's `parse` / `compile` on 1,000 models.
#
#   bench/compile.sh                 # from the repository root
#
# Environment (all optional):
#   JGT       the jgt binary  (default /root/.cache/jgt-target/release/jgt)
#   DBT_VENV  a venv with dbt-core + dbt-duckdb (default /tmp/dbtvenv)
#   RUNS      timed runs of the jgt commands (default 10; warmup 1)
#   DBT_RUNS  timed runs of the dbt commands (default 5; warmup 1)
#   SKIP_DBT  set to 1 to leave dbt out
#   FLOOR_PYTHON  a Python with the duckdb package, for the floor under
#             `jgt run -s ONE` (default the dbt venv's; left out when missing)
#   OUT       where results go (default bench/results)
#
# The projects come from bench/gen_project.py (views with a table every ten,
# a macro call every seven, a schema.yml with not_null/unique tests for one
# model in three); the dbt copy of the 1,000-model project gets a
# dbt_project.yml and profiles.yml with relative paths.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
JGT=${JGT:-/root/.cache/jgt-target/release/jgt}
DBT_VENV=${DBT_VENV:-$(if [ -d /tmp/dbtvenv ]; then echo /tmp/dbtvenv; else echo /root/.venvs/dbt; fi)}
DBT=$DBT_VENV/bin/dbt
RUNS=${RUNS:-10}
DBT_RUNS=${DBT_RUNS:-5}
OUT=${OUT:-$REPO/bench/results}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

WORK=$(mktemp -d /tmp/jgt-bench-compile.XXXXXX)
mkdir -p "$OUT"
echo "work folder: $WORK"

{
    machine_lines "$REPO"
    echo "jgt: $("$JGT" --version), binary sha256 $(sha256sum "$JGT" | cut -c1-16), built $(date -u -r "$JGT" +%Y-%m-%dT%H:%M:%SZ)"
    echo "dbt: $("$DBT" --version 2>/dev/null | grep -E 'installed|duckdb' | tr -s ' ' | tr '\n' ' ')"
    echo "hyperfine: $(hyperfine --version)"
} | tee "$OUT/compile-env.txt"

for n in 1000 10000; do
    python3 "$REPO/bench/gen_project.py" "$n" "$WORK/p$n"
done
# The selected-model case: the last model of the deepest layer (a leaf).
ONE=$(basename "$(find "$WORK/p10000/models" -name '*.sql' | sort | tail -1)" .sql)
# The edited-model case appends a comment to the first model before each
# run: the up-to-date check (see README) then misses and the project is
# compiled again, as after any save.
OTHER=$(find "$WORK/p10000/models" -name '*.sql' | sort | sed -n 1p)
echo "models: $(find "$WORK/p1000/models" -name '*.sql' | wc -l) / $(find "$WORK/p10000/models" -name '*.sql' | wc -l)"
# The generator's 22,000 new files are written back to disk now, not
# during the first timed runs.
sync

# "fresh target/": before each run the previous target/ is renamed into
# $WORK/trash (not deleted: on this machine's ext4, creating 18,000 files
# right after `rm -rf` of the previous 18,000 took 10-13 s of system time,
# which measures the file system, not jgt); the trash goes at the very end.
# Then `sync` (untimed, in --prepare): each fresh run starts with the
# previous runs' 134 MB of new files written back, as a user's first
# compile would, instead of paying for their write-back (which swung the
# fresh figures 1.2-3x from one run to the next).
# "over existing target/": nothing changed since the previous run, so the
# up-to-date check reuses its result (the commands print the same lines
# and restamp the manifest); `jgt ls` and the one-model compile likewise.
mkdir -p "$WORK/trash"
aside() { echo "if [ -d $1/target ]; then mv $1/target $WORK/trash/\$(date +%s%N); fi; sync"; }
hyperfine --warmup 1 --runs "$RUNS" \
    --export-markdown "$OUT/compile-jgt.md" \
    --export-json "$OUT/compile-jgt.json" \
    -n "jgt compile, 1,000 models, fresh target/" --prepare "$(aside "$WORK/p1000")" \
    "cd $WORK/p1000 && $JGT compile" \
    -n "jgt compile, 1,000 models, over existing target/" --prepare "true" \
    "cd $WORK/p1000 && $JGT compile" \
    -n "jgt ls, 1,000 models" --prepare "true" \
    "cd $WORK/p1000 && $JGT ls" \
    -n "jgt compile, 10,000 models, fresh target/" --prepare "$(aside "$WORK/p10000")" \
    "cd $WORK/p10000 && $JGT compile" \
    -n "jgt ls, 10,000 models, fresh target/" --prepare "$(aside "$WORK/p10000")" \
    "cd $WORK/p10000 && $JGT ls" \
    -n "jgt compile, 10,000 models, over existing target/" --prepare "true" \
    "cd $WORK/p10000 && $JGT compile" \
    -n "jgt ls, 10,000 models" --prepare "true" \
    "cd $WORK/p10000 && $JGT ls" \
    -n "jgt compile -s $ONE, 10,000 models (one model selected)" --prepare "true" \
    "cd $WORK/p10000 && $JGT compile -s $ONE" \
    -n "jgt compile -s $ONE, 10,000 models, another model edited before each run" \
    --prepare "echo '-- edited' >> $OTHER" \
    "cd $WORK/p10000 && $JGT compile -s $ONE"

# What one compile of 10,000 models writes.
echo "10,000-model compile wrote $(find "$WORK/p10000/target/compiled" -type f | wc -l) files," \
    "$(du -sh "$WORK/p10000/target" | cut -f1) under target/" | tee "$OUT/compile-output-size.txt"
# The file system's floor under the fresh compile: the same files and
# manifest created from two processes, nothing else (bench/write_floor.py).
python3 "$REPO/bench/write_floor.py" "$WORK/p10000/target" "$WORK/floor" --runs "$RUNS" |
    tee "$OUT/compile-write-floor.txt"

# `jgt run -s ONE` on the 10,000-model project once everything is built:
# the whole command (compile, the one view, the artifacts) bounds the time
# until its first SQL from above. The full build first is not timed.
(cd "$WORK/p10000" && "$JGT" seed >/dev/null && "$JGT" run >/dev/null)
# Then the edited-model compile again, now that a database is there: the
# list of its tables (for is_incremental()) is kept while the file is
# unchanged, so the file is not opened again.
hyperfine --warmup 1 --runs "$RUNS" \
    --export-markdown "$OUT/compile-run-one.md" \
    --export-json "$OUT/compile-run-one.json" \
    -n "jgt run -s $ONE, 10,000 models built" --prepare "true" \
    "cd $WORK/p10000 && $JGT run -s $ONE" \
    -n "jgt compile -s $ONE, 10,000 models built, another model edited before each run" \
    --prepare "echo '-- edited' >> $OTHER" \
    "cd $WORK/p10000 && $JGT compile -s $ONE"

# When `jgt run -s ONE` sent the model's SQL (run_results' timing of
# its build against the invocation's start), when the build was done, and
# when the command exited.
python3 "$REPO/bench/first_sql.py" "$WORK/p10000" "$ONE" --jgt "$JGT" --runs "$RUNS" |
    tee "$OUT/compile-first-sql.txt"

# The floor under `jgt run -s ONE`: DuckDB itself opening the built file
# (its catalog of 10,000 relations) and building the one model, timed
# inside one Python process (no interpreter start-up), when a Python with
# the duckdb package is at hand (FLOOR_PYTHON, default the dbt venv's).
FLOOR_PYTHON=${FLOOR_PYTHON:-$DBT_VENV/bin/python}
if "$FLOOR_PYTHON" -c 'import duckdb' 2>/dev/null; then
    "$FLOOR_PYTHON" "$REPO/bench/open_floor.py" "$WORK/p10000" "$ONE" --runs "$RUNS" |
        tee "$OUT/compile-open-floor.txt"
else
    echo "no Python with duckdb at $FLOOR_PYTHON: the open floor is left out"
fi

if [ "${SKIP_DBT:-0}" != 1 ]; then
    mkdir -p "$WORK/dbt1000"
    cp -r "$WORK/p1000/models" "$WORK/p1000/macros" "$WORK/p1000/seeds" "$WORK/dbt1000/"
    cat > "$WORK/dbt1000/dbt_project.yml" <<'YAML'
name: bench_1000
version: "1.0.0"
config-version: 2
profile: bench
model-paths: ["models"]
macro-paths: ["macros"]
seed-paths: ["seeds"]
target-path: target
models:
  bench_1000:
    +materialized: view
YAML
    dbt_profile "$WORK/dbt1000" bench "$(nproc)"
    hyperfine --warmup 1 --runs "$DBT_RUNS" \
        --export-markdown "$OUT/compile-dbt.md" \
        --export-json "$OUT/compile-dbt.json" \
        -n "dbt parse --no-partial-parse, 1,000 models" \
        "cd $WORK/dbt1000 && $DBT parse --profiles-dir . --no-partial-parse" \
        -n "dbt compile --no-partial-parse, 1,000 models" \
        "cd $WORK/dbt1000 && $DBT compile --profiles-dir . --no-partial-parse" \
        -n "dbt compile (partial parse), 1,000 models" \
        "cd $WORK/dbt1000 && $DBT compile --profiles-dir ."
fi

rm -rf "$WORK/trash" "$WORK/floor"
echo "results in $OUT; projects in $WORK"
