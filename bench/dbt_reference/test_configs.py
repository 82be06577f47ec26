"""Prints the config of each data test of a dbt manifest, one line per
test, for jgt's tests to compare with: its unique id, then the keys that
say how it is judged and where its failures go, as compact JSON with
sorted keys.

    python3 test_configs.py target/manifest.json > dbt_test_configs.txt
"""
import json
import sys

KEYS = ("severity", "error_if", "warn_if", "where", "limit", "fail_calc",
        "store_failures", "store_failures_as", "schema", "tags", "materialized")

manifest = json.load(open(sys.argv[1]))
for unique_id, node in sorted(manifest["nodes"].items()):
    if node["resource_type"] != "test":
        continue
    config = {key: node["config"].get(key) for key in KEYS}
    print(unique_id, json.dumps(config, sort_keys=True, separators=(",", ":")))
