"""C1: what `summon ps` costs against a detached project of 100 services,
beside `summon check` of the same file, which talks to no supervisor."""
import glob
import json
import os
import re
import socket
import subprocess
import time

import benchlib
import summon_up

TITLE = "`summon ps` round trip"
GOAL = ("A detached project (`summon up -d`) of 100 ready services; `summon ps`, "
        "`summon ps --json` and `summon check` of the same file (which reaches no "
        "supervisor), called in turn 50 times each. **Goal: `summon ps` takes under 5 ms "
        "(median).**")

PS_GOAL_MS = 5.0
BACKGROUND = re.compile(r"runs in the background \(pid (\d+)\)")


class Detached:
    """One `summon up -d` project, in a runtime folder of its own
    (XDG_RUNTIME_DIR) so that it never meets the user's projects."""

    def __init__(self, ctx, path, marker):
        self.ctx, self.path, self.marker = ctx, path, marker
        runtime = ctx.folder("runtime")
        os.chmod(runtime, 0o700)   # summon refuses a state folder others may write
        self.env = benchlib.env_with(XDG_RUNTIME_DIR=runtime)
        self.runtime = runtime
        began = time.monotonic()
        up = subprocess.run([ctx.summon, "up", "-d", "--no-color", path], env=self.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=300)
        self.up_seconds = time.monotonic() - began
        found = BACKGROUND.search(up.stdout)
        if up.returncode != 0 or not found:
            summon_up.wait_gone(marker, 2.0)
            raise RuntimeError(f"summon up -d exited {up.returncode}:\n{up.stdout[-2000:]}")
        self.pid = int(found[1])   # the supervisor

    def argv(self, command, *args):
        """`summon COMMAND --file FILE ARGS...` (logs's -f is --follow)."""
        return [self.ctx.summon, command, "--file", self.path, *args]

    def run(self, command, *args, stdout=subprocess.DEVNULL):
        """Runs a command against the project and measures it; exit 0 or an error."""
        timed = benchlib.run_timed(self.argv(command, *args), env=self.env, stdout=stdout,
                                   stderr=subprocess.STDOUT, timeout=120)
        if timed.code != 0:
            raise RuntimeError(f"summon {command} exited {timed.code}:\n{timed.out[-2000:]}")
        return timed

    def socket_path(self):
        """The project's control socket (docs/protocol.md)."""
        found = glob.glob(os.path.join(self.runtime, "summon", "*", "control.sock"))
        if len(found) != 1:
            raise RuntimeError(f"expected one control socket, found {found}")
        return found[0]

    def down(self, what):
        """`summon down`, then nothing of the project may be left."""
        try:
            self.run("down")
        finally:
            left = summon_up.wait_gone(self.marker, 5.0)
            for pid in left:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
        if left:
            raise RuntimeError(f"{what}: {len(left)} processes were left after summon down")


def fixture(service, record, count):
    """count services ready on a log line, in columns of up to 10 that each
    depend on the one above: a few layers, as a real project has."""
    width = min(count, 10)
    return benchlib.layered_services(
        service, record, count // width, width, lambda layer, column: f"s{layer}_{column}",
        lambda layer, column, width: [f"s{layer - 1}_{column}"] if layer else [])


def socket_ps(path):
    """One ps request on the control socket, straight from Python: the
    supervisor's share of the round trip, without a process start."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall(b'{"command":"ps"}\n')
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            reply += chunk
    answer = json.loads(reply)
    if not answer.get("ok"):
        raise RuntimeError(f"ps over the socket: {reply[:200]!r}")
    return answer


def once(ctx, count, calls, index):
    """Medians in ms over `calls` rounds of each way, taken in turn."""
    folder = ctx.folder(f"c1-{index}")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, record, count))
    project = Detached(ctx, path, folder)
    try:
        listed = json.loads(project.run("ps", "--json", stdout=subprocess.PIPE).out)
        ready = sum(1 for service in listed["services"] if service["state"] == "ready")
        if ready != count:
            raise RuntimeError(f"C1: {ready} of {count} services are ready")
        sock = project.socket_path()
        ways = {
            "ps": lambda: project.run("ps").seconds,
            "ps --json": lambda: project.run("ps", "--json").seconds,
            "check": lambda: benchlib.run_timed([ctx.summon, "check", path], env=project.env,
                                                timeout=120).seconds,
            "version": lambda: benchlib.run_timed([ctx.summon, "--version"], env=project.env,
                                                  timeout=120).seconds,
            "socket": lambda: timed_call(lambda: socket_ps(sock)),
        }
        for way in ways.values():   # warm the page cache and the supervisor
            way()
        times = {name: [] for name in ways}
        for _ in range(calls):
            for name, way in ways.items():
                times[name].append(way() * 1000)
    finally:
        project.down("C1")
    return {name: (benchlib.median(values), percentile(values, 0.9))
            for name, values in times.items()}


def timed_call(call):
    began = time.monotonic()
    call()
    return time.monotonic() - began


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run(ctx):
    count, calls = (10, 5) if ctx.quick else (100, 50)
    runs = [once(ctx, count, calls, index) for index in range(ctx.runs)]

    def median_of(name, column):
        return benchlib.median([r[name][column] for r in runs])

    check = median_of("check", 0)
    table = benchlib.Table(
        f"{count} ready services, detached; {calls} calls of each way in turn",
        ["call", "median (ms)", "90th percentile (ms)", "over `check` (ms)", "goal (ms)", "met"])
    labels = {"ps": "`summon ps`", "ps --json": "`summon ps --json`",
              "check": "`summon check` (baseline: no supervisor)",
              "version": "`summon --version` (a process start alone)",
              "socket": "ps request on the socket (Python client, no process start)"}
    for name, label in labels.items():
        median = median_of(name, 0)
        over = median - check if name in ("ps", "ps --json") else "—"
        goal = PS_GOAL_MS if name == "ps" else "—"
        met = ("yes" if median < PS_GOAL_MS else "no") if name == "ps" else "—"
        table.add(label, median, median_of(name, 1), over, goal, met)
    layers = count // min(count, 10)
    table.notes.append(
        f"{count} test services ready on a log line, in {layers} layer{'s' if layers > 1 else ''} "
        f"(each depends on the one above it in its column), brought up with `summon up -d` "
        f"in an XDG_RUNTIME_DIR of the benchmark's own. Each call is timed from Python, "
        f"from spawn to exit (output to /dev/null); the five ways take turns, {calls} "
        f"rounds, after one warm-up call of each. `summon check FILE` loads and checks "
        f"the file without reaching the supervisor: what a process start and the config "
        f"cost; `summon --version` is the process start alone. The socket row sends "
        f"`{{\"command\":\"ps\"}}` on `control.sock` and reads "
        f"the reply: the supervisor's own share. Medians of {ctx.runs} "
        f"run{'s' if ctx.runs > 1 else ''} of each run's median (and 90th percentile).")
    return [table]
