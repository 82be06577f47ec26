"""Prints where each node of a dbt manifest lives, one line per node, for
jgt's tests to compare with: its unique id, original_file_path, path,
compiled_path, patch_path and fqn (dotted), `-` for a null.

    python3 node_paths.py target/manifest.json > dbt_paths.txt
"""
import json
import sys


def field(value):
    if value is None:
        return "-"
    if isinstance(value, list):
        return ".".join(value)
    return str(value)


manifest = json.load(open(sys.argv[1]))
for unique_id, node in sorted(manifest["nodes"].items()):
    keys = ("original_file_path", "path", "compiled_path", "patch_path", "fqn")
    print(unique_id, *(field(node.get(key)) for key in keys))
