"""Which process holds which connection, and what its fds are."""
import json
import os
import socket
import subprocess

from helpers import (HELPERS, SOCKCOST, Child, connect_pairs, listener, one_row, port, port_of,
                     proc_fd_count, proc_nofile_soft, process, rows, snapshot, wait_for)


def _accepting_server(lst, expect):
    """Accepts `expect` connections in a thread; returns the list it fills."""
    import threading
    accepted = []

    def loop():
        while len(accepted) < expect:
            s, _ = lst.accept()
            accepted.append(s)

    threading.Thread(target=loop, daemon=True).start()
    return accepted


def test_connections_per_process_opened_before_sockcost():
    lst = listener()
    lport = port_of(lst)
    # The server child inherits the listener under the same fd number.
    lfd, linode = lst.fileno(), os.fstat(lst.fileno()).st_ino
    server = Child(lambda: (lst, _accepting_server(lst, 5)))
    lst.close()
    addr = ("127.0.0.1", lport)
    a = Child(lambda: [socket.create_connection(addr) for _ in range(3)])
    b = Child(lambda: [socket.create_connection(addr) for _ in range(2)])
    try:
        doc = None

        def settled():
            nonlocal doc
            doc = snapshot("--port", str(lport))
            return len(rows(doc, pid=server.pid, state="ESTAB")) == 5

        assert wait_for(settled, timeout=5), "server did not accept 5 connections"
        doc = snapshot()
        assert process(doc, server.pid)["connections"] >= 5
        assert len(rows(doc, pid=server.pid, lport=lport, state="ESTAB")) == 5
        assert process(doc, a.pid)["connections"] == 3
        assert process(doc, b.pid)["connections"] == 2
        assert len(rows(doc, pid=a.pid, rport=lport)) == 3
        assert len(rows(doc, pid=b.pid, rport=lport)) == 2
        p = port(doc, lport)
        assert p["connections"] == 5 and p["listeners"] == 1
        assert os.readlink(f"/proc/{server.pid}/fd/{lfd}") == f"socket:[{linode}]"
        assert one_row(doc, pid=server.pid, lport=lport, state="LISTEN")["fd"] == lfd
    finally:
        for c in (a, b, server):
            c.stop()


def test_fd_counts_and_limits_match_proc():
    def setup():
        lst = listener()
        pairs = connect_pairs(lst, 4)
        extra = [open("/dev/null") for _ in range(3)]
        return lst, pairs, extra

    child = Child(setup, nofile=4321)
    try:
        doc = snapshot("--pid", str(child.pid))
        p = process(doc, child.pid)
        assert p["fds"] == proc_fd_count(child.pid)
        assert p["fd_limit"] == proc_nofile_soft(child.pid) == 4321
        assert p["connections"] == 8
        assert p["tcp_sockets"] == 9
        fds = {r["fd"] for r in rows(doc, pid=child.pid)}
        expect = set()
        for fd in os.listdir(f"/proc/{child.pid}/fd"):
            if os.readlink(f"/proc/{child.pid}/fd/{fd}").startswith("socket:"):
                expect.add(int(fd))
        assert fds == expect
    finally:
        child.stop()


def test_socket_shared_after_fork_belongs_to_both():
    r, w = os.pipe()

    def setup():
        lst = listener()
        pairs = connect_pairs(lst, 1)
        grandchild = Child(lambda: None)  # inherits every fd above
        os.write(w, str(grandchild.pid).encode())
        return lst, pairs, grandchild

    child = Child(setup)
    os.close(w)
    try:
        grandchild_pid = int(os.read(r, 32))
        doc = snapshot()
        mine = {s["cookie"]: s for s in rows(doc, pid=child.pid, state="ESTAB")}
        theirs = {s["cookie"]: s for s in rows(doc, pid=grandchild_pid, state="ESTAB")}
        assert len(mine) == 2
        assert set(mine) == set(theirs)
        for cookie, s in mine.items():
            assert s["fd"] == theirs[cookie]["fd"]
        assert process(doc, child.pid)["connections"] == 2
        assert process(doc, grandchild_pid)["connections"] == 2
        assert len([s for s in doc["sockets"] if s["cookie"] in mine]) == 4
    finally:
        os.close(r)
        child.stop()


def test_ipv6_connections():
    def setup():
        lst = listener(socket.AF_INET6, "::1")
        return lst, connect_pairs(lst, 2)

    child = Child(setup)
    try:
        doc = snapshot("--pid", str(child.pid))
        est = rows(doc, pid=child.pid, state="ESTAB")
        assert len(est) == 4
        for s in est:
            assert s["family"] == "ipv6"
            assert s["laddr"] == "::1" and s["raddr"] == "::1"
        assert process(doc, child.pid)["connections"] == 4
        assert doc["host"]["established_ipv6"] >= 4
    finally:
        child.stop()


def test_json_survives_any_process_name():
    name = b'a"b\\c\x01\xff\xfe\nz'

    def setup():
        lst = listener()
        return lst, connect_pairs(lst, 1)

    child = Child(setup, name=name)
    try:
        doc = snapshot("--pid", str(child.pid))  # json.loads inside
        comm = process(doc, child.pid)["comm"]
        assert comm == 'a"b\\c\x01\ufffd\ufffd\nz'
        assert all(s["comm"] == comm for s in rows(doc, pid=child.pid))
    finally:
        child.stop()


def test_filters_pid_port_idle_only():
    def setup():
        l1, l2 = listener(), listener()
        return l1, l2, connect_pairs(l1, 2), connect_pairs(l2, 3)

    child = Child(setup)
    try:
        doc = snapshot("--pid", str(child.pid))
        ports = sorted({s["lport"] for s in rows(doc, pid=child.pid, state="LISTEN")})
        assert len(ports) == 2
        counts = {p: len(rows(doc, lport=p, state="ESTAB")) for p in ports}
        assert sorted(counts.values()) == [2, 3]
        for p in ports:
            d = snapshot("--port", str(p))
            assert {s["lport"] for s in d["sockets"]} == {p}
            assert [x["port"] for x in d["ports"]] == [p]
            assert d["ports"][0]["connections"] == counts[p]
        # Nothing is idle under a long idle-after; everything under a zero one.
        d = snapshot("--pid", str(child.pid), "--idle-only")
        assert d["sockets"] == []
        d = snapshot("--pid", str(child.pid), "--idle-only", "--idle-after", "0")
        assert len(d["sockets"]) == 10 and all(s["idle"] for s in d["sockets"])
        assert process(d, child.pid)["idle_connections"] == 10
    finally:
        child.stop()


def test_own_sockets_are_not_reported():
    """sockcost inherits two sockets: one only it holds (left out entirely),
    one it shares with the test (kept, listed under the test only)."""
    lst = listener()
    (mine_c, mine_s), (shared_c, shared_s) = connect_pairs(lst, 2)
    proc = subprocess.Popen([SOCKCOST, "snapshot", "--json", "--port", str(port_of(mine_c)),
                             "--observe", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, pass_fds=(mine_c.fileno(), shared_c.fileno()))
    mine_c.close()  # now only sockcost holds the client end of the first pair
    try:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        doc = json.loads(out)
        assert doc["sockets"] == []  # the only socket on that local port is sockcost's
        doc = snapshot()
        assert all(s["pid"] != proc.pid for s in doc["sockets"])
        assert all(p["pid"] != proc.pid for p in doc["processes"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for s in (lst, mine_s, shared_c, shared_s):
            s.close()


def proc_state(pid):
    """The state letter of /proc/PID/stat (its thread-group leader's)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_process_whose_main_thread_exited():
    """A zombie thread-group leader with live threads: every fd counted once."""
    proc = subprocess.Popen([os.path.join(HELPERS, "zombie_leader")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        word, pid, lport = proc.stdout.readline().split()
        pid, lport = int(pid), int(lport)
        assert word == "ready"
        assert wait_for(lambda: proc_state(pid) == "Z"), "the main thread did not exit"
        doc = snapshot()
        p = process(doc, pid)
        tids = [t for t in os.listdir(f"/proc/{pid}/task") if t != str(pid)]
        assert len(tids) == 2
        assert p["fds"] == len(os.listdir(f"/proc/{pid}/task/{tids[0]}/fd"))
        assert p["connections"] == 2 and p["tcp_sockets"] == 3
        assert len(rows(doc, pid=pid)) == 3
        assert len(rows(doc, pid=pid, lport=lport, state="LISTEN")) == 1
    finally:
        proc.stdin.close()
        proc.wait(10)
