#!/usr/bin/env python3
"""Run a jgt project's compiled SQL straight in DuckDB: no jgt, one process.

    duckdb_direct.py PROJECT_DIR DATABASE [--no-tests] [--timings] [--like-jgt]

PROJECT_DIR must hold target/manifest.json written by `jgt compile` (or any
jgt command that writes the manifest). The script creates every seed with
read_csv (the same options jgt uses: header, sample_size = -1), then every
model as a view or table, in dependency order (parent_map), then - unless
--no-tests - runs each data test as `select count(*) from (<test sql>)` and
fails when a test returns rows. Incremental models are built as tables,
which is what a first build on an empty database does. --timings prints
each statement's seconds to stderr.

--like-jgt adds the bookkeeping statements jgt's DuckDB adapter runs around
the same SQL (read from crates/jgt-exec/src/duck.rs and runner.rs and
crates/jgt-cli/src/plan.rs), to measure what they cost: per seed and model a
transaction, `create schema if not exists`, an information_schema.tables
lookup and, for tables, a `count(*)`; each test wrapped in
`select columns(*)::varchar from (...)`; after the build one
information_schema.columns query per relation whose schema file declares
columns.

Needs the `duckdb` Python package (2.0.x, the same DuckDB as jgt's crate).
"""

import json
import os
import sys
import time
from collections import deque

import duckdb


def topological_order(nodes, parent_map):
    """Node ids ordered so that every node comes after all of its parents."""
    waiting = {uid: len(set(parent_map.get(uid, []))) for uid in nodes}
    children = {uid: [] for uid in nodes}
    for uid in nodes:
        for parent in set(parent_map.get(uid, [])):
            children[parent].append(uid)
    ready = deque(sorted(uid for uid, n in waiting.items() if n == 0))
    order = []
    while ready:
        uid = ready.popleft()
        order.append(uid)
        for child in children[uid]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) != len(nodes):
        sys.exit("duckdb_direct: the manifest's parent_map has a cycle")
    return order


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


def body(sql):
    """The statement without the trailing ';' a model may end with."""
    return sql.rstrip().rstrip(";").rstrip()


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    run_tests = "--no-tests" not in argv
    timings = "--timings" in argv
    like_jgt = "--like-jgt" in argv
    if len(args) != 2:
        sys.exit(__doc__)
    project_dir, database = args
    with open(os.path.join(project_dir, "target", "manifest.json")) as f:
        manifest = json.load(f)
    nodes = manifest["nodes"]
    order = topological_order(nodes, manifest["parent_map"])

    started = time.perf_counter()
    con = duckdb.connect(database)
    if timings:
        print(f"{time.perf_counter() - started:8.3f}s  open {database}", file=sys.stderr)
    failed = []
    for uid in order:
        node = nodes[uid]
        kind = node["resource_type"]
        began = time.perf_counter()
        relation = node.get("relation_name")
        if like_jgt and kind in ("seed", "model"):
            con.execute("begin transaction")
            con.execute('create schema if not exists "main"')
            con.execute(
                "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            ).fetchall()
        if kind == "seed":
            csv = os.path.join(project_dir, node["original_file_path"])
            con.execute(
                f"create or replace table {node['relation_name']} as "
                f"select * from read_csv({quote_literal(csv)}, header = true, sample_size = -1)"
            )
        elif kind == "model":
            materialized = node["config"]["materialized"]
            sql = body(node["compiled_code"])
            if materialized == "view":
                con.execute(f"create or replace view {node['relation_name']} as\n{sql}\n")
            elif materialized in ("table", "incremental"):
                con.execute(f"create or replace table {node['relation_name']} as\n{sql}\n")
            elif materialized == "ephemeral":
                continue  # inlined into its children's compiled SQL
            else:
                sys.exit(f"duckdb_direct: {uid}: unknown materialization {materialized}")
        elif kind == "test" and run_tests:
            sql = body(node["compiled_code"])
            counting = f"select count(*) as failures from (\n{sql}\n) test_result"
            if like_jgt:
                counting = f"select columns(*)::varchar from (\n{counting}\n)"
            (failures,) = con.execute(counting).fetchone()
            failures = int(failures)
            if failures:
                failed.append((uid, failures))
        if like_jgt and kind in ("seed", "model"):
            if kind == "seed" or node["config"]["materialized"] != "view":
                con.execute(f"select count(*) from {relation}").fetchone()
            con.execute("commit")
        if timings and (kind != "test" or run_tests):
            print(f"{time.perf_counter() - began:8.3f}s  {uid}", file=sys.stderr)
    if like_jgt:
        began = time.perf_counter()
        for uid in order:
            node = nodes[uid]
            if node["resource_type"] in ("seed", "model") and node.get("columns"):
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [node["schema"], node["alias"]],
                ).fetchall()
        if timings:
            print(f"{time.perf_counter() - began:8.3f}s  declared-columns check", file=sys.stderr)
    began = time.perf_counter()
    con.close()
    if timings:
        print(f"{time.perf_counter() - began:8.3f}s  close (checkpoint)", file=sys.stderr)
        print(f"{time.perf_counter() - started:8.3f}s  total in DuckDB", file=sys.stderr)
    for uid, failures in failed:
        print(f"FAIL {uid}: {failures} rows", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
