"""sockcostd between walks: with walks an hour apart, its gauges and idle events
come from the change ring alone, and must equal what a fresh walk (the CLI on
the daemon's pinned programs) finds, after opens, closes, an fd handed to
another process, and traffic that is only heartbeats."""
import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time

import pytest

from helpers import SOCKCOST, Child, connect_pairs, listener, port_of, wait_for
from sockcostd_helpers import Daemon, parse_metrics, value

IDLE_AFTER = 2
HEARTBEAT = 4     # bytes: calls this small are not activity
TICK = 0.3        # seconds between a busy child's sends, well under IDLE_AFTER
BOUND_S = 120     # no traffic loop outlives this


@pytest.fixture
def cleanup():
    """Children and grandchildren to stop, whatever the test did."""
    children, pids, daemons = [], [], []
    yield children, pids, daemons
    for c in children:
        c.stop()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    for d in daemons:
        d.stop()


def start_daemon(daemons, pin_dir, *args, interval=3600):
    """Walks an hour apart; refreshes every interval unscraped, and at each scrape."""
    d = Daemon("--pin-dir", pin_dir, "--interval", str(interval), "--reconcile-interval", "3600",
               "--idle-after", str(IDLE_AFTER), "--heartbeat-bytes", str(HEARTBEAT),
               "--top-processes", "1000", *args, pin=True)
    daemons.append(d)
    return d


def walk(pin_dir):
    """A fresh walk on the daemon's programs and per-socket history."""
    env = dict(os.environ, SOCKCOST_PIN_DIR=pin_dir)
    r = subprocess.run([SOCKCOST, "snapshot", "--json", "--idle-after", str(IDLE_AFTER),
                        "--heartbeat-bytes", str(HEARTBEAT)], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def traffic(pairs, size, stop):
    """Sends size bytes each way on every pair each TICK, until stop or BOUND_S."""
    deadline = time.monotonic() + BOUND_S
    while not stop.is_set() and time.monotonic() < deadline:
        for c, s in pairs:
            c.sendall(b"p" * size)
            s.recv(4096)
            s.sendall(b"q" * size)
            c.recv(4096)
        stop.wait(TICK)


def close_inherited_sockets():
    """In a forked child: sockets the test process held are not the child's to
    count (a fork hands them over with no change report; only a walk sees it)."""
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def held_pairs(n, size=0):
    """A child's setup: n pairs to its own listener, with traffic of size bytes if size."""
    def setup():
        close_inherited_sockets()
        lst = listener()
        pairs = connect_pairs(lst, n)
        if size:
            threading.Thread(target=traffic, args=(pairs, size, threading.Event()),
                             daemon=True).start()
        return lst, pairs
    return setup


def handed_over(n, report_w):
    """A child that makes n pairs, forks an heir that keeps them and sends on
    them, and closes its own copies: the sockets change process with no state
    change. The heir's pid goes out through report_w."""
    def setup():
        close_inherited_sockets()
        lst = listener()
        pairs = connect_pairs(lst, n)
        pid = os.fork()
        if pid == 0:
            try:
                traffic(pairs, 64, threading.Event())
            finally:
                os._exit(0)
        for c, s in pairs:
            c.close()
            s.close()
        os.write(report_w, f"{pid}\n".encode())
        return lst
    return setup


def procs_by_pid(doc):
    return {p["pid"]: p for p in doc["processes"]}


def metric_procs(m):
    out = {}
    for name, key in (("sockcost_process_connections", "connections"),
                      ("sockcost_process_idle_connections", "idle_connections")):
        for labels, v in m.get(name, []):
            out.setdefault(int(labels["pid"]), {})[key] = v
    return out


def test_gauges_from_changes_equal_a_walk(pin_dir, cleanup):
    children, pids, daemons = cleanup
    d = start_daemon(daemons, pin_dir)
    walks = value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total")
    # The change lease is taken before the first walk, from its header alone.
    assert walks == 1

    # Everything below happens after the daemon's last walk.
    idle = Child(held_pairs(12), name=b"sc-idle")
    busy = Child(held_pairs(5, size=64), name=b"sc-busy")
    beats = Child(held_pairs(5, size=2), name=b"sc-beats")
    gone = Child(held_pairs(8), name=b"sc-gone")
    r, w = os.pipe()
    parent = Child(handed_over(4, w), name=b"sc-parent")
    os.close(w)
    heir = int(os.read(r, 16).decode())
    os.close(r)
    children += [idle, busy, beats, gone, parent]
    pids.append(heir)
    gone_pid = gone.pid
    gone.stop()
    time.sleep(IDLE_AFTER + 1)

    m = parse_metrics(d.metrics())
    doc = walk(pin_dir)
    assert value(m, "sockcost_exporter_walks_total") == walks, "the daemon walked"
    assert value(m, "sockcost_exporter_changes_total") > 0

    got, want = metric_procs(m), procs_by_pid(doc)
    expect = {idle.pid: (24, 24), busy.pid: (10, 0), beats.pid: (10, 10), heir: (8, 0)}
    for pid, (conns, idle_conns) in expect.items():
        assert want[pid]["connections"] == conns, (pid, want[pid])
        assert want[pid]["idle_connections"] == idle_conns, (pid, want[pid])
        assert got.get(pid) == {"connections": conns, "idle_connections": idle_conns}, pid
    for pid in (gone_pid, parent.pid):
        assert not want.get(pid, {}).get("connections"), (pid, want.get(pid))
        assert not got.get(pid, {}).get("connections"), (pid, got.get(pid))

    # Ports: each child's listener port, as the walk counts it.
    ports = {int(lab["port"]): v for lab, v in m.get("sockcost_port_connections", [])}
    idle_ports = {int(lab["port"]): v for lab, v in m.get("sockcost_port_idle_connections", [])}
    ours = {s["lport"] for s in doc["sockets"]
            if s["state"] == "LISTEN" and s["pid"] in (*expect, parent.pid, gone_pid)}
    assert len(ours) == 4  # the gone child's listener closed with it
    for p in doc["ports"]:
        if p["port"] in ours:
            assert ports.get(p["port"], 0) == p["connections"], p
            assert idle_ports.get(p["port"], 0) == p["idle_connections"], p


def test_idle_events_from_changes(pin_dir, cleanup, tmp_path):
    children, pids, daemons = cleanup
    events = tmp_path / "events.jsonl"
    # Refreshes every second from changes; no walk after the start.
    d = start_daemon(daemons, pin_dir, "--events", str(events), "--events-rate", "1000",
                     interval=1)
    walks = value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total")
    lst = listener()
    port = port_of(lst)
    pairs = connect_pairs(lst, 4)
    stop = threading.Event()
    beating = threading.Thread(target=traffic, args=(pairs[3:], 2, stop), daemon=True)
    beating.start()

    def mine(kind):
        if not events.exists():
            return []
        return [e for e in map(json.loads, events.read_text().splitlines())
                if e["event"] == kind and port in (e["local_port"], e["remote_port"])]

    try:
        # Four pairs, both ends: heartbeats alone do not keep the fourth active.
        assert wait_for(lambda: len(mine("idle")) >= 8, timeout=20, interval=0.2), mine("idle")
        assert len(mine("idle")) == 8
        pairs[0][0].sendall(b"x" * 100)
        pairs[0][1].recv(4096)
        for s in pairs[1]:
            s.close()
        assert wait_for(lambda: len(mine("active")) >= 2 and len(mine("idle_closed")) >= 2,
                        timeout=20, interval=0.2)
        assert len(mine("active")) == 2 and len(mine("idle_closed")) == 2
        m = parse_metrics(d.metrics())
        assert value(m, "sockcost_exporter_walks_total") == walks
        # Between walks and folds, a refresh compares only the sockets whose verdict changed.
        assert value(m, "sockcost_exporter_event_feeds_total", compared="changed") > \
            value(m, "sockcost_exporter_event_feeds_total", compared="all")
    finally:
        stop.set()
        beating.join(5)
        for p in pairs:
            for s in p:
                s.close()
        lst.close()


def idle_now(lines, ports):
    """(pid, local port, remote port) of the connections on ports the event
    stream says are idle now: reported idle, not active or closed since."""
    idle = {}
    for e in lines:
        if ports.isdisjoint((e["local_port"], e["remote_port"])):
            continue
        key = (e["local_port"], e["remote_port"])
        if e["event"] == "idle":
            assert key not in idle, f"reported idle twice: {e}"
            idle[key] = e["pid"]
        else:
            assert idle.pop(key, None) is not None, f"{e['event']} of no idle report: {e}"
    return {(pid, lp, rp) for (lp, rp), pid in idle.items()}


def test_idle_events_equal_a_walk(pin_dir, cleanup, tmp_path):
    """The idle set the event stream implies (fed only what changed between
    walks) is a fresh walk's, after opens, closes, heartbeat-only traffic and
    sockets handed to another process."""
    children, pids, daemons = cleanup
    events = tmp_path / "events.jsonl"
    d = start_daemon(daemons, pin_dir, "--events", str(events), "--events-rate", "1000",
                     interval=1)
    walks = value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total")
    idle = Child(held_pairs(6), name=b"sc-idle")
    busy = Child(held_pairs(3, size=64), name=b"sc-busy")
    beats = Child(held_pairs(3, size=2), name=b"sc-beats")
    gone = Child(held_pairs(4), name=b"sc-gone")
    r, w = os.pipe()
    parent = Child(handed_over(3, w), name=b"sc-parent")
    os.close(w)
    heir = int(os.read(r, 16).decode())
    os.close(r)
    children += [idle, busy, beats, gone, parent]
    pids.append(heir)
    # Every quiet connection idle and reported, then one child's all closed.
    time.sleep(IDLE_AFTER + 3)
    gone_pid = gone.pid
    gone.stop()
    time.sleep(3)

    doc = walk(pin_dir)
    holders = {idle.pid, busy.pid, beats.pid, heir}
    ports = {s["lport"] for s in doc["sockets"]
             if s["state"] == "LISTEN" and s["pid"] in holders | {parent.pid}}
    want = {(s["pid"], s["lport"], s["rport"]) for s in doc["sockets"]
            if s["state"] == "ESTAB" and s["idle"] and s["pid"] in holders
            and (s["lport"] in ports or s["rport"] in ports)}
    assert len(want) == 2 * 6 + 2 * 3  # the idle child's and the heartbeats' ends
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    assert idle_now(lines, ports) == want
    # The gone child's connections were reported idle, then closed.
    gone_ends = [e for e in lines if e["pid"] == gone_pid]
    assert sorted(e["event"] for e in gone_ends) == ["idle"] * 8 + ["idle_closed"] * 8
    m = parse_metrics(d.metrics())
    assert value(m, "sockcost_exporter_walks_total") == walks, "the daemon walked"
    assert value(m, "sockcost_exporter_event_feeds_total", compared="changed") > 0


def test_listeners_between_walks(pin_dir, cleanup):
    """A listener opened after the daemon's walk: its accept queue, limit and
    drops come from sock_diag at each scrape, not from a walk."""
    _, _, daemons = cleanup
    d = start_daemon(daemons, pin_dir)
    walks = value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total")
    lst = listener()
    lst.listen(2)
    port = str(port_of(lst))
    clients = []
    try:
        for _ in range(3):  # the queue holds backlog + 1 here
            clients.append(socket.create_connection(("127.0.0.1", int(port))))
        m = parse_metrics(d.metrics())
        # ss's Recv-Q and Send-Q of a listener: its accept queue and its limit.
        ss = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                            text=True, timeout=30).stdout.split()
        assert (int(ss[1]), int(ss[2])) == (3, 2), ss
        assert value(m, "sockcost_port_accept_queue", port=port) == 3
        assert value(m, "sockcost_port_accept_queue_max", port=port) == 2
        assert value(m, "sockcost_port_listen_drops_total", port=port) == 0
        for _ in range(4):  # no room: their handshakes are dropped
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", int(port)))
            clients.append(c)
        assert wait_for(lambda: value(parse_metrics(d.metrics()), "sockcost_port_listen_drops_total",
                                      port=port) > 0, timeout=10, interval=0.3)
        for c in clients[3:]:  # no more retried handshakes
            c.close()
        del clients[3:]
        lst.accept()[0].close()
        m = parse_metrics(d.metrics(fresh=True))
        assert value(m, "sockcost_port_accept_queue", port=port) == 2
        assert value(m, "sockcost_exporter_walks_total") == walks
    finally:
        for c in clients:
            c.close()
        lst.close()
