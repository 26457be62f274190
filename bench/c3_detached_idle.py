"""C3: what a detached supervisor (`summon up -d`) costs while its services
are all ready and nothing happens: B4, with nobody reading summon's lines."""
import os
import subprocess
import time

import benchlib
from b4_idle import fixture, sample, delta, SETTLE_S
from c1_ps import Detached

TITLE = "Detached idle cost"
GOAL = ("`summon up -d` of 100 services (B4's: half with `tcp` probes, half with `http`), "
        "all ready, then 30 s of nothing. **Goal: the supervisor uses under 10 ms of CPU "
        "in those 30 s.**")

CPU_GOAL_MS = 10.0


def once(ctx, count, idle, index):
    """One window: the supervisor's figures and an idle `sleep`'s over the same seconds."""
    folder = ctx.folder(f"c3-{count}-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, count))
    sleeper = subprocess.Popen(["sleep", str(int(idle + SETTLE_S + 60))])
    try:
        project = Detached(ctx, path, folder)   # returns once all are ready
        try:
            time.sleep(SETTLE_S)
            summon_before, sleep_before = sample(project.pid), sample(sleeper.pid)
            time.sleep(idle)
            summon_after, sleep_after = sample(project.pid), sample(sleeper.pid)
        finally:
            project.down("C3")
    finally:
        sleeper.kill()
        sleeper.wait()
    ready = sum(1 for line in open(record) if line.split()[1] == "ready")
    if ready != count:
        raise RuntimeError(f"C3: {ready} of {count} services became ready")
    return delta(summon_before, summon_after), delta(sleep_before, sleep_after), project.up_seconds


def medians(samples):
    return [benchlib.median([s[column] for s in samples]) for column in range(3)]


def run(ctx):
    count, idle = (10, 2.0) if ctx.quick else (100, 30.0)
    runs = [once(ctx, count, idle, index) for index in range(ctx.runs)]
    summon = medians([r[0] for r in runs])
    sleeper = medians([r[1] for r in runs])
    up = benchlib.median([r[2] for r in runs])
    goal = CPU_GOAL_MS * idle / 30   # the goal scales with the window in quick mode

    table = benchlib.Table(
        f"{count} ready services, detached, {idle:.0f} s idle",
        ["process", "CPU (ms, schedstat)", "CPU (ms, ticks)", "context switches",
         "goal (ms)", "ratio", "met"])
    table.add(f"detached supervisor ({count} services)", summon[1], summon[0], int(summon[2]),
              goal, benchlib.ratio(summon[1], goal), "yes" if summon[1] < goal else "no")
    table.add("`sleep` (baseline)", sleeper[1], sleeper[0], int(sleeper[2]), "—", "—", "—")
    table.notes.append(
        f"B4's services (no dependencies; half ready on a `tcp` probe, half on `http`), "
        f"brought up with `summon up -d` in an XDG_RUNTIME_DIR of the benchmark's own "
        f"(median {up:.2f} s until it returned, everything ready). The window opens "
        f"{SETTLE_S:.0f} s after `up -d` returned and lasts {idle:.0f} s; the supervisor's "
        f"CPU and context switches are measured as in B4, beside an idle `sleep`. Then "
        f"`summon down`, after which no process of the run may be left. Medians of "
        f"{ctx.runs} run{'s' if ctx.runs > 1 else ''}.")
    return [table]
