"""sockcostd: its endpoints, the metrics against connections the test holds,
label escaping, promtool, privileges after loading, IPv6 listening, and a
clean shutdown that leaves none of its BPF programs or links behind."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from helpers import (Child, connect_pairs, expected_activity_hook, listener, netns_process,
                     port_of, proc_fd_count, proc_nofile_soft, ss_socket_memory, wait_for)
from sockcostd_helpers import SOCKCOSTD, Daemon, parse_metrics, value

CAP_SYS_PTRACE = 19
CAP_SYS_ADMIN = 21
N = 20


@pytest.fixture
def daemon():
    started = []

    def start(*args, **kw):
        d = Daemon(*args, **kw)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def holder():
    """A child process holding N connections to its own listener; with unread,
    each client end sends that many bytes its server end never reads."""
    children = []

    def start(name=b"sc-holder", n=N, unread=0):
        info = {}

        def setup():
            lst = listener()
            info["port"] = port_of(lst)
            pairs = connect_pairs(lst, n)
            for c, _ in pairs:
                c.sendall(b"u" * unread)
            return lst, pairs

        # The port is only known inside the child: pass it out through a pipe.
        r, w = os.pipe()

        def setup_and_report():
            held = setup()
            os.write(w, str(info["port"]).encode() + b"\n")
            return held

        c = Child(setup_and_report, name=name)
        children.append(c)
        os.close(w)
        c.port = int(os.read(r, 16).decode())
        os.close(r)
        return c

    yield start
    for c in children:
        c.stop()


def status_of(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def test_endpoints(daemon):
    d = daemon("--enable-snapshot")
    status, headers, body = d.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for link in ("/metrics", "/snapshot.json", "/healthz"):
        assert f'href="{link}"'.encode() in body
    assert d.get("/healthz")[:3:2] == (200, b"ok\n")

    status, headers, body = d.get("/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert b"# TYPE sockcost_connections gauge" in body
    # A query string names the same resource.
    assert d.get("/metrics?debug=1")[0] == 200

    status, headers, body = d.get("/snapshot.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    for key in ("sockets", "processes", "ports"):
        assert isinstance(doc[key], list)


def test_head_404_405(daemon):
    d = daemon("--enable-snapshot")
    for path in ("/", "/healthz", "/metrics", "/snapshot.json"):
        status, headers, body = d.request("HEAD", path)
        assert (status, body) == (200, b""), path
    assert d.request("HEAD", "/metrics")[1]["Content-Type"].startswith("text/plain; version=0.0.4")
    for path in ("/nope", "/metrics/", "/metrics.txt", "//metrics", "/snapshot"):
        status, _, body = d.get(path)
        assert status == 404, path
        assert b"not found" in body
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        status, headers, _ = d.request(method, "/metrics")
        assert status == 405, method
        assert headers["Allow"] == "GET, HEAD"
    assert d.request("POST", "/nope")[0] == 405


def test_metrics_reflect_held_connections(daemon, holder):
    child = holder(unread=100)
    d = daemon("--top-processes", "10000", "--idle-after", "1")
    time.sleep(2)  # the test: no activity since setup, so idle after 1 s
    # Idle sockets: their queues and forward allocations hold still, so ss
    # read around the walk gives the exact socket memory of the holder.
    ss_memory = ss_socket_memory(child.port)
    m = parse_metrics(d.metrics())
    assert ss_socket_memory(child.port) == ss_memory
    # The server side of each pair has the listener's port as its local port.
    assert value(m, "sockcost_port_connections", port=child.port) == N
    assert value(m, "sockcost_port_idle_connections", port=child.port) == N
    assert value(m, "sockcost_port_accept_queue", port=child.port) == 0
    assert value(m, "sockcost_port_accept_queue_max", port=child.port) == 1024
    # The child holds both ends of every pair.
    assert value(m, "sockcost_process_connections", pid=child.pid, comm="sc-holder") == 2 * N
    assert value(m, "sockcost_process_idle_connections", pid=child.pid) == 2 * N
    assert value(m, "sockcost_process_open_fds", pid=child.pid) == proc_fd_count(child.pid)
    assert value(m, "sockcost_process_max_fds", pid=child.pid) == proc_nofile_soft(child.pid)
    assert value(m, "sockcost_process_resident_memory_bytes", pid=child.pid) > 0
    # The unread bytes sit in the N server ends' receive queues.
    assert ss_memory > 0
    assert value(m, "sockcost_process_socket_memory_bytes", pid=child.pid) == ss_memory
    # Host-wide numbers include ours (other tests may add theirs).
    assert value(m, "sockcost_connections") >= 2 * N
    assert value(m, "sockcost_idle_connections") >= 2 * N
    count = value(m, "sockcost_connection_idle_seconds_count")
    assert count == value(m, "sockcost_connections")
    assert value(m, "sockcost_connection_idle_seconds_bucket", le="+Inf") == count
    buckets = [v for lab, v in m["sockcost_connection_idle_seconds_bucket"]]
    assert buckets == sorted(buckets)
    assert value(m, "sockcost_idle_after_seconds") == 1
    assert value(m, "sockcost_activity_hook_info", hook=expected_activity_hook()) == 1
    assert value(m, "sockcost_exporter_collect_success") == 1
    scrapes = value(m, "sockcost_exporter_scrapes_total")
    assert scrapes >= 1
    assert value(m, "sockcost_exporter_refreshes_total") >= 2
    assert value(m, "sockcost_exporter_refresh_interval_seconds") == 1
    assert value(m, "sockcost_exporter_walk_interval_seconds") == 300

    # Closing the pairs shows up in the next walk and in the closed counter.
    closed_before = value(m, "sockcost_connections_closed_total")
    child.stop()
    m = parse_metrics(d.metrics())
    assert not [1 for lab, _ in m.get("sockcost_port_connections", []) if lab["port"] == str(child.port)]
    assert not [1 for lab, _ in m.get("sockcost_process_connections", []) if lab["pid"] == str(child.pid)]
    assert value(m, "sockcost_connections_closed_total") >= closed_before + 2 * N
    assert value(m, "sockcost_exporter_scrapes_total") > scrapes
    assert value(m, "sockcost_exporter_last_scrape_duration_seconds") > 0


def test_top_processes_limit(daemon, holder):
    small, big = holder(b"sc-small", 2), holder(b"sc-big", 30)
    d = daemon("--top-processes", "0")
    m = parse_metrics(d.metrics())
    assert "sockcost_process_connections" not in m
    assert value(m, "sockcost_port_connections", port=big.port) == 30
    assert value(m, "sockcost_port_connections", port=small.port) == 2
    assert value(m, "sockcost_processes") >= 2


def test_label_escaping_and_promtool(daemon, holder):
    if not shutil.which("promtool"):
        pytest.skip("promtool not installed (Debian package prometheus; make deps)")
    odd = b'q"uo\\te\nx'
    child = holder(odd, 3)
    d = daemon("--top-processes", "10000")
    text = d.metrics()
    assert 'comm="q\\"uo\\\\te\\nx"' in text
    m = parse_metrics(text)
    assert value(m, "sockcost_process_connections", pid=child.pid, comm=odd.decode()) == 6
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), r.stdout + r.stderr


def test_snapshot_json_is_the_cli_document(daemon, holder):
    child = holder()
    d = daemon("--enable-snapshot")
    status, _, body = d.get("/snapshot.json")
    assert status == 200
    doc = json.loads(body)
    r = subprocess.run([os.path.join(os.path.dirname(SOCKCOSTD), "sockcost"), "snapshot", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    assert sorted(doc) == sorted(cli)
    mine = [p for p in doc["processes"] if p["pid"] == child.pid]
    assert len(mine) == 1 and mine[0]["connections"] == 2 * N
    assert sorted(mine[0]) == sorted(next(p for p in cli["processes"] if p["pid"] == child.pid))
    assert len([s for s in doc["sockets"] if s["pid"] == child.pid and s["state"] == "ESTAB"]) == 2 * N


def test_snapshot_is_opt_in_and_redacts_peers(daemon, holder):
    child = holder()
    d = daemon()
    status, _, body = d.get("/snapshot.json")
    assert status == 404 and b"--enable-snapshot" in body
    d.stop()
    d = daemon("--enable-snapshot", "--redact-peers")
    status, _, body = d.get("/snapshot.json")
    assert status == 200
    socks = [s for s in json.loads(body)["sockets"] if s["pid"] == child.pid]
    assert all("raddr" not in s and s["laddr"] == "127.0.0.1" for s in socks)
    assert len([s for s in socks if s["state"] == "ESTAB" and s["rport"] > 0]) == 2 * N


def test_privileges_without_snapshot(daemon, holder):
    """Without /snapshot.json the walks still enter other namespaces (the watch
    state of their sockets is read there): CAP_SYS_ADMIN stays. So does
    CAP_SYS_PTRACE: the memory of a process with more capabilities (this
    root holder) or of another user is in smaps_rollup only past ptrace's check."""
    child = holder()
    d = daemon("--top-processes", "10000")
    st = status_of(d.pid)
    kept = (1 << CAP_SYS_ADMIN) | (1 << CAP_SYS_PTRACE)
    assert int(st["CapEff"], 16) == kept
    assert int(st["CapPrm"], 16) == kept
    assert int(st["CapBnd"], 16) == 0 and int(st["CapAmb"], 16) == 0
    for tid in os.listdir(f"/proc/{d.pid}/task"):
        with open(f"/proc/{d.pid}/task/{tid}/status") as f:
            eff = [line for line in f if line.startswith("CapEff:")][0]
        assert int(eff.split()[1], 16) == kept
    m = parse_metrics(d.metrics())
    assert value(m, "sockcost_process_connections", pid=child.pid) == 2 * N
    assert value(m, "sockcost_process_resident_memory_bytes", pid=child.pid) > 0


def test_privileges_after_loading(daemon, holder):
    d = daemon("--enable-snapshot")
    st = status_of(d.pid)
    assert int(st["CapEff"], 16) == (1 << CAP_SYS_ADMIN) | (1 << CAP_SYS_PTRACE)
    assert int(st["CapPrm"], 16) == int(st["CapEff"], 16)
    assert int(st["CapBnd"], 16) == 0
    assert int(st["CapAmb"], 16) == 0 and int(st["CapInh"], 16) == 0
    assert st["NoNewPrivs"].strip() == "1"
    # Every thread, HTTP pool included: capabilities are per thread.
    for tid in os.listdir(f"/proc/{d.pid}/task"):
        with open(f"/proc/{d.pid}/task/{tid}/status") as f:
            eff = [line for line in f if line.startswith("CapEff:")][0]
        assert int(eff.split()[1], 16) == int(st["CapEff"], 16)


def test_own_netns_only_drops_everything(daemon, holder):
    child = holder()
    d = daemon("--enable-snapshot", "--own-netns-only", "--top-processes", "10000")
    st = status_of(d.pid)
    assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0
    # Iterators through held link fds and maps through held fds need none.
    m = parse_metrics(d.metrics())
    assert value(m, "sockcost_port_connections", port=child.port) == N
    assert value(m, "sockcost_process_connections", pid=child.pid) == 2 * N
    # What CAP_SYS_PTRACE was kept for: the root holder's smaps_rollup is now refused.
    assert not [labels for labels, _ in m.get("sockcost_process_resident_memory_bytes", [])
                if labels.get("pid") == str(child.pid)]
    assert d.get("/snapshot.json")[0] == 200


def test_user_switch(daemon, holder):
    child = holder()
    d = daemon("--user", "nobody", "--top-processes", "10000", "--enable-snapshot")
    st = status_of(d.pid)
    nobody = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout.strip()
    assert st["Uid"].split() == [nobody] * 4
    assert st["Groups"].strip() == ""
    assert int(st["CapEff"], 16) == (1 << CAP_SYS_ADMIN) | (1 << CAP_SYS_PTRACE)
    m = parse_metrics(d.metrics())
    assert value(m, "sockcost_process_connections", pid=child.pid) == 2 * N
    assert value(m, "sockcost_process_resident_memory_bytes", pid=child.pid) > 0
    assert d.get("/snapshot.json")[0] == 200


def test_listen_ipv6_and_dual_stack(daemon):
    d = daemon(host="::1", family=socket.AF_INET6)
    assert d.get("/healthz")[0] == 200
    assert d.base.startswith("http://[::1]:")
    # [::] takes IPv4 too.
    d2 = daemon(host="::", family=socket.AF_INET6)
    with socket.create_connection(("127.0.0.1", d2.port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.")
    d2.stop()


def test_listen_in_use_is_one_clear_line(daemon):
    d = daemon()
    r = subprocess.run([SOCKCOSTD, "--no-pin", "--listen", f"127.0.0.1:{d.port}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"sockcostd: error: cannot listen on 127.0.0.1:{d.port}: "
                                "Address already in use (choose another with --listen)")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_clean_shutdown_leaves_nothing(daemon, sig):
    import signal as signals
    d = daemon("--enable-snapshot")
    progs, links = d.bpf_ids()
    assert len(progs) >= 5 and len(links) >= 5, (progs, links)
    # A client that leaves in the middle of a document: SIGPIPE must not kill.
    with socket.create_connection(("127.0.0.1", d.port), timeout=30) as s:
        s.sendall(b"GET /snapshot.json HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(10)
    assert d.get("/healthz")[0] == 200
    d.proc.send_signal(getattr(signals, sig))
    _, err = d.proc.communicate(timeout=30)
    assert d.proc.returncode == 0, err
    assert "stopping" in err
    # The kernel frees programs and links after an RCU grace period: poll briefly.
    def left():
        return bpf_ids_present("prog", progs) | bpf_ids_present("link", links)

    wait_for(lambda: not left(), timeout=10, interval=0.2)
    assert not left(), f"programs or links left behind: {left()}"


def bpf_ids_present(kind, ids):
    shown = subprocess.run(["bpftool", kind, "show", "--json"], capture_output=True, text=True,
                           check=True).stdout
    return {(kind, p["id"]) for p in json.loads(shown) if p["id"] in ids}


def signal_pending(pid, sig):
    """Whether sig is pending for the process (ShdPnd of /proc/PID/status)."""
    return bool(int(status_of(pid)["ShdPnd"], 16) & (1 << (sig - 1)))


def test_sighup_is_not_fatal(daemon):
    import signal as signals
    d = daemon()
    d.proc.send_signal(signals.SIGHUP)
    # Until the daemon has taken the signal (or died of it).
    assert wait_for(lambda: d.proc.poll() is not None or not signal_pending(d.pid, signals.SIGHUP))
    assert d.proc.poll() is None
    assert d.get("/healthz")[0] == 200
    code, err = d.terminate()
    assert code == 0 and "SIGHUP ignored" in err


NETNS_HOLDER = r"""
import socket, sys
lst = socket.socket(); lst.bind(("127.0.0.1", 7071)); lst.listen(16)
pairs = [(socket.create_connection(("127.0.0.1", 7071)), lst.accept()) for _ in range(3)]
print("ready", flush=True)
sys.stdin.read()
"""


def test_own_netns_only_other_namespaces_are_counted_not_entered(daemon):
    """What dropping CAP_SYS_ADMIN costs, as README's Privileges says: the
    counts still reach a process in another network namespace (iter/task_file),
    the health pass cannot enter it and says so."""
    with netns_process("sockcost-caps", NETNS_HOLDER) as (holder, _):
        d = daemon("--own-netns-only", "--top-processes", "10000", "--health-interval", "1")
        assert int(status_of(d.pid)["CapEff"], 16) == 0

        def passed():
            m = parse_metrics(d.metrics())
            return value(m, "sockcost_exporter_health_passes_total") >= 1 and m

        m = wait_for(passed, timeout=30, interval=0.5)
        assert m
        assert value(m, "sockcost_process_connections", pid=holder.pid) == 6
        assert value(m, "sockcost_exporter_health_netns_missed") >= 1
