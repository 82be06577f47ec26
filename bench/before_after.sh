#!/usr/bin/env bash
# Two jgt binaries side by side on JaffleGaggle's `jgt build`, in one run:
# a change must not make the build slower.
#
#   bench/before_after.sh OLD_JGT NEW_JGT
#
# To get OLD_JGT for a commit: `git worktree add /tmp/jgt-old <commit>`,
# then in it `CARGO_TARGET_DIR=$HOME/.cache/jgt-target cargo build --release
# --bin jgt` (DuckDB's C++ is reused from the shared target dir) and copy
# target/release/jgt aside before building the new one.
#
# Environment: RUNS (default 20) timed runs each, after 2 warm-ups; every
# run starts from a fresh database. Results go to bench/results/before-after.*
set -euo pipefail

OLD=${1:?usage: before_after.sh OLD_JGT NEW_JGT}
NEW=${2:?usage: before_after.sh OLD_JGT NEW_JGT}
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-20}
OUT=${OUT:-$REPO/bench/results}
WORK=$(mktemp -d /tmp/jgt-bench-before-after.XXXXXX)
mkdir -p "$OUT"

for side in old new; do
    mkdir -p "$WORK/$side"
    cp -r "$REPO/models" "$REPO/macros" "$REPO/seeds" "$REPO/tests" "$REPO/project.yml" "$WORK/$side/"
done

hyperfine --warmup 2 --runs "$RUNS" \
    --prepare "rm -rf $WORK/old/target $WORK/new/target" \
    --export-json "$OUT/before-after.json" \
    --export-markdown "$OUT/before-after.md" \
    -n "before ($OLD)" "cd $WORK/old && $OLD build > /dev/null" \
    -n "after ($NEW)" "cd $WORK/new && $NEW build > /dev/null"

{
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $(git -C "$REPO" rev-parse --short HEAD)"
    echo "cpus: $(nproc)"
} > "$OUT/before-after-env.txt"
echo "results: $OUT/before-after.md"
