#!/usr/bin/env python3
"""Check that two builds of JaffleGaggle hold the same rows.

    compare_outputs.py LEFT.duckdb RIGHT.duckdb [RELATION ...]

Both files are attached read-only to one in-memory DuckDB. For every relation
(default: the three marts and the four stg_* models) it counts the rows of
each side and the rows of `left EXCEPT ALL right` and `right EXCEPT ALL left`
(EXCEPT ALL, so a row present twice on one side and once on the other counts).
It also lists the column names and types of each side. Prints a Markdown
table and exits 1 when any relation differs in rows or column names.

Each file is attached under its own file stem (jgt.duckdb as "jgt",
dbt.duckdb as "dbt"), because a view stored in a file may name its catalog
by that stem; the views are read with `USE <catalog>` so that the ones that
name only the schema bind inside their own file.
"""

import os
import sys

import duckdb

RELATIONS = [
    "stg_users",
    "stg_gaggles",
    "stg_events",
    "stg_merged_company_domains",
    "jafflegaggle_contacts",
    "jafflegaggle_facts",
    "jafflegaggle_corporate_accounts",
]


def attach(con, path, taken=()):
    alias = os.path.splitext(os.path.basename(path))[0]
    if alias in taken:
        # Both files are jgt.duckdb: name this one after its folder.
        alias = os.path.basename(os.path.dirname(os.path.abspath(path)))
    con.execute(f"attach '{path}' as \"{alias}\" (read_only)")
    return alias


def copy_in(con, catalog, relation, into):
    """Materialises catalog.main.relation as memory.main.<into>."""
    con.execute(f'use "{catalog}"')
    con.execute(f'create table memory.main."{into}" as select * from main."{relation}"')
    con.execute("use memory")
    return [
        (name, str(ty))
        for name, ty in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'memory' and table_name = ? order by ordinal_position",
            [into],
        ).fetchall()
    ]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    left_path, right_path, *relations = argv
    relations = relations or RELATIONS
    con = duckdb.connect()
    left = attach(con, left_path)
    right = attach(con, right_path, taken=(left,))
    print(f"| relation | rows {left} | rows {right} | {left} except all {right} | {right} except all {left} | column names | column types |")
    print("|---|---:|---:|---:|---:|---|---|")
    all_equal = True
    for relation in relations:
        lcols = copy_in(con, left, relation, f"l_{relation}")
        rcols = copy_in(con, right, relation, f"r_{relation}")
        lrows = con.execute(f'select count(*) from "l_{relation}"').fetchone()[0]
        rrows = con.execute(f'select count(*) from "r_{relation}"').fetchone()[0]
        names_equal = [n for n, _ in lcols] == [n for n, _ in rcols]
        if names_equal:
            only_left = con.execute(
                f'select count(*) from (select * from "l_{relation}" except all select * from "r_{relation}")'
            ).fetchone()[0]
            only_right = con.execute(
                f'select count(*) from (select * from "r_{relation}" except all select * from "l_{relation}")'
            ).fetchone()[0]
        else:
            only_left = only_right = "n/a"
        type_diffs = [
            f"{ln}: {lt} vs {rt}" for (ln, lt), (_, rt) in zip(lcols, rcols) if lt != rt
        ]
        equal = names_equal and only_left == 0 and only_right == 0 and lrows == rrows
        all_equal &= equal
        print(
            f"| {relation} | {lrows} | {rrows} | {only_left} | {only_right} | "
            f"{'same' if names_equal else 'DIFFER'} | "
            f"{'same' if not type_diffs else '; '.join(type_diffs)} |"
        )
    print()
    print("verdict: identical rows" if all_equal else "verdict: ROWS DIFFER")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
