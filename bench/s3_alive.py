"""S3: what `alive` probes cost a run where nothing else happens."""
import json
import os
import time

import benchlib
from b4_idle import sample, delta
from summon_up import Up

TITLE = "Idle with alive probes"
GOAL = ("100 ready services, each with `alive: {tcp, interval: 1s}`, then 30 s of "
        "nothing, against the same run without `alive`. **Goal: none set yet; the "
        "figures say what one attempt costs** (without `alive`, B4's goal holds).")

SERVICES = 100
SETTLE_S = 1.0   # lets bring-up output drain before the window opens


def fixture(service, record, count, alive):
    ports = [f"p{index}" for index in range(count)]
    lines = [f"ports: [{', '.join(ports)}]", "services:"]
    for index, port in enumerate(ports):
        command = [service, "--name", f"s{index}", "--ready", f"tcp:${{ports.{port}}}",
                   "--record", record]
        lines += [f"  s{index}:", f"    command: {json.dumps(command)}",
                  f'    ready: {{tcp: "${{ports.{port}}}"}}']
        if alive:
            lines.append(f'    alive: {{tcp: "${{ports.{port}}}", interval: 1s}}')
    return "\n".join(lines) + "\n"


def once(ctx, count, idle, alive, index):
    folder = ctx.folder(f"s3-{'on' if alive else 'off'}-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, count, alive))
    up = Up(ctx, path, folder)
    try:
        up.wait_ready(60)
        time.sleep(SETTLE_S)
        before = sample(up.process.pid)
        opened = time.monotonic()
        time.sleep(idle)
        after = sample(up.process.pid)
        seconds = time.monotonic() - opened
        up.stop("alive probes")
    finally:
        up.close()
    unhealthy = [line for line in up.lines if "unhealthy" in line]
    if unhealthy:
        raise RuntimeError(f"a service went unhealthy: {unhealthy[0]}")
    ticks_ms, sched_ms, switches = delta(before, after)
    return sched_ms, ticks_ms, switches, seconds


def run(ctx):
    count, idle = (10, 2.0) if ctx.quick else (SERVICES, 30.0)
    on, off = [], []
    for index in range(ctx.runs):   # interleaved: on, off, on, off...
        on.append(once(ctx, count, idle, True, index))
        off.append(once(ctx, count, idle, False, index))
    m_on = [benchlib.median([r[column] for r in on]) for column in range(4)]
    m_off = [benchlib.median([r[column] for r in off]) for column in range(4)]
    attempts = count * idle
    table = benchlib.Table(
        f"{count} ready services, {idle:.0f} s idle, with and without `alive` probes",
        ["variant", "CPU (ms, schedstat)", "CPU (ms, ticks)", "context switches",
         "alive attempts", "CPU per attempt (µs)", "added per attempt (µs)",
         "CPU (% of a core)"])
    table.add(f"`alive: {{tcp, interval: 1s}}` × {count}", m_on[0], m_on[1], int(m_on[2]),
              int(attempts), m_on[0] * 1000 / attempts, (m_on[0] - m_off[0]) * 1000 / attempts,
              m_on[0] / idle / 10)
    table.add("no `alive` (baseline)", m_off[0], m_off[1], int(m_off[2]), 0, "—", "—",
              m_off[0] / idle / 10)
    table.notes.append(
        f"{count} test services, each ready on a `tcp` probe of its own port from `ports:`, "
        f"no dependencies; in the first variant each also has `alive: {{tcp: "
        f"\"${{ports.pN}}\", interval: 1s}}`, so {count} × {idle:.0f} s = {int(attempts)} "
        f"attempts fall in the window. The window opens {SETTLE_S:.0f} s after summon's "
        f"`[summon] ready:` line; CPU is measured as in B4. The two variants alternate run "
        f"by run; medians of {ctx.runs} run{'s' if ctx.runs > 1 else ''} each. CPU per "
        f"attempt is the window's CPU over the attempts; added per attempt subtracts the "
        f"baseline's. No service went unhealthy.")
    table.notes.append(
        "Alive attempts are the nominal count (services × seconds at `interval: 1s`), not "
        "counted from the run: a summon that fell behind that rate would look cheaper per "
        "attempt than it is.")
    return [table]
