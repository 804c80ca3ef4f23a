"""FD ETA: when a process's open fds reach its RLIMIT_NOFILE soft limit at their
growth rate. A test process opens fds at a steady pace towards a low soft limit
it sets itself; `top --json` frames and `cost --observe` must give the time
left that /proc/PID/fd and /proc/PID/limits give (the independent source); a
process with a steady count gets none, one at its limit gets 0."""
import json
import os
import subprocess
import threading
import time

import pytest

from helpers import (SOCKCOST, Child, connect_pairs, listener, paced, proc_fd_count,
                     proc_nofile_soft, run_sockcost)

RATE = 20           # fds the leaker opens a second
LIMIT = 1000        # its soft RLIMIT_NOFILE: reached about 50 s after it starts
LEAK_MAX_S = 90     # the leaker stops opening after this long, whatever happens
FULL_LIMIT = 64     # the soft limit of the process that fills it
FRAMES = 16         # top frames, one a second: the ETA needs 6 over 10 s


def _leaker():
    def setup():
        lst = listener()
        pairs = connect_pairs(lst, 1)  # a TCP socket, so top and cost list it

        def leak():
            held = []  # at the limit (EMFILE) it stays there
            paced(RATE, LEAK_MAX_S, lambda: held.append(os.open("/dev/null", os.O_RDONLY)))
        threading.Thread(target=leak, daemon=True).start()
        return lst, pairs
    return setup


def _steady():
    def setup():
        lst = listener()
        return lst, connect_pairs(lst, 3)
    return setup


def _full():
    def setup():
        lst = listener()
        held = [lst, connect_pairs(lst, 1)]
        for _ in range(FULL_LIMIT + 1):
            try:
                held.append(os.open("/dev/null", os.O_RDONLY))
            except OSError:
                break
        return held
    return setup


class Oracle:
    """Open fds of pid over time, from /proc/PID/fd, and its soft limit from /proc/PID/limits."""

    def __init__(self, pid):
        self.pid = pid
        self.limit = proc_nofile_soft(pid)
        self.reads = []

    def read(self):
        self.reads.append((time.monotonic(), proc_fd_count(self.pid)))
        return self.reads[-1]

    def rate(self):
        (t0, c0), (t1, c1) = self.reads[0], self.reads[-1]
        return (c1 - c0) / (t1 - t0)

    def eta(self):
        """Seconds until the limit from the last read, at the rate read; None
        before any growth was read (a first frame can come within one fd's pace)."""
        rate = self.rate()
        return (self.limit - self.reads[-1][1]) / rate if rate > 0 else None


@pytest.fixture
def procs():
    started = []

    def start(setup, name, nofile=None):
        c = Child(setup, name=name, nofile=nofile)
        started.append(c)
        return c
    yield start
    # The last started first: a child holds the stop pipes of those forked before it.
    for c in reversed(started):
        c.stop()


def _close_to(got, want, rel=0.1, abs_s=2.0):
    return abs(got - want) <= max(abs_s, rel * want)


def test_top_json_frames_give_the_eta(procs):
    leak = procs(_leaker(), b"sc-fd-leak", nofile=LIMIT)
    steady = procs(_steady(), b"sc-fd-steady")
    full = procs(_full(), b"sc-fd-full", nofile=FULL_LIMIT)
    oracle = Oracle(leak.pid)
    assert oracle.limit == LIMIT
    oracle.read()
    proc = subprocess.Popen([SOCKCOST, "top", "--json", "-d", "1", "-n", str(FRAMES), "-p",
                             f"{leak.pid},{steady.pid},{full.pid}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frames, truth = [], []
    try:
        for _ in range(FRAMES):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            oracle.read()
            frames.append(json.loads(line))
            truth.append(oracle.eta())
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert all(f["fd_eta_window_s"] == 60 for f in frames)

    def row(f, pid):
        return next(p for p in f["processes"] if p["pid"] == pid)

    # No ETA from the first frames: too few samples over too short a span.
    first = row(frames[0], leak.pid)
    assert first["fd_eta_s"] is None and first["fd_eta_why"], first
    timed = [(row(f, leak.pid), t) for f, t in zip(frames, truth)
             if row(f, leak.pid)["fd_eta_s"] is not None]
    # FRAMES frames a second apart span 15 s: the ETA shows from about the 11th on.
    assert len(timed) >= 3, [row(f, leak.pid) for f in frames]
    for r, want in timed:
        assert want is not None and _close_to(r["fd_eta_s"], want), (r, want, oracle.reads)
        assert _close_to(r["fd_growth_per_s"], oracle.rate(), abs_s=0), (r, oracle.rate())
        assert r["fd_eta_why"] is None
    last = frames[-1]
    assert row(last, leak.pid)["fds"] < LIMIT
    # The leaker is a service of its own: its ETA, by its pid.
    svc = next(s for s in last["services"] if s["main_pid"] == leak.pid)
    assert svc["fd_eta_s"] == row(last, leak.pid)["fd_eta_s"]
    assert svc["fd_eta_pid"] == leak.pid

    # A steady count: watched long enough, and no ETA.
    r = row(last, steady.pid)
    assert r["fds"] == proc_fd_count(steady.pid)
    assert r["fd_eta_s"] is None and r["fd_eta_why"] == "fds not growing", r
    assert r["fd_growth_per_s"] == 0
    svc = next(s for s in last["services"] if s["main_pid"] == steady.pid)
    assert svc["fd_eta_s"] is None and svc["fd_eta_pid"] is None

    # At its limit from the first frame on: 0 s.
    assert proc_fd_count(full.pid) >= proc_nofile_soft(full.pid) == FULL_LIMIT
    for f in frames:
        r = row(f, full.pid)
        assert r["fd_eta_s"] == 0 and r["fd_eta_why"] == "at its fd limit", r


OBSERVE_S = 13


def test_cost_observe_gives_the_eta(procs):
    leak = procs(_leaker(), b"sc-fd-leak", nofile=LIMIT)
    steady = procs(_steady(), b"sc-fd-steady")
    oracle = Oracle(leak.pid)
    oracle.read()
    runs = [subprocess.Popen([SOCKCOST, "cost", "--json", "--observe", str(OBSERVE_S), "--pid",
                              str(pid)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for pid in (leak.pid, steady.pid)]
    try:
        out = [p.communicate(timeout=OBSERVE_S + 60) for p in runs]
    finally:
        for p in runs:
            if p.poll() is None:
                p.kill()
                p.wait()
    oracle.read()
    assert [p.returncode for p in runs] == [0, 0], [o[1] for o in out]
    docs = [json.loads(o[0]) for o in out]

    def row(doc, pid):
        return next(p for p in doc["processes"] if p["pid"] == pid)

    r = row(docs[0], leak.pid)
    # The report's count is its newest sample: the ETA is from then, a moment before the
    # oracle's last read (the report is written in between).
    assert _close_to(r["fd_eta_s"], oracle.eta(), abs_s=2.5), (r, oracle.eta(), oracle.reads)
    assert _close_to(r["fd_growth_per_s"], oracle.rate(), abs_s=0), (r, oracle.rate())
    assert r["fd_samples"] >= OBSERVE_S - 1
    assert r["fd_eta_why"] is None
    r = row(docs[1], steady.pid)
    assert r["fd_eta_s"] is None and r["fd_eta_why"] == "fds not growing", r
    assert r["fd_growth_per_s"] == 0


def test_cost_without_observe_says_so(procs):
    leak = procs(_leaker(), b"sc-fd-leak", nofile=LIMIT)
    full = procs(_full(), b"sc-fd-full", nofile=FULL_LIMIT)
    r = run_sockcost("cost", "--json", "--pid", str(leak.pid))
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)["processes"][0]
    assert p["fd_eta_s"] is None and p["fd_eta_why"] == "not watched over time", p
    r = run_sockcost("cost", "--pid", str(leak.pid))
    assert r.returncode == 0, r.stderr
    assert "(FD ETA needs --observe SECS, 10 or more" in r.stdout, r.stdout
    head = next(line for line in r.stdout.splitlines() if line.startswith("PID "))
    assert "FD ETA" in head
    row = next(line for line in r.stdout.splitlines() if line.startswith(f"{leak.pid} "))
    assert row.split()[4] == "-", row
    # At its limit is a fact now, not a guess at growth.
    r = run_sockcost("cost", "--json", "--pid", str(full.pid))
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)["processes"][0]
    assert proc_fd_count(full.pid) >= FULL_LIMIT
    assert p["fd_eta_s"] == 0 and p["fd_eta_why"] == "at its fd limit", p
