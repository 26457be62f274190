"""S1: how soon a crashed dependency is back for its `restart: true` dependent."""
import json
import os
import time

import benchlib
from summon_up import Up

TITLE = "Restart latency"
GOAL = ("A dependency `db` (ready on a log line 20 ms after it starts, `restart: "
        "always`, `backoff: 0s`) crashes 200 ms after each start, 20 times; `api` holds "
        "it with `restart: true`. **Goal: from db's crash to api's new start, summon "
        "adds at most 5 ms to db's own boot** (process starts, which any supervisor "
        "pays, measured beside it and not counted).")

CRASHES = 20              # crashes of db measured per run
DB_READY_AFTER_MS = 20
DB_EXIT_AFTER_MS = 200
OVERHEAD_GOAL_MS = 5.0


def records(path):
    """(name, event, monotonic seconds) for each line of a --record file."""
    out = []
    for line in open(path):
        fields = line.split()
        out.append((fields[0], fields[1], int(fields[-1]) / 1e9))
    return out


def fixture(service, record):
    db = [service, "--name", "db", "--ready", "log:up", "--ready-after", str(DB_READY_AFTER_MS),
          "--exit-after", str(DB_EXIT_AFTER_MS), "--exit-code", "1", "--record", record]
    api = [service, "--name", "api", "--ready", "log:up", "--record", record]
    return ("services:\n"
            "  db:\n"
            f"    command: {json.dumps(db)}\n"
            "    ready: {log: up}\n"
            "    restart: always\n"
            "    backoff: 0s\n"
            "  api:\n"
            f"    command: {json.dumps(api)}\n"
            "    ready: {log: up}\n"
            "    depends_on: {db: {condition: ready, restart: true}}\n")


def once(ctx, crashes, index):
    """Per crash of db: (crash to api's next start, db's next start to its ready), in ms."""
    folder = ctx.folder(f"s1-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"), fixture(ctx.service, record))
    up = Up(ctx, path, folder)
    try:
        up.wait_ready(60)
        cycle = (DB_READY_AFTER_MS + DB_EXIT_AFTER_MS) / 1000
        deadline = time.monotonic() + (crashes + 2) * cycle * 3 + 10
        while time.monotonic() < deadline:
            seen = records(record) if os.path.exists(record) else []
            exits = sum(1 for name, event, _ in seen if name == "db" and event == "exit")
            apis = sum(1 for name, event, _ in seen if name == "api" and event == "start")
            if exits >= crashes and apis >= crashes + 1:
                break
            time.sleep(0.05)
        up.stop("restart latency")
    finally:
        up.close()
    seen = records(record)
    pairs = []
    for position, (name, event, at) in enumerate(seen):
        if name != "db" or event != "exit" or len(pairs) == crashes:
            continue
        later = seen[position + 1:]
        api_start = next((t for n, e, t in later if n == "api" and e == "start"), None)
        db_start = next((t for n, e, t in later if n == "db" and e == "start"), None)
        db_ready = next((t for n, e, t in later if n == "db" and e == "ready"), None)
        if None in (api_start, db_start, db_ready):
            continue   # the last exit, by summon's own stop
        pairs.append(((api_start - at) * 1000, (db_ready - db_start) * 1000))
    if len(pairs) < crashes:
        raise RuntimeError(f"only {len(pairs)} of {crashes} crashes were followed by a restart")
    return pairs


def process_start(ctx, index, count):
    """The test service's own start, in ms: from just before posix_spawn to
    its `start` record (its exec, its loader, its main), median of `count`."""
    folder = ctx.folder(f"s1-start-{index}")
    record = os.path.join(folder, "record")
    took = []
    for _ in range(count):
        if os.path.exists(record):
            os.remove(record)
        before = time.monotonic_ns()
        pid = os.posix_spawn(ctx.service, [ctx.service, "--name", "x", "--record", record,
                                           "--exit-after", "0"], os.environ)
        os.waitpid(pid, 0)
        started = next(int(line.split()[-1]) for line in open(record)
                       if line.split()[1] == "start")
        took.append((started - before) / 1e6)
    return benchlib.median(took)


def run(ctx):
    crashes = 5 if ctx.quick else CRASHES
    runs, starts = [], []
    for index in range(ctx.runs):   # interleaved: a run, then the floor beside it
        runs.append(once(ctx, crashes, index))
        starts.append(process_start(ctx, index, 5 if ctx.quick else 20))
    latency = benchlib.median([benchlib.median([p[0] for p in r]) for r in runs])
    boot = benchlib.median([benchlib.median([p[1] for p in r]) for r in runs])
    overhead = benchlib.median([benchlib.median([p[0] - p[1] for p in r]) for r in runs])
    start = benchlib.median(starts)
    own = benchlib.median([benchlib.median([p[0] - p[1] for p in r]) - 2 * s
                           for r, s in zip(runs, starts)])
    every = [p for r in runs for p in r]
    worst = max(every, key=lambda p: p[0] - p[1])
    table = benchlib.Table(
        f"Restart latency, {crashes} crashes of a dependency",
        ["", "crash → api start (ms)", "db boot (ms)", "overhead (ms)",
         "a process start (ms)", "summon's own (ms)", "goal (ms)", "met"])
    table.add("median", latency, boot, overhead, start, own, OVERHEAD_GOAL_MS,
              "yes" if own <= OVERHEAD_GOAL_MS else "no")
    worst_own = worst[0] - worst[1] - 2 * start
    table.add("worst", worst[0], worst[1], worst[0] - worst[1], start, worst_own,
              OVERHEAD_GOAL_MS, "yes" if worst_own <= OVERHEAD_GOAL_MS else "no")
    table.notes.append(
        f"`db` (ready on a log line {DB_READY_AFTER_MS} ms after start, exits with code 1 "
        f"{DB_EXIT_AFTER_MS} ms after start, `restart: always`, `backoff: 0s`) and `api` "
        f"(`depends_on: {{db: {{condition: ready, restart: true}}}}`) both record. Latency "
        f"runs from db's `exit` record to api's next `start` record; db's boot from its next "
        f"`start` record to its next `ready` record (its own {DB_READY_AFTER_MS} ms, after its "
        f"process has started). Overhead = latency − boot holds two process starts of the "
        f"test service that any supervisor pays: db's exec and load before its `start` "
        f"record (part of db's own boot, which begins at its spawn) and api's before its "
        f"`start` record (after the moment db is ready for its dependents). A process "
        f"start is measured beside each run, interleaved: from just before `posix_spawn` to "
        f"the test service's `start` record, median of 20. Summon's own = overhead − 2 × "
        f"that: seeing the exit, stopping api, respawning db, seeing its ready line, "
        f"spawning api; the goal is judged on it. All clocks are CLOCK_MONOTONIC. Median: median over {ctx.runs} run{'s' if ctx.runs > 1 else ''} "
        f"of each run's median over {crashes} crashes; worst: the crash with the largest "
        f"overhead of all {len(every)}.")
    return [table]
