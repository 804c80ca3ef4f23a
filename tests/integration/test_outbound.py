"""Outbound (client-side) connections: a client process holding pools to two
remote ports is counted by `snapshot --by remote`, the JSON "outbound" array,
`top`'s outbound table and sockcostd's sockcost_outbound_* series, each
checked against ss.

The servers are two listeners of this test; the clients are two forked
processes: pool 1 holds POOL1_A connections to port A (ACTIVE_A of them send
a byte every 200 ms) and POOL1_B to port B (ACTIVE_B active); pool 2 holds
POOL2_A idle ones to A. Idle ones carry nothing after the handshake and are
measured after IDLE_WAIT seconds, well past IDLE_AFTER."""
import json
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from helpers import Child, listener, port_of, run_sockcost, ss_entries, wait_for
from sockcostd_helpers import Daemon, parse_metrics, value

POOL1_A, ACTIVE_A = 7, 3
POOL1_B, ACTIVE_B = 4, 1
POOL2_A = 2
IDLE_AFTER = 5          # seconds: a busy connection sends every 200 ms, far inside it
IDLE_WAIT = 9           # seconds the idle connections stay silent before the checks


def _pool(targets):
    """setup() for a Child: connections to each (port, n, active), the first
    `active` of them sending a byte every 200 ms."""
    def setup():
        held, active = [], []
        for port, n, k in targets:
            conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
            held += conns
            active += conns[:k]

        def chat():
            # A bound, not a pace: the child is stopped at teardown; a slow
            # (sanitizer, loaded) run must not see its busy connections go idle.
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                for c in active:
                    c.sendall(b"x")
                time.sleep(0.2)  # the workload's pace, not a wait
        if active:
            threading.Thread(target=chat, daemon=True).start()
        return held
    return setup


class Pools:
    def __init__(self):
        self.la, self.lb = listener(), listener()
        self.a, self.b = port_of(self.la), port_of(self.lb)
        self.accepted = []
        self.pool1 = self.pool2 = None
        try:
            self.pool1 = Child(_pool([(self.a, POOL1_A, ACTIVE_A), (self.b, POOL1_B, ACTIVE_B)]),
                               name=b"sc-out-pool1")
            self.pool2 = Child(_pool([(self.a, POOL2_A, 0)]), name=b"sc-out-pool2")
            for lst, n in ((self.la, POOL1_A + POOL2_A), (self.lb, POOL1_B)):
                for _ in range(n):
                    self.accepted.append(lst.accept()[0])
        except BaseException:
            self.close()
            raise
        self.created = time.monotonic()

    def wait_idle(self):
        """Until the idle connections have been silent for IDLE_WAIT seconds."""
        left = self.created + IDLE_WAIT - time.monotonic()
        if left > 0:
            time.sleep(left)

    def close(self):
        for c in (self.pool1, self.pool2):
            if c:
                c.stop()
        for s in self.accepted + [self.la, self.lb]:
            s.close()


def ss_outbound(port):
    """(connections, idle) to remote port `port` as ss -ti sees them: idle when
    neither a send nor a receive came within IDLE_AFTER (lastsnd, lastrcv)."""
    entries = ss_entries("-i", "state", "established", f"( dport = :{port} )")
    idle = 0
    for _, info in entries:
        # ss leaves an age out when it is 0 (within the last millisecond).
        ages = [int(m.group(1)) if m else 0
                for m in (re.search(rf"\b{k}:(\d+)", info) for k in ("lastsnd", "lastrcv"))]
        idle += min(ages) >= IDLE_AFTER * 1000
    return len(entries), idle


@pytest.fixture(scope="module")
def daemon():
    # Started before the pools: their connections reach its totals by change.
    d = Daemon("--idle-after", str(IDLE_AFTER), "--top-processes", "1000")
    yield d
    d.stop()


@pytest.fixture(scope="module")
def pools(daemon):
    p = Pools()
    yield p
    p.close()


def want(pools):
    """{remote port: (connections, idle, processes)} the pools hold."""
    return {
        pools.a: (POOL1_A + POOL2_A, POOL1_A - ACTIVE_A + POOL2_A, 2),
        pools.b: (POOL1_B, POOL1_B - ACTIVE_B, 1),
    }


def test_ss_agrees_with_the_workload(pools):
    """The independent count the others are held to."""
    pools.wait_idle()
    for port, (conns, idle, _) in want(pools).items():
        assert ss_outbound(port) == (conns, idle)


def test_snapshot_json_outbound(pools):
    pools.wait_idle()
    r = run_sockcost("snapshot", "--json", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    rows = {o["remote_port"]: o for o in doc["outbound"]}
    for port, (conns, idle, procs) in want(pools).items():
        o = rows[port]
        assert (o["connections"], o["idle_connections"], o["processes"]) == (conns, idle, procs)
        assert o["remote_addresses"] == 1
        assert ss_outbound(port) == (conns, idle)
    # The same sockets, one by one: client ends of pool 1 and 2, none a server's.
    socks = [s for s in doc["sockets"] if s["rport"] in (pools.a, pools.b)
             and s["state"] == "ESTAB"]
    assert {s["pid"] for s in socks} == {pools.pool1.pid, pools.pool2.pid}
    assert len(socks) == POOL1_A + POOL2_A + POOL1_B
    # Busiest first.
    conns = [o["connections"] for o in doc["outbound"]]
    assert conns == sorted(conns, reverse=True)


def _table(text, header):
    """Rows (lists of fields) of the table whose header line starts with header."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip().startswith(header))
    out = []
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("("):
            break
        out.append(line.split())
    return out


def test_snapshot_by_remote(pools):
    pools.wait_idle()
    r = run_sockcost("snapshot", "--by", "remote", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    rows = {int(f[0]): f for f in _table(r.stdout, "REMOTE PORT")}
    for port, (conns, idle, procs) in want(pools).items():
        f = rows[port]
        assert (int(f[1]), int(f[2]), int(f[4]), int(f[5])) == (conns, idle, procs, 1)
        assert f[3] == f"{idle * 100 // conns}%"
    # The listening ports' table is not there: this grouping is about the client side.
    assert "LISTEN PORT" not in r.stdout

    r = run_sockcost("snapshot", "--by", "remote-addr", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    rows = {f[0]: f for f in _table(r.stdout, "REMOTE")}
    for port, (conns, idle, procs) in want(pools).items():
        f = rows[f"127.0.0.1:{port}"]
        assert (int(f[1]), int(f[2]), int(f[4])) == (conns, idle, procs)


def test_by_port_ends_with_the_outbound_table(pools):
    """`--by port` no longer loses the client side."""
    r = run_sockcost("snapshot", "--by", "port", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    listen = {int(f[0]): f for f in _table(r.stdout, "LISTEN PORT")}
    outbound = {int(f[0]): f for f in _table(r.stdout, "REMOTE PORT")}
    assert int(listen[pools.a][1]) == POOL1_A + POOL2_A   # the server ends
    assert int(outbound[pools.a][1]) == POOL1_A + POOL2_A  # the client ends


def test_top_batch_outbound(pools):
    pools.wait_idle()
    r = run_sockcost("top", "-b", "-n", "1", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    rows = {int(f[0]): f for f in _table(r.stdout, "REMOTE PORT")}
    for port, (conns, idle, procs) in want(pools).items():
        f = rows[port]
        assert (int(f[1]), int(f[2]), int(f[4])) == (conns, idle, procs)

    r = run_sockcost("top", "--json", "-n", "1", "--idle-after", str(IDLE_AFTER))
    assert r.returncode == 0, r.stderr
    rows = {o["remote_port"]: o for o in json.loads(r.stdout)["outbound"]}
    for port, (conns, idle, procs) in want(pools).items():
        o = rows[port]
        assert (o["connections"], o["idle_connections"], o["processes"]) == (conns, idle, procs)


def _daemon_sees(daemon, expected):
    samples = parse_metrics(daemon.metrics())
    got = {}
    for port in expected:
        try:
            got[port] = tuple(int(value(samples, name, port=port)) for name in (
                "sockcost_outbound_connections", "sockcost_outbound_idle_connections",
                "sockcost_outbound_processes"))
        except AssertionError:
            got[port] = None
    return got == expected, got


def test_daemon_metrics(daemon, pools):
    pools.wait_idle()
    expected = want(pools)
    # The daemon judges idle by the calls it watched: the same split, once refreshed.
    ok = wait_for(lambda: _daemon_sees(daemon, expected)[0], timeout=20, interval=0.5)
    assert ok, f"daemon: {_daemon_sees(daemon, expected)[1]}, want {expected}"
    for port, (conns, idle, _) in expected.items():
        assert ss_outbound(port) == (conns, idle)
    text = daemon.metrics()
    assert "# TYPE sockcost_outbound_connections gauge" in text
    # No remote address in any label.
    assert "127.0.0.1" not in "\n".join(l for l in text.splitlines()
                                        if l.startswith("sockcost_outbound"))
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), \
            r.stdout + r.stderr


def test_daemon_follows_a_pool_going(daemon, pools):
    """Pool 2 exits: its connections leave the daemon's totals by change."""
    pools.wait_idle()
    pools.pool2.stop()
    pools.pool2 = None
    expected = want(pools)
    expected[pools.a] = (POOL1_A, POOL1_A - ACTIVE_A, 1)
    assert wait_for(lambda: ss_outbound(pools.a)[0] == POOL1_A, timeout=10)
    ok = wait_for(lambda: _daemon_sees(daemon, expected)[0], timeout=20, interval=0.5)
    assert ok, f"daemon: {_daemon_sees(daemon, expected)[1]}, want {expected}"
    r = run_sockcost("snapshot", "--json", "--idle-after", str(IDLE_AFTER))
    rows = {o["remote_port"]: o for o in json.loads(r.stdout)["outbound"]}
    assert (rows[pools.a]["connections"], rows[pools.a]["processes"]) == (POOL1_A, 1)
