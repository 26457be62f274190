"""B2: a large graph brought up and torn down: time, summon's CPU and memory."""
import os
import resource

import benchlib
from summon_up import Up

TITLE = "Scale: 1,000 services"
GOAL = ("A graph of 1,000 services, 20 layers deep and 50 wide, each ready on a "
        "log line. **Goal: up and down in under 3 s in total on this 2-core "
        "machine; summon's peak RSS under 50 MB; its CPU time grows linearly with "
        "the number of services.**")

DEPTH = 20
TOTAL_GOAL_S = 3.0
RSS_GOAL_MB = 50.0
LINEAR_SLACK = 1.5   # CPU per service at the largest size vs the smallest


def name(layer, column):
    return f"s{layer:02d}_{column:03d}"


def parents(layer, column, width):
    """Three neighbours in the layer above (fewer when the layer is narrower)."""
    if layer == 0:
        return []
    return sorted({name(layer - 1, (column + d) % width) for d in (-1, 0, 1)})


def fixture(service, record, width):
    return benchlib.layered_services(service, record, DEPTH, width, name, parents)


def edges(width):
    return sum(len(parents(layer, column, width))
               for layer in range(DEPTH) for column in range(width))


def once(ctx, width, index):
    folder = ctx.folder(f"b2-{width}-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, width))
    up = Up(ctx, path, folder)
    try:
        up_s = up.wait_ready(120)
        up.interrupt()
        timed = up.wait_exit(120)
    finally:
        left = up.close()
    if left:
        raise RuntimeError(f"{len(left)} processes of the run were left after summon exited")
    count = DEPTH * width
    started = sum(1 for line in open(record) if line.split()[1] == "start")
    if started != count:
        raise RuntimeError(f"{started} of {count} services started")
    return {"up": up_s, "down": up.exited_at - up.interrupted_at,
            "cpu": timed.own_cpu_seconds, "rss": up.peak_rss}


def measure(ctx, width):
    runs = [once(ctx, width, index) for index in range(ctx.runs)]
    return {key: benchlib.median([run[key] for run in runs]) for key in runs[0]}


def limits():
    return (resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            resource.getrlimit(resource.RLIMIT_NPROC)[0])


def yes(flag):
    return "yes" if flag else "no"


def run(ctx):
    widths = [5] if ctx.quick else [5, 15, 50]
    figures = {width: measure(ctx, width) for width in widths}

    times = benchlib.Table(
        "Up and down",
        ["services", "layers × width", "edges", "up (s)", "down (s)", "total (s)",
         "goal (s)", "ratio", "met"])
    cost = benchlib.Table(
        "summon's own cost",
        ["services", "CPU (s)", "CPU per service (ms)", "vs smallest", "peak RSS (MB)",
         "goal (MB)", "met"])
    smallest = figures[widths[0]]["cpu"] / (DEPTH * widths[0])
    for width in widths:
        got = figures[width]
        count = DEPTH * width
        total = got["up"] + got["down"]
        times.add(f"{count:,}", f"{DEPTH} × {width}", f"{edges(width):,}", got["up"],
                  got["down"], total, TOTAL_GOAL_S, benchlib.ratio(total, TOTAL_GOAL_S),
                  yes(total < TOTAL_GOAL_S))
        per = got["cpu"] / count
        rss_mb = got["rss"] * 1.048576   # MiB to MB
        cost.add(f"{count:,}", got["cpu"], f"{per * 1000:.2f}", benchlib.ratio(per, smallest),
                 rss_mb, RSS_GOAL_MB, yes(rss_mb < RSS_GOAL_MB))

    largest = figures[widths[-1]]["cpu"] / (DEPTH * widths[-1])
    linear = largest <= LINEAR_SLACK * smallest
    files, procs = limits()
    times.notes.append(
        f"Each service is the test service, ready when it prints `up` (`ready: {{log: up}}`); "
        f"every service below the first layer depends on three neighbours of the layer "
        f"above (columns j−1, j, j+1, wrapping). `up` runs from the start of `summon up "
        f"--no-color` to its `[summon] ready:` line, `down` from SIGINT to summon's exit; "
        f"its output is read through a pipe as it comes. Medians of {ctx.runs} "
        f"run{'s' if ctx.runs > 1 else ''}. Limits as run: {files} open files, {procs} "
        f"processes per user; summon raises neither.")
    cost.notes.append(
        f"CPU is summon's own user + system time (not the services it reaped), read from "
        f"/proc while it is a zombie; clock ticks are 10 ms, so the smallest size is coarse. "
        f"Peak RSS is VmHWM read when the `[summon] stopped` line arrives. Linear growth: "
        f"CPU per service at {DEPTH * widths[-1]:,} services is "
        f"{benchlib.ratio(largest, smallest)} that at {DEPTH * widths[0]:,} (goal at most "
        f"{LINEAR_SLACK:.1f}×); met: {yes(linear)}.")
    return [times, cost]
