#!/usr/bin/env python3
"""When `jgt run -s MODEL` sends the model's SQL, and when it is done.

    first_sql.py PROJECT_DIR MODEL [--jgt PATH] [--runs N]

Runs `jgt run -s MODEL` in PROJECT_DIR (built before) N times. For each
run it prints, in milliseconds from the invocation's start (run_results'
`invocation_started_at`, taken as jgt's process begins):
- `first SQL`: when the model's build began (its `execute` timing's
  `started_at`), the moment its statement goes to the database;
- `done`: when the model's build finished;
- `exit`: the whole command as the caller waits for it (wall clock from
  just before the process starts to its exit).
Then the medians. Before the first SQL jgt has compiled the project and
DuckDB has opened the file; after `done` come the artifacts and the
checkpoint.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import time


def stamp(text):
    """Seconds since the epoch of an ISO 8601 UTC time ending in Z."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def one_run(jgt, project, model):
    """(first SQL, done, exit) in milliseconds for one run."""
    started = time.time()
    subprocess.run([jgt, "run", "-s", model], cwd=project, check=True,
                   stdout=subprocess.DEVNULL)
    exited = time.time()
    with open(os.path.join(project, "target", "run_results.json"), encoding="utf-8") as f:
        results = json.load(f)
    begun = stamp(results["metadata"]["invocation_started_at"])
    (execute,) = [t for t in results["results"][0]["timing"] if t["name"] == "execute"]
    return (
        (stamp(execute["started_at"]) - begun) * 1000,
        (stamp(execute["completed_at"]) - begun) * 1000,
        (exited - started) * 1000,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project_dir")
    parser.add_argument("model")
    parser.add_argument("--jgt", default="/root/.cache/jgt-target/release/jgt")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    one_run(args.jgt, args.project_dir, args.model)  # warm-up, not counted
    firsts, dones, exits = [], [], []
    for _ in range(args.runs):
        first, done, exit_ = one_run(args.jgt, args.project_dir, args.model)
        firsts.append(first)
        dones.append(done)
        exits.append(exit_)
        print(f"first SQL {first:7.1f} ms  done {done:7.1f} ms  exit {exit_:7.1f} ms")
    print(
        f"median of {args.runs}: first SQL {statistics.median(firsts):.1f} ms, "
        f"done {statistics.median(dones):.1f} ms, exit {statistics.median(exits):.1f} ms"
    )


if __name__ == "__main__":
    main()
