"""U1: what the dashboard costs while B3's four writers flood a detached
project: the writers' throughput with no dashboard and with `summon ui`
open in a real terminal (tmux, 80x24), and the dashboard's own CPU."""
import os
import shlex
import shutil
import subprocess
import time

import benchlib
from b4_idle import sample, delta
from c1_ps import Detached
from c2_follow import WRITERS, LINE, MIB, fixture, records, wait_records

TITLE = "the dashboard on flooding writers"
GOAL = ("B3's four writers, each writing 256 MiB of 100-byte lines as fast as it can "
        "into a detached project, with and without `summon ui` open on it in an 80x24 "
        "tmux terminal. **Goal: the `summon ui` process uses under 5% of a core, and the "
        "writers' throughput stays within 10% of none.**")

WITHIN = 0.10
UI_SHARE = 0.05


class Tmux:
    """A tmux server of its own with one 80x24 pane running `argv`."""

    def __init__(self, folder, argv, env):
        self.socket = os.path.join(folder, "tmux.sock")
        config = benchlib.write(os.path.join(folder, "tmux.conf"), "set -g remain-on-exit on\n")
        command = " ".join(shlex.quote(word) for word in argv)
        self.tmux("-f", config, "new-session", "-d", "-x", "80", "-y", "24",
                  f"exec env XDG_RUNTIME_DIR={shlex.quote(env['XDG_RUNTIME_DIR'])} {command}")

    def tmux(self, *args, capture=False):
        return subprocess.run(["tmux", "-S", self.socket, *args], check=True, text=True,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL).stdout

    def server_pid(self):
        return int(self.tmux("display-message", "-p", "#{pid}", capture=True))

    def pid(self):
        return int(self.tmux("display-message", "-p", "-t", "0", "#{pane_pid}", capture=True))

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "0", capture=True)

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def wait_screen(tmux, text, timeout=30):
    deadline = time.monotonic() + timeout
    while text not in tmux.screen():
        if time.monotonic() > deadline:
            raise RuntimeError(f"U1: the dashboard never showed {text!r}:\n{tmux.screen()}")
        time.sleep(0.02)


def once(ctx, project, record, size, with_ui):
    """One flood (a restart of the writers): (MiB/s, the ui's CPU % of a core,
    the supervisor's CPU s per GiB, tmux's CPU % of a core)."""
    tmux = None
    if with_ui:
        tmux = Tmux(ctx.folder("u1-tmux"), [ctx.summon, "ui", "--file", project.path],
                    project.env)
        wait_screen(tmux, f"{WRITERS}/{WRITERS} ready")
    try:
        floods = len(records(record, "flooded"))
        before = sample(tmux.pid()) if tmux else None
        server_before = sample(tmux.server_pid()) if tmux else None
        supervisor_before = sample(project.pid)
        project.run("restart", *[f"w{n}" for n in range(WRITERS)])
        done = wait_records(record, "flooded", floods + WRITERS, 600)[floods:]
        after = sample(tmux.pid()) if tmux else None
        server_after = sample(tmux.server_pid()) if tmux else None
        supervisor_after = sample(project.pid)
    finally:
        if tmux:
            tmux.close()
    began = min(int(f[5]) - int(f[3]) for f in done)
    ended = max(int(f[5]) for f in done)
    seconds = (ended - began) / 1e9
    ui_share = delta(before, after)[1] / 1000 / seconds if tmux else None
    tmux_share = delta(server_before, server_after)[1] / 1000 / seconds if tmux else None
    total_mib = WRITERS * size / MIB
    supervisor = delta(supervisor_before, supervisor_after)[1] / 1000 * 1024 / total_mib
    return total_mib / seconds, ui_share, supervisor, tmux_share


def run(ctx):
    if not shutil.which("tmux"):
        raise RuntimeError("U1 needs tmux (scripts/setup installs it)")
    lines = (4 * MIB if ctx.quick else 256 * MIB) // LINE
    size = lines * LINE
    folder = ctx.folder("u1")
    record = os.path.join(folder, "record")
    path = benchlib.write(os.path.join(folder, "services.yaml"),
                          fixture(ctx.service, size, record))
    results = {False: [], True: []}
    project = Detached(ctx, path, folder)
    try:
        wait_records(record, "exit", WRITERS, 600)
        for _ in range(ctx.runs):
            for with_ui in (False, True):   # interleaved
                results[with_ui].append(once(ctx, project, record, size, with_ui))
    finally:
        project.down("U1")
    base = benchlib.median([r[0] for r in results[False]])
    speed = benchlib.median([r[0] for r in results[True]])
    share = benchlib.median([r[1] for r in results[True]])
    table = benchlib.Table(
        f"{WRITERS} writers × {size / MIB:.0f} MiB of {LINE}-byte lines, detached",
        ["dashboard", "MiB/s", "of none", "`summon ui` CPU, % of a core",
         "supervisor CPU s per GiB", "tmux server CPU, % of a core", "met"])
    supervisor = {way: benchlib.median([r[2] for r in results[way]]) for way in results}
    tmux_share = benchlib.median([r[3] for r in results[True]])
    table.add("none", base, "100%", "—", supervisor[False], "—", "—")
    table.add("`summon ui`, 80x24, all output", speed, f"{100 * speed / base:.0f}%",
              f"{100 * share:.1f}%", supervisor[True], f"{100 * tmux_share:.1f}%",
              "yes" if speed / base >= 1 - WITHIN and share < UI_SHARE else "no")
    table.notes.append(
        f"One project, brought up with `summon up -d`; each measured flood is a `summon "
        f"restart` of the four writers, with the dashboard (if any) already showing the "
        f"project in a tmux pane of 80x24, following the output of all. Throughput is "
        f"the bytes written over the span of the writers' own `flooded` records; the "
        f"dashboard's CPU is the change in its `/proc/PID/task/*/schedstat` over that "
        f"span, as are the supervisor's and the tmux server's (which draws the pane: "
        f"a terminal's own cost, on the same cores as the writers). The two take turns, {ctx.runs} round{'s' if ctx.runs > 1 else ''}; "
        f"medians.")
    return [table]
