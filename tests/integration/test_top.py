"""`sockcost top`: batch frames (text and --json) over a workload this test
holds, and the interactive view driven through tmux."""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from helpers import (SOCKCOST, Child, connect_pairs, listener, port_of, proc_fd_count,
                     proc_nofile_soft, run_sockcost)

PAIRS = 25          # both ends in the holder: 2 * PAIRS established sockets
CHATTY = 5          # pairs that carry payload every 200 ms: 2 * CHATTY active sockets
IDLE_AFTER = "1"


def _hold(n, chatty):
    def setup():
        lst = listener()
        pairs = connect_pairs(lst, n)

        def chat():
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                for c, s in pairs[:chatty]:
                    c.sendall(b"x" * 100)
                    s.recv(4096)
                time.sleep(0.2)  # the workload's pace, not a wait
        if chatty:
            threading.Thread(target=chat, daemon=True).start()
        # The parent learns the port through a file named after this pid.
        with open(f"/tmp/sockcost-top-test.{os.getpid()}", "w") as f:
            f.write(str(port_of(lst)))
        return lst, pairs
    return setup


class Holder:
    def __init__(self, name, n, chatty):
        self.child = Child(_hold(n, chatty), name=name)
        self.pid = self.child.pid
        path = f"/tmp/sockcost-top-test.{self.pid}"
        with open(path) as f:
            self.port = int(f.read())
        os.unlink(path)
        self.name = name.decode()
        self.n = n

    def stop(self):
        self.child.stop()


@pytest.fixture
def holder():
    h = Holder(b"sc-top-hold", PAIRS, CHATTY)
    yield h
    h.stop()


def _text_rows(out, pid):
    """Per frame, the process row of pid as {column title: cell}."""
    frames = out.split("sockcost top - ")[1:]
    rows = []
    for fr in frames:
        lines = fr.splitlines()
        head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["PID", "COMMAND"])
        cells = None
        for line in lines[head + 1:]:
            if not line.strip():
                break
            parts = line.split()
            if parts[0] == str(pid):
                cells = parts
        rows.append(cells)
    return rows


def test_batch_text_counts_the_workload(holder):
    time.sleep(1.5)  # the test: every quiet socket idle for longer than --idle-after
    r = run_sockcost("top", "-b", "-n", "2", "-d", "1.5", "--idle-after", IDLE_AFTER,
                     "-p", str(holder.pid), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("sockcost top - ") == 2
    rows = _text_rows(r.stdout, holder.pid)
    assert all(rows), r.stdout
    # PID COMMAND CONN IDLE IDLE% FDS FD-LIMIT FD% ...
    last = rows[-1]
    assert last[1] == holder.name
    assert int(last[2]) == 2 * PAIRS
    # Watched for 1.5 s: only the chatty sockets are not idle.
    assert int(last[3]) == 2 * (PAIRS - CHATTY), r.stdout
    assert int(last[5]) == proc_fd_count(holder.pid)
    assert int(last[6]) == proc_nofile_soft(holder.pid)
    assert "idle after 1.0s" in r.stdout
    # The holder's listening port is in the port table with its accepted connections.
    assert re.search(rf"^\s*{holder.port}\s+{PAIRS}\s", r.stdout, re.M), r.stdout


CHURN = 10        # pairs the test opens and closes between frames
READ_SLACK_S = 0.2  # how far apart top's collections and the test's reads of the frames may be


def _churn(n):
    lst = listener()
    for c, s in connect_pairs(lst, n):
        c.close()
        s.close()
    lst.close()


def test_json_frames_parse_and_agree(holder):
    time.sleep(1.5)  # the test: every quiet socket idle for longer than --idle-after
    proc = subprocess.Popen([SOCKCOST, "top", "--json", "-n", "3", "-d", "1",
                             "--idle-after", IDLE_AFTER],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines, read_at = [], []
    try:
        for i in range(3):
            lines.append(proc.stdout.readline())
            read_at.append(time.monotonic())
            assert lines[-1], proc.stderr.read()
            if i < 2:
                _churn(CHURN)  # a known number of connections before the next frame
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == ""
    frames = [json.loads(line) for line in lines]
    assert [f["frame"] for f in frames] == [1, 2, 3]
    assert frames[0]["totals"]["opened_per_s"] is None
    prev = None
    for f in frames:
        t = f["totals"]
        assert f["policy"]["idle_after_s"] == 1.0
        assert sum(b["count"] for b in f["idle_histogram"]) == t["connections"]
        assert t["idle_connections"] <= t["connections"]
        assert t["processes"] == len(f["processes"])
        mine = [p for p in f["processes"] if p["pid"] == holder.pid]
        assert len(mine) == 1
        p = mine[0]
        assert p["comm"] == holder.name
        assert p["connections"] == 2 * PAIRS
        assert p["idle_connections"] == 2 * (PAIRS - CHATTY)
        assert p["fds"] == proc_fd_count(holder.pid)
        assert p["fd_limit"] == proc_nofile_soft(holder.pid)
        assert p["rss_bytes"] > 0
        assert abs(p["rss_per_connection_bytes"] - p["rss_bytes"] / p["connections"]) < 1
        assert p["tcp_sockets"] == 2 * PAIRS + 1  # and its listener
        port = [x for x in f["ports"] if x["port"] == holder.port]
        assert len(port) == 1 and port[0]["connections"] == PAIRS
        if prev is not None:
            dt = read_at[f["frame"] - 1] - read_at[prev["frame"] - 1]
            for kind in ("opened", "closed"):
                # Both ends of each churned pair (other processes may add more).
                delta = t[f"{kind}_total"] - prev["totals"][f"{kind}_total"]
                assert delta >= 2 * CHURN, kind
                # The rate is that delta over the time between top's two
                # collections, which the reads of the frames bound.
                rate = t[f"{kind}_per_s"]
                assert rate is not None, kind
                assert delta / (dt + READ_SLACK_S) - 0.005 <= rate <= \
                    delta / (dt - READ_SLACK_S) + 0.005, (kind, delta, dt, rate)
            assert p["connections_change_per_s"] == 0
        prev = f


def test_json_counts_opened_and_closed(holder):
    """Connections made between frames show in the kernel counters top reports."""
    proc = subprocess.Popen([SOCKCOST, "top", "--json", "-n", "2", "-d", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first, proc.stderr.read()
        lst = listener()
        pairs = connect_pairs(lst, 10)
        for c, s in pairs:
            c.close()
            s.close()
        lst.close()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    a, b = json.loads(first), json.loads(out.splitlines()[0])
    # 10 pairs: 20 sockets entered ESTABLISHED and left it (others may add more).
    assert b["totals"]["opened_total"] - a["totals"]["opened_total"] >= 20
    assert b["totals"]["closed_total"] - a["totals"]["closed_total"] >= 20
    assert b["totals"]["opened_per_s"] > 0


def test_batch_port_lists_its_connections(holder):
    r = run_sockcost("top", "-b", "-n", "1", "--port", str(holder.port), timeout=60)
    assert r.returncode == 0, r.stderr
    section = r.stdout.split(f"connections to port {holder.port}")[1]
    estab = [line for line in section.splitlines() if " ESTAB " in line]
    listen = [line for line in section.splitlines() if " LISTEN " in line]
    assert len(estab) == PAIRS, section
    assert len(listen) == 1
    assert all(line.split()[0] == str(holder.pid) for line in estab)
    r = run_sockcost("top", "--json", "-n", "1", "--port", str(holder.port), timeout=60)
    doc = json.loads(r.stdout)
    socks = doc["connections"]["sockets"]
    assert sum(s["state"] == "ESTAB" for s in socks) == PAIRS
    assert all(s["local"].endswith(f":{holder.port}") for s in socks)


def test_no_terminal_prints_one_frame_and_ends():
    r = subprocess.run([SOCKCOST, "top"], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "not a terminal" in r.stderr
    assert r.stdout.count("sockcost top - ") == 1


class Tmux:
    """A private tmux server (own socket) with one 160x50 shell window."""

    def __init__(self):
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed (make deps installs it)")
        self.sock = f"sockcost-top-test-{os.getpid()}-{time.monotonic_ns()}"
        self.tmux("new-session", "-d", "-x", "160", "-y", "50", "env", "PS1=$ ", "TERM=xterm",
                  "bash", "--norc", "--noprofile")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True,
                              text=True, timeout=10, check=True).stdout

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def type(self, text):
        self.tmux("send-keys", "-l", text)

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def wait_for(self, pattern, timeout=15, absent=False):
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if bool(re.search(pattern, s, re.M)) != absent:
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"{'still' if absent else 'never'} on screen: "
                                     f"{pattern!r}\n{s}")
            time.sleep(0.1)

    def kill(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, timeout=10)
        # kill-server leaves the socket file behind.
        path = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.geteuid()}", self.sock)
        if os.path.exists(path):
            os.unlink(path)


@pytest.fixture
def tmux():
    t = Tmux()
    yield t
    t.kill()


def _row_order(screen, pids):
    """The screen lines' order of the given pids (first column)."""
    seen = []
    for line in screen.splitlines():
        parts = line.split()
        if parts and parts[0] in pids and parts[0] not in seen:
            seen.append(parts[0])
    return seen


def test_interactive_keys_in_tmux(tmux, tmp_path):
    stty = tmp_path / "stty.before"
    big = Holder(b"sc-top-big", 30, 0)
    small = Holder(b"sc-top-small", 5, 0)
    try:
        pids = {str(big.pid), str(small.pid)}
        tmux.type(f"stty -g > {stty}; "
                  f"{SOCKCOST} top -d 1 --idle-after 1; echo top-exit=$?; "
                  f"stty -g | cmp -s - {stty} && echo stty-restored")
        tmux.keys("Enter")
        tmux.wait_for(r"Processes \(p\)")
        # Filter to the test processes: both shown, biggest CONN first.
        tmux.keys("\\")
        tmux.type("sc-top-")
        tmux.keys("Enter")
        s = tmux.wait_for(r"filter: sc-top-")
        assert _row_order(s, pids) == [str(big.pid), str(small.pid)], s
        assert re.search(rf"^\s*{big.pid}\s+sc-top-big\s+60\s", s, re.M), s
        # Sort by PID (N), then invert (I).
        tmux.keys("N")
        want = sorted(pids, key=int, reverse=True)
        s = tmux.wait_for(rf"^\s*{want[0]}\s[\s\S]*^\s*{want[1]}\s")
        tmux.keys("I")
        s = tmux.wait_for(rf"^\s*{want[1]}\s[\s\S]*^\s*{want[0]}\s")
        # < and > walk the sort columns; back to PID after a full turn is the same order.
        tmux.keys(">", "<")
        # Search jumps to the small one; Enter lists its connections.
        tmux.keys("/")
        tmux.type("sc-top-small")
        tmux.keys("Enter", "Enter")
        s = tmux.wait_for(rf"Connections: pid {small.pid}")
        estab = [line for line in s.splitlines() if " ESTAB " in line]
        assert len(estab) == 10, s
        assert "sc-top-small: 10 conn" in s
        # Back, then the ports view shows the big holder's listener.
        tmux.keys("Escape")
        tmux.wait_for(r"filter: sc-top-")
        tmux.keys("\\", "C-u")
        for _ in range(len("sc-top-")):
            tmux.keys("BSpace")
        tmux.keys("Enter")
        tmux.wait_for(r"filter:", absent=True)
        tmux.keys("o")
        s = tmux.wait_for(rf"^\s*{big.port}\s+30\s")
        assert "LISTENERS" in s
        # The outbound view: the holders' client ends, by remote port, one process each.
        tmux.keys("r")
        s = tmux.wait_for(rf"^\s*{big.port}\s+30\s+\d+\s+\d+%\s+1\s")
        assert re.search(rf"^\s*{small.port}\s+5\s+\d+\s+\d+%\s+1\s", s, re.M), s
        assert "REMOTE PORT" in s and "Outbound (r)" in s
        # Sorted by remote port (N): the bigger port first; inverted (I): the smaller.
        lo, hi = sorted((big.port, small.port))
        tmux.keys("N")
        tmux.wait_for(rf"^\s*{hi}\s+\d+\s[\s\S]*^\s*{lo}\s+\d+\s")
        tmux.keys("I")
        tmux.wait_for(rf"^\s*{lo}\s+\d+\s[\s\S]*^\s*{hi}\s+\d+\s")
        # Enter has no connections to list here, and says so.
        tmux.keys("Enter")
        tmux.wait_for(r"remote ports have no connections view")
        # Help, then any key returns.
        tmux.keys("h")
        tmux.wait_for(r"sockcost top - keys")
        tmux.keys("x")
        tmux.wait_for(r"sockcost top - keys", absent=True)
        # + raises idle-after from 1s to the next step, 2s.
        tmux.keys("p", "+")
        tmux.wait_for(r"idle after 2\.0s")
        tmux.keys("q")
        s = tmux.wait_for(r"top-exit=\d+")
        assert "top-exit=0" in s
        tmux.wait_for(r"stty-restored")
        assert "Processes (p)" not in tmux.screen()  # the alternate screen is gone
    finally:
        big.stop()
        small.stop()


@pytest.mark.parametrize("how", ["F10", "SIGTERM", "SIGINT"])
def test_interactive_other_exits_restore_terminal(tmux, how, tmp_path):
    stty = tmp_path / "stty.before"
    pidfile = str(tmp_path / "top.pid")
    tmux.type(f"stty -g > {stty}; "
              f"bash -c 'echo $$ > {pidfile}; exec {SOCKCOST} top -d 1'; echo top-exit=$?; "
              f"stty -g | cmp -s - {stty} && echo stty-restored")
    tmux.keys("Enter")
    tmux.wait_for(r"Processes \(p\)")
    with open(pidfile) as f:
        pid = int(f.read())
    os.unlink(pidfile)
    if how == "F10":
        tmux.keys("F10")
    else:
        os.kill(pid, getattr(__import__("signal"), how))
    s = tmux.wait_for(r"top-exit=\d+")
    assert "top-exit=0" in s, s
    tmux.wait_for(r"stty-restored")
    assert "Processes (p)" not in tmux.screen()
