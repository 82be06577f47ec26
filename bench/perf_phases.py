#!/usr/bin/env python3
"""Sum a `perf record --call-graph dwarf` profile of jgt by phase.

    perf script -i perf.data -F comm,tid,period,ip,sym | perf_phases.py [--threads]

Each sample's stack is read from the outermost frame inwards; the sample
counts for the innermost frame that names one of the PHASES below, so the
phases do not overlap and add up to 100%. Samples whose stack names none of
them are "other" (process start-up, dynamic loading, static initialisers).
With --threads the table is split by thread (the main thread vs the build
workers DuckDB and jgt start).
"""

import collections
import sys

# (label, substring of a frame's symbol); the innermost match wins.
PHASES = [
    ("load project: read files + parse YAML", "jgt_project::Project::load"),
    ("renderer set-up: compile macro templates", "jgt_render::Renderer::new"),
    ("render models (minijinja)", "jgt_render::Renderer::render"),
    ("render generic tests (minijinja)", "jgt_render::Renderer::render_generic_test"),
    ("add test nodes", "jgt::testnodes::add_tests"),
    ("DAG: build / order", "jgt_graph::DagBuilder::build"),
    ("compile: other (catalog, configs, edges, ephemeral)", "jgt::compile::compile"),
    ("look up existing relations in the database", "existing_relations"),
    ("write target/compiled/*.sql", "jgt::compile::write_compiled"),
    ("manifest: build JSON tree (node_json)", "jgt::artifacts::node_json"),
    ("manifest: serialise + write file", "jgt::artifacts::write_json"),
    ("manifest: parent/child maps, macros, other", "jgt::artifacts::write_manifest"),
    ("run_results.json", "jgt::artifacts::write_run_results"),
    ("plan + select", "jgt::plan::"),
    ("selection", "jgt_graph::select"),
    ("free the compiled project", "drop_in_place<jgt::compile::Compiled>"),
    ("free the renderer", "drop_in_place<jgt_render::Renderer>"),
    ("DuckDB: open database", "duckdb::Connection::open"),
    ("DuckDB: load seed (read_csv)", "DuckDbAdapter as jgt_exec::adapter::Adapter>::load_seed"),
    ("DuckDB: create view/table", "DuckDbAdapter as jgt_exec::adapter::Adapter>::materialize"),
    ("DuckDB: incremental model", "DuckDbAdapter as jgt_exec::adapter::Adapter>::incremental"),
    ("DuckDB: run test query", "DuckDbAdapter as jgt_exec::adapter::Adapter>::query"),
    ("DuckDB: create schema", "DuckDbAdapter as jgt_exec::adapter::Adapter>::create_schema"),
    ("DuckDB: close database (checkpoint)", "drop_in_place<jgt_exec::duck::DuckDbAdapter>"),
    ("declared columns check (information_schema per model)", "jgt::plan::column_warnings"),
    ("DuckDB: worker threads (query execution)", "duckdb::TaskScheduler::ExecuteForever"),
    ("print progress / summary", "jgt::report::"),
]


def samples(stream):
    """Yields (thread, period, [frames outermost first])."""
    header, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if header:
                yield header[0], header[1], list(reversed(frames))
            header, frames = None, []
        elif not line.startswith((" ", "\t")):
            parts = line.split()
            header = (f"{parts[0]}/{parts[1]}", int(parts[2]))
        else:
            parts = line.strip().split(None, 1)
            frames.append(parts[1] if len(parts) > 1 else "")
    if header:
        yield header[0], header[1], list(reversed(frames))


def phase_of(frames):
    found = None
    for frame in frames:
        for label, needle in PHASES:
            if needle in frame:
                found = label
    if found == "manifest: parent/child maps, macros, other":
        # What write_manifest itself calls: json!({.., "nodes": nodes, ..})
        # serialises the finished map into a second tree (a deep copy), and
        # both trees are freed at the end.
        at = max(i for i, f in enumerate(frames) if "jgt::artifacts::write_manifest" in f)
        callee = frames[at + 1] if at + 1 < len(frames) else ""
        if "serde_json::value::to_value" in callee:
            return "manifest: json! deep-copies the node map (serde_json::to_value)"
        if "drop" in callee.lower() or "free" in callee:
            return "manifest: freeing the JSON trees"
    if found:
        return found
    if any(f == "jgt::main" for f in frames):
        if any("free" in f for f in frames):
            return "free memory (drops inlined into main)"
        return "main, inlined code (e.g. building the ls listing)"
    if any("jgt_exec::runner::build" in f for f in frames):
        return "DuckDB: other work on a build thread"
    return "other (process start-up, loader, static init, unattributed)"


def main(argv):
    by_thread = "--threads" in argv
    totals = collections.Counter()
    for thread, period, frames in samples(sys.stdin):
        key = (thread if by_thread else "", phase_of(frames))
        totals[key] += period
    grand = sum(totals.values()) or 1
    print("| phase | share of CPU samples |" if not by_thread else "| thread | phase | share of CPU samples |")
    print("|---|---:|" if not by_thread else "|---|---|---:|")
    for (thread, label), period in sorted(totals.items(), key=lambda kv: (kv[0][0], -kv[1])):
        share = f"{100 * period / grand:.1f}%"
        print(f"| {label} | {share} |" if not by_thread else f"| {thread} | {label} | {share} |")


if __name__ == "__main__":
    main(sys.argv[1:])
