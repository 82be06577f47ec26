"""Records how many statements DuckDB's own parser finds in generated SQL
texts full of the constructs that can hide a ';' (strings, E-strings,
quoted identifiers, dollar quotes, nested comments). jgt's scanner
(crates/jgt-core/src/sql.rs) is tested against this corpus.

Not run by CI. Re-record with PyPI's duckdb 2.0.x (the engine jgt embeds):
    pip install duckdb==2.0.1
    python3 bench/sql_split_corpus.py > crates/jgt-core/tests/data/split_corpus.tsv
"""
import json
import random

import duckdb

PIECES = [
    "1", "'a;b'", "'it''s;'", "E'x\\';'", "'back\\'", "\"c;ol\"", "\"q\"\";\"",
    "$$d;$$", "$t$e;$$;$t$", "x$$", "/* c; */ 2", "/* a /* b; */ c; */ 3",
    "-- line; comment\n4", "$1", "'\\n'", "e'\\\\'", "'é;'", "\"ü\"",
]
SEPARATORS = [";", " ; ", ";\n", "; -- end\n", ";/* x */", ";;"]


def statement(rng):
    return "select " + ", ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))


def main():
    rng = random.Random(20261202)
    conn = duckdb.connect()
    print("# sql (JSON string)\tstatements per DuckDB 2.0 extract_statements")
    kept = 0
    while kept < 400:
        parts = [statement(rng) for _ in range(rng.randint(1, 3))]
        text = ""
        for i, part in enumerate(parts):
            text += part
            if i + 1 < len(parts) or rng.random() < 0.5:
                text += rng.choice(SEPARATORS)
        if rng.random() < 0.3:
            text += rng.choice([" -- trailing", "\n/* done */", "  \n"])
        try:
            count = len(conn.extract_statements(text))
        except duckdb.Error:
            continue
        print(f"{json.dumps(text)}\t{count}")
        kept += 1


main()
