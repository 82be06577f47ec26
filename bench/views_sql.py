#!/usr/bin/env python3
"""The DuckDB floor of bench/views.sh: jgt's models as plain `create view`
statements, written once and run from one process.

    views_sql.py write PROJECT_DIR OUT.sql
    views_sql.py run DATABASE FILE.sql [--timings]

`write` reads PROJECT_DIR/target/manifest.json (from `jgt compile`) and
writes, in dependency order (parent_map, as bench/duckdb_direct.py orders
it), one `create or replace view <relation> as <compiled_code>` per model,
each statement ended by a line holding only `;` (so the file also runs in
the duckdb CLI). Every model must be a view. `run` opens DATABASE (which
must already hold the seeds, and be named like jgt's database: the
compiled SQL names it, e.g. "jgt"."main"."raw_x") and executes the
statements one at a time, as jgt does; --timings prints each statement's
seconds and the total to stderr. Needs the duckdb package (the ordering
comes from bench/duckdb_direct.py, which imports it).
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_direct import body, topological_order  # noqa: E402

END = "\n;\n"


def write(project_dir, out_path):
    with open(os.path.join(project_dir, "target", "manifest.json")) as f:
        manifest = json.load(f)
    nodes = manifest["nodes"]
    statements = []
    for uid in topological_order(nodes, manifest["parent_map"]):
        node = nodes[uid]
        if node["resource_type"] != "model":
            continue
        materialized = node["config"]["materialized"]
        if materialized != "view":
            sys.exit(f"views_sql: {uid} is a {materialized}, not a view")
        statements.append(
            f"create or replace view {node['relation_name']} as\n{body(node['compiled_code'])}{END}"
        )
    with open(out_path, "w") as out:
        out.write("".join(statements))
    print(f"{out_path}: {len(statements)} create view statements", file=sys.stderr)


def run(database, sql_path, timings):
    import duckdb

    with open(sql_path) as f:
        statements = [s for s in f.read().split(END) if s.strip()]
    started = time.perf_counter()
    con = duckdb.connect(database)
    for statement in statements:
        began = time.perf_counter()
        con.execute(statement)
        if timings:
            name = statement.split(" as\n", 1)[0].rsplit(" ", 1)[-1]
            print(f"{time.perf_counter() - began:8.3f}s  {name}", file=sys.stderr)
    con.close()
    if timings:
        print(f"{time.perf_counter() - started:8.3f}s  total in DuckDB", file=sys.stderr)


def main(argv):
    if len(argv) >= 3 and argv[0] == "write":
        write(argv[1], argv[2])
    elif len(argv) >= 3 and argv[0] == "run":
        run(argv[1], argv[2], "--timings" in argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
