"""`sockcost cost`: what-if numbers against the snapshot's idle ages, kernel
bytes against the kernel's own slab accounting for 10,000 connections, and
the text output (its command line is tested in tests/cli)."""
import json
import os
import socket
import struct
import threading
import time

import pytest

from helpers import (Child, Ticker, listener, port_of, proc_fd_count, require_bpf,
                     run_sockcost, snapshot, wait_for)


def cost(*args, timeout=120):
    r = run_sockcost("cost", "--json", *args, timeout=timeout)
    assert r.returncode == 0, f"sockcost cost failed ({r.returncode}): {r.stderr}"
    return json.loads(r.stdout)


def smaps_rollup(pid):
    """The kernel's own account of a process's memory, in bytes by field."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return out


def smaps_private(mem):
    return mem["Private_Clean"] + mem["Private_Dirty"]


def fixed_bytes(doc, family):
    """Slab bytes of one held socket without epoll, from the cost document."""
    size = {o["object"]: o["bytes"] for o in doc["kernel_objects"]}
    sock = size["tcp6_sock"] if family == "ipv6" else size["tcp_sock"]
    return sock + size["socket_inode"] + size["file"] + size["dentry"]


def buffer_bytes(s):
    return s["rx_queue_memory_bytes"] + s["tx_queue_memory_bytes"] + max(s["forward_alloc_bytes"], 0)


def _idle_ages(doc, pid):
    return sorted((s for s in doc["sockets"] if s["state"] == "ESTAB" and s["pid"] == pid),
                  key=lambda s: s["idle_s"])


def test_whatif_follows_snapshot_idle_ages():
    """Four silent sockets (idle 6 s longer than the next), four that spoke
    once since, four that speak every 0.2 s. The two what-if timeouts are put
    in the gaps between the groups' idle ages as a snapshot sees them: the
    lower one must close the silent and the once-spoken ones, the higher one
    the silent ones, as the snapshot's idle ages say, with their fds, kernel
    bytes and memory. Ages grow while sockcost runs (slowly under emulation), so
    the timeouts are chosen from a snapshot taken just before `cost`, and the
    measurement is repeated when a snapshot just after `cost` puts a socket
    on the other side of a timeout."""
    require_bpf()

    def setup():
        lst = listener()
        addr = lst.getsockname()

        def pairs(n):
            out = []
            for _ in range(n):
                c = socket.create_connection(addr)
                s, _ = lst.accept()
                c.sendall(b"x")  # left unread: a receive queue to count
                out.append((c, s))
            return out

        silent = pairs(2)
        time.sleep(6)  # the gap `cost` and two snapshots must fit in (3 s under qemu)
        recent = pairs(2)
        fresh = pairs(2)

        def chat():
            for c, s in fresh:
                c.sendall(b"y")
                s.recv(16)
                s.sendall(b"z")
                c.recv(16)

        ticker = Ticker(chat, 0.2, max_s=120)
        return lst, silent, recent, fresh, ticker

    child = Child(setup, name=b"sc-whatif")
    pid = child.pid
    try:
        # Wait for the once-spoken sockets to be a second idle (not a fixed sleep).
        deadline = time.monotonic() + 30
        while True:
            conns = _idle_ages(snapshot("--pid", str(pid)), pid)
            assert len(conns) == 12
            if conns[4]["idle_s"] >= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for _ in range(5):
            snap = snapshot("--pid", str(pid))
            conns = _idle_ages(snap, pid)
            ages = [s["idle_s"] for s in conns]
            # Sorted by age: fresh [0:4], once-spoken [4:8], silent [8:12].
            # As low and as high as the snapshot allows: ages grow meanwhile.
            low = int(ages[4])
            high = int(ages[8])
            assert ages[3] < low <= ages[4] and ages[7] < high <= ages[8], ages
            doc = cost("--pid", str(pid), "--whatif", f"{low},{high}")
            pid_mem = smaps_rollup(pid)
            later = [s["idle_s"] for s in _idle_ages(snapshot("--pid", str(pid)), pid)]
            if later[7] < high and later[3] < low:
                break
        else:
            pytest.fail(f"ages crossed a what-if timeout during every measurement: {ages} {later}")
    finally:
        child.stop()

    assert len(conns) == 12
    assert doc["connections"] == 12
    proc = next(p for p in doc["processes"] if p["pid"] == pid)
    # Not watched over time: the average, an upper bound, and named so.
    assert proc["memory_basis"] == "average"
    assert proc["marginal"]["bytes"] is None and "--observe" in proc["marginal"]["why_not"]
    # The child keeps chatting on a thread, so its memory moves a little between the reads.
    assert abs(proc["private_bytes"] - smaps_private(pid_mem)) <= 256 * 1024
    assert abs(proc["pss_bytes"] - pid_mem["Pss"]) <= 256 * 1024
    per_conn = proc["memory_per_connection_bytes"]
    assert abs(per_conn - proc["private_bytes"] / 12) <= 1
    whatif = {w["idle_after_s"]: w for w in doc["whatif"]}
    assert sorted(whatif) == sorted([low, high, 60, 180, 300, 900])
    for after, expected in ((low, 8), (high, 4)):
        closed = [s for s in conns if s["idle_s"] >= after]
        assert len(closed) == expected, [s["idle_s"] for s in conns]
        w = whatif[after]
        assert w["connections"] == len(closed)
        assert w["fds"] == len(closed)
        assert w["kernel_bytes"] == sum(fixed_bytes(doc, s["family"]) + buffer_bytes(s)
                                        for s in closed)
        assert abs(w["memory_bytes"] - len(closed) * per_conn) <= len(closed)
    for after in (60, 180, 300, 900):
        assert whatif[after]["connections"] == 0
    # The unread byte: receive queues are charged to the connection.
    assert doc["kernel_buffer_bytes"] > 0


SLAB_CACHES = ("TCP", "TCPv6", "sock_inode_cache", "filp", "dentry", "eventpoll_epi")


def slab_bytes():
    """The kernel's own accounting: active objects x object size, summed."""
    total = 0
    with open("/proc/slabinfo") as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] in SLAB_CACHES:
                total += int(fields[1]) * int(fields[3])
    return total


def meminfo_slab():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1]) * 1024
    return 0


N_CONN = 10000


def _hold_pairs():
    """A server child accepting N_CONN connections from a client child."""
    def server_setup():
        lst = listener()
        held = []

        def accept_all():
            while len(held) < N_CONN:
                s, _ = lst.accept()
                held.append(s)

        t = threading.Thread(target=accept_all, daemon=True)
        t.start()
        with open(f"/tmp/sc-cost-port-{os.getpid()}", "w") as f:
            f.write(str(port_of(lst)))
        return lst, held, t

    server = Child(server_setup, name=b"sc-slab-srv", nofile=N_CONN + 100)
    port_file = f"/tmp/sc-cost-port-{server.pid}"
    try:
        with open(port_file) as f:
            port = int(f.read())
    finally:
        os.unlink(port_file)

    def client_setup():
        # Closed with a reset: 10,000 TIME-WAIT sockets would linger for a
        # minute and share local port numbers with other tests' connections.
        linger = struct.pack("ii", 1, 0)
        held = []
        for _ in range(N_CONN):
            c = socket.create_connection(("127.0.0.1", port))
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            held.append(c)
        return held

    try:
        client = Child(client_setup, name=b"sc-slab-cli", nofile=N_CONN + 100)
    except BaseException:
        server.stop()
        raise
    wait_for(lambda: proc_fd_count(server.pid) >= N_CONN + 1, timeout=60, interval=0.1)
    return server, client


def test_ten_thousand_connections_match_slab_accounting():
    """10,000 idle loopback connections (20,000 sockets) raise the slab
    caches a socket uses by what sockcost reports for them, within 20%.
    Host-wide numbers: other tests running at the same time can disturb
    them, so up to three tries."""
    require_bpf()
    results = []
    for _ in range(3):
        before, before_meminfo = slab_bytes(), meminfo_slab()
        server, client = _hold_pairs()
        pids = (server.pid, client.pid)
        try:
            assert proc_fd_count(server.pid) >= N_CONN + 1, "server did not accept all"
            rise, rise_meminfo = slab_bytes() - before, meminfo_slab() - before_meminfo
            doc = cost()
        finally:
            client.stop()
            server.stop()
        procs = {p["pid"]: p for p in doc["processes"]}
        reported = sum(procs[pid]["kernel_fixed_bytes"] + procs[pid]["kernel_buffer_bytes"]
                       for pid in pids)
        assert [procs[pid]["connections"] for pid in pids] == [N_CONN, N_CONN]
        results.append((reported, rise, rise_meminfo))
        print(f"sockcost {reported} B, slab caches rose {rise} B, meminfo Slab rose "
              f"{rise_meminfo} B; per socket {reported / (2 * N_CONN):.0f} vs "
              f"{rise / (2 * N_CONN):.0f}")
        if abs(reported - rise) <= 0.2 * rise:
            return
    pytest.fail(f"sockcost's kernel bytes are not within 20% of the slab rise: {results}")


def test_cost_text_output():
    r = run_sockcost("cost", "--ram-price", "4")
    assert r.returncode == 0, r.stderr
    assert "Per connection:" in r.stdout and "IDLE AFTER" in r.stdout and "PER MONTH" in r.stdout


def test_host_limits_are_the_kernels():
    """Host-wide limits as /proc states them: fs.file-max, fs.nr_open and
    net.ipv4.tcp_mem's pressure threshold (pages, in bytes)."""
    require_bpf()
    doc = cost()
    h = doc["host"]

    def numbers(path):
        with open(path) as f:
            return [int(x) for x in f.read().split()]

    assert h["file_max"] == numbers("/proc/sys/fs/file-max")[0]
    assert h["nr_open"] == numbers("/proc/sys/fs/nr_open")[0]
    assert h["tcp_mem_pressure_bytes"] == numbers("/proc/sys/net/ipv4/tcp_mem")[1] * os.sysconf("SC_PAGESIZE")
    allocated = numbers("/proc/sys/fs/file-nr")[0]
    # Files come and go between the two reads; the headroom follows what was read.
    assert abs(h["files_open"] - allocated) <= 2000
    assert h["fd_headroom"] == h["file_max"] - h["files_open"]
    assert h["tcp_mem_headroom_bytes"] == h["tcp_mem_pressure_bytes"] - h["tcp_mem_bytes"]
