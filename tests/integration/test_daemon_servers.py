"""sockcostd's memory and capacity metrics on real servers, against the
truth servers.py measures without sockcost (smaps_rollup, growth per
connection, the servers' own caps) and the kernel's ListenDrops."""
import json
import os
import socket
import subprocess
import time

import servers
from helpers import listener, port_of
from helpers import SOCKCOST
from sockcostd_helpers import Daemon, parse_metrics, value
from test_cost_servers import _listen_drops

pg_server = servers.pg_server
nginx_server = servers.nginx_server
http_clients = servers.http_clients


def series(samples, name, pid):
    """{labels: value} of a family for one pid."""
    return {tuple(sorted(lab.items())): v for lab, v in samples.get(name, [])
            if lab.get("pid") == str(pid)}


def test_prefork_backends_cost_a_process_each(pg_server, tmp_path):
    """PostgreSQL's backends: basis per-process at the mean private memory
    of a backend; the max_connections declared in an --app-limits file is
    the binding limit, shared by the service."""
    pg = pg_server(max_connections=150)
    pg.open_clients(60, touch_table_mb=4)
    limits = tmp_path / "limits"
    max_conn = int(pg.show("max_connections"))
    limits.write_text(f"# the database's own cap\npostgres={max_conn}\n")
    d = Daemon("--app-limits", str(limits), "--top-processes", "10")
    try:
        samples = parse_metrics(d.metrics())
        backends = pg.backends()
        truth = pg.memory(list(backends))
        exported = [p for p in backends if series(samples, "sockcost_process_connections", p)]
        assert len(exported) >= 5, "the top 10 by connections should hold backends"
        mean = truth.private / len(backends)
        held = len(backends) + 1  # the fixture's admin connection has a backend too
        for pid in exported:
            per_conn = series(samples, "sockcost_process_memory_per_connection_bytes", pid)
            ((labels, bytes_),) = per_conn.items()
            assert dict(labels)["basis"] == "per-process"
            # The daemon averages up to 32 backends it read; the truth, all of them.
            assert abs(bytes_ - mean) <= 0.25 * mean
            lim = series(samples, "sockcost_process_connection_limit", pid)
            ((labels, allowed),) = lim.items()
            assert dict(labels)["limit"] == "application"
            assert allowed == 1 + max_conn - held
            pss = value(samples, "sockcost_process_pss_bytes", pid=str(pid))
            assert abs(pss - truth.per_pid[pid]["Pss"]) <= 0.25 * truth.per_pid[pid]["Pss"] + 65536
    finally:
        d.stop()


def test_event_loop_marginal_across_walks(nginx_server, http_clients, pin_dir):
    """nginx: the daemon's marginal per worker, from its samples across
    walks while 2000 connections open, is within 25% of the growth
    smaps_rollup shows; `sockcost cost`, next to the pinned daemon and
    without watching anything itself, reports the daemon's estimate."""
    ngx = nginx_server(workers=2, worker_connections=8192)
    http_clients(ngx.port, 1000)
    d = Daemon("--interval", "1", "--pin-dir", pin_dir, pin=True)
    try:
        d.metrics()
        before = ngx.memory()
        conns_before = {w: len(p) for w, p in ngx.connections_by_worker().items()}
        for _ in range(8):
            http_clients(ngx.port, 250)
            d.metrics()  # a walk after each step: one sample each
        after = ngx.memory()
        conns_after = {w: len(p) for w, p in ngx.connections_by_worker().items()}
        samples = parse_metrics(d.metrics())
        r = subprocess.run([SOCKCOST, "cost", "--json", "--port", str(ngx.port)],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, SOCKCOST_PIN_DIR=pin_dir))
    finally:
        d.stop()
    assert r.returncode == 0, r.stderr
    rows = {p["pid"]: p for p in json.loads(r.stdout)["processes"]}
    for pid in ngx.workers():
        added = conns_after[pid] - conns_before[pid]
        growth = (servers.private_bytes(after.per_pid[pid]) -
                  servers.private_bytes(before.per_pid[pid])) / added
        per_conn = series(samples, "sockcost_process_memory_per_connection_bytes", pid)
        ((labels, bytes_),) = per_conn.items()
        print(f"\nnginx worker {pid}: growth {growth:.0f} B/conn, sockcostd {bytes_:.0f} B/conn "
              f"({dict(labels)['basis']})")
        assert dict(labels)["basis"] == "marginal"
        assert abs(bytes_ - growth) <= 0.25 * growth
        assert value(samples, "sockcost_process_memory_per_connection_samples", pid=str(pid)) >= 8
        # The CLI did not watch: the figure is the daemon's, from its pinned estimates.
        row = rows[pid]
        assert row["memory_basis"] == "marginal"
        assert row["marginal"]["source"] == "sockcostd"
        assert abs(row["memory_per_connection_bytes"] - bytes_) <= 1


def test_listen_drops_metric():
    lst = listener()
    lst.listen(1)
    port = port_of(lst)
    clients = []
    d = Daemon()
    try:
        before = _listen_drops()
        for _ in range(8):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            clients.append(c)
        time.sleep(1.5)
        samples = parse_metrics(d.metrics())
        after = _listen_drops()
    finally:
        d.stop()
        for c in clients:
            c.close()
        lst.close()
    drops = value(samples, "sockcost_port_listen_drops_total", port=str(port))
    assert 1 <= drops <= after - before
