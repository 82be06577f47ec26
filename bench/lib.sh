# Shared by the bench scripts: `source "$REPO/bench/lib.sh"`.
#
#   machine_lines REPO         date, commit, cpu and RAM, load average
#   dbt_profile DIR NAME N     DIR/profiles.yml: profile NAME, a DuckDB file
#                              DIR/dbt.duckdb, schema main, N threads
#   dbt_jafflegaggle DIR N     DIR/dbt_project.yml for JaffleGaggle (the
#                              materializations of project.yml) and its profile
#
# Paths in the dbt files stay relative: an absolute seed-paths entry makes
# dbt 1.12 write compiled SQL over the CSV files.

machine_lines() {
    local repo=$1
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "commit: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- crates || echo ' (crates/ has uncommitted changes)')"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB RAM"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

dbt_profile() {
    local dir=$1 name=$2 threads=$3
    cat > "$dir/profiles.yml" <<YAML
$name:
  target: bench
  outputs:
    bench:
      type: duckdb
      path: $dir/dbt.duckdb
      schema: main
      threads: $threads
YAML
}

dbt_jafflegaggle() {
    local dir=$1 threads=$2
    cat > "$dir/dbt_project.yml" <<'YAML'
name: jaffle_gaggle
version: "1.0.0"
config-version: 2
profile: jaffle_gaggle
model-paths: ["models"]
macro-paths: ["macros"]
seed-paths: ["seeds"]
test-paths: ["tests"]
target-path: target
models:
  jaffle_gaggle:
    +materialized: table
    staging:
      +materialized: view
YAML
    dbt_profile "$dir" jaffle_gaggle "$threads"
}
