#!/usr/bin/env python3
"""The file system's floor under a fresh `jgt compile`: creating the files
one compile writes, with the same names and bytes, and nothing else.

    write_floor.py TARGET_DIR WORK_DIR [--runs N]

TARGET_DIR is a `target/` a compile left (its `compiled/` tree and
`manifest.json` are read into memory first, untimed). Each run creates
them again under a new folder of WORK_DIR: the folders, then the files
from two processes taking folders in turn (as jgt's two threads do), each
file opened, written in one call and closed; then the manifest, written in
1 MB calls. The run's folder is moved aside afterwards and `sync` run
(untimed), as bench/compile.sh does before each fresh compile. Python's
start-up is outside the timed part.

Prints one line per run and the median, in milliseconds: what any tool
writing dbt's `target/compiled/` layout pays on this machine's file system
before doing any work of its own.
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import time


def read_tree(target):
    """{folder: [(name, bytes)]} of compiled/, and the manifest's bytes."""
    folders = {}
    compiled = os.path.join(target, "compiled")
    for folder, _, names in os.walk(compiled):
        relative = os.path.relpath(folder, target)
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                folders.setdefault(relative, []).append((name, f.read()))
    with open(os.path.join(target, "manifest.json"), "rb") as f:
        manifest = f.read()
    return folders, manifest


def write_folders(job):
    """Creates the files of the folders in `job` under its root."""
    root, folders = job
    for folder, files in folders:
        base = os.path.join(root, folder)
        for name, data in files:
            fd = os.open(
                os.path.join(base, name),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                0o666,
            )
            os.write(fd, data)
            os.close(fd)


def one_run(pool, folders, manifest, root):
    """Milliseconds to create every folder and file under `root`."""
    items = sorted(folders.items())
    started = time.perf_counter()
    os.makedirs(root)
    for folder, _ in items:
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    halves = [(root, items[0::2]), (root, items[1::2])]
    pool.map(write_folders, halves)
    with open(os.path.join(root, "manifest.json"), "wb") as f:
        for at in range(0, len(manifest), 1 << 20):
            f.write(manifest[at : at + (1 << 20)])
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target_dir")
    parser.add_argument("work_dir")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folders, manifest = read_tree(args.target_dir)
    files = sum(len(f) for f in folders.values())
    print(f"{files} files in {len(folders)} folders and a {len(manifest) >> 20} MB manifest")
    trash = os.path.join(args.work_dir, "trash")
    os.makedirs(trash, exist_ok=True)
    times = []
    with multiprocessing.Pool(2) as pool:
        pool.map(abs, [0, 1])
        for run in range(args.runs + 1):
            root = os.path.join(args.work_dir, f"floor-{run}")
            subprocess.run(["sync"], check=True)
            ms = one_run(pool, folders, manifest, root)
            os.rename(root, os.path.join(trash, f"floor-{run}"))
            # The first run warms the processes up and is not counted.
            if run > 0:
                times.append(ms)
                print(f"run {run}: {ms:.0f} ms")
    print(f"median: {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f})")


if __name__ == "__main__":
    main()
