#!/usr/bin/env bash
# The edit loop of `jgt run --watch` on the 1,000-model project: the time
# from saving a view model to the watcher reporting its rebuild done, over
# 20 edits (bench/edit_loop.py says how). Writes bench/results/edit-loop.md
# and edit-loop.json.
#
#   bash bench/edit_loop.sh            # from anywhere
#
# Environment (all optional):
#   JGT     the jgt binary (default /root/.cache/jgt-target/release/jgt)
#   MODELS  models in the project (default 1000)
#   EDITS   saves to time (default 20)
#   OUT     where results go (default bench/results)
# Further arguments go to edit_loop.py (e.g. --keep, --timeout 60).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$REPO/bench/results}
mkdir -p "$OUT"
exec python3 "$REPO/bench/edit_loop.py" \
    --jgt "${JGT:-/root/.cache/jgt-target/release/jgt}" \
    --models "${MODELS:-1000}" --edits "${EDITS:-20}" \
    --out "$OUT/edit-loop.md" "$@"
