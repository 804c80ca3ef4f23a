"""The aggregate walk (what sockcostd and top read on every refresh) against
the full snapshot that every other test checks: same numbers per process,
per port and for the host."""
import json
import os
import subprocess
import threading
import time

from helpers import HELPERS, Child, connect_pairs, listener

CHECK = os.path.join(HELPERS, "summary_check")


def _hold(pairs, chatty, dups):
    """Child setup: pairs loopback connections, the first `chatty` client ends
    sending a payload every 100 ms for 8 s, and `dups` extra fds on one socket."""
    lst = listener()
    held = connect_pairs(lst, pairs)
    extra = [os.dup(held[0][1].fileno()) for _ in range(dups)]

    def talk():
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for client, server in held[:chatty]:
                client.send(b"x" * 64)
                server.recv(4096)  # drained: queue memory stays put between walks
            time.sleep(0.1)  # the workload's pace, not a wait

    threading.Thread(target=talk, daemon=True).start()
    return lst, held, extra


def _summaries(idle_after_ms, watch_s):
    out = subprocess.run([CHECK, str(idle_after_ms), "0", str(watch_s)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    docs = {d["how"]: d for d in map(json.loads, out.stdout.splitlines())}
    return docs["fast"], docs["full"], docs["fast-first"]


def _proc(doc, pid):
    found = [p for p in doc["procs"] if p["pid"] == pid]
    assert len(found) == 1, f"pid {pid} not in {doc['how']}"
    return found[0]


def test_aggregate_walk_matches_full_snapshot():
    child = Child(lambda: _hold(pairs=30, chatty=5, dups=2), name=b"sc-summary")
    try:
        fast, full, first = _summaries(idle_after_ms=1500, watch_s=3)
        mine_fast, mine_full = _proc(fast, child.pid), _proc(full, child.pid)
        # Both ends of 30 pairs, 5 clients and their 5 server ends talking.
        assert mine_full["connections"] == 60
        assert mine_full["idle"] == 50
        for key in ("connections", "idle", "tcp_sockets", "fds", "fd_limit", "memory", "comm"):
            assert mine_fast[key] == mine_full[key], key
        assert mine_fast["tcp_sockets"] == 61  # the dup'ed fds hold no new socket
        assert mine_fast["fds"] == len(os.listdir(f"/proc/{child.pid}/fd"))
        assert _proc(first, child.pid) == {**mine_fast, "idle": _proc(first, child.pid)["idle"]}

        port = [p for p in full["ports"] if p["connections"] == 30 and p["idle"] == 25]
        assert port, full["ports"]
        assert [p for p in fast["ports"] if p["port"] == port[0]["port"]] == port
        # The client ends: to that port as a remote port, from this one process.
        out = [o for o in full["outbound"] if o["port"] == port[0]["port"]]
        assert out == [{"port": port[0]["port"], "connections": 30, "idle": 25,
                        "processes": 1}]
        assert [o for o in fast["outbound"] if o["port"] == port[0]["port"]] == out
        # Host-wide numbers move with other processes between the two walks;
        # within one walk the histogram covers every connection.
        assert fast["connections"] >= 60
        assert sum(fast["hist"]) == fast["connections"]
    finally:
        child.stop()
