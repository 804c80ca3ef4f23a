"""The live readers' health passes (sockcostd's *_by_health series, top's
health line, BROKEN and HEALTH columns) for a process leaking CLOSE-WAIT
sockets and a writer stalled on a reader that stopped reading, checked
against `ss` (the kernel's own account) and against a snapshot of the same
sockets."""
import json
import socket
import subprocess
import time

from helpers import SOCKCOST, Child, listener, set_comm, ss_entries, wait_for
from sockcostd_helpers import Daemon

LEAKS = 3


def metric(text, name, **labels):
    """The value of name{labels} (labels a subset), or None."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        head, value = line.rsplit(" ", 1)
        if all(w in head for w in want):
            return float(value)
    return None


def ss_count(state, port):
    return len(ss_entries("state", state, f"( sport = :{port} )"))


class Leaker:
    """A child that accepts and never closes (the peers then close): CLOSE-WAIT
    leaks; and a connection whose peer stops reading while it writes: stalled."""

    def __init__(self):
        self.lst = listener()
        self.port = self.lst.getsockname()[1]
        # Connected first (the kernel completes them in the backlog), so the
        # child forks after them and closes its inherited copies: only this
        # process then holds the clients, and closing them sends the FINs.
        self.clients = [socket.create_connection(("127.0.0.1", self.port))
                        for _ in range(LEAKS + 2)]
        lst, clients = self.lst, self.clients

        def setup():
            set_comm(b"leaker")
            for c in clients:
                c.close()
            held = [lst]
            for _ in range(LEAKS + 2):
                held.append(lst.accept()[0])
            # The last accepted one writes until its send queue is full: its
            # peer (the last client) never reads.
            w = held[-1]
            w.setblocking(False)
            try:
                while True:
                    w.send(b"x" * 65536)
            except BlockingIOError:
                pass
            return held

        self.child = Child(setup)
        for c in self.clients[:LEAKS]:
            c.close()

    def stop(self):
        if self.child:
            self.child.stop()
        for c in self.clients:
            c.close()
        self.lst.close()


def test_health_series_match_ss_and_the_snapshot():
    leaker = Leaker()
    d = None
    try:
        d = Daemon("--close-wait-after", "1", "--stall-after", "2", "--health-interval", "1",
                   "--enable-snapshot")
        svc = f"leaker:{leaker.port}"

        def settled():
            text = d.metrics()
            return (metric(text, "sockcost_service_connections_by_health", service=svc,
                           health="close_wait") == LEAKS and
                    metric(text, "sockcost_service_connections_by_health", service=svc,
                           health="stalled") == 1) and text

        text = wait_for(settled, timeout=30, interval=0.5)
        assert text, d.metrics()
        # The kernel's own account of the same sockets.
        assert ss_count("close-wait", leaker.port) == LEAKS
        assert metric(text, "sockcost_port_connections_by_health", port=leaker.port,
                      health="close_wait") == LEAKS
        assert metric(text, "sockcost_connections_by_health", health="close_wait") >= LEAKS
        assert metric(text, "sockcost_close_wait_oldest_seconds") >= 1
        # The stalled writer's queue, as ss shows its Send-Q.
        sendq = [int(f[2]) for f, _ in ss_entries(f"( sport = :{leaker.port} )")
                 if f[0] == "ESTAB" and int(f[2]) > 0]
        assert len(sendq) == 1, sendq
        queued = metric(text, "sockcost_stalled_queued_bytes")
        assert queued >= sendq[0] * 0.9, (queued, sendq)
        assert metric(text, "sockcost_exporter_health_passes_total") >= 1
        assert metric(text, "sockcost_exporter_health_netns_missed") == 0
        stamp = metric(text, "sockcost_exporter_health_pass_timestamp_seconds")
        assert abs(stamp - time.time()) < 30

        # The daemon's /snapshot.json judges the same sockets by its thresholds.
        status, _, body = d.get("/snapshot.json")
        assert status == 200
        doc = json.loads(body)
        assert doc["policy"]["close_wait_after_s"] == 1
        assert doc["policy"]["stall_after_s"] == 2
        mine = [s for s in doc["sockets"] if s["pid"] == leaker.child.pid and
                s["lport"] == leaker.port and s["state"] != "LISTEN"]
        assert sorted(s["health"] for s in mine) == \
            sorted(["close_wait"] * LEAKS + ["ok", "stalled"])
        stalled = next(s for s in mine if s["health"] == "stalled")
        assert stalled["stall_reason"] == "zero_window"
        assert stalled["peer_window_bytes"] == 0
    finally:
        if d:
            d.stop()
        leaker.stop()


def top_frames(*args, n=3):
    out = subprocess.run([SOCKCOST, "top", "--json", "-n", str(n), "-d", "1", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_top_health_matches_ss():
    leaker = Leaker()
    try:
        pid = leaker.child.pid
        # Old enough for both thresholds before top starts.
        time.sleep(2.5)
        frames = top_frames("--close-wait-after", "1", "--stall-after", "2", "-p", str(pid),
                            "--port", str(leaker.port))
        last = frames[-1]
        proc = next(p for p in last["processes"] if p["pid"] == pid)
        assert proc["health"]["close_wait"] == LEAKS == ss_count("close-wait", leaker.port)
        assert proc["health"]["stalled"] == 1
        assert last["health"]["close_wait"] >= LEAKS
        assert last["health_pass_age_s"] < 60
        conns = [c for c in last["connections"]["sockets"] if c["pid"] == pid and
                 c["state"] != "LISTEN"]
        assert sorted(c["health"] for c in conns) == \
            sorted(["close_wait"] * LEAKS + ["ok", "stalled"])
        # The text frame: the header line and BROKEN (close_wait + stalled + dead_peer_risk).
        out = subprocess.run([SOCKCOST, "top", "-b", "-n", "1", "--close-wait-after", "1",
                              "--stall-after", "2", "-p", str(pid)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        health = next(line for line in out.stdout.splitlines() if line.startswith("health: "))
        assert " close_wait (oldest " in health and " stalled (" in health, health
        lines = out.stdout.splitlines()
        head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["PID", "COMMAND"])
        # Right-aligned: the cell ends where its title does.
        end = lines[head].index("BROKEN") + len("BROKEN")
        row = next(line for line in lines[head + 1:] if line.split()[:1] == [str(pid)])
        assert row[:end].split()[-1] == str(LEAKS + 1), (lines[head], row)
    finally:
        leaker.stop()


def test_health_flags_are_checked():
    from sockcostd_helpers import SOCKCOSTD
    for args, msg in ((["--health-interval", "0"], "invalid --health-interval '0'"),
                      (["--nat-timeout", "0"], "invalid --nat-timeout '0'"),
                      (["--stall-after", "x"], "invalid --stall-after 'x'")):
        r = subprocess.run([SOCKCOSTD, *args], capture_output=True, text=True, timeout=30)
        assert r.returncode != 0
        assert msg in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_orphaned_fin_wait2_is_shown_as_ss_shows_it():
    """A socket its process closed, whose FIN the peer acknowledged but never
    answered, lives on as a time-wait mini-socket in state FIN-WAIT-2: ss
    and sockcost both say FIN-WAIT-2, and it is orphaned, not time_wait."""
    lst = listener()
    port = lst.getsockname()[1]
    peers = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    for _ in peers:
        lst.accept()[0].close()  # the server side closes first; the peers never do
    try:
        assert wait_for(lambda: ss_count("fin-wait-2", port) == 2, timeout=10)
        out = subprocess.run([SOCKCOST, "snapshot", "--json", "--port", str(port)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        mine = [s for s in doc["sockets"] if s["lport"] == port and s["state"] != "LISTEN"]
        assert sorted((s["state"], s["health"], s["pid"]) for s in mine) == \
            [("FIN-WAIT-2", "orphaned", None)] * 2
        row = next(p for p in doc["ports"] if p["port"] == port)
        assert row["health"]["orphaned"] == 2 and row["health"]["time_wait"] == 0
        assert ss_count("time-wait", port) == 0
    finally:
        for p in peers:
            p.close()
        lst.close()
