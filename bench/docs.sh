#!/usr/bin/env bash
# Times `jgt docs generate` on generated projects of 1,000 and 10,000 models
# (SIZES="1000 10000" by default), with hyperfine when it is installed
# (apt-get install -y hyperfine) and a plain loop of runs otherwise, then
# opens each generated site in Chromium and measures load, time to
# interactive and click-to-highlight (crates/jgt-cli/tests/browser/bench.mjs;
# skipped when chromium or playwright-core is missing).
#
#   bash bench/docs.sh            # everything
#   SIZES=1000 bash bench/docs.sh # one size
#   RUNS=20 bash bench/docs.sh    # more runs per size
#
# The projects and results stay in $BENCH_DIR (default: a fresh temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/jgt-target}"
sizes=${SIZES:-1000 10000}
runs=${RUNS:-10}
work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"

cargo build --release --quiet --bin jgt
jgt="$CARGO_TARGET_DIR/release/jgt"

echo "== machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$(free -g | awk '/^Mem:/ {print $2}') GB RAM, $(uname -sr)"
"$jgt" --version 2>/dev/null || true

for n in $sizes; do
    project="$work/models_$n"
    if [ ! -f "$project/project.yml" ]; then
        python3 bench/gen_project.py "$n" "$project"
    fi
    echo
    echo "== jgt docs generate, $n models ($project)"
    # One run first, to warm the file cache and to show the result.
    "$jgt" docs generate --project-dir "$project"
    ls -l "$project/target/docs/index.html"
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 2 --runs "$runs" \
            --export-json "$work/hyperfine_$n.json" \
            "$jgt docs generate --project-dir $project"
    else
        echo "(hyperfine is not installed: $runs plain runs)"
        for _ in $(seq "$runs"); do
            /usr/bin/time -f "%e s, %M KB max RSS" "$jgt" docs generate --project-dir "$project" >/dev/null
        done
    fi
done

browser="$root/crates/jgt-cli/tests/browser"
if [ -x "${JGT_CHROMIUM:-/usr/bin/chromium}" ] && [ -f "$browser/node_modules/playwright-core/package.json" ]; then
    for n in $sizes; do
        echo
        echo "== the $n-model site in Chromium (milliseconds)"
        node "$browser/bench.mjs" "$work/models_$n/target/docs/index.html" "$work/site_$n.png" |
            tee "$work/browser_$n.json"
    done
else
    echo
    echo "(no Chromium or playwright-core: run npm ci in $browser and apt-get install -y chromium for the browser figures)"
fi
echo
echo "Projects, screenshots and results are in $work"
