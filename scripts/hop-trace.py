#!/usr/bin/env python3
"""Joins the per-hop trace of a run into the time each hop of the chat path took.

Run the stack with RUST_LOG=info,hop=debug (for example `RUST_LOG=info,hop=debug
BENCH_ONLY=W1 scripts/bench.sh`), then point this at the folder of its service logs:

    scripts/hop-trace.py .run/bench/logs

Every traced stage logs `hop <stage> <unix µs> <ids>` (shared/src/telemetry.rs). A command is
followed by its envelope id from the socket node (frame; publish: on the writer lane or to a
commands queue; confirmed: by the broker, for what went to a queue) to messages (consume,
commit); its commit names the deliveries published after it, which messages (published,
once confirmed) and the socket nodes' inboxes (inbox, routed) name by their message id. Prints,
per hop, the median, 90th and 99th percentile in ms over every command that passed both ends.
"""

import re
import sys
from pathlib import Path

LINE = re.compile(r"hop (\w+) (\d+) (\S*)")

# (label, from, to): stages of a command; "row:" stages are those of its deliveries.
HOPS = [
    ("socket node queue (frame → publish)", "frame", "publish"),
    ("commands queue confirm (publish → confirmed)", "publish", "confirmed"),
    ("to the writer, lane or queue (publish → consume)", "publish", "consume"),
    ("transaction (consume → commit)", "consume", "commit"),
    ("deliveries confirmed (commit → published)", "commit", "row:published"),
    ("node queue (commit → first inbox)", "commit", "row:inbox"),
    ("frames queued (inbox → routed)", "row:inbox", "row:routed"),
    ("total (frame → routed)", "frame", "row:routed"),
]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(folder):
    commands = {}  # command id -> {stage: µs}
    rows_of = {}  # command id -> [row ids]
    rows = {}  # row id -> {stage: µs}, the first time each stage saw it
    for log in Path(folder).glob("*.log"):
        with open(log, errors="replace") as f:
            for line in f:
                match = LINE.search(line)
                if not match:
                    continue
                stage, at, ids = match.group(1), int(match.group(2)), match.group(3)
                if stage == "commit":
                    done, _, written = ids.partition("|")
                    for command in done.split(","):
                        commands.setdefault(command, {}).setdefault("commit", at)
                        rows_of[command] = written.split(",") if written else []
                    continue
                table = rows if stage in ("read", "published", "inbox", "routed") else commands
                for id in ids.split(","):
                    if id:
                        table.setdefault(id, {}).setdefault(stage, at)

    def at(command, stage):
        if not stage.startswith("row:"):
            return commands[command].get(stage)
        stage = stage[4:]
        # The delivery is the one a socket node received; the earliest such.
        seen = [rows[r][stage] for r in rows_of.get(command, []) if r in rows and "inbox" in rows[r] and stage in rows[r]]
        return min(seen) if seen else None

    print(f"{len(commands)} commands traced, {len(rows)} deliveries and outbox rows")
    print(f"{'hop':50} {'n':>7} {'p50':>8} {'p90':>8} {'p99':>8}")
    for label, start, end in HOPS:
        spans = []
        for command in commands:
            a, b = at(command, start), at(command, end)
            if a is not None and b is not None:
                spans.append((b - a) / 1000)
        if spans:
            print(
                f"{label:50} {len(spans):7} {percentile(spans, 0.5):8.2f} "
                f"{percentile(spans, 0.9):8.2f} {percentile(spans, 0.99):8.2f}"
            )
        else:
            print(f"{label:50} {0:7}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
