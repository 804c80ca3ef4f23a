"""Services on real servers: a pre-fork database (PostgreSQL: a postmaster
and one backend per connection) and a multi-worker HTTP server (nginx: a
master and workers sharing its listener) are one service each, in
snapshot's tables and JSON, in top's services view and in sockcostd's
metrics. The truth is the servers' own process trees (/proc), their fd
tables and ss."""
import json
import os

import servers
from helpers import run_sockcost, snapshot
from servers import children, established, holders
from sockcostd_helpers import Daemon, parse_metrics

pg_server = servers.pg_server
nginx_server = servers.nginx_server
http_clients = servers.http_clients


def all_backends(pg):
    """{pid: [peer ports]}: the postmaster's children holding a connection
    to its port (ours and the fixture's admin connection), from /proc and ss."""
    return holders(children(pg.postmaster), pg.port)


def service_of(doc, pid):
    (svc,) = [s for s in doc["services"] if pid in s["pids"]]
    return svc


def test_prefork_database_is_one_service(pg_server):
    """The postmaster listens; each backend is its child serving one
    connection to that port. One service, named postgres:PORT, holding
    exactly the backends ss and /proc find, and every connection."""
    pg = pg_server(max_connections=60)
    pg.open_clients(30)
    backends = all_backends(pg)
    assert set(pg.backends()) < set(backends)  # ours, and the admin connection's
    served = len(established(pg.port))

    doc = snapshot("--json")
    svc = service_of(doc, pg.postmaster)
    assert svc["service"] == f"postgres:{pg.port}"
    assert svc["main_pid"] == pg.postmaster
    assert svc["listen_ports"] == [pg.port]
    with open(f"/proc/{pg.postmaster}/cgroup") as f:
        assert svc["cgroup"] == f.read().strip().split("::", 1)[1]
    assert set(svc["pids"]) == {pg.postmaster, *backends}
    assert svc["processes"] == len(backends) + 1
    assert svc["connections"] == served
    for pid in backends:
        (p,) = [p for p in doc["processes"] if p["pid"] == pid]
        assert p["ppid"] == pg.postmaster
        assert p["service"] == svc["service"]

    # The default table groups by service: one row, not a row per backend.
    out = run_sockcost("snapshot").stdout
    rows = [line for line in out.splitlines() if line.startswith(f"postgres:{pg.port} ")]
    assert len(rows) == 1, out
    fields = rows[0].split()
    assert int(fields[1]) == len(backends) + 1 and int(fields[2]) == served, rows[0]
    assert not any(line.split()[:1] == [str(pid)] for pid in backends for line in out.splitlines())
    # --by process still has one row each.
    out = run_sockcost("snapshot", "--by", "process", "--port", str(pg.port)).stdout
    assert sum(line.split()[:1] == [str(pid)] for pid in backends
               for line in out.splitlines()) == len(backends)


def test_multi_worker_server_is_one_service(nginx_server, http_clients):
    """nginx's master and its two workers share the listening socket: one
    service holding the connections ss counts; the forked client children
    (one command, no listener) are one service too."""
    ng = nginx_server(workers=2)
    clients = http_clients(ng.port, 300, per_child=100)
    assert clients.served == 300
    served = len(established(ng.port))

    doc = snapshot("--json")
    svc = service_of(doc, ng.master)
    assert svc["service"] == f"nginx:{ng.port}"
    assert set(svc["pids"]) == {ng.master, *ng.workers()}
    assert svc["connections"] == served == 300
    client_pids = [c["pid"] for c in clients.children]
    pool = service_of(doc, client_pids[0])
    assert set(client_pids) <= set(pool["pids"])
    assert pool["listen_ports"] == []
    assert pool["connections"] >= 300


def test_top_services_view(pg_server):
    """top's batch frame leads with the services table when a server runs
    as several processes: the database is one row (PROCS = postmaster and
    backends), and each process row in the JSON names its service."""
    pg = pg_server(max_connections=60)
    pg.open_clients(20)
    backends = all_backends(pg)
    served = len(established(pg.port))
    out = run_sockcost("top", "-b", "-n", "1").stdout
    head = out.split("\nPID ")[0]
    assert "SERVICE" in head and "PROCS" in head, out
    rows = [line.split() for line in head.splitlines() if line.startswith(f"postgres:{pg.port} ")]
    assert len(rows) == 1, out
    assert rows[0][1:3] == [str(len(backends) + 1), str(served)], rows[0]

    frame = json.loads(run_sockcost("top", "--json", "-n", "1").stdout)
    (svc,) = [s for s in frame["services"] if s["service"] == f"postgres:{pg.port}"]
    assert svc["processes"] == len(backends) + 1 and svc["main_pid"] == pg.postmaster
    named = {p["pid"]: p["service"] for p in frame["processes"]}
    assert all(named[pid] == svc["service"] for pid in backends)


def test_metrics_one_series_per_service(pg_server):
    """sockcostd: the database's backends are one set of service series,
    whatever --top-processes keeps per process."""
    pg = pg_server(max_connections=60)
    pg.open_clients(25)
    backends = all_backends(pg)
    served = len(established(pg.port))
    d = Daemon("--top-processes", "3")
    try:
        samples = parse_metrics(d.metrics())
    finally:
        d.stop()
    name = f"postgres:{pg.port}"
    conns = [(lab, v) for lab, v in samples["sockcost_service_connections"]
             if lab["service"] == name]
    assert conns == [({"service": name}, served)]
    procs = [v for lab, v in samples["sockcost_service_processes"] if lab["service"] == name]
    assert procs == [len(backends) + 1]
    # The backends are not each a service.
    assert not [lab for lab, _ in samples["sockcost_service_connections"]
                if lab["service"].startswith("postgres") and lab["service"] != name]
    assert len({lab["pid"] for lab, _ in samples["sockcost_process_connections"]}) <= 3
