"""The watch state of sockets in another network namespace, from before
sockcost: the aggregate walk reads it there (iter/tcp, entered with setns),
since newer kernels refuse the storage and cookie helpers on a socket a file
walk reaches. Heartbeats are told apart from data only with that state; a
listener from before sockcost is adopted by its holder, so what it accepts
later is its holder's from change reports alone; a socket the walk found
without a cookie is one socket once its reports come."""
import json
import subprocess
import time

from helpers import SOCKCOST, netns_process, wait_for
from sockcostd_helpers import Daemon, parse_metrics, value

IDLE_AFTER = 2
HEARTBEAT = 4     # bytes: calls this small are not activity
BOUND_S = 120     # the holder's traffic stops by then

# Pair 0 sends heartbeats (2 bytes each way), pair 1 data (64 bytes), every
# 0.3 s; "accept" on stdin makes a third pair, "ok" when it is there.
HOLDER = r"""
import socket, sys, threading, time
lst = socket.socket(); lst.bind(("127.0.0.1", 7072)); lst.listen(16)
def pair():
    c = socket.create_connection(("127.0.0.1", 7072)); s, _ = lst.accept(); return c, s
pairs = [pair(), pair()]
def traffic():
    deadline = time.monotonic() + %d
    while time.monotonic() < deadline:
        for (c, s), size in zip(pairs[:2], (2, 64)):
            c.sendall(b"p" * size); s.recv(4096); s.sendall(b"q" * size); c.recv(4096)
        time.sleep(0.3)
threading.Thread(target=traffic, daemon=True).start()
print("ready", flush=True)
for line in sys.stdin:
    pairs.append(pair())
    print("ok", flush=True)
""" % BOUND_S


def holder_metrics(d, pid):
    m = parse_metrics(d.metrics())
    return (value(m, "sockcost_process_connections", pid=pid),
            value(m, "sockcost_process_idle_connections", pid=pid))


def start(*args):
    return Daemon("--idle-after", str(IDLE_AFTER), "--heartbeat-bytes", str(HEARTBEAT),
                  "--reconcile-interval", "3600", "--top-processes", "1000", *args)


def test_heartbeats_told_apart_in_another_namespace():
    with netns_process("sockcost-watch", HOLDER) as (holder, _):
        d = start()
        try:
            # The heartbeat pair's two ends go idle, the data pair's stay active.
            assert wait_for(lambda: holder_metrics(d, holder.pid) == (4, 2),
                            timeout=30, interval=0.5), holder_metrics(d, holder.pid)
            time.sleep(IDLE_AFTER + 1)
            assert holder_metrics(d, holder.pid) == (4, 2)
            # The listener (from before sockcost) was adopted: the pair it
            # accepts now is its holder's from change reports, no walk between.
            walks = value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total")
            holder.stdin.write("accept\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "ok"
            assert wait_for(lambda: holder_metrics(d, holder.pid)[0] == 6, timeout=10,
                            interval=0.2), holder_metrics(d, holder.pid)
            assert value(parse_metrics(d.metrics()), "sockcost_exporter_walks_total") == walks
        finally:
            d.stop()


def test_own_netns_only_counts_each_socket_once():
    """Under --own-netns-only the walks cannot enter the namespace. Its
    sockets had no cookie (nothing had asked for one), so the daemon walks
    once before the privileges go: without that, the change reports'
    cookies matched none of the walk's records and every socket was counted
    twice (8 for 4). The reports carry the watch state, so heartbeats are
    still told apart."""
    with netns_process("sockcost-watch", HOLDER) as (holder, _):
        d = start("--own-netns-only")
        try:
            assert wait_for(lambda: holder_metrics(d, holder.pid) == (4, 2), timeout=30,
                            interval=0.5), holder_metrics(d, holder.pid)
            time.sleep(IDLE_AFTER + 1)
            assert holder_metrics(d, holder.pid) == (4, 2)
        finally:
            d.stop()


# A socket made but not connected when top walks (nothing has asked for its
# cookie; iter/tcp cannot see it), connected after: "connect" on stdin.
UNCONNECTED = r"""
import socket, sys
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(16)
u = socket.socket()
print("ready", flush=True)
sys.stdin.readline()
u.connect(lst.getsockname()); a, _ = lst.accept()
print("ok", flush=True)
sys.stdin.read()
"""


def test_socket_walked_without_cookie_is_one_socket():
    """The walk files such a socket under its inode; its first change report
    (which carries the inode) moves it under its cookie, so top counts it
    once: 3 TCP sockets (listener, client, accepted), not a 4th left over."""
    holder = subprocess.Popen(["/usr/bin/python3", "-c", UNCONNECTED], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    top = None
    try:
        assert holder.stdout.readline().strip() == "ready"
        top = subprocess.Popen([SOCKCOST, "top", "--json", "-n", "3", "-d", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = json.loads(top.stdout.readline() or "{}")
        mine = [p for p in first.get("processes", []) if p["pid"] == holder.pid]
        assert mine and mine[0]["tcp_sockets"] == 2, first
        holder.stdin.write("connect\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "ok"
        out, err = top.communicate(timeout=60)
        assert top.returncode == 0, err
        last = json.loads(out.splitlines()[-1])
        mine = [p for p in last["processes"] if p["pid"] == holder.pid]
        assert len(mine) == 1, last
        assert (mine[0]["tcp_sockets"], mine[0]["connections"]) == (3, 2), mine[0]
    finally:
        for p in (top, holder):
            if p and p.poll() is None:
                p.kill()
                p.wait()
