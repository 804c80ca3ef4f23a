"""`sockcost cost` on real servers, against the truth servers.py measures
without sockcost: /proc/PID/smaps_rollup of the server's processes, their
growth per connection, the server's own connection cap, and the kernel's
listen-drop counter."""
import json
import os
import socket
import subprocess
import threading
import time

import servers
from helpers import SOCKCOST, listener, port_of

pg_server = servers.pg_server
nginx_server = servers.nginx_server
http_clients = servers.http_clients


def cost(*args, timeout=120):
    r = subprocess.run([SOCKCOST, "cost", "--json", *args], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def rows_of(doc, pids):
    return {p["pid"]: p for p in doc["processes"] if p["pid"] in pids}


def test_prefork_server_costs_a_process_per_connection(pg_server):
    """PostgreSQL: one backend per connection, 128 MB of shared buffers each
    maps. sockcost names the basis per-process, costs a connection at a
    backend's private memory, and its what-if for the idle backends lands
    within 2x of their summed PSS (not their RSS, 15x more); the server's own
    max_connections, declared, is the binding limit."""
    pg = pg_server(max_connections=150)
    pg.open_clients(110, touch_table_mb=8)
    time.sleep(2)  # every client idle for more than the what-if's 1 s
    backends = pg.backends()
    assert len(backends) == 110
    max_conn = int(pg.show("max_connections"))
    doc = cost("--port", str(pg.port), "--whatif", "1",
               "--app-limit", f"postgres={max_conn}")
    truth = pg.memory(list(backends))
    rows = rows_of(doc, set(backends))
    assert len(rows) == 110
    for row in rows.values():
        assert row["memory_basis"] == "per-process"
        assert row["service_port"] == pg.port
        assert row["limits"]["binding"] == "application"
    # Per connection: the mean private memory of a backend, as smaps_rollup says.
    per_conn = next(iter(rows.values()))["memory_per_connection_bytes"]
    assert abs(per_conn - truth.private / len(backends)) <= 0.1 * per_conn
    w = next(w for w in doc["whatif"] if w["idle_after_s"] == 1)
    # 110 clients plus the fixture's admin connection, which is idle too.
    assert w["connections"] >= 110
    print(f"\nPostgreSQL, {len(backends)} idle backends: {truth!r}; "
          f"sockcost per connection {per_conn / 1048576:.2f} MiB ({rows[next(iter(rows))]['memory_basis']}), "
          f"what-if {w['memory_bytes'] / 1048576:.1f} MiB for {w['connections']} connections")
    assert truth.pss / 2 <= w["memory_bytes"] * 110 / w["connections"] <= truth.pss * 2
    assert w["memory_bytes"] < truth.rss / 5
    # Service-wide headroom: max_connections minus every backend it holds.
    held = sum(r["connections"] for r in doc["processes"]
               if r["memory_basis"] == "per-process")
    row = next(iter(rows.values()))
    assert row["limits"]["headroom_connections"] == max_conn - held
    assert doc["per_connection"]["memory_basis"] in ("per-process", "mixed")
    # The service: postmaster and every backend on the port, PSS summed over them.
    (svc,) = [x for x in doc["services"] if x["service"] == f"postgres:{pg.port}"]
    members = servers.holders(servers.children(pg.postmaster), pg.port)
    assert svc["main_pid"] == pg.postmaster
    assert svc["processes"] == len(members) + 1
    assert svc["connections"] == sum(len(p) for p in members.values())
    svc_truth = servers.MemTruth([pg.postmaster, *members])
    assert abs(svc["pss_bytes"] - svc_truth.pss) <= 0.1 * svc_truth.pss
    assert abs(svc["private_bytes"] - svc_truth.private) <= 0.1 * svc_truth.private
    assert svc["basis"] == "per-process"
    assert abs(svc["memory_per_connection_bytes"] - per_conn) <= 0.1 * per_conn


def test_event_loop_marginal_matches_growth(nginx_server, http_clients):
    """nginx, two workers: while 2000 keep-alive connections open in steps,
    sockcost --observe measures each worker's marginal private memory per
    connection; it is within 25% of the growth smaps_rollup shows, and the
    what-if never exceeds connections x that estimate."""
    ngx = nginx_server(workers=2, worker_connections=8192)
    http_clients(ngx.port, 1000)
    before = ngx.memory()
    conns_before = {w: len(p) for w, p in ngx.connections_by_worker().items()}
    obs = subprocess.Popen([SOCKCOST, "cost", "--json", "--port", str(ngx.port),
                            "--observe", "14", "--whatif", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # a few samples at the start
        for _ in range(8):
            http_clients(ngx.port, 250)
            time.sleep(1.2)
        out, err = obs.communicate(timeout=60)
    finally:
        if obs.poll() is None:
            obs.kill()
            obs.wait()
    assert obs.returncode == 0, err
    doc = json.loads(out)
    after = ngx.memory()
    conns_after = {w: len(p) for w, p in ngx.connections_by_worker().items()}
    rows = rows_of(doc, set(ngx.workers()))
    assert len(rows) == 2
    for pid, row in rows.items():
        added = conns_after[pid] - conns_before[pid]
        growth = (servers.private_bytes(after.per_pid[pid]) -
                  servers.private_bytes(before.per_pid[pid])) / added
        print(f"\nnginx worker {pid}: +{added} connections, private growth {growth:.0f} B/conn, "
              f"sockcost marginal {row['marginal']['bytes']} B/conn "
              f"(spread {row['marginal']['spread_bytes']}, {row['marginal']['samples']} samples)")
        assert row["memory_basis"] == "marginal", row["marginal"]
        assert abs(row["marginal"]["bytes"] - growth) <= 0.25 * growth
    w = next(w for w in doc["whatif"] if w["idle_after_s"] == 1)
    top = max(r["memory_per_connection_bytes"] for r in rows.values())
    # Per-connection figures are printed rounded to the byte; the what-if sums the unrounded ones.
    assert w["memory_bytes"] <= w["connections"] * (top + 0.5) + 1


def test_declared_cap_binds_before_the_fd_limit(nginx_server, http_clients):
    """nginx with worker_connections 512: 19,000 fds free per worker, but the
    server itself stops at 512. Declared, that cap binds, with its headroom."""
    ngx = nginx_server(workers=2, worker_connections=512)
    http_clients(ngx.port, 300)
    doc = cost("--port", str(ngx.port), "--app-limit", "nginx=512")
    by_worker = {w: len(p) for w, p in ngx.connections_by_worker().items()}
    rows = rows_of(doc, set(ngx.workers()))
    assert len(rows) == 2
    for pid, row in rows.items():
        assert row["connections"] == by_worker[pid]
        lim = row["limits"]
        assert lim["fds"]["max_connections"] > 10000
        assert lim["application"] == {"limit": 512, "max_connections": 512}
        assert lim["binding"] == "application"
        assert lim["headroom_connections"] == 512 - by_worker[pid]
    text = subprocess.run([SOCKCOST, "cost", "--port", str(ngx.port), "--app-limit", "nginx=512"],
                          capture_output=True, text=True, timeout=60).stdout
    assert "application, " in text


def _listen_drops():
    """TcpExt ListenDrops of this network namespace (/proc/net/netstat)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split()[1:], values.split()[1:]))["ListenDrops"])
    raise AssertionError("no TcpExt in /proc/net/netstat")


def test_full_accept_queue_shows_drops():
    """A listener with a backlog of 1 that never accepts: the kernel drops
    further handshakes and counts them on the listener (sk_drops) and in
    ListenDrops; sockcost reports them for the port."""
    lst = listener()
    lst.listen(1)
    port = port_of(lst)
    before = _listen_drops()
    clients = []
    try:
        for _ in range(8):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            clients.append(c)
        time.sleep(1.5)  # SYN retries after 1 s are dropped again
        doc = cost("--port", str(port))
        after = _listen_drops()
    finally:
        for c in clients:
            c.close()
        lst.close()
    row = next(l for l in doc["listeners"] if l["port"] == port)
    assert row["accept_queue_max"] == 1
    assert row["drops_total"] >= 1
    # Other listeners of the namespace may drop meanwhile: at most the namespace's count.
    assert row["drops_total"] <= after - before
