"""Honest one-shot idle: with a heartbeat threshold, a run whose programs
watched less than --idle-after says so (a line on stderr for snapshot and
cost, "warming up" in top's header, heartbeat_effective false in every JSON
policy); a long enough --observe, or a pinned sockcostd that has watched
long enough, says nothing of the kind and counts the heartbeat-only
connections idle. And the shares those views print are rounded one way.

The clients only exchange 2-byte pings, so with --heartbeat-bytes 4 every
connection is idle once watched for --idle-after, and none before: kernel
timestamps see the pings as traffic."""
import json
import os
import socket
import subprocess
import time

import pytest

from helpers import (SOCKCOST, Child, Ticker, connect_pairs, listener, port_of, proc_fd_count,
                     proc_nofile_soft, ss_states)
from sockcostd_helpers import Daemon

PAIRS = 10
PING = 2           # bytes each way: a heartbeat under the threshold below
HEARTBEAT = "4"
WARNING = "--heartbeat-bytes 4 has not applied yet"


def _ping_all(pairs):
    for c, s in pairs:
        c.sendall(b"p" * PING)
        s.recv(PING, socket.MSG_WAITALL)
        s.sendall(b"q" * PING)
        c.recv(PING, socket.MSG_WAITALL)


@pytest.fixture
def heartbeats():
    """PAIRS loopback connections exchanging only pings, every 0.2 s."""
    lst = listener()
    pairs = connect_pairs(lst, PAIRS)
    ticker = Ticker(lambda: _ping_all(pairs), 0.2, max_s=120)
    yield port_of(lst)
    ticker.stop()
    for c, s in pairs:
        c.close()
        s.close()
    lst.close()


def run(*args, env=None, timeout=120):
    r = subprocess.run([SOCKCOST, *args], capture_output=True, text=True, timeout=timeout,
                       env=env)
    assert r.returncode == 0, r.stderr
    return r


def warnings(stderr):
    return [line for line in stderr.splitlines() if WARNING in line]


def established(port):
    """The server ends of the test's connections (local port `port`, the
    ones --port keeps), as ss counts them."""
    return sum(1 for st, lport, _ in ss_states(port) if st == "ESTAB" and lport == int(port))


def test_one_shot_says_the_threshold_has_not_applied(heartbeats):
    port = str(heartbeats)
    r = run("snapshot", "--json", "--idle-after", "6", "--heartbeat-bytes", HEARTBEAT,
            "--port", port)
    doc = json.loads(r.stdout)
    policy = doc["policy"]
    assert policy["heartbeat_bytes"] == 4 and policy["idle_after_s"] == 6
    assert policy["heartbeat_effective"] is False
    assert 0 <= policy["watched_s"] < 6
    assert policy["heartbeat_effective_in_s"] == pytest.approx(6 - policy["watched_s"], abs=0.002)
    # What it warns about: the heartbeat-only connections are all counted active.
    assert doc["ports"][0]["connections"] == PAIRS
    assert sum(p["connections"] for p in doc["processes"]) == PAIRS == established(port)
    assert sum(p["idle_connections"] for p in doc["processes"]) == 0
    lines = warnings(r.stderr)
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("sockcost: warning: ")
    assert "--observe" in lines[0] and "sockcostd" in lines[0]
    assert "of --idle-after 6.0s" in lines[0]

    # The table says it too, and so does cost (its JSON with the same policy).
    r = run("snapshot", "-a", "6", "-H", HEARTBEAT, "--port", port)
    assert len(warnings(r.stderr)) == 1, r.stderr
    r = run("cost", "--json", "-a", "6", "-H", HEARTBEAT, "--port", port)
    assert len(warnings(r.stderr)) == 1, r.stderr
    assert json.loads(r.stdout)["policy"]["heartbeat_effective"] is False
    # An observation shorter than --idle-after is not enough either.
    r = run("snapshot", "--json", "-a", "6", "-H", HEARTBEAT, "--observe", "1", "--port", port)
    assert len(warnings(r.stderr)) == 1, r.stderr
    assert 1 <= json.loads(r.stdout)["policy"]["watched_s"] < 6


def test_no_threshold_no_warning(heartbeats):
    r = run("snapshot", "--json", "--idle-after", "6", "--port", str(heartbeats))
    assert "has not applied" not in r.stderr, r.stderr
    assert json.loads(r.stdout)["policy"]["heartbeat_effective"] is True


def test_observe_auto_watches_idle_after_and_says_nothing(heartbeats):
    port = str(heartbeats)
    r = run("snapshot", "--json", "--idle-after", "2", "-H", HEARTBEAT, "--observe", "auto",
            "--port", port)
    doc = json.loads(r.stdout)
    assert "has not applied" not in r.stderr, r.stderr
    assert "watching activity for 2.0s" in r.stderr
    assert doc["policy"]["heartbeat_effective"] is True
    assert doc["policy"]["watched_s"] >= 2
    assert doc["policy"]["heartbeat_effective_in_s"] == 0
    # Watched long enough: every heartbeat-only connection is idle.
    assert sum(p["idle_connections"] for p in doc["processes"]) == PAIRS == established(port)

    r = run("cost", "--json", "-a", "2", "-H", HEARTBEAT, "-o", "auto", "--port", port)
    assert "has not applied" not in r.stderr, r.stderr
    assert json.loads(r.stdout)["policy"]["heartbeat_effective"] is True


def test_top_warms_up(heartbeats):
    port = str(heartbeats)
    r = run("top", "-b", "-n", "1", "-a", "6", "-H", HEARTBEAT, "-P", port)
    assert "heartbeat <= 4 B (warming up: " in r.stdout, r.stdout
    r = run("top", "--json", "-n", "1", "-a", "6", "-H", HEARTBEAT, "-P", port)
    assert json.loads(r.stdout.splitlines()[0])["policy"]["heartbeat_effective"] is False
    # Frames 1 s apart with idle-after 3: the first warms up (room for a slow
    # first walk on a loaded host), the fifth has watched long enough.
    r = run("top", "-b", "-n", "5", "-d", "1", "-a", "3", "-H", HEARTBEAT, "-P", port)
    frames = r.stdout.split("sockcost top - ")[1:]
    assert len(frames) == 5, r.stdout
    assert "warming up" in frames[0]
    assert "warming up" not in frames[4], frames[4]


def test_pinned_daemon_that_watched_long_enough(heartbeats, pin_dir):
    """The CLI reads the daemon's pinned programs: once they have watched for
    --idle-after, no warning and the heartbeat-only connections are idle; a
    longer --idle-after than the daemon's watch still warns."""
    port = str(heartbeats)
    env = dict(os.environ, SOCKCOST_PIN_DIR=pin_dir)
    d = Daemon("--pin-dir", pin_dir, "--heartbeat-bytes", HEARTBEAT, "--enable-snapshot", pin=True)
    try:
        time.sleep(2.5)  # the test: the daemon's programs watch for longer than 2 s
        r = run("snapshot", "--json", "-a", "2", "-H", HEARTBEAT, "--port", port, env=env)
        doc = json.loads(r.stdout)
        assert "has not applied" not in r.stderr, r.stderr
        assert doc["policy"]["heartbeat_effective"] is True
        assert doc["policy"]["watched_s"] >= 2.5
        assert sum(p["idle_connections"] for p in doc["processes"]) == PAIRS == established(port)
        r = run("cost", "--json", "-a", "2", "-H", HEARTBEAT, "--port", port, env=env)
        assert "has not applied" not in r.stderr, r.stderr
        r = run("top", "-b", "-n", "1", "-a", "2", "-H", HEARTBEAT, "-P", port, env=env)
        assert "warming up" not in r.stdout, r.stdout

        # The daemon's own document carries the policy too: its own --idle-after
        # (the default 180 s) is longer than it has watched.
        code, _, body = d.get("/snapshot.json")
        assert code == 200
        policy = json.loads(body)["policy"]
        assert policy["heartbeat_bytes"] == 4 and policy["idle_after_s"] == 180
        assert policy["watched_s"] >= 2.5 and policy["heartbeat_effective"] is False

        # Its watch is shorter than a 60 s --idle-after: that still warns.
        r = run("snapshot", "--json", "-a", "60", "-H", HEARTBEAT, "--port", port, env=env)
        assert len(warnings(r.stderr)) == 1, r.stderr
        assert json.loads(r.stdout)["policy"]["heartbeat_effective"] is False
    finally:
        d.stop()


def _percent(part, whole):
    """fmt_percent's rule, computed here on its own: half up, 100% only for
    all, 0% only for none."""
    if part and part != whole:
        pct = (part * 200 + whole) // (2 * whole)
        if pct == 100:
            return "99%" if part < whole else "101%"
        if pct == 0:
            return "<1%"
        return f"{pct}%"
    return "100%" if part else "0%"


def test_fd_percent_is_the_same_in_snapshot_and_top():
    """A process whose fd share rounds up (x.7%): snapshot truncated it, top
    rounded it. Both now print what /proc's counts give, rounded half up."""
    def setup():
        lst = listener()
        held = [lst, connect_pairs(lst, 3)]
        while (len(os.listdir("/proc/self/fd")) - 1) % 10 != 7:  # the listing's own fd
            held.append(open("/dev/null"))
        return held

    child = Child(setup, name=b"sc-pct-hold", nofile=1000)
    try:
        fds, limit = proc_fd_count(child.pid), proc_nofile_soft(child.pid)
        assert limit == 1000 and fds % 10 == 7
        want = _percent(fds, limit)
        snap = run("snapshot", "--pid", str(child.pid)).stdout
        row = next(line.split() for line in snap.splitlines()
                   if line.split()[:1] == [str(child.pid)])
        # PID COMMAND CONN IDLE IDLE% FDS/LIMIT FD% SOCK MEM
        assert row[5] == f"{fds}/{limit}" and row[6] == want, snap
        top = run("top", "-b", "-n", "1", "-p", str(child.pid)).stdout
        row = next(line.split() for line in top.splitlines()
                   if line.split()[:1] == [str(child.pid)])
        # PID COMMAND CONN IDLE IDLE% FDS FD-LIMIT FD%
        assert row[5:8] == [str(fds), str(limit), want], top
    finally:
        child.stop()
