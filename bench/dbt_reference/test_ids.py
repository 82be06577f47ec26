"""Prints each data test of a dbt manifest as one line, for jgt's tests to
compare with: its unique id (dbt's hash included), file_key_name,
column_name and test_metadata (compact JSON, keys sorted).

    python3 test_ids.py target/manifest.json > dbt_test_ids.txt
"""
import json
import sys

manifest = json.load(open(sys.argv[1]))
for unique_id, node in sorted(manifest["nodes"].items()):
    if node["resource_type"] != "test":
        continue
    meta = node.get("test_metadata")
    meta = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if meta else "-"
    print(unique_id, node.get("file_key_name"), node.get("column_name"), meta)
