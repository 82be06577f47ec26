#!/bin/sh
# Records what real dbt-core + dbt-duckdb build from jgt's dbt-shaped test
# fixtures: crates/jgt-cli/tests/fixtures/<project>/dbt_expected.txt.
# crates/jgt-cli/tests/dbt_reference.rs checks that jgt builds the same.
# Not run by CI; run it by hand after changing a fixture:
#
#   bench/dbt_reference/record.sh [project ...]     (default: every dbt_* project)
#
# DBT names dbt's virtualenv (default /root/.venvs/dbt); the recipe to
# install dbt offline is in ../shared/notes/field-notes.md.
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

for project in "$@"; do
    dir="$work/$project"
    echo "== $project"
    # The database is the one file the profile names, relative to the project.
    db=$(cd "$dir" && "$venv/bin/python" -c \
        'import yaml; p = yaml.safe_load(open("profiles.yml")); o = next(iter(p.values())); print(o["outputs"][o["target"]]["path"])')
    (
        cd "$dir"
        if [ -f packages.yml ]; then
            "$venv/bin/dbt" deps --quiet
        fi
        "$venv/bin/dbt" build
    )
    "$venv/bin/python" "$here/dump.py" "$dir/$db" > "$fixtures/$project/dbt_expected.txt"
    echo "   wrote $fixtures/$project/dbt_expected.txt"
    # The data tests' names (their unique ids' last part), as --select
    # matches them.
    (cd "$dir" && "$venv/bin/dbt" ls --quiet --resource-type test --output name) |
        sort > "$fixtures/$project/dbt_tests.txt"
    echo "   wrote $fixtures/$project/dbt_tests.txt"
done
