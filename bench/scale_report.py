#!/usr/bin/env python3
"""Turns bench/scale.sh's runs into a markdown report and a plot.

    scale_report.py RUNS.tsv ENV.txt NODES.txt OUT.md [OUT.png]

RUNS.tsv has one line per run: scale, tool, run, wall_s, max_rss_kb,
status ("ok", "did not finish (...)", "failed (N)", "not run (...)").
ENV.txt and NODES.txt are copied into the report as they are. The report
gives, per scale and tool, the median, min and max wall time and the median
peak RSS of the runs that finished, then the targets (jgt within 1.1x of
the floor's time and within 100 MB of its peak memory) and dbt's ratio to
jgt. With OUT.png (needs matplotlib) it draws the median wall time against
the scale, log-log, one line per tool, from the runs that finished.
"""

import csv
import statistics
import sys

TOOLS = ["jgt build", "DuckDB floor", "dbt build"]
TIME_TARGET = 1.1
MEMORY_TARGET_MB = 100


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def summarise(rows):
    """{(scale, tool): {...}} over the runs that finished."""
    table = {}
    for row in rows:
        key = (int(row["scale"]), row["tool"])
        entry = table.setdefault(key, {"walls": [], "rss": [], "other": []})
        if row["status"] == "ok":
            entry["walls"].append(float(row["wall_s"]))
            entry["rss"].append(int(row["max_rss_kb"]) / 1024)
        else:
            entry["other"].append(row["status"])
    return table


def cell(entry):
    if entry is None:
        return "—", "—", "—"
    if not entry["walls"]:
        return entry["other"][0] if entry["other"] else "—", "—", "—"
    walls = entry["walls"]
    note = f" ({len(entry['other'])} did not finish)" if entry["other"] else ""
    return (
        f"{statistics.median(walls):.2f}{note}",
        f"{min(walls):.2f} … {max(walls):.2f} (n={len(walls)})",
        f"{statistics.median(entry['rss']):.0f}",
    )


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    rows = load(argv[0])
    env = open(argv[1]).read().rstrip("\n")
    nodes = open(argv[2]).read().rstrip("\n") if argv[2] else ""
    table = summarise(rows)
    scales = sorted({scale for scale, _ in table})

    out = ["# JaffleGaggle at several scales: jgt build, the DuckDB floor, dbt build", ""]
    out += ["```", env, "```", ""]
    out += [
        "Wall time in seconds (median, and range over the runs that finished), "
        "peak resident memory in MB (median of `/usr/bin/time -f %M`). "
        "Every run from a fresh database.",
        "",
        "| scale | tool | wall median (s) | wall min … max (s) | peak RSS (MB) |",
        "|---:|---|---:|---|---:|",
    ]
    for scale in scales:
        for tool in TOOLS:
            median, spread, rss = cell(table.get((scale, tool)))
            out.append(f"| {scale} | {tool} | {median} | {spread} | {rss} |")
    out += [
        "",
        f"Targets: jgt within {TIME_TARGET}x of the floor's time and within "
        f"{MEMORY_TARGET_MB} MB of its peak memory.",
        "",
        "| scale | jgt / floor, time | verdict | jgt − floor, peak RSS (MB) | verdict | dbt / jgt, time |",
        "|---:|---:|---|---:|---|---:|",
    ]
    for scale in scales:
        jgt = table.get((scale, "jgt build"))
        floor = table.get((scale, "DuckDB floor"))
        dbt = table.get((scale, "dbt build"))
        if not (jgt and floor and jgt["walls"] and floor["walls"]):
            out.append(f"| {scale} | — | — | — | — | — |")
            continue
        ratio = statistics.median(jgt["walls"]) / statistics.median(floor["walls"])
        extra = statistics.median(jgt["rss"]) - statistics.median(floor["rss"])
        if dbt and dbt["walls"]:
            versus = f"{statistics.median(dbt['walls']) / statistics.median(jgt['walls']):.1f}x"
        elif dbt and dbt["other"]:
            versus = dbt["other"][0]
        else:
            versus = "—"
        out.append(
            f"| {scale} | {ratio:.2f}x | {'met' if ratio <= TIME_TARGET else 'not met'} | "
            f"{extra:+.0f} | {'met' if extra <= MEMORY_TARGET_MB else 'not met'} | {versus} |"
        )
    if nodes:
        out += ["", "```", nodes, "```"]
    out += ["", "Every run: `bench/results/scale.tsv`. Plot: `bench/results/scale.png`."]
    text = "\n".join(out) + "\n"
    with open(argv[3], "w") as f:
        f.write(text)

    if len(argv) == 5:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
        for tool, marker in zip(TOOLS, "osD"):
            points = [
                (scale, statistics.median(table[(scale, tool)]["walls"]))
                for scale in scales
                if (scale, tool) in table and table[(scale, tool)]["walls"]
            ]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker=marker, label=tool)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("JaffleGaggle seed scale (jgt-seedgen --scale)")
        ax.set_ylabel("wall time, median (s)")
        ax.set_title("JaffleGaggle build, fresh database each run")
        ax.set_xticks(scales)
        ax.set_xticklabels([str(s) for s in scales])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(argv[4])


if __name__ == "__main__":
    main(sys.argv[1:])
