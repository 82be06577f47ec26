"""Prints what a dbt run did to each node, from its run_results.json, in
the text format jgt's tests compare against
(crates/jgt-cli/tests/common/dbt_fixture.rs reads jgt's the same way).

    python results.py target/run_results.json > dbt_results.txt

One line per result, sorted: `<resource_type> <name> <status>`, both
taken from the unique id: `model.proj.orders` -> `model orders`;
`test.proj.not_null_orders_id.1a2b3c4d5e` -> `test not_null_orders_id`
(the hash is left out); `unit_test.proj.orders.test_name` ->
`unit_test orders.test_name`.
"""

import json
import sys


def line(result):
    parts = result["unique_id"].split(".")
    kind = parts[0]
    if kind == "unit_test":
        name = ".".join(parts[2:4])
    else:
        name = parts[2]
    return f"{kind} {name} {result['status']}"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        results = json.load(f)["results"]
    sys.stdout.write("".join(f"{text}\n" for text in sorted(map(line, results))))
