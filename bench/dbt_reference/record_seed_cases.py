"""Records how real dbt-duckdb types single-column seeds, for jgt's seed
type inference tests: crates/jgt-core/src/seed_types/dbt_cases.tsv.

    /root/.venvs/dbt/bin/python bench/dbt_reference/record_seed_cases.py

Each case is a column's values; dbt seeds one file per case and the
result is the column's type in the table dbt built, or ERROR when dbt's
load failed (agate read the values as a type DuckDB could not copy them
into). Lines are `<result>\t<value>\t<value>...`, values escaped as
\\t, \\n and \\\\. Not run by CI.
"""

import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import duckdb

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent.parent / "crates/jgt-core/src/seed_types/dbt_cases.tsv"
DBT = pathlib.Path(sys.executable).parent / "dbt"

NUMBERS = [
    "1", "-1", "+1", "007", "1.0", "1.50", "1.5", "1e3", "1E3", "1.5e2", "1e-2", "1e+2",
    "1e10", "2147483647", "2147483648", "-2147483648", "-2147483649",
    "9223372036854775807", "9223372036854775808", "1_000", "1__0", "_1", "1_",
    "1.5_0", "1e1_0", ".5", "5.", "-.5", "1.e5", "$5", "$40,000", "1,234", "50%",
    "-$5", "$-5", "€5", "NaN", "nan", "-nan", "inf", "+inf", "-Infinity", "sNaN",
    "0x10", "1 000", " 1", "1 ", "- 5", "--5", "-+5", "0", "-0", "-0.0", "0.000",
    "1e400", "123456789012345678901234567890", "12345678901234567890.5", "\t1", "1\t",
    "1.00000000000000000000000000001",
]
DATES = [
    "2021-01-05", "2021-1-5", "2021-01-5", " 2021-01-05", "2021-01-05 ", "2021-01- 5",
    "2021-02-29", "2020-02-29", "0001-01-01", "0000-01-01", "21-01-05", "20210105",
    "2021/01/05", "2021-13-01", "2021-01-32", "2021-00-10", "02021-01-05",
]
TIMESTAMPS = [
    "2021-01-05 10:00:00", "2021-01-05 1:2:3", "2021-01-05  10:00:00",
    "2021-01-05 10:00", "2021-01-05 10:00:00.5", "2021-01-05 24:00:00",
    "2021-01-05 10:00:60", "2021-01-05 10:60:00", "2021-1-5 10:00:00",
    " 2021-01-05 10:00:00 ", "2021-01-05 010:00:00", "2021-01-05 23:59:59",
]
ISO = [
    "2021-01-05T10:00:00", "2021-01-05T10:00", "2021-01-05T10", "2021-01-05T10:00:00.123456",
    "2021-01-05T10:00:00.123456789", "2021-01-05T10:00:00,5", "20210105T100000",
    "2021-01-05T1000", "2021-01-05T10:00:00Z", "2021-01-05T10:00:00z",
    "2021-01-05T10:00:00+0200", "2021-01-05T10:00:00+02", "2021-01-05T10:00:00-05:30",
    "2021-01-05t10:00:00", "2021-1-5T10:00:00", "2021-W01-1T10:00", "2021-005T10:00",
    "2021-01T10:00", "2021-01-05T24:00:00", "2021-01-05T10:00:60", "2021-01-05T1:00:00",
    "2021-01-05T10:00:00.", "2021-01-05T10:30.5", "2021-01-05T10:00:00+25:00",
    "2021-01-05T10:00:00+02:60", "2021-01-05T10:00:00 Z", " 2021-01-05T10:00:00 ",
    "2021-01-05T10:00:00.5+02:00", "2021-01-05T10:00:00+99:99", "2021-01-05T10:00:00+2:00",
    "2021-01-05T10:00:00+02:0", "2021-01-05T10:00:00+02:00:00", "2021-01-05T10:00:00.5Z",
]
BOOLEANS = [
    "true", "false", "TRUE", "True", "t", "f", "yes", "no", " true", "true ", "tr,ue", "y",
]
TEXT = ["null", "NULL", "none", "na", "n/a", ".", "  ", "abc", ""]
COMBINATIONS = [
    ["1", "2.5"], ["1", "NaN"], ["1.5", "NaN"], ["2147483648", "1.5"], ["null", "1"],
    ["", ""], ["1", "", "2"], ["2021-01-05", "2021-01-05 10:00:00"],
    ["2021-01-05 10:00:00", "2021-01-05T10:00:00"], ["true", "1"], ["1", "0"],
    ["true", "false", ""], ["1.5", "inf", "-inf"], ["2021-01-05", ""], ["007", "abc"],
    ["2147483647", "-2147483648"], ["1e3", "2.5e-1"], ["0.10", "0.20"],
]


def cases():
    for value in NUMBERS + DATES + TIMESTAMPS + ISO + BOOLEANS + TEXT:
        yield [value, value]
    yield from COMBINATIONS


def escape(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    work = pathlib.Path(tempfile.mkdtemp())
    try:
        (work / "seeds").mkdir()
        (work / "dbt_project.yml").write_text(
            "name: cases\nversion: '1.0'\nconfig-version: 2\nprofile: cases\nseed-paths: [seeds]\n"
        )
        (work / "profiles.yml").write_text(
            "cases:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            "      path: cases.duckdb\n      threads: 4\n"
        )
        all_cases = list(cases())
        for n, values in enumerate(all_cases):
            with open(work / "seeds" / f"c{n:03}.csv", "w", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(["v"])
                for value in values:
                    writer.writerow([value])
        env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
        subprocess.run([str(DBT), "seed", "--quiet"], cwd=work, env=env, check=False)
        results = json.loads((work / "target/run_results.json").read_text())
        status = {r["unique_id"].split(".")[-1]: r["status"] for r in results["results"]}
        conn = duckdb.connect(str(work / "cases.duckdb"), read_only=True)
        lines = []
        for n, values in enumerate(all_cases):
            name = f"c{n:03}"
            if status[name] == "success":
                result = conn.execute(
                    "select data_type from information_schema.columns where table_name = ?",
                    [name],
                ).fetchone()[0]
            else:
                result = "ERROR"
            lines.append("\t".join([result] + [escape(v) for v in values]))
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text("\n".join(lines) + "\n")
        print(f"wrote {len(lines)} cases to {OUT}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
