"""S2: what a crash loop costs summon: CPU, memory, restarts a second."""
import json
import os
import re
import time

import benchlib
from b4_idle import sample, delta
from summon_up import Up

TITLE = "Crash loop"
GOAL = ("20 services, each crashing 50 ms after it starts and restarted at once "
        "(`restart: always`, `backoff: 0s`), for 30 s; summon's memory is measured "
        "too. **Goal: summon uses under 5% of one core.**")

SERVICES = 20
EXIT_AFTER_MS = 50
CPU_GOAL = 5.0       # % of one core
SETTLE_S = 1.0       # lets bring-up output drain before the window opens
RESTART_LINE = re.compile(r"restart \d+ in ")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return float("nan")


def fixture(service, count):
    lines = ["services:"]
    for index in range(count):
        command = [service, "--name", f"c{index}", "--exit-after", str(EXIT_AFTER_MS),
                   "--exit-code", "1"]
        lines += [f"  c{index}:", f"    command: {json.dumps(command)}",
                  "    restart: always", "    backoff: 0s"]
    return "\n".join(lines) + "\n"


def once(ctx, count, window, index):
    folder = ctx.folder(f"s2-{index}")
    path = benchlib.write(os.path.join(folder, "services.yaml"), fixture(ctx.service, count))
    up = Up(ctx, path, folder)
    try:
        up.wait_ready(60)
        time.sleep(SETTLE_S)
        pid = up.process.pid
        first_line, rss_before, before = len(up.lines), rss_kib(pid), sample(pid)
        opened = time.monotonic()
        time.sleep(window)
        after, rss_after, last_line = sample(pid), rss_kib(pid), len(up.lines)
        seconds = time.monotonic() - opened
        up.stop("crash loop")
    finally:
        up.close()
    restarts = sum(1 for line in up.lines[first_line:last_line] if RESTART_LINE.search(line))
    ticks_ms, sched_ms, switches = delta(before, after)
    return (sched_ms / seconds / 10, ticks_ms / seconds / 10, rss_before / 1024,
            rss_after / 1024, restarts, restarts / seconds, switches)


def run(ctx):
    window = 2.0 if ctx.quick else 30.0
    runs = [once(ctx, SERVICES, window, index) for index in range(ctx.runs)]
    m = [benchlib.median([r[column] for r in runs]) for column in range(7)]
    table = benchlib.Table(
        f"Crash loop, {SERVICES} services crashing every {EXIT_AFTER_MS} ms, {window:.0f} s",
        ["CPU (% of a core, schedstat)", "CPU (% of a core, ticks)", "RSS at start (MiB)",
         "RSS at end (MiB)", "restarts", "restarts/s", "context switches", "goal", "met"])
    table.add(m[0], m[1], m[2], m[3], int(m[4]), m[5], int(m[6]), f"< {CPU_GOAL:.0f}%",
              "yes" if m[0] < CPU_GOAL else "no")
    growth = max(r[3] - r[2] for r in runs)
    table.notes.append(
        f"Each service is the test service with `--exit-after {EXIT_AFTER_MS} "
        f"--exit-code 1`, `restart: always`, `backoff: 0s`, no ready probe. The window opens "
        f"{SETTLE_S:.0f} s after summon's `[summon] ready:` line; summon's CPU over it is the "
        f"change in `/proc/PID/schedstat` (summed over its threads) and in utime + stime of "
        f"`/proc/PID/stat`, as a share of one core; RSS is VmRSS of `/proc/PID/status` at the "
        f"window's start and end (largest growth in any run: {growth:+.2f} MiB); restarts "
        f"are summon's `restart N in` lines printed in the window. Medians of {ctx.runs} "
        f"run{'s' if ctx.runs > 1 else ''}.")
    return [table]
