"""B5: how long a deep graph takes to stop, against the sum of its stop times."""
import os
import time

import benchlib
from summon_up import Up

TITLE = "Teardown"
GOAL = ("100 services in 10 layers of 10, each taking 100 ms to exit after SIGTERM; "
        "summon stops them in reverse order, so no teardown can beat 10 × 100 ms. "
        "**Goal: from Ctrl-C to summon's exit within 5% of that limit.**")

STOP_MS = 100
SLACK = 0.05


def name(layer, column):
    return f"s{layer}_{column}"


def parents(layer, column, width):
    """Two neighbours in the layer above, so every chain is as deep as the graph."""
    if layer == 0:
        return []
    return sorted({name(layer - 1, (column + d) % width) for d in (0, 1)})


def fixture(service, record, depth, width):
    return benchlib.layered_services(service, record, depth, width, name, parents,
                                     ["--on-term", f"delay:{STOP_MS}"])


def events(record, count):
    """The first stop signal and the last exit of the services (CLOCK_MONOTONIC
    seconds, the clock of time.monotonic()), once every service got its stop
    signal and exited."""
    seen = {}
    for line in open(record):
        fields = line.split()
        seen.setdefault(fields[1], {})[fields[0]] = int(fields[-1]) / 1e9
    for event in ("start", "term", "exit"):
        if len(seen.get(event, ())) != count:
            raise RuntimeError(f"{len(seen.get(event, ()))} of {count} services recorded "
                               f"'{event}'")
    return min(seen["term"].values()), max(seen["exit"].values())


def once(ctx, depth, width, index):
    folder = ctx.folder(f"b5-{depth}x{width}-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, depth, width))
    up = Up(ctx, path, folder)
    try:
        up.wait_ready(60)
        up.interrupt()
        up.wait_exit(60)
    finally:
        left = up.close()
    if left:
        raise RuntimeError(f"{len(left)} processes of the run were left after summon exited")
    first_term, last_exit = events(record, depth * width)
    return {"took": (up.exited_at - up.interrupted_at) * 1000,
            "signal": (first_term - up.interrupted_at) * 1000,
            "tail": (up.exited_at - last_exit) * 1000}


def run(ctx):
    depth, width = (3, 3) if ctx.quick else (10, 10)
    runs = [once(ctx, depth, width, index) for index in range(ctx.runs)]
    took, first, tail = (benchlib.median([run[key] for run in runs])
                         for key in ("took", "signal", "tail"))
    limit = depth * STOP_MS
    table = benchlib.Table(
        f"{depth * width} services, {depth} layers of {width}",
        ["Ctrl-C to exit (ms)", "limit (ms)", "ratio", "goal", "met",
         "Ctrl-C to first SIGTERM (ms)", "last service exit to summon's exit (ms)"])
    table.add(took, float(limit), benchlib.ratio(took, limit), f"≤ {limit * (1 + SLACK):.0f} ms",
              "yes" if took <= limit * (1 + SLACK) else "no", first, tail)
    table.notes.append(
        f"Each service is the test service with `--on-term delay:{STOP_MS}` (it exits "
        f"{STOP_MS} ms after SIGTERM) and is ready on a log line; every service below the "
        f"first layer depends on two of the layer above (columns j and j+1, wrapping), so "
        f"every layer has to be gone before the one above it is signalled. The time runs "
        f"from SIGINT to summon's exit (waitid). The limit is {depth} layers × {STOP_MS} "
        f"ms. The last two columns split off what is not the services' own stop time: from "
        f"SIGINT to the first service's `term` record, and from the last service's `exit` "
        f"record (written just before it exits) to summon's exit; both clocks are "
        f"CLOCK_MONOTONIC. Medians of "
        f"{ctx.runs} run{'s' if ctx.runs > 1 else ''}.")
    return [table]
