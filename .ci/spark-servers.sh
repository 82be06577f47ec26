#!/usr/bin/env bash
# What the jgt-spark tests need to start throwaway Spark Connect servers, on
# a fresh Debian 12 machine, as root; installs only what is missing, so a
# second run takes a second:
#   - Java 17 (Debian's openjdk-17-jre-headless) when `java` is missing;
#   - $HOME/.cache/jgt-spark-venv: pyspark 4.3.0 (Spark and its Spark
#     Connect server, about 460 MB);
#   - $HOME/.cache/jgt-sail-venv: pysail 0.7.2 (the `sail` server).
# Sail gets a venv of its own: a Sail 0.7.2 server whose Python can import
# pyspark 4.3.0 refuses every session ("unsupported PySpark version: 4.3.0",
# or "session ... is not running"), so it must not share pyspark's venv.
#
# Prints, on stdout, the two Pythons as shell assignments the tests read
# (crates/jgt-spark/tests/server/mod.rs also finds these default places on
# its own):
#   eval "$(.ci/spark-servers.sh)"
#   JGT_SPARK_PYTHON=/root/.cache/jgt-spark-venv/bin/python
#   JGT_SAIL_PYTHON=/root/.cache/jgt-sail-venv/bin/python
# Progress goes to stderr.
set -euo pipefail

PYSPARK_VERSION=4.3.0
PYSAIL_VERSION=0.7.2
SPARK_VENV="$HOME/.cache/jgt-spark-venv"
SAIL_VENV="$HOME/.cache/jgt-sail-venv"

if ! command -v java >/dev/null; then
    echo "== Java 17 (openjdk-17-jre-headless)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y openjdk-17-jre-headless >&2
fi

# Python's venv module: Debian's python3 needs python3-venv for it.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "== python3-venv" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y python3-venv >&2
fi

# make_venv FOLDER PACKAGE VERSION: a venv at FOLDER holding PACKAGE==VERSION,
# unless it is there already.
make_venv() {
    local dir=$1 package=$2 version=$3
    if [ -x "$dir/bin/python" ] &&
        [ "$("$dir/bin/python" -m pip show "$package" 2>/dev/null | sed -n 's/^Version: //p')" = "$version" ]; then
        return
    fi
    echo "== $package $version in $dir" >&2
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    python3 -m venv "$dir" >&2
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$package==$version" >&2
}

make_venv "$SPARK_VENV" pyspark "$PYSPARK_VERSION"
make_venv "$SAIL_VENV" pysail "$PYSAIL_VERSION"

java -version 2>&1 | head -1 >&2
echo "JGT_SPARK_PYTHON=$SPARK_VENV/bin/python"
echo "JGT_SAIL_PYTHON=$SAIL_VENV/bin/python"
