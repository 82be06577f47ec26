#!/bin/sh
# Side by side, in one run: `dbt build` (dbt-core + dbt-duckdb) and
# `jgt build` on copies of each dbt-shaped test fixture, alternating,
# each from an empty database. Prints one line per run; the figures in
# bench/README.md come from it. Not run by CI.
#
#   bench/dbt_reference/speed.sh [runs]        (default 3)
#
# DBT names dbt's virtualenv (default /root/.venvs/dbt); JGT the jgt
# binary (default: the release build in CARGO_TARGET_DIR).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../../crates/jgt-cli/tests/fixtures" && pwd)
venv=${DBT:-/root/.venvs/dbt}
jgt=${JGT:-${CARGO_TARGET_DIR:-$HOME/.cache/jgt-target}/release/jgt}
runs=${1:-3}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$fixtures"/dbt_* "$work/"

seconds() {
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "failed in $(pwd): $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

for project in dbt_shop dbt_schemas dbt_introspect dbt_seed_types; do
    dir="$work/$project"
    db=$(cd "$dir" && "$venv/bin/python" -c \
        'import yaml; p = yaml.safe_load(open("profiles.yml")); o = next(iter(p.values())); print(o["outputs"][o["target"]]["path"])')
    if [ -f "$dir/packages.yml" ]; then
        (cd "$dir" && "$venv/bin/dbt" deps --quiet)
    fi
    i=1
    while [ "$i" -le "$runs" ]; do
        rm -f "$dir/$db"
        dbt_s=$(cd "$dir" && seconds "$venv/bin/dbt" build --quiet)
        rm -f "$dir/$db"
        jgt_s=$(cd "$dir" && seconds "$jgt" build)
        echo "$project run $i: dbt build ${dbt_s}s, jgt build ${jgt_s}s"
        i=$((i + 1))
    done
done
