"""C2: what a `summon logs -f` follower costs the services of a detached
project while B3's four writers flood: none, one reading to /dev/null, and a
slow one, which must lose lines (and be told how many) rather than slow
anybody down."""
import os
import re
import signal
import subprocess
import threading
import time

import benchlib
from b4_idle import sample, delta
from c1_ps import Detached

TITLE = "`logs -f` followers on flooding writers"
GOAL = ("A detached project of B3's four writers, each writing 256 MiB of 100-byte lines "
        "as fast as it can, with no follower, with one `summon logs -f` reading to "
        "/dev/null, and with a slow one (its reader takes 1 KiB every 10 ms). **Goal: "
        "with either follower the writers' throughput stays within 10% of none, and the "
        "slow follower is told how many lines it lost "
        "(`[summon] N lines were dropped here`).**")

WRITERS = 4
LINE = 100               # bytes per line, newline included (the test service's --flood)
WITHIN = 0.10            # of the throughput with no follower
SLOW_READ = 1024         # bytes per read of the slow follower's reader ...
SLOW_EVERY = 0.010       # ... every this many seconds
DROPPED = re.compile(rb"^\[summon\] (\d+) lines were dropped here")
MIB = 1024 * 1024


def fixture(service, size, record):
    """The writers alone: each floods once per start, then exits 0."""
    return "services:\n" + "".join(
        f"  w{n}:\n"
        f"    command: [{service}, --name, w{n}, --flood, \"{size}\", --exit-after, \"0\",\n"
        f"              --record, {record}]\n"
        for n in range(WRITERS))


def records(record, what):
    """The record's lines of one kind, split."""
    with open(record) as f:
        return [fields for fields in (line.split() for line in f)
                if len(fields) > 1 and fields[1] == what]


def wait_records(record, what, count, timeout):
    """Waits for the record to hold `count` lines of a kind; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        found = records(record, what)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"C2: {len(found)} of {count} '{what}' records in {timeout} s")
        time.sleep(0.02)


def written_bytes(pid):
    """What a process has passed to write() so far (/proc/PID/io's wchar)."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    return 0


class SlowReader:
    """Reads a follower's stdout: its backlog (one line per writer) at full
    speed, then 1 KiB every 10 ms while the writers flood, then at full speed
    again, counting service lines and the lines it is told were dropped."""

    def __init__(self, fd):
        self.fd = fd
        self.lines = self.dropped = self.notices = 0
        self.flooding = True
        self.connected = threading.Event()
        self.ended = False
        self.rest = b""
        self.unaccounted = None
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        while True:
            slow = self.connected.is_set() and self.flooding
            chunk = os.read(self.fd, SLOW_READ if slow else 1 << 20)
            if not chunk:
                self.ended = True
                return
            *whole, self.rest = (self.rest + chunk).split(b"\n")
            for line in whole:
                found = DROPPED.match(line)
                if found:
                    self.dropped += int(found[1])
                    self.notices += 1
                else:
                    self.lines += 1
            if self.lines >= WRITERS:
                self.connected.set()
            if slow:
                time.sleep(SLOW_EVERY)

    def wait_accounted(self, total, quiet=3.0):
        """Waits until every line is read or said to be dropped, or nothing
        more has come for `quiet` seconds; returns the lines unaccounted for
        (0 when all are)."""
        seen, since = -1, time.monotonic()
        while self.lines + self.dropped < total and not self.ended:
            now = time.monotonic()
            if self.lines + self.dropped != seen:
                seen, since = self.lines + self.dropped, now
            elif now - since > quiet:
                break
            time.sleep(0.02)
        return total - self.lines - self.dropped


def follower(project, way):
    """Starts `summon logs -f -n 1` and waits until it follows: it has
    written (or the reader has read) the backlog's last line of each writer,
    which comes after it is in place."""
    out = subprocess.DEVNULL if way == "fast" else subprocess.PIPE
    process = subprocess.Popen(project.argv("logs", "--follow", "-n", "1", "--no-color"),
                               env=project.env, stdout=out, stderr=subprocess.DEVNULL)
    reader = SlowReader(process.stdout.fileno()) if way == "slow" else None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if reader and reader.connected.is_set():
            return process, reader
        if not reader and written_bytes(process.pid) >= WRITERS * LINE:
            return process, None
        if process.poll() is not None:
            break
        time.sleep(0.005)
    process.kill()
    raise RuntimeError(f"C2: the {way} follower did not start following")


def settled_bytes(pid, quiet=1.0, timeout=60):
    """What a process has written once it has written nothing for `quiet` s."""
    seen, since = written_bytes(pid), time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = written_bytes(pid)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            break
    return seen


def once(ctx, project, record, size, way):
    """One flood (a restart of the four writers) with `way`'s follower:
    (MiB/s, supervisor CPU s per GiB, the slow reader, or for the follower to
    /dev/null about how many lines it wrote, or None)."""
    process = reader = None
    if way != "none":
        process, reader = follower(project, way)
    try:
        following = written_bytes(process.pid) if way == "fast" else 0
        floods = len(records(record, "flooded"))
        before = sample(project.pid)
        project.run("restart", *[f"w{n}" for n in range(WRITERS)])
        done = wait_records(record, "flooded", floods + WRITERS, 600)[floods:]
        after = sample(project.pid)
        if reader:
            reader.flooding = False
            total = WRITERS + WRITERS * size // LINE   # the backlog, then the flood
            reader.unaccounted = reader.wait_accounted(total)
        elif way == "fast":
            # Lines as `logs` prints them: "wN | " and the line; the few
            # "dropped" notices are left in.
            reader = (settled_bytes(process.pid) - following) // (len("w0 | ") + LINE)
    finally:
        if process:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    # fields: NAME flooded BYTES NS LONGEST_NS MONOTONIC_NS
    began = min(int(f[5]) - int(f[3]) for f in done)
    ended = max(int(f[5]) for f in done)
    total_mib = WRITERS * size / MIB
    cpu_ms = delta(before, after)[1]
    return total_mib / ((ended - began) / 1e9), cpu_ms / 1000 * 1024 / total_mib, reader


def run(ctx):
    lines = (4 * MIB if ctx.quick else 256 * MIB) // LINE
    size = lines * LINE   # whole lines, so that every line can be counted
    folder = ctx.folder("c2")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, size, record))
    ways = ["none", "fast", "slow"]
    results = {way: [] for way in ways}
    project = Detached(ctx, path, folder)
    try:
        wait_records(record, "exit", WRITERS, 600)   # the first flood, at up -d
        for _ in range(ctx.runs):
            for way in ways:   # interleaved
                results[way].append(once(ctx, project, record, size, way))
    finally:
        project.down("C2")

    base = benchlib.median([r[0] for r in results["none"]])
    table = benchlib.Table(
        f"{WRITERS} writers × {size / MIB:.0f} MiB of {LINE}-byte lines, detached",
        ["follower", "MiB/s", "of none", "supervisor CPU s per GiB", "lines read",
         "told dropped", "accounted", "met"])
    labels = {"none": "none", "fast": "`logs -f` to /dev/null",
              "slow": "`logs -f`, read 1 KiB / 10 ms"}
    for way in ways:
        speed = benchlib.median([r[0] for r in results[way]])
        cpu = benchlib.median([r[1] for r in results[way]])
        share = speed / base
        read = dropped = accounted = "—"
        met = "—"
        if way == "slow":
            readers = [r[2] for r in results[way]]
            read = int(benchlib.median([r.lines - WRITERS for r in readers]))
            dropped = int(benchlib.median([r.dropped for r in readers]))
            missing = max(abs(r.unaccounted) for r in readers)
            told = all(r.notices > 0 for r in readers) and missing == 0
            accounted = ("all" if missing == 0 else f"{missing} lines not accounted for") + (
                "" if all(r.notices > 0 for r in readers) else ", no notice")
            met = "yes" if share >= 1 - WITHIN and told else "no"
        elif way == "fast":
            read = f"≈ {int(benchlib.median([r[2] for r in results[way]]))}"
            met = "yes" if share >= 1 - WITHIN else "no"
        table.add(labels[way], speed, f"{100 * share:.0f}%", cpu, read, dropped, accounted, met)
    table.notes.append(
        f"One project, brought up with `summon up -d` (the writers' first flood, while "
        f"`up -d` relays, is not counted); each measured flood is a `summon restart` of "
        f"the four writers, with the follower (`summon logs -f -n 1`) already following "
        f"(its backlog's last line of each writer read, or written to /dev/null, first). "
        f"Throughput is the bytes written over the span from the first writer's first "
        f"write to the last one's last, from the writers' own `flooded` records "
        f"(CLOCK_MONOTONIC); the supervisor's CPU is the change in its "
        f"`/proc/PID/schedstat` over the flood. The ways take turns, {ctx.runs} "
        f"round{'s' if ctx.runs > 1 else ''}; medians. The slow follower's reader takes "
        f"{SLOW_READ} bytes every {SLOW_EVERY * 1000:.0f} ms while the writers flood, then "
        f"reads the rest at full speed; accounted: whether lines read + lines it was told "
        f"were dropped equal the {WRITERS * size // LINE} lines written, in every round. "
        f"The follower to /dev/null's lines are its bytes written after the flood began "
        f"(`/proc/PID/io` wchar, once it stops growing) over the {len('w0 | ') + LINE} "
        f"bytes of a printed line.")
    return [table]
