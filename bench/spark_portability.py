#!/usr/bin/env python3
"""Does the project's SQL run unchanged on Spark SQL, and give DuckDB's tables?

Builds the project with jgt on DuckDB (the reference), then on each Spark
Connect server given (Apache Spark, Sail, ...):

1. loads the seeds as jgt loaded them into DuckDB (same rows and types, sent
   as Arrow: the server never reads our files),
2. creates every model in dependency order from jgt's compiled SQL (views as
   `create or replace view`, tables and incremental models as
   `create table ... as`), in a schema named as on DuckDB,
3. runs every compiled data test (generic and singular): each must return no
   rows,
4. compares each model's rows, as sorted multisets, with DuckDB's.

Until jgt can compile for a Spark target, the compiled DuckDB SQL is
translated the way the Spark dialect spells it: `"db"."schema"."name"` and
`"name"` become backtick-quoted `schema`.`name` and `name`, and the
`TEXT` of `dbt.type_string()` becomes `string`. With `--target NAME`, jgt
compiles for that target instead and nothing is translated.

Needs Python packages pyspark (Spark Connect client: pandas, pyarrow,
grpcio, grpcio-status, googleapis-common-protos, zstandard) and duckdb.
Example, with servers already listening:

    python bench/spark_portability.py --jgt target/release/jgt \
        --server spark=sc://127.0.0.1:15002 --server sail=sc://127.0.0.1:50051

Exit status 0 when every engine builds every model, passes every test and
matches DuckDB; 1 otherwise.
"""

import argparse
import datetime
import decimal
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=FutureWarning)

import duckdb  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

PROJECT_FILES = ["project.yml", "models", "macros", "seeds", "tests", "snapshots"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jgt", required=True, help="the jgt binary")
    parser.add_argument(
        "--project", default=".", help="the project folder (default: .)"
    )
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME=sc://HOST:PORT",
        help="a Spark Connect server to check (repeatable)",
    )
    parser.add_argument(
        "--target",
        help="compile with `jgt compile --target TARGET` instead of translating "
        "the DuckDB SQL",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder and print it"
    )
    return parser.parse_args()


def run_jgt(jgt, workdir, *args):
    """Runs jgt in `workdir`; exits with its output when it fails."""
    done = subprocess.run(
        [jgt, *args], cwd=workdir, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"jgt {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


QUALIFIED = re.compile(r'"([^"]+)"\."([^"]+)"\."([^"]+)"')
QUOTED = re.compile(r'"([^"]*)"')
TEXT_TYPE = re.compile(r"\bas TEXT\)")


def as_spark(sql):
    """DuckDB's compiled SQL as jgt's Spark dialect would spell it."""
    sql = QUALIFIED.sub(lambda m: f"`{m.group(2)}`.`{m.group(3)}`", sql)
    sql = QUOTED.sub(lambda m: f"`{m.group(1)}`", sql)
    return TEXT_TYPE.sub("as string)", sql)


def topological(nodes):
    """The manifest's nodes with compiled SQL, parents first."""
    order, seen = [], set()

    def visit(uid):
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for parent in nodes[uid]["depends_on"]["nodes"]:
            visit(parent)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return order


def normalise(value):
    """One cell, comparable across engines."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, decimal.Decimal):
        return round(float(value), 9)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value


def sort_key(row):
    return tuple((cell is None, str(cell)) for cell in row)


def rows_of(cursor_rows):
    return sorted(
        (tuple(normalise(v) for v in row) for row in cursor_rows), key=sort_key
    )


class Check:
    """One engine's run: what failed, for the summary."""

    def __init__(self, name):
        self.name = name
        self.failures = []

    def fail(self, what, error):
        message = " ".join(str(error).split())
        # Spark appends the JVM stack trace to the message: keep the head.
        message = message.split(" JVM stacktrace:")[0][:600]
        self.failures.append(f"{what}: {message}")
        print(f"  FAIL {what}: {message}")


# What pyspark 4.3's createDataFrame reads from the server, with Spark's
# defaults, except that the rows always go inline. Sail 0.7.2 does not know
# these keys ("configuration not found"), so they are set where missing.
LOCAL_RELATION_CONFIG = {
    "spark.sql.timestampType": "TIMESTAMP_LTZ",
    "spark.sql.execution.pandas.convertToArrowArraySafely": "false",
    "spark.sql.execution.pandas.inferPandasDictAsMap": "false",
    "spark.sql.pyspark.inferNestedDictAsStruct.enabled": "false",
    "spark.sql.pyspark.legacy.inferArrayTypeFromFirstElement.enabled": "false",
    "spark.sql.pyspark.legacy.inferMapTypeFromFirstPair.enabled": "false",
    "spark.sql.execution.arrow.useLargeVarTypes": "false",
    "spark.sql.session.localRelationCacheThreshold": str(2**31 - 1),
    "spark.sql.session.localRelationSizeLimit": str(2**31 - 1),
    "spark.sql.session.localRelationChunkSizeRows": "10000",
    "spark.sql.session.localRelationChunkSizeBytes": str(16 * 2**20),
    "spark.sql.session.localRelationBatchOfChunksSizeBytes": str(128 * 2**20),
}


def complete_config(spark):
    """Sets the configuration keys createDataFrame needs that are missing."""
    for key, value in LOCAL_RELATION_CONFIG.items():
        try:
            spark.conf.get(key)
        except Exception:  # noqa: BLE001 - the server does not know the key
            spark.conf.set(key, value)


def check_engine(name, url, manifest, sql_of, reference):
    check = Check(name)
    print(f"== {name} ({url})")
    started = time.time()
    spark = SparkSession.builder.remote(url).getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    complete_config(spark)
    nodes = manifest["nodes"]
    schemas = sorted({n["schema"] for n in nodes.values() if n["resource_type"] != "test"})
    for schema in schemas:
        spark.sql(f"create database if not exists `{schema}`")

    order = topological(
        {uid: n for uid, n in nodes.items() if n["resource_type"] in ("seed", "model")}
    )
    for uid in order:
        node = nodes[uid]
        relation = f"`{node['schema']}`.`{node['alias']}`"
        began = time.time()
        try:
            if node["resource_type"] == "seed":
                table = reference.sql(
                    f'select * from "{node["schema"]}"."{node["alias"]}"'
                ).to_arrow_table()
                spark.sql(f"drop table if exists {relation}")
                spark.createDataFrame(table).write.saveAsTable(
                    f"{node['schema']}.{node['alias']}"
                )
            elif node["config"]["materialized"] == "view":
                spark.sql(f"create or replace view {relation} as\n{sql_of(uid)}")
            else:
                spark.sql(f"drop table if exists {relation}")
                spark.sql(f"create table {relation} as\n{sql_of(uid)}")
            print(f"  ok   {node['resource_type']:5} {node['name']} ({time.time() - began:.1f} s)")
        except Exception as error:  # noqa: BLE001 - reported, then the next node
            check.fail(f"{node['resource_type']} {node['name']}", error)

    if check.failures:
        print("  tests and comparison skipped: the build failed")
        spark.stop()
        return check
    tests = sorted(uid for uid, n in nodes.items() if n["resource_type"] == "test")
    passed = 0
    for uid in tests:
        try:
            failing = spark.sql(f"select count(*) from (\n{sql_of(uid)}\n) as t").collect()[0][0]
            if failing:
                check.fail(f"test {nodes[uid]['name']}", f"{failing} failing rows")
            else:
                passed += 1
        except Exception as error:  # noqa: BLE001
            check.fail(f"test {nodes[uid]['name']}", error)
    print(f"  tests: {passed} of {len(tests)} pass")

    for uid in order:
        node = nodes[uid]
        if node["resource_type"] != "model":
            continue
        try:
            table = f"`{node['schema']}`.`{node['alias']}`"
            got = spark.sql(f"select * from {table}")
            columns = got.columns
            theirs = rows_of(tuple(row) for row in got.collect())
            ours_cursor = reference.execute(
                f'select * from "{node["schema"]}"."{node["alias"]}"'
            )
            ours_columns = [d[0] for d in ours_cursor.description]
            ours = rows_of(ours_cursor.fetchall())
        except Exception as error:  # noqa: BLE001
            check.fail(f"rows of {node['name']}", error)
            continue
        if columns != ours_columns:
            check.fail(f"columns of {node['name']}", f"{columns} != DuckDB's {ours_columns}")
        elif theirs != ours:
            missing = [r for r in ours if r not in set(theirs)][:3]
            extra = [r for r in theirs if r not in set(ours)][:3]
            check.fail(
                f"rows of {node['name']}",
                f"{len(theirs)} rows vs DuckDB's {len(ours)}; only in DuckDB {missing}; only here {extra}",
            )
        else:
            print(f"  same rows as DuckDB: {node['name']} ({len(ours)})")
    spark.stop()
    print(f"  {name}: {time.time() - started:.1f} s, {len(check.failures)} failures")
    return check


def main():
    args = parse_args()
    jgt = str(Path(args.jgt).resolve())
    work = Path(tempfile.mkdtemp(prefix="jgt-portability-"))
    try:
        project = Path(args.project)
        for name in PROJECT_FILES:
            source = project / name
            if source.is_dir():
                shutil.copytree(source, work / name)
            elif source.exists():
                shutil.copy(source, work / name)
        database = work / "reference.duckdb"
        run_jgt(jgt, work, "build", "--db", str(database))
        manifest = json.loads((work / "target/manifest.json").read_text())
        if args.target:
            run_jgt(jgt, work, "compile", "--target", args.target)
            spark_manifest = json.loads((work / "target/manifest.json").read_text())

            def sql_of(uid):
                return spark_manifest["nodes"][uid]["compiled_code"]
        else:

            def sql_of(uid):
                return as_spark(manifest["nodes"][uid]["compiled_code"])

        reference = duckdb.connect(str(database), read_only=True)
        checks = [
            check_engine(name, url, manifest, sql_of, reference)
            for name, url in (server.split("=", 1) for server in args.server)
        ]
    finally:
        if args.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("== summary")
    for check in checks:
        print(f"{check.name}: {'OK' if not check.failures else f'{len(check.failures)} failures'}")
        for failure in check.failures:
            print(f"  {failure}")
    sys.exit(1 if any(check.failures for check in checks) else 0)


if __name__ == "__main__":
    main()
