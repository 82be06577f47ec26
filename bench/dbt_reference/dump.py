"""Dumps every relation of a DuckDB file in the text format jgt's tests
compare against (crates/jgt-cli/tests/common/relations.rs writes the same).

    python dump.py DATABASE_FILE > dbt_expected.txt

For each relation, schema then name order:

    relation <schema>.<name> <table|view>
    column <name> <type>            (one line each, in column order)
    row <v1> | <v2> | ...           (one line each, rows sorted as text)
    (blank line)

Values are DuckDB's own `::varchar` text, `<null>` for null; a backslash,
a line break, a tab or a pipe inside a value is written \\\\, \\n, \\t, \\|.
"""

import sys

import duckdb


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


def dump(path):
    conn = duckdb.connect(path, read_only=True)
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
        for column, data_type in columns:
            out.append(f"column {column} {data_type}")
        rows = conn.execute(
            f"select columns(*)::varchar from {quote(schema)}.{quote(name)}"
        ).fetchall()
        texts = sorted(" | ".join(escape(v) for v in row) for row in rows)
        out.extend(f"row {text}" for text in texts)
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(dump(sys.argv[1]))
