"""The live summary `top` refreshes from (one walk, then the change ring)
against a fresh walk, after sockets were opened, closed, used and handed to
another process in between."""
import json
import os
import socket
import subprocess
import threading
import time

from helpers import HELPERS, Child, connect_pairs, listener, port_of

CHECK = os.path.join(HELPERS, "live_check")
IDLE_AFTER_MS = 1500


def _adopter(unix_end):
    """Child setup: takes a socket passed over unix_end and sends on it once."""
    got = []

    def wait():
        _, fds, _, _ = socket.recv_fds(unix_end, 1, 1)
        s = socket.socket(fileno=fds[0])
        s.send(b"y" * 64)
        got.append(s)

    threading.Thread(target=wait, daemon=True).start()
    return got


def _proc(doc, pid, absent_is_none=False):
    """A process's numbers; a process holding no TCP socket is not listed."""
    found = [p for p in doc["procs"] if p["pid"] == pid]
    if not found and absent_is_none:
        return {"connections": 0, "idle": 0}
    assert len(found) == 1, f"pid {pid} not in {doc['how']}: {doc['procs']}"
    return {k: found[0][k] for k in ("connections", "idle", "tcp_sockets", "fds", "comm")}


def test_live_summary_matches_a_walk_after_changes():
    # The child first, so it inherits none of the TCP sockets: a holder that
    # drops its fd of a shared socket changes nothing the kernel reports, and
    # stays counted until the next walk.
    parent_end, child_end = socket.socketpair(socket.AF_UNIX)
    child = Child(lambda: _adopter(child_end), name=b"sc-adopter")
    lst = listener()
    pairs = connect_pairs(lst, 20)
    fresh, check = [], None
    try:
        time.sleep(IDLE_AFTER_MS / 1000 + 0.5)  # the test: every pair idle
        check = subprocess.Popen([CHECK, str(IDLE_AFTER_MS), "0"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = json.loads(check.stdout.readline())
        assert check.stdout.readline().strip() == "ready", check.stderr.read()

        fresh += connect_pairs(lst, 10)         # opened after the walk, silent
        for c, s in pairs[:5]:                  # closed at both ends
            c.close()
            s.close()
        for c, s in pairs[5:8]:                 # used again
            c.send(b"x" * 64)
            s.recv(4096)
        moved_c, moved_s = pairs[8]             # handed to the child, which uses it
        socket.send_fds(parent_end, [b"x"], [moved_c.fileno()])
        moved_c.close()
        assert moved_s.recv(4096) == b"y" * 64

        out, err = check.communicate("go\n", timeout=60)
        assert check.returncode == 0, err
        docs = {d["how"]: d for d in map(json.loads, out.splitlines())}
        assert docs["made"]["walked"] is False, "the refresh should not have walked"
        assert docs["made"]["changes"] >= 10
        live, walk = docs["live"], docs["walk"]

        me, kid = os.getpid(), child.pid
        mine_live, mine_walk = _proc(live, me), _proc(walk, me)
        # The test process's own fd count is read twice, a moment apart, while
        # its threads (pytest's, the pipes' readers) may hold one more or less.
        assert abs(mine_live.pop("fds") - mine_walk.pop("fds")) <= 1
        assert mine_live == mine_walk
        assert _proc(live, kid) == _proc(walk, kid)
        # Counted from the first summary: both processes may hold sockets
        # other tests left behind.
        before_me, before_kid, now_me, now_kid = (
            _proc(first, me), _proc(first, kid, True), _proc(live, me), _proc(live, kid))
        assert now_kid["connections"] - before_kid["connections"] == 1
        assert now_kid["idle"] == before_kid["idle"]
        # 5 pairs closed, 10 opened, one end handed away; of the 20 idle
        # pairs, 5 closed, 3 used, and the moved end and its peer active.
        assert now_me["connections"] - before_me["connections"] == -10 + 20 - 1
        assert before_me["idle"] - now_me["idle"] == 2 * 5 + 2 * 3 + 2
        port = port_of(lst)
        assert [p for p in live["ports"] if p["port"] == port] == \
            [p for p in walk["ports"] if p["port"] == port]
        assert [p for p in live["ports"] if p["port"] == port][0]["connections"] == 25
        # The client ends, kept by change: the moved one is the child's.
        out = [o for o in live["outbound"] if o["port"] == port]
        assert out == [o for o in walk["outbound"] if o["port"] == port]
        assert (out[0]["connections"], out[0]["processes"]) == (25, 2)
    finally:
        if check and check.poll() is None:
            check.kill()
            check.wait()
        child.stop()
        for c, s in pairs + fresh:
            c.close()
            s.close()
        lst.close()
        parent_end.close()
        child_end.close()


def _queue_holder(unix_end):
    """Child setup: takes two sockets, then on "read" reads a little of the
    first's unread data, and on "fill" sends on the second until its queue is
    full, waits out the report gap and tries once more (a full queue's
    report). Answers each command with "ok"."""
    got = []

    def serve():
        _, fds, _, _ = socket.recv_fds(unix_end, 1, 2)
        got.extend(socket.socket(fileno=fd) for fd in fds)
        reader, sender = got
        while True:
            cmd = unix_end.recv(16)
            if cmd == b"read":
                reader.recv(1000)
            elif cmd == b"fill":
                sender.setblocking(False)
                try:
                    while True:
                        sender.send(b"z" * 65536)
                except BlockingIOError:
                    pass
                time.sleep(1.2)  # a report gap is at most a second
                try:
                    sender.send(b"z" * 65536)
                except BlockingIOError:
                    pass
            else:
                return
            unix_end.send(b"ok")

    threading.Thread(target=serve, daemon=True).start()
    return got


def test_live_queue_memory_matches_a_walk():
    """Queue memory kept from change reports, without a walk: a socket with
    unread data in its receive queue, and one whose peer stopped reading, so
    its send queue filled, show in the live summary what a fresh walk reads."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX)
    child = Child(lambda: _queue_holder(child_end), name=b"sc-queues")
    lst = listener()
    (writer, reader), (sender, stalled) = connect_pairs(lst, 2)
    check = None
    try:
        socket.send_fds(parent_end, [b"x"], [reader.fileno(), sender.fileno()])
        reader.close()
        sender.close()
        check = subprocess.Popen([CHECK, str(IDLE_AFTER_MS), "0"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = json.loads(check.stdout.readline())
        assert check.stdout.readline().strip() == "ready", check.stderr.read()

        writer.sendall(b"w" * 20000)            # arrives unread: no call on the reader
        for cmd in (b"read", b"fill"):
            parent_end.send(cmd)
            parent_end.settimeout(30)
            assert parent_end.recv(16) == b"ok"

        out, err = check.communicate("go\n", timeout=60)
        assert check.returncode == 0, err
        docs = {d["how"]: d for d in map(json.loads, out.splitlines())}
        assert docs["made"]["walked"] is False, "the refresh should not have walked"
        live, walk = docs["live"], docs["walk"]
        mem = {how: [p for p in doc["procs"] if p["pid"] == child.pid][0]["memory"]
               for how, doc in (("first", first), ("live", live), ("walk", walk))}
        # 19,000 bytes unread and a send queue the peer does not drain.
        assert mem["walk"] > mem["first"] + 19000 + 65536, mem
        assert mem["live"] == mem["walk"], mem
    finally:
        if check and check.poll() is None:
            check.kill()
            check.wait()
        parent_end.send(b"stop")
        child.stop()
        for s in (writer, stalled, lst, parent_end, child_end):
            s.close()
