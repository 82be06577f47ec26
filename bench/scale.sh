#!/usr/bin/env bash
# JaffleGaggle at several seed scales: wall time and peak memory of
# `jgt build`, of the same SQL run from one Python DuckDB process (the
# floor, bench/duckdb_direct.py) and of `dbt build` (dbt-core + dbt-duckdb),
# each from a fresh database every run. Writes bench/results/scale.md (env
# header, per-scale table, targets), scale.tsv (every run) and scale.png
# (wall time against scale, log-log, one line per tool).
#
#   bash bench/scale.sh                       # from anywhere
#   SCALES="1 10" RUNS=2 bash bench/scale.sh  # a quick check
#
# Environment (all optional):
#   JGT          the jgt binary (default /root/.cache/jgt-target/release/jgt)
#   SEEDGEN      the seed generator (default: jgt-seedgen next to $JGT)
#   DBT_VENV     venv with dbt-core + dbt-duckdb + duckdb (default /tmp/dbtvenv,
#                else /root/.venvs/dbt); its python runs the floor
#   SCALES       seed scales (default "1 10 100"; scale 100 is ~600 MB of CSV)
#   RUNS         timed runs per tool below LARGE_SCALE (default 5)
#   LARGE_RUNS   timed runs per tool at LARGE_SCALE and above (default 2)
#   LARGE_SCALE  (default 100)
#   DBT_TIMEOUT  seconds before a dbt build counts as "did not finish"
#                (default 600); after that dbt is not run at larger scales
#   SKIP_DBT     set to 1 to leave dbt out (jgt and the floor only)
#   PLOT_VENV    venv for matplotlib, created with pip if missing
#                (default ~/.cache/jgt-bench-venv)
#   OUT          where results go (default bench/results)
#
# Every run: the tool's database (and WAL) is deleted first (not timed),
# then the command runs under `/usr/bin/time -f %M` (peak resident memory of
# the process, in KB, the largest of it and its children) and its wall time
# is taken around it. Within a run the three tools go one after the other
# (jgt, floor, dbt), so a slow spell of the machine hits all of them. Before
# the timed runs of a scale: one untimed `jgt build` (warms the file cache
# for the CSVs every tool reads) and one `dbt parse` (so every timed dbt
# build uses its partial-parse file, dbt's normal warm state). The floor
# reads target/manifest.json from a `jgt compile` made once with no
# database present (so the incremental stg_events has its first-build SQL);
# its database is named jgt.duckdb because the compiled SQL names the
# catalog "jgt".
# The seeds of a scale are generated once and hard-linked into the three
# project copies; the work folder (under /tmp) is deleted at the end.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
JGT=${JGT:-/root/.cache/jgt-target/release/jgt}
SEEDGEN=${SEEDGEN:-$(dirname "$JGT")/jgt-seedgen}
if [ -z "${DBT_VENV:-}" ]; then
    if [ -d /tmp/dbtvenv ]; then DBT_VENV=/tmp/dbtvenv; else DBT_VENV=/root/.venvs/dbt; fi
fi
PY=$DBT_VENV/bin/python
DBT=$DBT_VENV/bin/dbt
SCALES=${SCALES:-1 10 100}
RUNS=${RUNS:-5}
LARGE_RUNS=${LARGE_RUNS:-2}
LARGE_SCALE=${LARGE_SCALE:-100}
DBT_TIMEOUT=${DBT_TIMEOUT:-600}
PLOT_VENV=${PLOT_VENV:-$HOME/.cache/jgt-bench-venv}
OUT=${OUT:-$REPO/bench/results}
THREADS=$(nproc)
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

for tool in "$JGT" "$SEEDGEN" "$PY" "$DBT" /usr/bin/time; do
    [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/jgt-bench-scale.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
echo "work folder: $WORK (deleted at the end)" >&2
# Every run uses a copy of the binaries taken now, so a build into their
# folder during the benchmark cannot mix two jgt versions in one report.
mkdir -p "$WORK/bin"
cp "$JGT" "$WORK/bin/jgt"
cp "$SEEDGEN" "$WORK/bin/jgt-seedgen"
JGT_ORIGINAL=$JGT
JGT=$WORK/bin/jgt
SEEDGEN=$WORK/bin/jgt-seedgen

# Disk: the largest scale's CSVs (about 6 MB per scale unit), three databases
# (about as large again each) and slack.
largest=0
for s in $SCALES; do [ "$s" -gt "$largest" ] && largest=$s; done
need_mb=$((largest * 6 * 5 + 500))
free_mb=$(df -Pm "$WORK" | awk 'NR == 2 {print $4}')
if [ "$free_mb" -lt "$need_mb" ]; then
    echo "only $free_mb MB free under $WORK; scale $largest needs about $need_mb MB" >&2
    exit 1
fi

# --- the plotting venv ----------------------------------------------------------
if ! "$PLOT_VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    echo "installing matplotlib into $PLOT_VENV" >&2
    python3 -m venv "$PLOT_VENV"
    "$PLOT_VENV/bin/pip" install --quiet matplotlib
fi

# --- environment header -------------------------------------------------------------
ENV_TXT=$WORK/env.txt
{
    machine_lines "$REPO"
    echo "jgt: $("$JGT" --version), binary sha256 $(sha256sum "$JGT" | cut -c1-16), built $(date -u -r "$JGT_ORIGINAL" +%Y-%m-%dT%H:%M:%SZ) ($JGT_ORIGINAL)"
    echo "dbt: $("$DBT" --version 2>/dev/null | grep -E 'installed|duckdb' | tr -s ' ' | tr '\n' ' ')"
    echo "python duckdb: $("$PY" -c 'import duckdb; print(duckdb.__version__)')"
    echo "settings: SCALES=\"$SCALES\" RUNS=$RUNS LARGE_RUNS=$LARGE_RUNS (scale >= $LARGE_SCALE) DBT_TIMEOUT=${DBT_TIMEOUT}s threads=$THREADS"
} | tee "$ENV_TXT" >&2

TSV=$OUT/scale.tsv
printf 'scale\ttool\trun\twall_s\tmax_rss_kb\tstatus\n' > "$TSV"

# measure SCALE TOOL RUN TIMEOUT DIR CMD...: one timed run, appended to $TSV.
# Returns 0 when the command finished, 1 when it timed out; a command that
# fails stops the script.
measure() {
    local scale=$1 tool=$2 run=$3 limit=$4 dir=$5
    shift 5
    local rss=$WORK/rss.txt log=$WORK/last.log status=ok started ended code
    rm -f "$rss"
    started=$(date +%s%N)
    set +e
    (cd "$dir" && /usr/bin/time -f %M -o "$rss" \
        timeout --kill-after=10 "$limit" "$@") >"$log" 2>&1
    code=$?
    set -e
    ended=$(date +%s%N)
    if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
        status="did not finish (> ${limit}s)"
    elif [ "$code" -ne 0 ]; then
        status="failed ($code)"
        echo "--- $tool at scale $scale failed ($code); last lines:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    local wall
    wall=$(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scale" "$tool" "$run" "$wall" \
        "$(tail -n 1 "$rss" 2>/dev/null || echo NA)" "$status" >> "$TSV"
    printf '  scale %-4s %-13s run %s: %8.2f s, %s KB max RSS, %s\n' "$scale" "$tool" "$run" \
        "$wall" "$(tail -n 1 "$rss" 2>/dev/null || echo NA)" "$status" >&2
    [ "$code" -ne 124 ] && [ "$code" -ne 137 ]
}

copy_project() {  # copy_project DIR SEEDS: the project's files, seeds hard-linked
    mkdir -p "$1"
    cp -r "$REPO/models" "$REPO/macros" "$REPO/tests" "$1/"
    cp -al "$2" "$1/seeds"
}

dbt_skipped=""   # why dbt is not run any more, once it is not
[ "${SKIP_DBT:-0}" = 1 ] && dbt_skipped="SKIP_DBT=1"
for scale in $SCALES; do
    S=$WORK/s$scale
    mkdir -p "$S"
    "$SEEDGEN" --scale "$scale" --out "$S/seeds" >/dev/null
    cp "$REPO/seeds/schema.yml" "$S/seeds/"
    echo "scale $scale: $(du -sh "$S/seeds" | cut -f1) of CSV, $(cat "$S"/seeds/*.csv | wc -l) lines" | tee -a "$ENV_TXT" >&2

    # jgt: the project as it is.
    copy_project "$S/jgt" "$S/seeds"
    cp "$REPO/project.yml" "$S/jgt/"
    # The floor: jgt's compiled SQL, compiled here with no database (not timed).
    copy_project "$S/duck" "$S/seeds"
    cp "$REPO/project.yml" "$S/duck/"
    (cd "$S/duck" && "$JGT" compile >/dev/null && rm -f target/jgt.duckdb target/jgt.duckdb.wal)
    cp "$REPO/bench/duckdb_direct.py" "$S/duck/"
    # dbt: the same files plus dbt_project.yml and profiles.yml (as jafflegaggle.sh).
    copy_project "$S/dbt" "$S/seeds"
    dbt_jafflegaggle "$S/dbt" "$THREADS"

    runs=$RUNS
    [ "$scale" -ge "$LARGE_SCALE" ] && runs=$LARGE_RUNS
    # Untimed: a jgt build (file cache) and dbt's parse (its partial-parse file).
    (cd "$S/jgt" && "$JGT" build >/dev/null)
    run_dbt=1
    if [ -n "$dbt_skipped" ]; then
        run_dbt=0
        printf '%s\tdbt build\t-\tNA\tNA\tnot run (%s)\n' "$scale" "$dbt_skipped" >> "$TSV"
    else
        (cd "$S/dbt" && "$DBT" parse --profiles-dir . >/dev/null)
    fi
    for run in $(seq 1 "$runs"); do
        rm -f "$S/jgt/target/jgt.duckdb" "$S/jgt/target/jgt.duckdb.wal"
        measure "$scale" "jgt build" "$run" 3600 "$S/jgt" "$JGT" build || true
        rm -f "$S/duck/jgt.duckdb" "$S/duck/jgt.duckdb.wal"
        measure "$scale" "DuckDB floor" "$run" 3600 "$S/duck" "$PY" duckdb_direct.py . jgt.duckdb || true
        if [ "$run_dbt" = 1 ]; then
            rm -f "$S/dbt/dbt.duckdb" "$S/dbt/dbt.duckdb.wal"
            if ! measure "$scale" "dbt build" "$run" "$DBT_TIMEOUT" "$S/dbt" "$DBT" build --profiles-dir .; then
                run_dbt=0
                dbt_skipped="did not finish at scale $scale"
            fi
        fi
    done
    # jgt's own view of its last build: the slowest nodes, for the report.
    "$PY" - "$S/jgt/target/run_results.json" "$scale" >> "$WORK/nodes.txt" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
rows = sorted(results["results"], key=lambda r: -r["execution_time"])[:6]
total = results.get("elapsed_time")
print(f"scale {sys.argv[2]}: jgt's last build, run_results.json elapsed_time {total:.2f} s; slowest nodes:")
for r in rows:
    print(f"    {r['execution_time']:7.3f} s  {r['unique_id']}")
PY
    rm -rf "$S"
done

"$PLOT_VENV/bin/python" "$REPO/bench/scale_report.py" "$TSV" "$ENV_TXT" "$WORK/nodes.txt" \
    "$OUT/scale.md" "$OUT/scale.png"
cat "$OUT/scale.md"
echo "results: $OUT/scale.md, $OUT/scale.tsv, $OUT/scale.png" >&2
