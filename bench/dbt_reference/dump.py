"""Dumps every relation of a DuckDB file in the text format jgt's tests
compare against (crates/jgt-cli/tests/common/relations.rs writes the same).

    python dump.py [--root PROJECT_DIR] [--volatile VOLATILE_TXT ...] DATABASE_FILE > dbt_expected.txt
    python dump.py --files FILES_TXT PROJECT_DIR > dbt_files.txt

For each relation, schema then name order:

    relation <schema>.<name> <table|view>
    column <name> <type>            (one line each, in column order)
    row <v1> | <v2> | ...           (one line each, rows sorted as text)
    (blank line)

Values are DuckDB's own `::varchar` text, `<null>` for null; a backslash,
a line break, a tab or a pipe inside a value is written \\\\, \\n, \\t, \\|.

--root names the folder relative file paths in views resolve against (the
project's, where dbt ran: dbt-duckdb's external models are views over
files); by default the working folder.

--volatile (repeatable) names a file of `schema.relation.column` lines:
columns whose values depend on the clock; their non-null values are
written `<volatile>`.

--files names a file of paths relative to PROJECT_DIR, one a line, of
files a build wrote; each is read with DuckDB (read_parquet for
`.parquet`, read_csv otherwise) and written in the order listed as

    file <path>
    column <name> <type>
    row <v1> | <v2> | ...
    (blank line)
"""

import argparse
import os
import sys

import duckdb

VOLATILE = "<volatile>"


def escape(value):
    if value is None:
        return "<null>"
    return (
        value.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("|", "\\|")
    )


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def lines(path):
    """The non-blank lines of a text file, stripped."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def table(conn, columns, source, masked=()):
    """`column` and sorted `row` lines of `source` (a relation or a table
    function call), the columns at the indexes in `masked` volatile."""
    out = [f"column {column} {data_type}" for column, data_type in columns]
    rows = conn.execute(f"select columns(*)::varchar from {source}").fetchall()
    texts = sorted(
        " | ".join(
            escape(VOLATILE if i in masked and v is not None else v)
            for i, v in enumerate(row)
        )
        for row in rows
    )
    out.extend(f"row {text}" for text in texts)
    return out


def dump(path, volatile=(), root=None):
    conn = duckdb.connect(path, read_only=True)
    if root:
        conn.execute("set file_search_path = ?", [root])
    relations = conn.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database() order by table_schema, table_name"
    ).fetchall()
    out = []
    for schema, name, kind in relations:
        out.append(f"relation {schema}.{name} {'view' if kind == 'VIEW' else 'table'}")
        columns = conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, name],
        ).fetchall()
        masked = {
            i
            for i, (column, _) in enumerate(columns)
            if f"{schema}.{name}.{column}" in volatile
        }
        out.extend(table(conn, columns, f"{quote(schema)}.{quote(name)}", masked))
        out.append("")
    return "\n".join(out)


def dump_files(listing, project):
    conn = duckdb.connect()
    out = []
    for relative in lines(listing):
        path = os.path.join(project, relative).replace("'", "''")
        reader = "read_parquet" if relative.endswith(".parquet") else "read_csv"
        source = f"{reader}('{path}')"
        columns = [
            (name, data_type)
            for name, data_type, *_ in conn.execute(f"describe select * from {source}").fetchall()
        ]
        out.append(f"file {relative}")
        out.extend(table(conn, columns, source))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", help="the folder relative paths in views resolve against")
    parser.add_argument(
        "--volatile", action="append", default=[], help="file of schema.relation.column lines"
    )
    parser.add_argument("--files", help="file of paths a build wrote")
    parser.add_argument("path", help="the database file, or with --files the project folder")
    args = parser.parse_args()
    if args.files:
        sys.stdout.write(dump_files(args.files, args.path))
    else:
        volatile = {line for listing in args.volatile for line in lines(listing)}
        sys.stdout.write(dump(args.path, volatile, args.root))
