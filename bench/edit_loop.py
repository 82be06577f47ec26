#!/usr/bin/env python3
"""The edit loop: from saving a model to `jgt run --watch` having rebuilt it.

    edit_loop.py [--jgt PATH] [--models 1000] [--edits 20] [--out RESULT.md]
                 [--timeout 120] [--settle 0.5] [--keep]

Writes the project of `bench/gen_project.py MODELS` (tables, one model in
ten a view) into a folder under /tmp, builds it once with `jgt seed` and
`jgt run` (the initial build, not timed), then starts `jgt run --watch` in a process
group of its own, with its stdout and stderr on one pipe read line by line
by a thread that stamps each line with the time it arrived. Once the
watcher's own first build is done (it prints "Watching ... for changes"),
it does EDITS times:

1. picks the next view model, in order of how few models are downstream of
   it (its descendants in the manifest's child_map; ties: the name), a
   different one each time;
2. appends a trailing SQL comment to its file (a harmless change that still
   changes the compiled SQL, so `state:modified` selects it), closes the
   file and takes the time: the save;
3. reads the watcher's lines until the "Changed: ..." line (the watcher saw
   the save: file events plus its quiet period), then until the
   rebuild ends ("Watching for changes"), checking that the rebuild
   reported the model and its descendants ("K of K" nodes built, K =
   1 + descendants) and nothing failed. Two deltas: from the save to the
   last node's "K of K" line (the model and its children reported done,
   the issue's measure) and to "Watching for changes" (summary printed,
   artifacts written, database closed: ready for the next save).

Reports median, p90 and max of both (target: under 200 ms for the
first), and of the part before "Changed:", into RESULT.md (default
bench/results/edit-loop.md, with date, commit and the binary's sha256), the
per-edit figures into RESULT.json. At the end it types `q` to the watcher
and kills its process group, also when anything goes wrong; the folder is
deleted unless --keep. Standard library only.
"""

import argparse
import datetime
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANGED = re.compile(r"^Changed: ")
DONE = re.compile(r"^Watching for changes")
FIRST_DONE = re.compile(r"^Watching .* for changes")
PROGRESS = re.compile(r"^\s*(\d+) of (\d+) (\S+)")


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jgt", default=os.environ.get("JGT", "/root/.cache/jgt-target/release/jgt"))
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results", "edit-loop.md"))
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for one rebuild (and for the first build: 10x)")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds to wait after a rebuild before the next save")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def env_header(jgt, args):
    def git(*words):
        return subprocess.run(["git", "-C", REPO, *words], capture_output=True, text=True).stdout.strip()

    dirty = subprocess.run(["git", "-C", REPO, "diff", "--quiet", "HEAD", "--", "crates"]).returncode
    with open(jgt, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:16]
    built = datetime.datetime.fromtimestamp(os.path.getmtime(jgt), datetime.timezone.utc)
    version = subprocess.run([jgt, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return [
        f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}",
        f"commit: {git('rev-parse', '--short', 'HEAD')}"
        + (" (crates/ has uncommitted changes)" if dirty else ""),
        f"cpu: {os.cpu_count()} x {cpu}",
        f"load average at start: {load}",
        f"jgt: {version}, binary sha256 {sha}, built {built:%Y-%m-%dT%H:%M:%SZ} ({jgt})",
        f"settings: --models {args.models} --edits {args.edits} --timeout {args.timeout} --settle {args.settle}",
    ]


class Watcher:
    """`jgt run --watch` in its own process group, its output as timed lines."""

    def __init__(self, jgt, project):
        self.lines = queue.Queue()
        self.log = []
        self.proc = subprocess.Popen(
            [jgt, "run", "--watch"],
            cwd=project,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            stamp = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log.append(line)
            self.lines.put((stamp, line))
        self.lines.put((time.monotonic(), None))

    def until(self, pattern, deadline, seen=None):
        """The (time, line) of the next line matching pattern; every line
        read on the way goes to `seen`. Fails at the deadline or at EOF."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no line matching {pattern.pattern!r} in time")
            try:
                stamp, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"the watcher ended (exit {self.proc.poll()}) before {pattern.pattern!r}")
            if seen is not None:
                seen.append((stamp, line))
            if pattern.search(line):
                return stamp, line

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"q\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # The group may hold more than the leader: make sure none is left.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def candidates(project):
    """View models by how many models are downstream (fewest first)."""
    with open(os.path.join(project, "target", "manifest.json")) as f:
        manifest = json.load(f)
    nodes = manifest["nodes"]
    children = manifest["child_map"]
    models = {uid for uid, node in nodes.items() if node["resource_type"] == "model"}

    def downstream(uid):
        seen, stack = set(), [uid]
        while stack:
            for child in children.get(stack.pop(), []):
                if child in models and child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    views = [uid for uid in models if nodes[uid]["config"]["materialized"] == "view"]
    ranked = sorted((len(downstream(uid)), uid) for uid in views)
    return [(uid, nodes[uid]["original_file_path"], count) for count, uid in ranked]


def main(argv):
    args = parse(argv)
    header = env_header(args.jgt, args)
    print("\n".join(header), file=sys.stderr)
    work = tempfile.mkdtemp(prefix="jgt-bench-edit-loop.", dir="/tmp")
    # A copy of the binary taken now: a build into its folder meanwhile
    # cannot swap it under the benchmark.
    shutil.copy2(args.jgt, os.path.join(work, "jgt"))
    args.jgt = os.path.join(work, "jgt")
    project = os.path.join(work, "project")
    watcher = None
    edits = []
    try:
        generated = subprocess.run(
            [sys.executable, os.path.join(REPO, "bench", "gen_project.py"), str(args.models), project],
            check=True, capture_output=True, text=True,
        ).stderr.strip()
        header.append("project: " + generated.replace(project + ": ", "") + " (gen_project.py, one model in ten a view)")
        print(f"work folder: {work}; initial build ...", file=sys.stderr)
        started = time.monotonic()
        for command in ("seed", "run"):
            subprocess.run([args.jgt, command], cwd=project, check=True, stdout=subprocess.DEVNULL,
                           timeout=args.timeout * 10)
        header.append(f"initial `jgt seed` and `jgt run`: {time.monotonic() - started:.1f} s (not part of the figures)")
        picks = candidates(project)
        if not picks:
            sys.exit("edit_loop: the project has no view model")
        if len(picks) < args.edits:
            print(f"only {len(picks)} views: some are edited more than once", file=sys.stderr)

        watcher = Watcher(args.jgt, project)
        started = time.monotonic()
        watcher.until(FIRST_DONE, started + args.timeout * 10)
        header.append(f"the watcher's own first build: {time.monotonic() - started:.1f} s (not part of the figures)")
        print("watching; editing ...", file=sys.stderr)

        for number in range(args.edits):
            uid, path, downstream = picks[number % len(picks)]
            time.sleep(args.settle)
            # Nothing may be pending before the save.
            while not watcher.lines.empty():
                _, line = watcher.lines.get_nowait()
                if line is None:
                    raise RuntimeError("the watcher ended")
            with open(os.path.join(project, path), "a") as f:
                f.write(f"\n-- edit {number + 1} of the edit-loop benchmark\n")
            saved = time.monotonic()
            seen = []
            changed_at, changed = watcher.until(CHANGED, saved + args.timeout, seen)
            done_at, _ = watcher.until(DONE, saved + args.timeout, seen)
            built = [(stamp, m) for stamp, m in ((t, PROGRESS.match(l)) for t, l in seen) if m]
            finished = [t for t, l in seen if l.startswith("Finished ")]
            statuses = {m.group(3) for _, m in built}
            total = int(built[-1][1].group(2)) if built else 0
            problem = None
            if total != downstream + 1:
                problem = f"rebuilt {total} models, expected {downstream + 1}"
            elif statuses - {"OK"}:
                problem = f"statuses {sorted(statuses)}"
            elif os.path.basename(path) not in changed:
                problem = f"watcher reported {changed!r}"
            if problem:
                print("\n".join(line for _, line in seen[-30:]), file=sys.stderr)
                raise RuntimeError(f"edit {number + 1} ({uid}): {problem}")
            edit = {
                "model": uid,
                "downstream": downstream,
                "rebuilt": total,
                "to_changed_ms": (changed_at - saved) * 1000,
                "to_first_node_ms": (built[0][0] - saved) * 1000,
                "to_last_node_ms": (built[-1][0] - saved) * 1000,
                "to_finished_ms": (finished[-1] - saved) * 1000 if finished else None,
                "to_done_ms": (done_at - saved) * 1000,
            }
            edits.append(edit)
            print(f"  edit {number + 1:2d}: {edit['to_done_ms']:7.1f} ms to done "
                  f"({edit['to_changed_ms']:6.1f} ms to 'Changed:'), {total} model(s), {uid}",
                  file=sys.stderr)
    finally:
        if watcher is not None:
            watcher.stop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    done = [e["to_done_ms"] for e in edits]
    last = [e["to_last_node_ms"] for e in edits]
    changed = [e["to_changed_ms"] for e in edits]
    before_nodes = [e["to_first_node_ms"] - e["to_changed_ms"] for e in edits]
    nodes = [e["to_last_node_ms"] - e["to_first_node_ms"] for e in edits]
    after_nodes = [e["to_done_ms"] - e["to_last_node_ms"] for e in edits]

    def row(name, values):
        return (f"| {name} | {statistics.median(values):.1f} | {percentile(values, 0.9):.1f} | "
                f"{max(values):.1f} | {min(values):.1f} |")

    lines = [
        "# Edit loop: save a view model, `jgt run --watch` rebuilds it and what is downstream",
        "",
        "```",
        *header,
        "```",
        "",
        f"{len(edits)} edits, each a trailing SQL comment appended to a different view model "
        f"(the views with the fewest models downstream first: "
        f"{min(e['rebuilt'] for e in edits)} to {max(e['rebuilt'] for e in edits)} models rebuilt per edit).",
        "",
        "| from the save to | median (ms) | p90 (ms) | max (ms) | min (ms) |",
        "|---|---:|---:|---:|---:|",
        row("the last rebuilt model reported done (the issue's measure)", last),
        row("the watcher ready for the next save (\"Watching for changes\": summary, artifacts written, database closed)", done),
        row("the watcher's \"Changed:\" line (file events + its quiet period)", changed),
        "",
        "Between \"Changed:\" and done, from the time stamps of the watcher's lines:",
        "",
        "| part | median (ms) | p90 (ms) | max (ms) | min (ms) |",
        "|---|---:|---:|---:|---:|",
        row("\"Changed:\" to the first node's line (load and compile the project, select, open the database, first node)", before_nodes),
        row("first to last node's line", nodes),
        row("last node's line to done (summary, artifacts, closing)", after_nodes),
        "",
        f"Target: under 200 ms from the save to the model and its children reported done: "
        f"**{'met' if statistics.median(last) < 200 else 'not met'}** (median {statistics.median(last):.0f} ms; "
        f"{statistics.median(done):.0f} ms until the watcher is ready for the next save).",
        "",
        "Per edit: `" + os.path.basename(args.out[:-3] if args.out.endswith('.md') else args.out) + ".json`.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    raw = args.out[:-3] + ".json" if args.out.endswith(".md") else args.out + ".json"
    with open(raw, "w") as f:
        json.dump({"header": header, "edits": edits}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
