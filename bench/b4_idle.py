"""B4: what summon costs while everything is ready and nothing happens."""
import json
import os
import subprocess
import time

import benchlib
from summon_up import Up

TITLE = "Idle cost"
GOAL = ("100 services, all ready (half with `tcp` probes, half with `http`), then "
        "30 s of nothing. **Goal: summon uses under 10 ms of CPU in those 30 s (no "
        "polling after ready).**")

CPU_GOAL_MS = 10.0
SETTLE_S = 1.0   # lets the last output lines drain before the window opens


def fixture(service, record, count):
    """count services, no dependencies; even ones probed by tcp, odd ones by http."""
    ports = [f"p{index}" for index in range(count)]
    lines = [f"ports: [{', '.join(ports)}]", "services:"]
    for index, port in enumerate(ports):
        kind = "tcp" if index % 2 == 0 else "http"
        command = [service, "--name", f"s{index}", "--ready", f"{kind}:${{ports.{port}}}",
                   "--record", record]
        probe = (f'{{tcp: "${{ports.{port}}}"}}' if kind == "tcp"
                 else f'{{http: "http://127.0.0.1:${{ports.{port}}}/"}}')
        lines.append(f"  s{index}:")
        lines.append(f"    command: {json.dumps(command)}")
        lines.append(f"    ready: {probe}")
    return "\n".join(lines) + "\n"


def tasks(pid):
    return os.listdir(f"/proc/{pid}/task")


def sample(pid):
    """CPU in clock ticks (whole process), CPU in ns and context switches (summed
    over its threads: schedstat and the switch counts are per thread)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    ns = switches = 0
    for task in tasks(pid):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                ns += int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except OSError:
            pass   # a thread that ended meanwhile
    return ticks, ns, switches


def delta(before, after):
    """(CPU ms from ticks, CPU ms from schedstat, context switches)."""
    return ((after[0] - before[0]) * 1000 / benchlib.TICKS, (after[1] - before[1]) / 1e6,
            after[2] - before[2])


def once(ctx, count, idle, index):
    """One window: summon's figures and an idle `sleep`'s over the same seconds."""
    folder = ctx.folder(f"b4-{count}-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, count))
    up = Up(ctx, path, folder)
    sleeper = subprocess.Popen(["sleep", str(int(idle + SETTLE_S + 30))])
    try:
        up.wait_ready(60)
        time.sleep(SETTLE_S)
        summon_before, sleep_before = sample(up.process.pid), sample(sleeper.pid)
        time.sleep(idle)
        summon_after, sleep_after = sample(up.process.pid), sample(sleeper.pid)
        up.interrupt()
        up.wait_exit(60)
    finally:
        sleeper.kill()
        sleeper.wait()
        left = up.close()
    if left:
        raise RuntimeError(f"{len(left)} processes of the run were left after summon exited")
    ready = sum(1 for line in open(record) if line.split()[1] == "ready")
    if ready != count:
        raise RuntimeError(f"{ready} of {count} services became ready")
    return delta(summon_before, summon_after), delta(sleep_before, sleep_after)


def medians(samples):
    return [benchlib.median([s[column] for s in samples]) for column in range(3)]


def run(ctx):
    count, idle = (10, 2.0) if ctx.quick else (100, 30.0)
    runs = [once(ctx, count, idle, index) for index in range(ctx.runs)]
    summon = medians([r[0] for r in runs])
    sleeper = medians([r[1] for r in runs])
    goal = CPU_GOAL_MS * idle / 30   # the goal scales with the window in quick mode

    table = benchlib.Table(
        f"{count} ready services, {idle:.0f} s idle",
        ["process", "CPU (ms, schedstat)", "CPU (ms, ticks)", "context switches",
         "goal (ms)", "ratio", "met"])
    table.add(f"summon ({count} services)", summon[1], summon[0], int(summon[2]), goal,
              benchlib.ratio(summon[1], goal), "yes" if summon[1] < goal else "no")
    table.add("`sleep` (baseline)", sleeper[1], sleeper[0], int(sleeper[2]), "—", "—", "—")
    table.notes.append(
        f"Half of the services are ready on a `tcp` probe, half on an `http` probe, with "
        f"no dependencies. The window opens {SETTLE_S:.0f} s after summon's `[summon] "
        f"ready:` line and lasts {idle:.0f} s; over it, summon's CPU is the change in "
        f"`/proc/PID/schedstat` (ns on CPU, summed over its threads) and, coarser, in "
        f"utime + stime of `/proc/PID/stat` (10 ms ticks); context switches are "
        f"voluntary + nonvoluntary from `/proc/PID/task/*/status`. An idle `sleep` is "
        f"measured over the same window. Medians of {ctx.runs} "
        f"run{'s' if ctx.runs > 1 else ''}.")
    return [table]
