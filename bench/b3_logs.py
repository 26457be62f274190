"""B3: log throughput. Four services write 100-byte lines as fast as they can;
summon's output goes to a file and to /dev/null."""
import os
import shlex
import subprocess

import benchlib

TITLE = "log throughput"
GOAL = ("Four services each write 256 MiB of 100-byte lines as fast as they can. "
        "**Goal: at least 80% of the `cat` baseline, ahead of `concurrently`, and no writer "
        "blocked for more than 100 ms at a time.**")

WRITERS = 4
MIB = 1024 * 1024


def fixture(service, size, record):
    """The writers, and `done`, which starts once all four have completed, so
    that `summon run -- true` ends when the last line has been written."""
    writers = "".join(
        f"  w{n}:\n"
        f"    command: [{service}, --name, w{n}, --flood, \"{size}\", --exit-after, \"0\",\n"
        f"              --record, {record}]\n"
        for n in range(WRITERS))
    needs = ", ".join(f"w{n}: completed" for n in range(WRITERS))
    return f"services:\n{writers}  done:\n    command: [\"true\"]\n    depends_on: {{{needs}}}\n"


def writer_command(service, name, size, record):
    return [service, "--name", name, "--flood", str(size), "--exit-after", "0",
            "--record", record]


def longest_block_ms(record):
    """The longest single write any writer waited on, from its "flooded" line."""
    longest = 0
    with open(record) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and fields[1] == "flooded":
                longest = max(longest, int(fields[4]))
    return longest / 1e6


def run_once(ctx, way, size, destination):
    """One run of `way` (summon, cat or concurrently) writing to `destination`:
    (seconds, the runner's own CPU seconds, longest block in ms)."""
    folder = ctx.folder(f"b3-{way}")
    record = os.path.join(folder, "record")
    if os.path.exists(record):
        os.unlink(record)
    names = [f"w{n}" for n in range(WRITERS)]
    if way == "summon":
        path = benchlib.write(os.path.join(folder, "services.yaml"),
                              fixture(ctx.service, size, record))
        argv = [ctx.summon, "run", "--no-color", path, "--", "true"]
    elif way == "cat":
        jobs = " & ".join(shlex.join(writer_command(ctx.service, name, size, record))
                          for name in names)
        argv = ["sh", "-c", f"{{ {jobs} & wait; }} | cat"]
    else:
        argv = [ctx.npm_tool("concurrently")] + [
            shlex.join(writer_command(ctx.service, name, size, record)) for name in names]
    with open(destination, "w") as out:
        timed = benchlib.run_timed(argv, env=benchlib.env_with(), stdout=out,
                                   stderr=subprocess.DEVNULL)
    if timed.code != 0:
        raise RuntimeError(f"B3 {way}: exit code {timed.code}")
    # cat's own CPU cannot be told apart from the writers' (all are the shell's children).
    cpu = float("nan") if way == "cat" else timed.own_cpu_seconds
    return timed.seconds, cpu, longest_block_ms(record)


def run(ctx):
    size = 4 * MIB if ctx.quick else 256 * MIB
    total_mib = WRITERS * size / MIB
    ways = ["summon", "cat"]
    if ctx.npm_tool("concurrently"):
        ways.append("concurrently")
    destinations = {"/dev/null": "/dev/null", "a file": os.path.join(ctx.scratch, "b3-output")}
    table = benchlib.Table(
        f"{WRITERS} writers × {size // MIB} MiB of 100-byte lines",
        ["output to", "runner", "MiB/s", "of cat", "CPU s per GiB (runner)",
         "longest block ms", "met"])
    for label, destination in destinations.items():
        results = {}
        for way in ways:
            runs = [run_once(ctx, way, size, destination) for _ in range(ctx.runs)]
            seconds = benchlib.median([r[0] for r in runs])
            results[way] = (total_mib / seconds, benchlib.median([r[1] for r in runs]),
                            max(r[2] for r in runs))
        if destination != "/dev/null" and os.path.exists(destination):
            os.unlink(destination)
        baseline = results["cat"][0]
        for way, (speed, cpu, block) in results.items():
            share = speed / baseline
            met = "—"
            if way == "summon":
                ahead = all(speed > other[0] for name, other in results.items()
                            if name not in ("summon", "cat"))
                met = "yes" if share >= 0.8 and ahead and block <= 100 else "no"
            table.add(label, way, speed, f"{100 * share:.0f}%", cpu * 1024 / total_mib, block, met)
    table.notes.append(
        "Throughput is the bytes the writers wrote over the wall time of the whole run "
        "(`summon run FILE -- true`, whose last service starts once the four writers have "
        "exited; `{ w & w & w & w & wait; } | cat`; `concurrently w w w w`). summon and "
        "concurrently add a name to each line; cat passes the bytes as they are. CPU is the "
        "runner's own: summon's or concurrently's, without the writers. The longest block is the longest single 64 KiB write() any "
        "writer waited on, as the writers record it.")
    return [table]
