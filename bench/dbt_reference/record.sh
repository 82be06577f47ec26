#!/bin/sh
# Records what real dbt-core + dbt-duckdb build from jgt's dbt-shaped test
# fixtures: crates/jgt-cli/tests/fixtures/<project>/dbt_expected.txt.
# crates/jgt-cli/tests/dbt_reference.rs and dbt_features.rs check that jgt
# builds the same. Not run by CI; run it by hand after changing a fixture:
#
#   bench/dbt_reference/record.sh [project ...]     (default: every dbt_* project)
#
# DBT names dbt's virtualenv (default /root/.venvs/dbt); the recipe to
# install dbt offline is in ../shared/notes/field-notes.md.
#
# Besides the relations (dbt_expected.txt), the data tests' names
# (dbt_tests.txt) and their unique ids and test_metadata (dbt_test_ids.txt,
# see test_ids.py), where each node's files are (dbt_paths.txt, see
# node_paths.py) and the data tests' configs (dbt_test_configs.txt, see
# test_configs.py), a fixture may hold:
#
#   expect_failure   `dbt build` may fail: its exit code goes to dbt_exit.txt
#   stage2/          after the first build, its files are copied over the
#                    project (a file `<path>.delete` deletes <path>) and the
#                    project is built again: dbt_expected_2.txt (and
#                    dbt_exit_2.txt, dbt_results_2.txt)
#   volatile.txt     `schema.relation.column` lines: columns whose values
#                    depend on the clock, dumped as <volatile> when not null
#   volatile_2.txt   more such columns, for stage 2 only
#   files.txt        paths (relative to the project) of files the build
#                    writes: dumped to dbt_files.txt
#
# Fixtures with expect_failure or stage2/ also get dbt_results.txt (and
# dbt_results_2.txt): `<resource_type> <name> <status>` per result of
# target/run_results.json, sorted (see results.py).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../../crates/jgt-cli/tests/fixtures" && pwd)
venv=${DBT:-/root/.venvs/dbt}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false

if [ $# -eq 0 ]; then
    set -- $(cd "$fixtures" && ls -d dbt_* | grep -v '^dbt_pkgs$')
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Projects find their local packages at ../dbt_pkgs: copy both.
cp -R "$fixtures"/dbt_* "$work/"

# build_and_dump PROJECT DIR DB SUFFIX: `dbt build` in DIR, then its
# relations (and files, exit code, results) into the fixture's files
# named with SUFFIX ("" for the first build, "_2" for stage 2).
build_and_dump() {
    project=$1 dir=$2 db=$3 suffix=$4
    out="$fixtures/$project"
    code=0
    if [ -f "$dir/expect_failure" ]; then
        (cd "$dir" && "$venv/bin/dbt" build) || code=$?
        echo "$code" > "$out/dbt_exit$suffix.txt"
        echo "   wrote $out/dbt_exit$suffix.txt ($code)"
    else
        (cd "$dir" && "$venv/bin/dbt" build)
    fi
    volatile=
    if [ -f "$dir/volatile.txt" ]; then
        volatile="--volatile $dir/volatile.txt"
    fi
    if [ -n "$suffix" ] && [ -f "$dir/volatile$suffix.txt" ]; then
        volatile="$volatile --volatile $dir/volatile$suffix.txt"
    fi
    # shellcheck disable=SC2086 # $volatile is pairs of words
    "$venv/bin/python" "$here/dump.py" --root "$dir" $volatile "$dir/$db" > "$out/dbt_expected$suffix.txt"
    echo "   wrote $out/dbt_expected$suffix.txt"
    if [ -f "$dir/files.txt" ]; then
        "$venv/bin/python" "$here/dump.py" --files "$dir/files.txt" "$dir" > "$out/dbt_files$suffix.txt"
        echo "   wrote $out/dbt_files$suffix.txt"
    fi
    if [ -f "$dir/expect_failure" ] || [ -d "$dir/stage2" ]; then
        "$venv/bin/python" "$here/results.py" "$dir/target/run_results.json" > "$out/dbt_results$suffix.txt"
        echo "   wrote $out/dbt_results$suffix.txt"
    fi
}

# apply_stage2 DIR: copies DIR/stage2/* over DIR; `<path>.delete` deletes
# <path>.
apply_stage2() {
    (
        cd "$1/stage2"
        find . -type f | sort | while IFS= read -r file; do
            case $file in
            *.delete) rm -rf "../${file%.delete}" ;;
            *)
                mkdir -p "../$(dirname "$file")"
                cp "$file" "../$file"
                ;;
            esac
        done
    )
}

for project in "$@"; do
    dir="$work/$project"
    echo "== $project"
    # The database is the one file the profile names, relative to the project.
    db=$(cd "$dir" && "$venv/bin/python" -c \
        'import yaml; p = yaml.safe_load(open("profiles.yml")); o = next(iter(p.values())); print(o["outputs"][o["target"]]["path"])')
    if [ -f "$dir/packages.yml" ]; then
        (cd "$dir" && "$venv/bin/dbt" deps --quiet)
    fi
    build_and_dump "$project" "$dir" "$db" ""
    # Where each node's files are, from the manifest the build wrote
    # (`dbt ls` below writes one without compiled paths).
    python3 "$here/node_paths.py" "$dir/target/manifest.json" \
        > "$fixtures/$project/dbt_paths.txt"
    echo "   wrote $fixtures/$project/dbt_paths.txt"
    python3 "$here/test_configs.py" "$dir/target/manifest.json" \
        > "$fixtures/$project/dbt_test_configs.txt"
    echo "   wrote $fixtures/$project/dbt_test_configs.txt"
    # The data tests' names (their unique ids' last part), as --select
    # matches them.
    (cd "$dir" && "$venv/bin/dbt" ls --quiet --resource-type test --output name) |
        sort > "$fixtures/$project/dbt_tests.txt"
    echo "   wrote $fixtures/$project/dbt_tests.txt"
    # Their unique ids (dbt's hash included) and test_metadata, from the
    # manifest `dbt ls` just wrote.
    python3 "$here/test_ids.py" "$dir/target/manifest.json" \
        > "$fixtures/$project/dbt_test_ids.txt"
    echo "   wrote $fixtures/$project/dbt_test_ids.txt"
    if [ -d "$dir/stage2" ]; then
        apply_stage2 "$dir"
        build_and_dump "$project" "$dir" "$db" "_2"
    fi
done
