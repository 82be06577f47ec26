#!/usr/bin/env bash
# Where jgt's time goes: perf profiles of `jgt build` on JaffleGaggle and of
# `jgt ls` / `jgt compile` on the generated 10,000-model project, summed by
# phase with bench/perf_phases.py, plus DuckDB's own per-statement timings
# for the same JaffleGaggle SQL (bench/duckdb_direct.py --timings).
#
#   bench/profile.sh                 # from the repository root; needs perf
#
# Environment (all optional): JGT, DBT_VENV (for its python with duckdb),
# OUT (default bench/results). perf needs kernel.perf_event_paranoid <= 2
# for user-space sampling of one's own processes.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
JGT=${JGT:-/root/.cache/jgt-target/release/jgt}
DBT_VENV=${DBT_VENV:-/tmp/dbtvenv}
PY=$DBT_VENV/bin/python
OUT=${OUT:-$REPO/bench/results}
WORK=$(mktemp -d /tmp/jgt-bench-profile.XXXXXX)
mkdir -p "$OUT"
echo "work folder: $WORK"

# perf samples 400-1000 times a second per thread, unwinding with DWARF
# (Rust release builds have no frame pointers); `perf script --no-inline`
# because resolving inlined frames takes minutes per profile.
profile() { # name, folder, perf frequency, command...
    local name=$1 dir=$2 freq=$3
    shift 3
    (cd "$dir" && perf record -q -F "$freq" --call-graph dwarf,32768 -o "$WORK/$name.data" "$@" >/dev/null 2>&1)
    perf script --no-inline -i "$WORK/$name.data" -F comm,tid,period,ip,sym 2>/dev/null > "$WORK/$name.txt"
    {
        echo "### $name: \`$*\`"
        echo
        python3 "$REPO/bench/perf_phases.py" < "$WORK/$name.txt"
        echo
    } >> "$OUT/profile.md"
}

: > "$OUT/profile.md"

# --- JaffleGaggle: jgt build from an empty database ---------------------------
mkdir -p "$WORK/jg"
cp -r "$REPO/project.yml" "$REPO/models" "$REPO/macros" "$REPO/seeds" "$REPO/tests" "$WORK/jg/"
(cd "$WORK/jg" && "$JGT" build >/dev/null && rm -f target/jgt.duckdb target/jgt.duckdb.wal)
profile jgt-build-jafflegaggle "$WORK/jg" 1000 "$JGT" build
{
    echo "#### the same, by thread"
    echo
    python3 "$REPO/bench/perf_phases.py" --threads < "$WORK/jgt-build-jafflegaggle.txt"
    echo
} >> "$OUT/profile.md"
rm -f "$WORK/jg/target/jgt.duckdb" "$WORK/jg/target/jgt.duckdb.wal"
echo "### \`jgt build --threads 1\` (jgt's own per-node timings, one of 3 runs)" >> "$OUT/profile.md"
echo >> "$OUT/profile.md"
echo '```' >> "$OUT/profile.md"
for i in 1 2 3; do
    rm -f "$WORK/jg/target/jgt.duckdb" "$WORK/jg/target/jgt.duckdb.wal"
    (cd "$WORK/jg" && /usr/bin/time -f "wall %e s, user %U s, sys %S s" "$JGT" build --threads 1 > "$WORK/threads1.txt" 2> "$WORK/threads1.time")
done
grep -E " (seed|view|table|incremental) " "$WORK/threads1.txt" >> "$OUT/profile.md"
grep -E "^Finished" "$WORK/threads1.txt" >> "$OUT/profile.md"
cat "$WORK/threads1.time" >> "$OUT/profile.md"
echo '```' >> "$OUT/profile.md"
echo >> "$OUT/profile.md"

# --- DuckDB itself, statement by statement -------------------------------------
mkdir -p "$WORK/duck"
cp -r "$REPO/project.yml" "$REPO/models" "$REPO/macros" "$REPO/seeds" "$REPO/tests" "$WORK/duck/"
(cd "$WORK/duck" && "$JGT" compile >/dev/null)
{
    echo "### DuckDB itself, per statement (\`duckdb_direct.py --timings\`, slowest first, one run)"
    echo
    echo '```'
    (cd "$WORK/duck" && "$PY" "$REPO/bench/duckdb_direct.py" . duck.duckdb --timings 2>&1 >/dev/null | sort -rn | head -16)
    echo '```'
    echo
} >> "$OUT/profile.md"

# --- 10,000 models: ls and compile -------------------------------------------
python3 "$REPO/bench/gen_project.py" 10000 "$WORK/p10000" 2>/dev/null
(cd "$WORK/p10000" && "$JGT" compile >/dev/null)
profile jgt-ls-10000 "$WORK/p10000" 400 "$JGT" ls
profile jgt-compile-10000-over-existing "$WORK/p10000" 400 "$JGT" compile
mv "$WORK/p10000/target" "$WORK/old-target"
profile jgt-compile-10000-fresh "$WORK/p10000" 400 "$JGT" compile
{
    echo "### system calls of one fresh 10,000-model \`jgt compile\` (strace -c)"
    echo
    echo '```'
    mv "$WORK/p10000/target" "$WORK/old-target-2"
    (cd "$WORK/p10000" && strace -f -c -o "$WORK/strace.txt" "$JGT" compile >/dev/null)
    head -12 "$WORK/strace.txt"
    echo '```'
    echo
    echo "target/ after it: $(find "$WORK/p10000/target/compiled" -type f | wc -l) compiled files," \
        "manifest.json $(du -h "$WORK/p10000/target/manifest.json" | cut -f1)"
} >> "$OUT/profile.md"

rm -rf "$WORK"/*.data "$WORK/old-target" "$WORK/old-target-2"
echo "profile in $OUT/profile.md"
