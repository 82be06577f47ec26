#!/usr/bin/env python3
"""The floor under `jgt run -s ONE`: DuckDB opening a built database and
building one model from its compiled SQL, timed inside one Python process.

    open_floor.py PROJECT_DIR MODEL [--runs N]

PROJECT_DIR must have been built by jgt (`target/jgt.duckdb`) and MODEL
compiled (`target/manifest.json` names its relation, materialization and
compiled file). Each run connects to the database, replaces the model's
view or table with its compiled SQL, checkpoints (what closing does first:
the catalog and the change written into the file, the write-ahead log
removed) and closes the connection, which then only tears DuckDB down.
Python's start-up and `import duckdb` are outside the timed part, so what
is left is what any tool on this DuckDB pays before its first statement
can run (opening the file reads its whole catalog), for the one statement,
and to leave the file as a close leaves it. Prints one line per run and
the medians, in milliseconds: "open + build + checkpoint" is the floor
under a tool that leaves the teardown to its process's exit, as jgt does
since the eighth session; "total" adds the teardown.

Needs the `duckdb` Python package (2.0.x, the same DuckDB as jgt's crate).
"""

import argparse
import json
import os
import statistics
import time

import duckdb


def one_run(database, statement):
    """Milliseconds to open, to run `statement`, to checkpoint, to close."""
    started = time.perf_counter()
    con = duckdb.connect(database)
    opened = time.perf_counter()
    con.execute(statement)
    ran = time.perf_counter()
    con.execute("checkpoint")
    checkpointed = time.perf_counter()
    con.close()
    closed = time.perf_counter()
    return (
        (opened - started) * 1000,
        (ran - opened) * 1000,
        (checkpointed - ran) * 1000,
        (closed - checkpointed) * 1000,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project_dir")
    parser.add_argument("model")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    target = os.path.join(args.project_dir, "target")
    with open(os.path.join(target, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    project = manifest["metadata"]["project_name"]
    node = manifest["nodes"][f"model.{project}.{args.model}"]
    kind = "table" if node["config"]["materialized"] == "table" else "view"
    with open(os.path.join(args.project_dir, node["compiled_path"]), encoding="utf-8") as f:
        sql = f.read()
    statement = f"create or replace {kind} {node['relation_name']} as (\n{sql}\n)"
    database = os.path.join(target, "jgt.duckdb")
    one_run(database, statement)  # warm-up, not counted
    totals, opens, floors = [], [], []
    for _ in range(args.runs):
        opening, running, checkpoint, teardown = one_run(database, statement)
        floors.append(opening + running + checkpoint)
        totals.append(floors[-1] + teardown)
        opens.append(opening)
        print(
            f"open {opening:7.1f} ms  {kind} {running:6.1f} ms  "
            f"checkpoint {checkpoint:6.1f} ms  teardown {teardown:6.1f} ms  "
            f"total {totals[-1]:7.1f} ms"
        )
    print(
        f"median of {args.runs}: open {statistics.median(opens):.1f} ms, "
        f"open + build + checkpoint {statistics.median(floors):.1f} ms, "
        f"total {statistics.median(totals):.1f} ms"
    )


if __name__ == "__main__":
    main()
