"""U2: from a key press to the dashboard's screen changing, in a real
terminal (tmux), beside the same press echoed by `cat` in the same kind of
pane: what tmux and the pty take on their own."""
import os
import select
import shutil
import subprocess
import time

import benchlib
from c1_ps import Detached
from u1_dashboard import Tmux, wait_screen

TITLE = "key press to screen change"
GOAL = ("The dashboard open on a 2-service project in an 80x24 tmux pane; `j` and "
        "`k` pressed in turn, 50 times. **Goal: from the key sent (`tmux send-keys`) "
        "to the first byte of the new frame reaching the terminal, under 50 ms "
        "(median and worst).** Beside it, the same press echoed by `cat` in a pane of "
        "its own.")

PRESSES = 50
GOAL_MS = 50


def fixture(service):
    return "services:\n" + "".join(
        f"  s{n}:\n    command: [{service}, --name, s{n}]\n" for n in range(2))


def watch(tmux, folder):
    """The pane's output as a pipe: tmux writes what the pane shows into it."""
    fifo = os.path.join(folder, "pane.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    tmux.tmux("pipe-pane", "-o", "-t", "0", f"cat > {fifo}")
    return reader


def drain(fd):
    try:
        while os.read(fd, 65536):
            pass
    except BlockingIOError:
        pass


def presses(tmux, fd, keys):
    """ms from each key sent to the pane's next output."""
    out = []
    for n in range(PRESSES):
        drain(fd)
        began = time.monotonic()
        tmux.tmux("send-keys", "-t", "0", keys[n % len(keys)])
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            raise RuntimeError("U2: no screen change within 5 s of a key")
        out.append((time.monotonic() - began) * 1000)
        time.sleep(0.05)   # let the frame finish before the next key
    return out


def run(ctx):
    if not shutil.which("tmux"):
        raise RuntimeError("U2 needs tmux (scripts/setup installs it)")
    folder = ctx.folder("u2")
    path = benchlib.write(os.path.join(folder, "services.yaml"), fixture(ctx.service))
    project = Detached(ctx, path, folder)
    results = {"ui": [], "cat": []}
    try:
        ui = Tmux(ctx.folder("u2-ui"), [ctx.summon, "ui", "--file", path], project.env)
        cat = Tmux(ctx.folder("u2-cat"), ["cat"], project.env)
        try:
            wait_screen(ui, "2/2 ready")
            ui_fd, cat_fd = watch(ui, ctx.folder("u2-ui")), watch(cat, ctx.folder("u2-cat"))
            for _ in range(ctx.runs):   # interleaved
                results["ui"] += presses(ui, ui_fd, ["j", "k"])
                results["cat"] += presses(cat, cat_fd, ["x"])
        finally:
            ui.close()
            cat.close()
    finally:
        project.down("U2")
    table = benchlib.Table(f"{PRESSES} presses × {ctx.runs}, 80x24",
                           ["in the pane", "median ms", "worst ms", "met"])
    for way, label in (("ui", "`summon ui` (j, k)"), ("cat", "`cat` echoing a key")):
        values = results[way]
        worst = max(values)
        met = ("yes" if worst < GOAL_MS else "no") if way == "ui" else "—"
        table.add(label, benchlib.median(values), worst, met)
    table.notes.append(
        "Each press is timed from just before `tmux send-keys` (which starts a tmux "
        "client: a few ms of the figure are that) to the first byte the pane writes "
        "after it, read from `tmux pipe-pane` into a FIFO; 50 ms between presses. `cat` "
        "in a pane of its own takes the same path and only echoes: the floor.")
    return [table]
