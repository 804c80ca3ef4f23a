"""The truth about real servers (PostgreSQL 15, nginx 1.22), measured
without sockcost: these tests check the fixtures and truth helpers of
servers.py against the servers' own accounts and against ss, and print the
numbers (run with -s to see them)."""
import time

import pytest

import servers
from servers import PgConn, PgError, established, fd_count, mib

# The factory fixtures (each stops what it started at teardown, failed or not).
pg_server = servers.pg_server
nginx_server = servers.nginx_server
http_clients = servers.http_clients

KIB = 1024


def test_postgres_idle_clients_pss_below_rss(pg_server):
    """100 idle clients of a fresh cluster (shared_buffers 128MB), each of
    which scanned the same ~8 MiB table once, so every backend maps those
    shared-buffer pages: the server counts 100 client backends, exactly 100
    backend processes hold our connections (one each), and their summed PSS
    counts the shared pages once where summed RSS counts them 100 times."""
    t0 = time.monotonic()
    pg = pg_server(max_connections=150, shared_buffers="128MB")
    t_start = time.monotonic() - t0
    clients = pg.open_clients(100, touch_table_mb=8)
    t_open = time.monotonic() - t0 - t_start

    assert pg.client_backend_count() == 100
    assert int(pg.show("max_connections")) == 150
    assert pg.show("shared_buffers") == "128MB"

    backends = pg.backends()
    assert len(backends) == 100
    assert all(len(ports) == 1 for ports in backends.values()), backends
    assert {p for ports in backends.values() for p in ports} == pg.client_ports()
    # The server's own word on which process serves which connection.
    assert set(backends) == {c.backend_pid for c in clients}
    served_by = {ports[0]: pid for pid, ports in backends.items()}
    assert all(served_by[c.local_port] == c.backend_pid for c in clients)

    table = int(pg.admin.scalar("SELECT pg_relation_size('touch')"))
    mem = pg.memory()
    pm = pg.postmaster_memory()
    shared_rss = sum(r["Shared_Clean"] + r["Shared_Dirty"] for r in mem.per_pid.values())
    print(f"\npostgres: start {t_start:.1f} s, 100 clients {t_open:.1f} s; table {mib(table)}")
    print(f"  backends   {mem}")
    print(f"    per backend: Rss {mem.rss / 100 / KIB:.0f} KiB, Pss {mem.pss / 100 / KIB:.0f} KiB, "
          f"Private {mem.private / 100 / KIB:.0f} KiB, Shared {shared_rss / 100 / KIB:.0f} KiB")
    print(f"  postmaster {pm}")
    print(f"  auxiliary  {pg.memory(pg.auxiliary())}")

    assert mem.private <= mem.pss < mem.rss
    # Each backend maps the whole table in shared buffers: RSS counts it in
    # each of the 100, PSS once in all (so RSS - PSS >= ~99 tables).
    assert mem.rss - mem.pss > 0.8 * 99 * table, (mem, table)
    assert mem.pss_shmem < 2 * (table + 16 * 1024 * KIB)


def test_postgres_max_connections_refuses(pg_server):
    """max_connections is the application's cap: with 10, our admin
    connection plus 9 clients fill it, the next is refused with 53300."""
    pg = pg_server(max_connections=10)
    pg.open_clients(9)
    with pytest.raises(PgError, match="53300"):
        PgConn(pg.port)
    assert pg.client_backend_count() == 9
    assert len(pg.backends()) == 9
    assert int(pg.show("max_connections")) == 10


def test_nginx_keepalive_private_growth(nginx_server, http_clients):
    """2 workers (accept_mutex off: they share one listener, EPOLLEXCLUSIVE
    picks one), 3000 idle keep-alive connections each after one full
    response: ss sees 3000 established and the workers' fds hold exactly
    them. 2000 more: the workers' private memory grows by a few hundred
    bytes each; closing those 2000 gives nothing back (pools reused, not
    returned to the kernel)."""
    t0 = time.monotonic()
    ng = nginx_server(workers=2, worker_connections=8192)
    base = http_clients(ng.port, 3000)
    t_open = time.monotonic() - t0
    assert base.outcomes == {"served": 3000}

    est = established(ng.port)
    assert len(est) == 3000
    assert {peer for peer, _ in est} == set(base.ports)
    by_worker = ng.connections_by_worker()
    assert len(by_worker) == 2
    assert sum(len(p) for p in by_worker.values()) == 3000
    assert {p for ports in by_worker.values() for p in ports} == set(base.ports)
    fds = {w: fd_count(w) for w in by_worker}
    for w, ports in by_worker.items():
        assert len(ports) < fds[w] < len(ports) + 64, (w, len(ports), fds[w])

    before = ng.memory()
    more = http_clients(ng.port, 2000)
    assert more.outcomes == {"served": 2000}
    assert len(established(ng.port)) == 5000
    after = ng.memory()
    growth = (after.private - before.private) / 2000
    growth_pss = (after.pss - before.pss) / 2000

    more.stop()
    deadline = time.monotonic() + 10
    while len(established(ng.port)) > 3000 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # the workers see the FINs
    closed = ng.memory()
    print(f"\nnginx: 3000 connections {t_open:.1f} s; per worker: "
          + ", ".join(f"{w}: {len(p)} conns, {fds[w]} fds" for w, p in by_worker.items()))
    print(f"  workers at 3000 {before}")
    print(f"  workers at 5000 {after}")
    print(f"  growth per connection: Private {growth:.0f} B, Pss {growth_pss:.0f} B")
    print(f"  after closing the 2000: {closed} "
          f"(private given back: {(after.private - closed.private) / KIB:.0f} KiB)")
    assert 0 < growth < 64 * KIB


def test_nginx_worker_connections_cap(nginx_server, http_clients):
    """worker_connections 512, 2 workers. Keep-alive clients beyond the cap
    are all served: nginx closes idle keep-alive connections to make room
    ("worker_connections are not enough, reusing connections"), so at most
    2 x 512 stay open. Connections held mid-request cannot be reused: with
    the slots full of them, further requests are accepted and closed
    unanswered ("worker_connections are not enough", alert)."""
    cap = 512
    ng = nginx_server(workers=2, worker_connections=cap)

    keep = http_clients(ng.port, 1500)
    time.sleep(0.3)
    keep_open = keep.still_open()
    print(f"\nnginx cap {cap} x 2: 1500 keep-alive: {keep.outcomes}, still open {keep_open}, "
          f"ss {len(established(ng.port))}")
    assert keep.served == 1500
    assert keep_open <= 2 * cap
    assert any("reusing connections" in line for line in ng.not_enough_lines())

    stuck = http_clients(ng.port, 1200, partial=True)
    time.sleep(0.5)
    stuck_open, keep_open = stuck.still_open(), keep.still_open()
    print(f"  1200 mid-request: {stuck.outcomes}, still open {stuck_open}; keep-alive still open "
          f"{keep_open}")

    held = sum(len(p) for p in ng.connections_by_worker().values())
    extra = http_clients(ng.port, 200)
    time.sleep(0.3)
    by_worker = {w: len(p) for w, p in ng.connections_by_worker().items()}
    alerts = [line for line in ng.not_enough_lines() if "reusing" not in line]
    print(f"  200 more requests: {extra.outcomes}; held per worker {by_worker}; "
          f"{len(alerts)} alert lines, e.g. {alerts[:1]}")
    # A worker with slots left (the held requests are not spread evenly, and
    # nginx drops some of them) serves as many: CI saw 994 of 1024 held, 1 served.
    assert extra.served <= max(2 * cap - held, 0) and extra.served + extra.refused == 200
    assert alerts and "[alert]" in alerts[0]
    open_total = keep.still_open() + stuck.still_open() + extra.still_open()
    assert open_total == sum(by_worker.values()) <= 2 * cap
    assert len(established(ng.port)) <= 2 * cap
