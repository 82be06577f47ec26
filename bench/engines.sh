#!/usr/bin/env bash
# JaffleGaggle at scale 10, built by one jgt binary on three engines: the
# embedded DuckDB, Apache Spark (pyspark's Spark Connect server, local[2])
# and Sail (a Spark Connect server written in Rust). Each build's wall time
# is split into the engines' share (the union of the nodes' execute
# intervals in target/run_results.json: some node was running on the
# engine) and jgt's own (everything else: start-up, reading and compiling
# the project, connecting, reading CSV files, scheduling, artifacts).
#
#   bash bench/engines.sh          # from anywhere; RUNS=3 SCALE=10 by default
#
# Needs what .ci/spark-servers.sh installs (Java 17, pyspark 4.3.0, pysail
# 0.7.2); the servers are started here on free 127.0.0.1 ports and stopped
# by PID when the script ends. Every build is `--full-refresh`, so each
# run rebuilds every table (the incremental model too) from the seeds.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/jgt-target}
RUNS=${RUNS:-3}
SCALE=${SCALE:-10}
OUT=${OUT:-$REPO/bench/results}
WORK=$(mktemp -d /tmp/jgt-bench-engines.XXXXXX)
mkdir -p "$OUT"
echo "work folder: $WORK" >&2

eval "$(bash "$REPO/.ci/spark-servers.sh")"
(cd "$REPO" && cargo build --release --quiet --workspace --features jgt-cli/spark)
JGT=$CARGO_TARGET_DIR/release/jgt

# --- the project, with scale-N seeds --------------------------------------
P=$WORK/project
mkdir -p "$P"
cp -r "$REPO/models" "$REPO/macros" "$REPO/tests" "$REPO/project.yml" "$P/"
"$CARGO_TARGET_DIR/release/jgt-seedgen" --scale "$SCALE" --out "$P/seeds"
cp "$REPO/seeds/schema.yml" "$P/seeds/"
echo "profile: jaffle_gaggle" >> "$P/project.yml"

# --- servers ----------------------------------------------------------------
free_port() { "$JGT_SPARK_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "no server on port $1 after 60 s" >&2
    return 1
}
since() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"; }
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

SPARK_HOME=$("$JGT_SPARK_PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
SPARK_PORT=$(free_port)
mkdir -p "$WORK/spark"
started=$(date +%s.%N)
(cd "$WORK/spark" && exec setsid "$SPARK_HOME/bin/spark-submit" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer \
    --master 'local[2]' --conf spark.ui.enabled=false \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf "spark.connect.grpc.binding.port=$SPARK_PORT" \
    --conf "spark.sql.warehouse.dir=$WORK/spark/warehouse" \
    >"$WORK/spark/server.log" 2>&1) &
PIDS+=($!)
wait_port "$SPARK_PORT"
echo "Spark Connect server up in $(since "$started") s" >&2

SAIL_PORT=$(free_port)
SAIL=$(dirname "$JGT_SAIL_PYTHON")/sail
started=$(date +%s.%N)
(cd "$WORK" && exec setsid "$SAIL" spark server --ip 127.0.0.1 --port "$SAIL_PORT" \
    >"$WORK/sail.log" 2>&1) &
PIDS+=($!)
wait_port "$SAIL_PORT"
echo "Sail server up in $(since "$started") s" >&2

cat > "$P/profiles.yml" <<YAML
jaffle_gaggle:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: target/bench.duckdb
      threads: 2
    spark:
      type: spark
      method: connect
      host: 127.0.0.1
      port: $SPARK_PORT
      schema: jaffle
      threads: 2
    sail:
      type: spark
      method: connect
      host: 127.0.0.1
      port: $SAIL_PORT
      schema: jaffle
      threads: 2
YAML

# --- timed builds -----------------------------------------------------------
RESULT=$OUT/engines.md
{
    echo "| engine | run | wall (s) | engine (s) | jgt's own (s) |"
    echo "|---|---|---|---|---|"
} > "$RESULT"
for target in duckdb spark sail; do
    # One untimed build first: Spark compiles its code paths on first use.
    "$JGT" --project-dir "$P" build --target "$target" --full-refresh >/dev/null
    for run in $(seq 1 "$RUNS"); do
        started=$(date +%s.%N)
        "$JGT" --project-dir "$P" build --target "$target" --full-refresh >/dev/null
        ended=$(date +%s.%N)
        python3 "$REPO/bench/engine_split.py" "$target" "$run" "$started" "$ended" \
            "$P/target/run_results.json" >> "$RESULT"
    done
done
{
    echo
    echo "command: bash bench/engines.sh (RUNS=$RUNS SCALE=$SCALE), $(date -u +%Y-%m-%d), commit $(git -C "$REPO" rev-parse --short HEAD)"
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; $(java -version 2>&1 | head -1)"
    echo "seeds: $(du -sh "$P/seeds" | cut -f1) of CSV, $(cat "$P"/seeds/*.csv | wc -l) lines"
} >> "$RESULT"
cat "$RESULT"
