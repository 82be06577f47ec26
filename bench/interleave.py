#!/usr/bin/env python3
"""Time several shell commands in interleaved rounds, to compare them on a
noisy machine.

    interleave.py --rounds N --warmup W --out RESULT.md \
        NAME PREPARE COMMAND  [NAME PREPARE COMMAND ...]

hyperfine runs all of one command's runs, then all of the next, so a slow
minute of the host (other tenants, write-back, CPU frequency) lands on one
command only. Here every round runs each command once, in a fresh random
order, each after its PREPARE (not timed; "true" for none), so drift hits
all commands alike. Reports per command the median, mean, min and max wall
time, and for every pair the median of the per-round ratios, written
slower / faster (so at least 1x). With --out X.md the per-run times also go
to X.json. COMMAND and
PREPARE run through `bash -c`; a COMMAND that fails stops the run.
Standard library only.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import time


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out")
    parser.add_argument("triples", nargs="+")
    args = parser.parse_args(argv)
    if len(args.triples) % 3:
        parser.error("commands come as NAME PREPARE COMMAND triples")
    args.commands = [tuple(args.triples[i:i + 3]) for i in range(0, len(args.triples), 3)]
    return args


def timed(prepare, command):
    subprocess.run(["bash", "-c", prepare], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    done = subprocess.run(["bash", "-c", command],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {command}\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main(argv):
    args = parse(argv)
    rng = random.Random(args.seed)
    names = [name for name, _, _ in args.commands]
    times = {name: [] for name in names}
    for round_number in range(args.warmup + args.rounds):
        order = list(args.commands)
        rng.shuffle(order)
        for name, prepare, command in order:
            elapsed = timed(prepare, command)
            if round_number >= args.warmup:
                times[name].append(elapsed)
        print(f"round {round_number + 1}/{args.warmup + args.rounds}", file=sys.stderr, end="\r")
    print(file=sys.stderr)

    lines = [
        f"{args.rounds} interleaved rounds (after {args.warmup} warm-up), each command once per round in random order.",
        "",
        "| command | median [ms] | mean ± σ [ms] | min [ms] | max [ms] |",
        "|:---|---:|---:|---:|---:|",
    ]
    for name in names:
        t = [x * 1000 for x in times[name]]
        lines.append(
            f"| {name} | {statistics.median(t):.1f} | {statistics.mean(t):.1f} ± "
            f"{statistics.stdev(t) if len(t) > 1 else 0:.1f} | {min(t):.1f} | {max(t):.1f} |"
        )
    lines += [
        "",
        "| ratio | median of per-round ratios | ratio of medians |",
        "|:---|---:|---:|",
    ]
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a, b = first, second
            if statistics.median(times[a]) < statistics.median(times[b]):
                a, b = b, a
            per_round = [x / y for x, y in zip(times[a], times[b])]
            lines.append(
                f"| {a} / {b} | {statistics.median(per_round):.2f}x | "
                f"{statistics.median(times[a]) / statistics.median(times[b]):.2f}x |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
        raw = args.out[:-3] + ".json" if args.out.endswith(".md") else args.out + ".json"
        with open(raw, "w") as out:
            json.dump({"rounds": args.rounds, "warmup": args.warmup, "seconds": times}, out, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
