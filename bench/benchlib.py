"""What every benchmark shares: where the programs are, how a run is timed,
and how a result becomes a Markdown table for RESULTS.md."""
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)


@dataclasses.dataclass
class Context:
    """One `bench/run`: the binaries, the mode, a scratch folder."""
    build: str           # the meson build folder
    quick: bool          # one run each, small sizes: the test suite's mode
    runs: int            # how many runs a median is taken over
    scratch: str         # a folder that is removed after the run

    @property
    def summon(self):
        return os.path.join(self.build, "src", "summon")

    @property
    def service(self):
        """The helper that plays a service (tests/helper/test_service.cc)."""
        return os.path.join(self.build, "tests", "helper", "summon-test-service")

    def npm_tool(self, name):
        """The path of an npm peer (bench/node_modules/.bin/NAME), or None
        when `npm ci` has not been run in bench/."""
        path = os.path.join(BENCH, "node_modules", ".bin", name)
        return path if os.access(path, os.X_OK) else None

    def folder(self, name):
        """A fresh folder under the scratch folder."""
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path


@dataclasses.dataclass
class Timed:
    """How a finished process went."""
    code: int
    seconds: float          # wall time from start to exit
    own_cpu_seconds: float  # user + system of the process itself, not its children
    all_cpu_seconds: float  # the same with every child it reaped (services, for summon)
    out: str = ""


TICKS = os.sysconf("SC_CLK_TCK")


def start(argv, env=None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=None):
    """Starts argv; finish() it. stdout may be a file object, DEVNULL or PIPE;
    stderr a file object, DEVNULL or STDOUT (one pipe at most: finish reads it)."""
    process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, cwd=cwd, text=True)
    process.began = time.monotonic()
    return process


def finish(process, timeout=600):
    """Waits for a process from start() to exit and measures it. Its own CPU
    time is read from /proc while it is a zombie, before it is reaped, so that
    the services summon reaped are not counted in it."""
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    out = process.stdout.read() if process.stdout else ""
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    killer.cancel()
    seconds = time.monotonic() - process.began
    own_cpu = 0.0
    try:
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own_cpu = (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError):
        pass
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Timed(process.returncode, seconds, own_cpu, usage.ru_utime + usage.ru_stime, out)


def peak_rss_mib(pid):
    """A live process's peak resident memory so far (VmHWM). wait4's ru_maxrss
    would not do: it keeps the Python parent's size from before the exec."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_timed(argv, env=None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
              timeout=600, cwd=None):
    """Runs argv to its end and measures it (see finish)."""
    return finish(start(argv, env, stdout, stderr, cwd), timeout)


def median(values):
    return statistics.median(values) if values else float("nan")


def env_with(**changes):
    env = dict(os.environ)
    env.pop("SUMMON_FILE", None)
    env["NO_COLOR"] = "1"
    env.update({key: str(value) for key, value in changes.items()})
    return env


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def layered_services(service, record, depth, width, name, parents, extra_args=()):
    """A services file of depth × width test services, each ready on a log line:
    service (layer, column) is called name(layer, column) and depends on
    parents(layer, column, width)."""
    lines = ["services:"]
    for layer in range(depth):
        for column in range(width):
            me = name(layer, column)
            command = [service, "--name", me, "--ready", "log:up", *extra_args, "--record", record]
            lines.append(f"  {me}:")
            lines.append(f"    command: {json.dumps(command)}")
            lines.append("    ready: {log: up}")
            deps = parents(layer, column, width)
            if deps:
                lines.append(f"    depends_on: [{', '.join(deps)}]")
    return "\n".join(lines) + "\n"


def ratio(value, baseline):
    if not baseline or baseline != baseline:
        return "—"
    return f"{value / baseline:.2f}×"


@dataclasses.dataclass
class Table:
    """One table of RESULTS.md."""
    title: str
    columns: list
    rows: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)  # paragraphs under it

    def add(self, *cells):
        self.rows.append([format_cell(cell) for cell in cells])

    def markdown(self):
        lines = [f"### {self.title}", "",
                 "| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---" for _ in self.columns) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        for note in self.notes:
            lines += ["", note]
        return "\n".join(lines) + "\n"


def format_cell(cell):
    if isinstance(cell, float):
        if cell != cell:
            return "—"
        return f"{cell:.1f}" if abs(cell) >= 10 else f"{cell:.2f}"
    return str(cell)


def machine():
    """A line about the machine the figures came from."""
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // (1024 * 1024)
    distro = ""
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return (f"{distro}, Linux {platform.release()}, {os.cpu_count()} × {cpu}, "
            f"{memory} GiB memory")
