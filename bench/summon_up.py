"""`summon up` running beside a benchmark: its output read as it comes, the
moments of its ready and stopped lines, and, afterwards, whatever of the run
is still alive."""
import os
import signal
import subprocess
import threading
import time

import benchlib


class Up:
    """One `summon up`: its output read by a thread to the end (a pipe left
    unread would block summon), the moments of its ready and stopped lines,
    and its peak RSS sampled when the stopped line arrives."""

    def __init__(self, ctx, path, marker):
        self.marker = marker
        self.lines = []
        self.ready_at = self.stopped_at = self.interrupted_at = self.exited_at = None
        self.peak_rss = float("nan")
        self.ready = threading.Event()
        self.done = threading.Event()
        self.process = benchlib.start([ctx.summon, "up", "--no-color", path],
                                      env=benchlib.env_with(), stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        try:
            for line in self.process.stdout:
                now = time.monotonic()
                if line.startswith("[summon] ready: "):
                    self.ready_at = now
                    self.ready.set()
                elif line.rstrip("\n") == "[summon] stopped":
                    self.stopped_at = now
                    self.peak_rss = benchlib.peak_rss_mib(self.process.pid)
                self.lines.append(line)
        finally:
            self.ready.set()
            self.done.set()

    def tail(self, count=20):
        return "".join(self.lines[-count:])

    def wait_ready(self, timeout):
        self.ready.wait(timeout)
        if self.ready_at is None:
            raise RuntimeError(f"summon was not ready within {timeout} s:\n{self.tail()}")
        return self.ready_at - self.process.began

    def interrupt(self):
        self.interrupted_at = time.monotonic()
        self.process.send_signal(signal.SIGINT)

    def wait_exit(self, timeout):
        """Waits for summon to exit and measures it (see benchlib.finish)."""
        killer = threading.Timer(timeout, self.process.kill)
        killer.start()
        os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOWAIT)
        killer.cancel()
        self.exited_at = time.monotonic()
        self.done.wait(10)
        timed = benchlib.finish(self.process)
        if timed.code != 0:
            raise RuntimeError(f"summon up exited {timed.code}:\n{self.tail()}")
        if self.stopped_at is None:
            raise RuntimeError(f"summon up printed no '[summon] stopped':\n{self.tail()}")
        return timed

    def stop(self, what):
        """SIGINT, a clean exit (see wait_exit), and no process of the run left
        after it; `what` names the benchmark in the error."""
        self.interrupt()
        self.wait_exit(60)
        left = self.close()
        if left:
            raise RuntimeError(f"{what}: {len(left)} processes were left after summon exited")

    def close(self):
        """Ends whatever is left: summon itself, then every process of the run."""
        if self.process.returncode is None:
            self.process.kill()
            self.process.wait()
        left = wait_gone(self.marker, 2.0)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return left


def marked(marker):
    """Live processes whose command line holds marker (the run's folder)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in command and state != "Z":
            found.append(int(entry))
    return found


def wait_gone(marker, seconds):
    """The run's processes still there after seconds (the guardian may take a moment)."""
    deadline = time.monotonic() + seconds
    while True:
        left = marked(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)
