"""Filters pushed into the kernel walks (`snapshot --pid/--port`): the filtered
snapshot shows exactly what the whole snapshot filtered afterwards shows, and
the walks really write less. The property is checked over several filters on
real loopback connections held by several processes."""
import ctypes
import os
import re
import signal
import socket
import subprocess
import threading

import pytest

from helpers import (Child, connect_pairs, listener, netns_process, port_of, run_sockcost, snapshot,
                     wait_for)

# Keys that change between two walks by themselves: ages and what follows from them.
VOLATILE = {"idle_s", "idle_source", "kernel_last_send_age_s", "kernel_last_recv_age_s",
            "observed"}
NOISE_PAIRS = 150     # connections on a port no filter asks for: the walks must skip them
TIME_WAITS = 5        # of them, closed server side first: unheld TIME_WAIT sockets there
IDLE_AFTER = "1"      # seconds: every connection here is idle once settled


def _accept_in_thread(lst, n):
    """Accepts n connections in a thread of the calling (child) process."""
    accepted = []

    def loop():
        while len(accepted) < n:
            accepted.append(lst.accept()[0])

    threading.Thread(target=loop, daemon=True).start()
    return accepted


def _fork_second_holder(drop=()):
    """Forks a process that holds the caller's fds but those of the sockets in
    drop until the caller ends."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for sock in drop:
            sock.close()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        os.close(w)
        os.read(r, 1)  # never written: the parent's end dies with the parent
        os._exit(0)
    os.close(r)
    return pid, w


def _children_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def _unused_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


@pytest.fixture(scope="module")
def world():
    """Each child makes its own sockets (a socket made here would be inherited
    by every later child). A: listener on port A, 4 accepted connections, 2
    peers left in its accept queue (held by no process). B1, B2: workers
    sharing one listener on port B, B1 accepting 3. C: 6 clients of A and 1 of
    B, every fd shared with its child G (sockets with two holders). C2: 2
    clients of B. N: NOISE_PAIRS pairs on a port of its own, TIME_WAITS of
    them closed. E: no TCP socket at all. W: 3 pairs on its own listener,
    whose accepted ends its child WB holds too, but not the listener."""
    procs = {}
    lst = listener()
    port_a = port_of(lst)
    procs["A"] = Child(lambda: (lst, _accept_in_thread(lst, 4)))
    lst.close()
    lst = listener()
    port_b = port_of(lst)
    procs["B1"] = Child(lambda: (lst, _accept_in_thread(lst, 3)))
    procs["B2"] = Child(lambda: lst)
    lst.close()

    def client():
        socks = [socket.create_connection(("127.0.0.1", port_a)) for _ in range(6)]
        socks.append(socket.create_connection(("127.0.0.1", port_b)))
        return socks, _fork_second_holder()

    procs["C"] = Child(client)
    procs["C2"] = Child(lambda: [socket.create_connection(("127.0.0.1", port_b))
                                 for _ in range(2)])

    def noise():
        lst = listener()
        pairs = connect_pairs(lst, NOISE_PAIRS)
        for c, s in pairs[:TIME_WAITS]:
            s.close()  # the side closing first keeps TIME_WAIT: local port = lst's
            c.close()
        return lst, pairs[TIME_WAITS:]

    procs["N"] = Child(noise)
    procs["E"] = Child(lambda: [open("/dev/null") for _ in range(3)])

    def backend():
        lst = listener()
        pairs = connect_pairs(lst, 3)
        # Its child keeps only the accepted ends: a backend that does not hold the listener.
        return lst, pairs, _fork_second_holder(drop=[lst] + [c for c, _ in pairs])

    procs["W"] = Child(backend)
    try:
        g = _children_of(procs["C"].pid)
        assert len(g) == 1, g
        pids = {k: c.pid for k, c in procs.items()}
        pids["G"] = g[0]
        pids["WB"] = _children_of(procs["W"].pid)[0]

        def settled():
            doc = snapshot("--idle-after", IDLE_AFTER)
            est = [r for r in doc["sockets"] if r["state"] == "ESTAB"]
            accepted_a = [r for r in est if r["pid"] == pids["A"] and r["lport"] == port_a]
            accepted_b = [r for r in est if r["pid"] == pids["B1"] and r["lport"] == port_b]
            ours = [r for r in est if r["pid"] in pids.values()]
            return len(accepted_a) == 4 and len(accepted_b) == 3 and ours and \
                all(r["idle"] for r in ours) and doc

        doc = wait_for(settled, timeout=15)
        assert doc, "the connections did not settle"
        noise_port = next(r["lport"] for r in doc["sockets"]
                          if r["pid"] == pids["N"] and r["state"] == "LISTEN")
        client_port = next(r["lport"] for r in doc["sockets"]
                           if r["pid"] == pids["C"] and r["rport"] == port_a)
        yield {"pids": pids, "A": port_a, "B": port_b, "N": noise_port, "client": client_port}
    finally:
        # Last first: each child holds copies of the stop pipes of those made before it.
        for c in reversed(list(procs.values())):
            c.stop()


# --- the whole snapshot, filtered here -------------------------------------------------

def _keep(row, pid, port, idle_only):
    return (pid is None or row["pid"] == pid) and (port is None or row["lport"] == port) and \
        (not idle_only or row["idle"])


def _memory(row):
    return row["rx_queue_memory_bytes"] + row["tx_queue_memory_bytes"] + \
        max(row["forward_alloc_bytes"], 0)


def _stripped(row):
    return {k: v for k, v in row.items() if k not in VOLATILE}


def _expected(whole, pid, port, idle_only):
    """What view.c keeps of `whole` under the filter, computed from its rows."""
    kept = [r for r in whole["sockets"] if _keep(r, pid, port, idle_only)]
    by_cookie = {r["cookie"]: r for r in kept}

    procs = []
    for p in whole["processes"]:
        mine = {r["cookie"]: r for r in kept if r["pid"] == p["pid"]}
        if not mine:
            continue
        est = [r for r in mine.values() if r["state"] == "ESTAB"]
        # A process's service is grouped from what the filter keeps (README): not compared.
        p = {k: v for k, v in p.items() if k != "service"}
        procs.append(dict(p, connections=len(est), idle_connections=sum(r["idle"] for r in est),
                          tcp_sockets=len(mine),
                          socket_memory_bytes=sum(_memory(r) for r in mine.values())))
    procs.sort(key=lambda p: (-p["connections"], -p["tcp_sockets"], p["pid"]))

    # Listeners: by port and holder, whether idle or not.
    listeners = {}
    for r in whole["sockets"]:
        if r["state"] == "LISTEN" and (port is None or r["lport"] == port) and \
                (pid is None or r["pid"] == pid):
            listeners.setdefault((r["netns"], r["lport"]), set()).add(r["cookie"])
    whole_ports = {(p["netns"], p["port"]): p for p in whole["ports"]}
    ports = []
    for (netns, lport), cookies in listeners.items():
        est = [r for r in by_cookie.values()
               if r["state"] == "ESTAB" and r["netns"] == netns and r["lport"] == lport]
        row = {"port": lport, "netns": netns, "connections": len(est),
               "idle_connections": sum(r["idle"] for r in est), "listeners": len(cookies)}
        w = whole_ports[(netns, lport)]
        if w["listeners"] == len(cookies):  # else some other process's listener is in w's sums
            row.update(accept_queue=w["accept_queue"], accept_queue_max=w["accept_queue_max"])
        ports.append(row)
    ports.sort(key=lambda p: (-p["connections"], p["netns"], p["port"]))

    est = [r for r in by_cookie.values() if r["state"] == "ESTAB"]
    host = {"connections": len(est), "idle_connections": sum(r["idle"] for r in est),
            "tcp_sockets": len(by_cookie),
            "socket_memory_bytes": sum(_memory(r) for r in by_cookie.values())}
    return {"sockets": [_stripped(r) for r in kept], "processes": procs, "ports": ports,
            "host": host, "outbound": _outbound(whole, kept)}


def _outbound(whole, kept):
    """Client-side rows: kept established sockets on a local port no listener
    (of any process, kept or not) has in their namespace, by remote port."""
    listening = {(r["netns"], r["lport"]) for r in whole["sockets"] if r["state"] == "LISTEN"}
    rows = {}
    for r in kept:
        if r["state"] != "ESTAB" or (r["netns"], r["lport"]) in listening:
            continue
        row = rows.setdefault(r["rport"], {"cookies": {}, "pids": set(), "addrs": set()})
        row["cookies"][r["cookie"]] = r
        if r["pid"] is not None:
            row["pids"].add(r["pid"])
        row["addrs"].add(r["raddr"])
    return sorted(({"remote_port": port, "connections": len(row["cookies"]),
                    "idle_connections": sum(x["idle"] for x in row["cookies"].values()),
                    "processes": len(row["pids"]), "remote_addresses": len(row["addrs"]),
                    "socket_memory_bytes": sum(_memory(x) for x in row["cookies"].values())}
                   for port, row in rows.items()), key=lambda o: o["remote_port"])


def _shown(doc, expected):
    """doc's parts in the shape of _expected's (its port rows with the same keys)."""
    ports = []
    for p, e in zip(doc["ports"], expected["ports"]):
        ports.append({k: p[k] for k in e})
    ports += doc["ports"][len(expected["ports"]):]
    procs = [{k: v for k, v in p.items() if k != "service"} for p in doc["processes"]]
    return {"sockets": [_stripped(r) for r in doc["sockets"]], "processes": procs,
            "ports": ports, "host": {k: doc["host"][k] for k in expected["host"]},
            "outbound": sorted(doc["outbound"], key=lambda o: o["remote_port"])}


def _filters(w):
    p = w["pids"]
    return [
        ("port A", None, w["A"], False),
        ("port B", None, w["B"], False),
        ("noise port with TIME_WAIT", None, w["N"], False),
        ("a client's ephemeral port", None, w["client"], False),
        ("port nobody uses", None, 1, False),
        ("server A", p["A"], None, False),
        ("worker B1", p["B1"], None, False),
        ("worker B2: a shared listener only", p["B2"], None, False),
        ("client C", p["C"], None, False),
        ("C's child G: every socket shared", p["G"], None, False),
        ("no TCP socket", p["E"], None, False),
        ("a backend without the listener", p["WB"], None, False),
        ("pid that does not exist", _unused_pid(), None, False),
        ("server A on port A", p["A"], w["A"], False),
        ("client C on port A: nothing", p["C"], w["A"], False),
        ("G on port B", p["G"], w["B"], False),
        ("idle only on port A", None, w["A"], True),
        ("idle only, client C", p["C"], None, True),
    ]


def _args(pid, port, idle_only):
    args = ["--idle-after", IDLE_AFTER]
    if pid is not None:
        args += ["--pid", str(pid)]
    if port is not None:
        args += ["--port", str(port)]
    if idle_only:
        args.append("--idle-only")
    return args


def test_filtered_equals_whole_filtered_afterwards(world):
    cases = _filters(world)
    # Other processes' sockets come and go between two walks: the whole snapshot
    # is taken before and after the filtered ones, and a filter is judged when
    # both whole snapshots give it one answer (else it is tried again).
    left = list(cases)
    for _ in range(5):
        before = snapshot("--idle-after", IDLE_AFTER)
        filtered = [snapshot(*_args(pid, port, idle)) for _, pid, port, idle in left]
        after = snapshot("--idle-after", IDLE_AFTER)
        again = []
        for (name, pid, port, idle), doc in zip(left, filtered):
            want = _expected(after, pid, port, idle)
            if _expected(before, pid, port, idle) != want:
                again.append((name, pid, port, idle))
                continue
            assert _shown(doc, want) == want, name
            # Every filter keeps the host's TCP walk (our own namespace at least).
            assert doc["host"]["netns_walked"] >= 1, name
        left = again
        if not left:
            break
    assert not left, f"the whole snapshot never held still for {[c[0] for c in left]}"


def _walk_counts(command, args):
    """The files and sockets the walks wrote (sockcost -v), and what they skipped."""
    r = run_sockcost(command, "--json", "-v", *args)
    assert r.returncode == 0, r.stderr
    m = re.search(r"snapshot: walks .*?, (\d+) files, (\d+) sockets in", r.stderr)
    assert m, r.stderr
    skipped = re.search(r"filter in the kernel \(flags 0x\w+\): skipped (\d+) sockets", r.stderr)
    return int(m.group(1)), int(m.group(2)), int(skipped.group(1)) if skipped else 0, r.stderr


def test_the_walks_write_only_what_can_match(world):
    """Records read from the kernel: about what matches, not every socket.
    A zombie is about meanwhile: the kernel counts no fds for it (it has no
    fd table), which must not undo the push-down for everyone else."""
    zombie = os.fork()
    if zombie == 0:
        os._exit(0)
    try:
        wait_for(lambda: _state(zombie) == "Z", timeout=5)
        _walks_write_only_what_can_match(world)
    finally:
        os.waitpid(zombie, 0)


def _state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def _walks_write_only_what_can_match(world):
    pids = world["pids"]
    whole_files, whole_socks, skipped, _ = _walk_counts("snapshot", [])
    assert skipped == 0
    assert whole_socks >= 2 * NOISE_PAIRS and whole_files >= 2 * NOISE_PAIRS

    # Port A: its listener, 4 accepted, 2 unaccepted; files: the sockets on A
    # and a door per process and namespace holding others.
    doc = snapshot()
    files, socks, skipped, _ = _walk_counts("snapshot", ["--port", str(world["A"])])
    assert socks == 7, socks
    assert files <= 5 + 2 * len(doc["processes"]) + 10, files
    assert skipped >= 2 * NOISE_PAIRS

    # --pid: C's files, then the host's sockets walked for C's 7 and every
    # listener (whether a connection is a server's depends on listeners other
    # processes hold: a backend's postmaster), the rest skipped. cost alike.
    listeners = len({r["cookie"] for r in doc["sockets"] if r["state"] == "LISTEN"})
    for command in ("snapshot", "cost"):
        files, socks, skipped, err = _walk_counts(command, ["--pid", str(pids["C"])])
        assert files == len(os.listdir(f"/proc/{pids['C']}/fd")), err
        assert 7 <= socks <= 7 + listeners + 5, (command, socks, listeners)
        assert skipped >= 2 * NOISE_PAIRS, (command, err)
    assert re.search(r"--pid: (the task iterators walk only process|no iterator pid option)", err)


def test_process_fds_under_a_port_filter_are_the_whole_process(world):
    """With --port the file walk skips other files: fds come from the task walk."""
    n = world["pids"]["N"]
    doc = snapshot("--port", str(world["N"]))
    p = next(p for p in doc["processes"] if p["pid"] == n)
    assert p["fds"] == len(os.listdir(f"/proc/{n}/fd"))
    # Its listener and the server ends of the pairs still open (the clients' ports differ).
    assert p["tcp_sockets"] == 1 + NOISE_PAIRS - TIME_WAITS


NETNS_HOLDER = r"""
import socket, sys
a = socket.socket(); a.bind(("127.0.0.1", 7071)); a.listen(16)
keep = [socket.create_connection(("127.0.0.1", 7071)) for _ in range(2)]
keep += [a.accept()[0] for _ in range(2)]
b = socket.socket(); b.bind(("127.0.0.1", 7072)); b.listen(16)
for _ in range(2):
    c = socket.create_connection(("127.0.0.1", 7072)); s, _ = b.accept()
    s.close(); c.close()  # the server side first: TIME_WAIT on 7072
b.close()
print("ready", flush=True)
sys.stdin.read()  # hold until the test closes stdin
"""


def test_namespace_walked_for_sockets_on_other_ports(world):
    """A namespace whose only held sockets are on other ports is still walked:
    its unheld TIME_WAIT sockets on the port are shown, as a whole walk shows
    them (the file walk writes one socket per process and namespace)."""
    with netns_process("sockcost-filter", NETNS_HOLDER) as (_, name):
        ns = os.stat(f"/run/netns/{name}").st_ino
        for _ in range(5):
            before = _expected(snapshot("--idle-after", IDLE_AFTER), None, 7072, False)
            filtered = snapshot(*_args(None, 7072, False))
            after = _expected(snapshot("--idle-after", IDLE_AFTER), None, 7072, False)
            if before == after:
                break
        else:
            pytest.fail("the whole snapshot never held still")
        waits = [r for r in after["sockets"] if r["netns"] == ns and r["state"] == "TIME-WAIT"]
        assert len(waits) == 2, after["sockets"]
        assert _shown(filtered, after) == after


def _run_json(command, args, force=None):
    import json
    from helpers import SOCKCOST
    env = dict(os.environ)
    if force:
        env["SOCKCOST_TEST_FORCE"] = force
    r = subprocess.run([SOCKCOST, command, "--json", *args], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_without_the_iterator_pid_option(world):
    """Kernels before 6.1 iterate every process whatever the link asks: the
    programs skip the others (forced here on any kernel)."""
    who = [world["pids"][k] for k in ("A", "C", "G", "E")]
    for _ in range(5):
        before = snapshot("--idle-after", IDLE_AFTER)
        filtered = [_run_json("snapshot", _args(pid, None, False), force="no-iter-pid")
                    for pid in who]
        after = snapshot("--idle-after", IDLE_AFTER)
        if all(_expected(before, pid, None, False) == _expected(after, pid, None, False)
               for pid in who):
            break
    else:
        pytest.fail("the whole snapshot never held still")
    for pid, doc in zip(who, filtered):
        want = _expected(after, pid, None, False)
        assert _shown(doc, want) == want, pid


# Keys of `cost --json` that move by themselves between two runs: memory read
# from /proc (the children's own, and the host's), and what follows from them.
COST_VOLATILE = {"rss_bytes", "pss_bytes", "private_bytes", "anonymous_bytes", "pss_shmem_bytes",
                 "memory_per_connection_bytes", "private_per_connection_bytes", "marginal",
                 "cost_per_connection_bytes", "memory_current_bytes", "max_connections",
                 "headroom_connections", "limits", "binding", "memory_bytes", "monthly_cost"}


def _cost_stable(doc):
    procs = [{k: v for k, v in p.items() if k not in COST_VOLATILE} for p in doc["processes"]]
    return {"connections": doc["connections"], "processes": procs,
            "listeners": doc["listeners"], "kernel_buffer_bytes": doc["kernel_buffer_bytes"],
            "kernel_fixed_bytes": doc["kernel_fixed_bytes"]}


@pytest.mark.parametrize("case", ["pid A", "pid C", "pid G", "pid WB", "port A", "port B",
                                  "port N"])
def test_cost_the_same_with_and_without_pushdown(world, case):
    kind, who = case.split()
    args = ["--pid", str(world["pids"][who])] if kind == "pid" else ["--port", str(world[who])]
    for _ in range(5):
        whole = _cost_stable(_run_json("cost", args, force="no-pushdown"))
        pushed = _cost_stable(_run_json("cost", args))
        again = _cost_stable(_run_json("cost", args, force="no-pushdown"))
        if whole == again:
            break
    assert whole == again
    assert pushed["connections"] > 0
    assert pushed == whole


def test_cost_sums_drops_over_every_listener_of_a_port():
    """SO_REUSEPORT: two processes, a listener each on one port, both full.
    `cost --pid` reports the port's drops over both listeners, pushed down
    (its TCP walk writes every listener) or not."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = port_of(probe)
    probe.close()

    def reuse_listener():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        s.listen(0)  # one connection waits; the next SYNs are dropped
        return s

    r1, r2 = Child(reuse_listener), Child(reuse_listener)
    clients = []
    try:
        def both_dropped():
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            clients.append(c)
            # ss -m: each listener's skmem, whose d<N> is its sk_drops.
            out = subprocess.run(["ss", "-Hltnm", f"sport = :{port}"], capture_output=True,
                                 text=True, check=True).stdout
            drops = [int(d) for d in re.findall(r"skmem:\(.*?,d(\d+)\)", out)]
            return len(drops) == 2 and min(drops) > 0

        assert wait_for(both_dropped, timeout=30, interval=0.1), "no drops"
        for c in clients:
            c.close()  # a SYN_SENT client stops retrying: the drops hold still
        for _ in range(5):
            whole = _run_json("cost", ["--pid", str(r1.pid)], force="no-pushdown")["listeners"]
            pushed = _run_json("cost", ["--pid", str(r1.pid)])["listeners"]
            again = _run_json("cost", ["--pid", str(r1.pid)], force="no-pushdown")["listeners"]
            if whole == again:
                break
        assert whole == again
        both = _run_json("cost", ["--port", str(port)])["listeners"][0]["drops_total"]
        assert len(pushed) == 1 and pushed[0]["drops_total"] == both > 0
        assert pushed == whole
    finally:
        for c in clients:
            c.close()
        r2.stop()
        r1.stop()
