#!/usr/bin/env python3
"""Writes a wide and deep jgt project of N models, for benchmarks.

    python3 bench/gen_project.py N OUTDIR [--seeds S] [--layers L] [--seed X] [--all-views]

The project has S seeds (default N/40, at least 4) and N models in L layers
(default: about the square root of N over 2, at least 4), so 1,000 models
make 16 layers of about 62 and 10,000 make 50 layers of 200. Every model of
a layer refs one model of the layer just before it (so it really sits in its
layer) and one to three more from any earlier layer or the seeds; the first
layer reads the seeds. Names have a few words so boxes differ in width. One
model in three is described in a schema.yml, with column descriptions and
`not_null`/`unique` tests; one in ten is a view (the rest are tables); one
in seven calls a project macro. Every model selects `id`, `amount` and
`category`, joining its parents on `id`, so `jgt build` works on it too.
With --all-views every model is a view (each file says so in its config());
everything else, random choices included, is as without it, and without it
the output is byte for byte what it always was.

The output depends only on the arguments. OUTDIR must not exist or be empty.
Standard library only.
"""

import argparse
import math
import os
import random
import sys

WORDS = [
    "orders", "customers", "payments", "sessions", "events", "accounts",
    "invoices", "products", "refunds", "shipments", "daily", "weekly",
    "monthly", "active", "churned", "revenue", "cohort", "funnel",
    "attribution", "inventory", "returns", "subscriptions", "trials",
    "regions", "channels", "campaigns",
]
PREFIXES = ["stg", "base", "int", "int", "int", "fct", "dim", "agg", "rpt"]
SEED_ROWS = 20


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", type=int, help="number of models (N)")
    parser.add_argument("outdir", help="where to write the project")
    parser.add_argument("--seeds", type=int, help="number of seeds (default N/40, at least 4)")
    parser.add_argument("--layers", type=int, help="number of model layers (default sqrt(N)/2)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--all-views", action="store_true",
                        help="make every model a view (default: one in ten)")
    args = parser.parse_args(argv)
    if args.models < 1:
        parser.error("N must be at least 1")
    if args.seeds is None:
        args.seeds = max(4, args.models // 40)
    if args.layers is None:
        args.layers = max(4, round(math.sqrt(args.models) / 2))
    args.layers = max(1, min(args.layers, args.models))
    return args


def write(root, relative, text):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


def model_name(rng, layer, layers, index):
    prefix = PREFIXES[min(len(PREFIXES) - 1, layer * len(PREFIXES) // layers)]
    words = "_".join(rng.sample(WORDS, rng.randint(1, 3)))
    return f"{prefix}_{words}_{index:05d}"


def model_sql(rng, parents, calls_macro, materialized):
    lines = []
    if materialized != "table":
        lines.append(f"{{{{ config(materialized='{materialized}') }}}}\n")
    lines.append(f"-- Reads {len(parents)} parents, joined on id.")
    amount = " + ".join(f"coalesce(p{i}.amount, 0)" for i in range(len(parents)))
    if calls_macro:
        amount = f"{{{{ rounded('{amount}') }}}}"
    lines.append("select")
    lines.append("    p0.id,")
    lines.append(f"    {amount} as amount,")
    lines.append("    p0.category")
    lines.append(f"from {{{{ ref('{parents[0]}') }}}} as p0")
    for i, parent in enumerate(parents[1:], start=1):
        lines.append(f"left join {{{{ ref('{parent}') }}}} as p{i} using (id)")
    return "\n".join(lines) + "\n"


def schema_entry(rng, name, parents):
    lines = [
        f"  - name: {name}",
        "    description: >",
        f"      Benchmark model {name}: the amounts of {', '.join(parents)}",
        f"      added up per id, one row per id of {parents[0]}.",
        "    columns:",
        "      - name: id",
        "        description: The id every parent shares.",
        "        data_tests:",
        "          - not_null",
        "          - unique",
        "      - name: amount",
        f"        description: Sum of the {len(parents)} parents' amounts.",
    ]
    if rng.random() < 0.5:
        lines += [
            "      - name: category",
            "        description: The first parent's category.",
            "        data_tests:",
            "          - not_null",
        ]
    return "\n".join(lines) + "\n"


def generate(args):
    rng = random.Random(args.seed)
    root = args.outdir
    if os.path.exists(root) and os.listdir(root):
        sys.exit(f"{root} exists and is not empty")
    os.makedirs(root, exist_ok=True)
    write(
        root,
        "project.yml",
        f"name: bench_{args.models}\n"
        "models:\n"
        "  +materialized: table\n",
    )
    write(
        root,
        "macros/rounded.sql",
        "{% macro rounded(expression) %}round({{ expression }}, 2){% endmacro %}\n",
    )

    seeds = [f"raw_{rng.choice(WORDS)}_{i:04d}" for i in range(args.seeds)]
    for seed in seeds:
        rows = ["id,amount,category"]
        for row in range(1, SEED_ROWS + 1):
            rows.append(f"{row},{rng.randint(1, 10_000) / 100},{rng.choice('abcde')}")
        write(root, f"seeds/{seed}.csv", "\n".join(rows) + "\n")

    # Layer sizes: as even as they can be.
    sizes = [args.models // args.layers] * args.layers
    for i in range(args.models % args.layers):
        sizes[i] += 1

    layers = []
    earlier = []
    index = 0
    edges = 0
    schema = {}
    for layer, size in enumerate(sizes):
        names = []
        for _ in range(size):
            name = model_name(rng, layer, args.layers, index)
            if layer == 0:
                parents = rng.sample(seeds, min(len(seeds), rng.randint(1, 3)))
            else:
                parents = [rng.choice(layers[-1])]
                more = rng.randint(1, 3)
                pool = earlier if rng.random() < 0.8 else earlier + seeds
                for candidate in rng.sample(pool, min(len(pool), more + 2)):
                    if candidate not in parents and len(parents) <= more:
                        parents.append(candidate)
            materialized = "view" if args.all_views or index % 10 == 0 else "table"
            folder = f"models/layer_{layer:02d}"
            write(
                root,
                f"{folder}/{name}.sql",
                model_sql(rng, parents, index % 7 == 3, materialized),
            )
            if index % 3 == 0:
                schema.setdefault(folder, []).append(schema_entry(rng, name, parents))
            names.append(name)
            edges += len(parents)
            index += 1
        layers.append(names)
        earlier.extend(names)

    for folder, entries in schema.items():
        write(root, f"{folder}/schema.yml", "version: 2\n\nmodels:\n" + "\n".join(entries))
    print(
        f"{root}: {len(seeds)} seeds, {args.models} models in {args.layers} layers, "
        f"{edges} refs, {sum(map(len, schema.values()))} described",
        file=sys.stderr,
    )


if __name__ == "__main__":
    generate(parse_args(sys.argv[1:]))
