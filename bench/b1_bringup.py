"""B1: bring-up latency against the critical path.

Each graph's services become ready a fixed delay after they start, so the
fastest possible bring-up is the critical path: that delay times the number
of dependency levels. Whatever summon takes beyond it is its overhead. The
peers are the scripts people write without summon, run on the same graphs.
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time

import benchlib

TITLE = "Bring-up latency against the critical path"
GOAL = ("Graphs of services that each become ready 50 ms after they start: a chain of 10, "
        "a diamond, a fan of 50 under one root and a 5×5 grid. The fastest possible bring-up "
        "is the critical path, 50 ms per dependency level; summon's overhead is its time to "
        "the `ready:` line beyond that. **Goal: at most 5 ms of overhead per dependency level "
        "for every probe kind (tcp, http, log, notify, fd, file), and at least 10× less "
        "overhead than the best peer** (shell scripts with `wait-on` or fixed `sleep`s, "
        "`start-server-and-test`).")

DELAY_MS = 50                 # each service is ready this long after it starts
KINDS = ["tcp", "http", "log", "notify", "fd", "file"]
MARKER = "B1-ALL-UP"          # what a peer script prints where it would start the tests
READY_LINE = re.compile(r"^\[summon\] ready: (\d+) services? in (\S+)")
PER_LEVEL_GOAL_MS = 5.0
RATIO_GOAL = 10.0
TIMEOUT_S = 60                # a bring-up that takes longer than this has hung
SLOW_PEER_RUNS = 2            # at most, for peers that take seconds a run


# ---- graphs --------------------------------------------------------------

def chain(n):
    return {f"s{i}": [f"s{i - 1}"] if i > 1 else [] for i in range(1, n + 1)}


def diamond():
    return {"top": [], "left": ["top"], "right": ["top"], "bottom": ["left", "right"]}


def fan(n):
    return {"root": [], **{f"leaf{i}": ["root"] for i in range(1, n + 1)}}


def grid(n):
    """g{row}_{col} needs the service above it and the one on its left."""
    graph = {}
    for row in range(1, n + 1):
        for col in range(1, n + 1):
            graph[f"g{row}_{col}"] = ([f"g{row - 1}_{col}"] if row > 1 else []) + \
                                     ([f"g{row}_{col - 1}"] if col > 1 else [])
    return graph


def layers(graph):
    """The services grouped by level (1 + the deepest dependency's level); the
    graphs are written in dependency order."""
    level = {}
    for name, deps in graph.items():
        level[name] = 1 + max((level[dep] for dep in deps), default=0)
    grouped = [[] for _ in range(max(level.values()))]
    for name, depth in level.items():
        grouped[depth - 1].append(name)
    return grouped


# ---- probe kinds ---------------------------------------------------------

def service_argv(ctx, name, kind, port, flag):
    """The test service becoming ready the `kind` way, DELAY_MS after start."""
    ready = {"tcp": f"tcp:{port}", "http": f"http:{port}", "log": "log:ready",
             "notify": "notify", "fd": "fd:3", "file": f"file:{flag}"}[kind]
    return [ctx.service, "--name", name, "--ready-after", str(DELAY_MS),
            "--on-term", "exit", "--ready", ready]


def summon_probe(kind, port, flag):
    return {"tcp": {"tcp": port}, "http": {"http": f"http://127.0.0.1:{port}/"},
            "log": {"log": "ready"}, "notify": {"notify": True}, "fd": {"fd": 3},
            "file": {"file": flag}}[kind]


def wait_on_resource(kind, port, flag):
    # http-get, not http: wait-on's default HEAD gets a body back from the test
    # service, which Node's strict HTTP parser rejects.
    return {"tcp": f"tcp:127.0.0.1:{port}", "http": f"http-get://127.0.0.1:{port}/",
            "file": f"file:{flag}"}[kind]


def flag_paths(folder, graph):
    return {name: os.path.join(folder, f"{name}.flag") for name in graph}


def remove_flags(flags):
    for path in flags.values():
        if os.path.exists(path):
            os.unlink(path)


def free_ports(count):
    """Distinct free loopback ports, for the peers (summon picks its own)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# ---- processes -----------------------------------------------------------

def spawn(argv, token, cwd):
    """Starts argv in its own session, so that its group can be killed, with
    a token in its environment that everything it starts inherits."""
    began = time.monotonic()
    process = subprocess.Popen(argv, env=benchlib.env_with(B1_RUN=token), cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    process.began = began
    return process


def kill_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def read_until(process, done, timeout=TIMEOUT_S):
    """Reads lines until done(line) holds; returns (seconds since start, the
    line, every line so far). The line is None when the output ended first."""
    killer = threading.Timer(timeout, kill_group, (process, signal.SIGKILL))
    killer.start()
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if done(line):
                return time.monotonic() - process.began, line, lines
        return None, None, lines
    finally:
        killer.cancel()


def stragglers(token):
    """Live processes (not zombies, whose environ reads empty) carrying the token."""
    needle = f"B1_RUN={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            pass
    return found


def sweep(token, grace=2.0):
    """Waits up to `grace` for the token's processes to end, then kills what is
    left. Returns how many had to be killed; raises if any survive SIGKILL."""
    deadline = time.monotonic() + grace
    while (left := stragglers(token)) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while stragglers(token):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes {stragglers(token)} survived SIGKILL")
        time.sleep(0.02)
    return len(left)


def reap(process):
    """Waits for a killed peer without reading its output, which a straggler
    could hold open."""
    process.stdout.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Tokens:
    """A fresh environment token per measurement, so leftovers are traced to it."""
    def __init__(self):
        self.count = 0

    def next(self):
        self.count += 1
        return f"b1-{os.getpid()}-{self.count}"


# ---- summon --------------------------------------------------------------

def summon_fixture(ctx, graph, kind, flags):
    """The YAML file; JSON strings are valid YAML scalars."""
    names = list(graph)
    ported = kind in ("tcp", "http")
    text = ""
    if ported:
        text += f"ports: [{', '.join(f'p{i}' for i in range(len(names)))}]\n"
    text += "services:\n"
    for i, name in enumerate(names):
        port = f"${{ports.p{i}}}" if ported else None
        text += f"  {name}:\n"
        text += f"    command: {json.dumps(service_argv(ctx, name, kind, port, flags[name]))}\n"
        text += f"    ready: {json.dumps(summon_probe(kind, port, flags[name]))}\n"
        if graph[name]:
            text += f"    depends_on: {json.dumps(graph[name])}\n"
    return text


def own_figure_ms(text):
    """summon's own elapsed text ("151ms", "1.21s"), only as a cross-check."""
    match = re.fullmatch(r"([\d.]+)(ms|s)", text)
    if not match:
        return float("nan")
    return float(match[1]) * (1 if match[2] == "ms" else 1000)


def time_summon(ctx, path, count, flags, token):
    """One `summon up`: ms to its ready line, and its own figure."""
    remove_flags(flags)
    process = spawn([ctx.summon, "up", "--no-color", path], token, os.path.dirname(path))
    try:
        seconds, line, lines = read_until(process, READY_LINE.match)
        if line is None:
            code = process.wait(timeout=30)
            raise RuntimeError(f"summon up {path} exited {code} with no ready line:\n"
                               + "\n".join(lines[-20:]))
        match = READY_LINE.match(line)
        if int(match[1]) != count:
            raise RuntimeError(f"summon up {path}: {line.strip()}, expected {count} services")
        process.send_signal(signal.SIGINT)
        done = benchlib.finish(process, timeout=30)
        if done.code != 0:
            raise RuntimeError(f"summon up {path} exited {done.code} after SIGINT:\n{done.out}")
        if sweep(token, grace=0.5):
            raise RuntimeError(f"summon up {path} left processes behind after it exited")
        return seconds * 1000, own_figure_ms(match[2])
    finally:
        if process.returncode is None:
            kill_group(process, signal.SIGKILL)
            reap(process)
        sweep(token)


# ---- peers ---------------------------------------------------------------

class Peer:
    """A way to bring the graph up without summon; script() writes one run's
    argv (fresh ports each run). A slow peer takes seconds a run and is 20× or
    more off summon, so fewer runs of it (SLOW_PEER_RUNS) keep the module short."""
    def __init__(self, label, kind, script, slow=False):
        self.label, self.kind, self.script, self.slow = label, kind, script, slow


def layered_script(ctx, graph, kind, folder, wait_line):
    """A bash script that starts each level in the background, then runs
    wait_line(ports, flags, names) before the next level, as people write."""
    ports = dict(zip(graph, free_ports(len(graph))))
    flags = flag_paths(folder, graph)
    remove_flags(flags)
    lines = ["#!/bin/bash"]
    for level in layers(graph):
        for name in level:
            argv = service_argv(ctx, name, kind, ports[name], flags[name])
            lines.append(f"{shlex.join(argv)} >/dev/null 2>&1 &")
        lines.append(wait_line(ports, flags, level))
    lines += [f"echo {MARKER}", "wait"]
    path = benchlib.write(os.path.join(folder, "peer.sh"), "\n".join(lines) + "\n")
    return ["bash", path]


def wait_on_peer(ctx, kind, fast):
    tool = ctx.npm_tool("wait-on")
    # Fastest sensible: poll every 10 ms; for files, also no 750 ms stability
    # window (-w 0 makes it the interval), which a flag file does not need.
    options = (["-i", "10"] + (["-w", "0"] if kind == "file" else [])) if fast else []
    label = f"bash + wait-on {kind} ({' '.join(options) or 'defaults'})"

    def script(graph, folder):
        def wait_line(ports, flags, level):
            resources = [wait_on_resource(kind, ports[name], flags[name]) for name in level]
            return shlex.join([tool, *options, *resources]) + " || exit 1"
        return layered_script(ctx, graph, kind, folder, wait_line)
    return Peer(label, kind, script, slow=True)


def sleep_peer(ctx):
    seconds = 2 * DELAY_MS / 1000

    def script(graph, folder):
        return layered_script(ctx, graph, "tcp", folder, lambda *_: f"sleep {seconds:g}")
    return Peer(f"bash + sleep {2 * DELAY_MS} ms per level", None, script)


def start_server_and_test_peer(ctx, fast):
    """It takes at most two server/url pairs: a chain of 2, waited on by http."""
    tool = ctx.npm_tool("start-server-and-test")

    def script(graph, folder):
        names = list(graph)
        if len(names) != 2 or graph[names[1]] != [names[0]]:
            raise ValueError("start-server-and-test expresses a chain of 2 only")
        argv = [tool]
        for name, port in zip(names, free_ports(2)):
            argv += [shlex.join(service_argv(ctx, name, "http", port, None)),
                     wait_on_resource("http", port, None)]
        argv.append(f"echo {MARKER}")
        if fast:
            # It reads its wait-on interval (default 2 s) from the environment.
            argv = ["env", "WAIT_ON_INTERVAL=10", *argv]
        return argv
    label = f"start-server-and-test ({'WAIT_ON_INTERVAL=10' if fast else 'defaults'})"
    return Peer(label, "http", script, slow=True)


def time_peer(peer, graph, folder, token):
    """ms from the script's start to its marker; then its group is killed."""
    process = spawn(peer.script(graph, folder), token, folder)
    try:
        seconds, line, lines = read_until(process, lambda text: text.strip() == MARKER)
        if line is None:
            raise RuntimeError(f"{peer.label}: no {MARKER} line:\n" + "\n".join(lines[-20:]))
        return seconds * 1000
    finally:
        kill_group(process, signal.SIGTERM)
        reap(process)
        kill_group(process, signal.SIGKILL)
        sweep(token)


# ---- the plan and the tables --------------------------------------------

def peers_for(ctx, missing):
    """The peers available; a missing npm tool is noted and skipped."""
    peers = [] if ctx.quick else [sleep_peer(ctx)]
    if ctx.npm_tool("wait-on"):
        # http at its defaults would repeat tcp's: both poll every 250 ms, and
        # Node's start-up outlasts the delay, so the first poll already succeeds.
        variants = [("tcp", True)] if ctx.quick else \
            [("tcp", False), ("tcp", True), ("http", True), ("file", False), ("file", True)]
        peers += [wait_on_peer(ctx, kind, fast) for kind, fast in variants]
    else:
        missing.append("wait-on")
    if ctx.quick and not peers:
        peers = [sleep_peer(ctx)]
    return peers


def plan(ctx, missing):
    """(label, graph, summon's probe kinds, peers) for each graph."""
    peers = peers_for(ctx, missing)
    if ctx.quick:
        return [("chain of 5", chain(5), ["tcp", "fd"], peers),
                ("diamond", diamond(), ["tcp", "fd"], peers)]
    graphs = [("chain of 10", chain(10)), ("diamond", diamond()),
              ("fan of 50", fan(50)), ("5×5 grid", grid(5))]
    steps = [(label, graph, KINDS, peers) for label, graph in graphs]
    if ctx.npm_tool("start-server-and-test"):
        steps.append(("chain of 2", chain(2), ["http"],
                      [start_server_and_test_peer(ctx, False),
                       start_server_and_test_peer(ctx, True)]))
    else:
        missing.append("start-server-and-test")
    return steps


def measure_graph(ctx, label, graph, kinds, peers, tokens):
    """Medians for summon per kind and for each peer; runs are interleaved so
    that a noisy moment hits every contender alike."""
    folder = ctx.folder(f"b1-{re.sub(r'[^A-Za-z0-9]+', '-', label)}")
    flags = flag_paths(folder, graph)
    paths = {kind: benchlib.write(os.path.join(folder, f"{kind}.yaml"),
                                  summon_fixture(ctx, graph, kind, flags)) for kind in kinds}
    summon = {kind: [] for kind in kinds}
    peer_times = {peer.label: [] for peer in peers}
    for index in range(ctx.runs):
        for kind in kinds:
            summon[kind].append(time_summon(ctx, paths[kind], len(graph), flags, tokens.next()))
        for peer in peers:
            if peer.slow and index >= SLOW_PEER_RUNS:
                continue
            peer_folder = ctx.folder(f"{os.path.basename(folder)}-peer")
            peer_times[peer.label].append(time_peer(peer, graph, peer_folder, tokens.next()))
    totals = {kind: (benchlib.median([t for t, _ in runs]), benchlib.median([o for _, o in runs]))
              for kind, runs in summon.items()}
    return totals, {name: benchlib.median(times) for name, times in peer_times.items()}


def summon_note(ctx):
    return (
        f"Every service is the test service, ready {DELAY_MS} ms after it starts in the "
        "probe's way (listening on its port, answering http, printing a line, READY=1 on "
        "$NOTIFY_SOCKET, a newline on fd 3, creating a file). The critical path is "
        f"{DELAY_MS} ms × the number of dependency levels. summon's total is timed from "
        "Python: from just before `summon up --no-color FILE` is spawned to when its "
        "`[summon] ready: N services` line is read; summon then gets SIGINT and must exit 0 "
        "with no process left. The overhead therefore includes summon's own start-up and "
        "every spawn; summon's own figure, the duration printed on its ready line, is a "
        f"cross-check only. Medians of {ctx.runs} run(s), interleaved with the peers' runs. "
        f"Goal met: at most {PER_LEVEL_GOAL_MS:g} ms per level, and the best peer's overhead "
        f"(the sleep script, or wait-on on the same probe kind) at least {RATIO_GOAL:g}× "
        "summon's" + (" (in quick mode a kind with no peer is held to the per-level goal "
                      "only)." if ctx.quick else "."))


def peer_note(ctx):
    return (
        "Peers are timed the same way, from the spawn of the script until it prints a "
        "marker where it would start the tests; then its process group is killed, and no "
        "process carrying the run's environment token may remain. The bash scripts start "
        "one dependency level in the background and wait for all of it before the next "
        "(with equal delays, as fast as a dependency-aware script could be): `wait-on` once "
        "per level, at its defaults (poll every 250 ms; for files a 750 ms stability "
        "window) or at its fastest sensible setting (`-i 10`, and `-w 0` for files); or a "
        "fixed `sleep` of twice the known delay per level, set against summon's slowest "
        "probe kind on the graph. Each `wait-on` is a fresh Node process, whose start-up "
        "outlasts the 50 ms delay, so its first poll already succeeds and its interval "
        "hardly matters (wait-on http at its defaults is left out: it would repeat tcp's). "
        "http waits use `http-get://`: the test service answers HEAD with a body, which "
        "Node's HTTP parser rejects. `start-server-and-test` 2.1.5 takes at most two "
        "server/url pairs, so it runs on a chain of 2, waited on by http, at its default "
        "interval (2 s) and with `WAIT_ON_INTERVAL=10`. wait-on and start-server-and-test "
        f"take seconds a run and are measured in the first {min(ctx.runs, SLOW_PEER_RUNS)} "
        "run(s) only.")


def add_rows(main, peer_table, label, graph, peers, summon, peer_totals):
    levels = len(layers(graph))
    critical = levels * DELAY_MS
    overhead = {kind: total - critical for kind, (total, _) in summon.items()}
    for peer in peers:
        peer_over = peer_totals[peer.label] - critical
        against = overhead.get(peer.kind, max(overhead.values()))
        peer_table.add(label, peer.label, peer.kind or "none (fixed sleeps)",
                       peer_totals[peer.label], peer_over, peer_over / levels,
                       against, benchlib.ratio(peer_over, against))
    for kind, (total, own) in summon.items():
        best = min((peer_totals[p.label] - critical for p in peers if p.kind in (kind, None)),
                   default=float("nan"))
        per_level = overhead[kind] / levels
        beaten = best != best or best >= RATIO_GOAL * overhead[kind]
        main.add(label, kind, len(graph), levels, float(critical), total, own,
                 overhead[kind], per_level, best,
                 "—" if best != best else benchlib.ratio(best, overhead[kind]),
                 "yes" if per_level <= PER_LEVEL_GOAL_MS and beaten else "no")


def run(ctx):
    missing = []
    tokens = Tokens()
    main = benchlib.Table(
        "B1: summon's bring-up against the critical path",
        ["graph", "probe", "services", "levels", "critical path ms", "summon total ms",
         "summon's own figure ms", "overhead ms", "overhead / level ms",
         "best peer overhead ms", "peer ÷ summon", "goal met"])
    peer_table = benchlib.Table(
        "B1: peers on the same graphs",
        ["graph", "peer", "probe", "total ms", "overhead ms", "overhead / level ms",
         "summon overhead ms (same probe)", "peer ÷ summon"])
    for label, graph, kinds, peers in plan(ctx, missing):
        print(f"B1: {label}", flush=True)
        summon, peer_totals = measure_graph(ctx, label, graph, kinds, peers, tokens)
        add_rows(main, peer_table, label, graph, peers, summon, peer_totals)
    main.notes.append(summon_note(ctx))
    peer_table.notes.append(peer_note(ctx))
    if missing:
        peer_table.notes.append("Skipped, as its npm tool is not installed (`npm ci` in "
                                f"bench/): {', '.join(missing)}.")
    return [main, peer_table]
