"""One table row for bench/engines.sh: a build's wall time split into the
engine's share and jgt's own.

    python3 bench/engine_split.py ENGINE RUN STARTED ENDED run_results.json

STARTED and ENDED are the Unix times (seconds) around the jgt process. The
engine's share is the union of the nodes' `execute` intervals (the time in
which at least one node was running on the engine); the rest of the wall
time is jgt's own.
"""

import json
import sys
from datetime import datetime


def seconds(stamp: str) -> float:
    """An ISO 8601 time from run_results.json as Unix seconds."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def union_length(intervals):
    """The total length covered by (start, end) intervals."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def main() -> None:
    engine, run, started, ended, path = sys.argv[1:6]
    wall = float(ended) - float(started)
    with open(path, encoding="utf-8") as file:
        results = json.load(file)["results"]
    intervals = [
        (seconds(t["started_at"]), seconds(t["completed_at"]))
        for r in results
        for t in r.get("timing", [])
        if t.get("name") == "execute"
    ]
    busy = union_length(intervals)
    print(f"| {engine} | {run} | {wall:.2f} | {busy:.2f} | {wall - busy:.2f} |")


if __name__ == "__main__":
    main()
