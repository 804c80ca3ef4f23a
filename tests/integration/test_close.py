"""`sockcost close` on a real server: nginx (a master and workers sharing
one listener) with idle keep-alive clients and chatty clients that send a
request every 100 ms, all held by this test.

The truth is measured without sockcost: ss for the sockets that exist, the
workers' /proc/PID/fd for the fds they hold, the clients' own sockets for
the reset they see, the log file and a syslog socket for the records.

Dry run changes nothing; --yes aborts exactly the idle connections (by
bpf_sock_destroy where the kernel has it, and by the sock_diag fallback
forced); refusals exit non-zero with one line on stderr."""
import json
import os
import socket
import subprocess
import threading
import time

import pytest

import servers
from helpers import SOCKCOST, netns_process, run_sockcost, snapshot, wait_for
from servers import HOST, fd_count

nginx_server = servers.nginx_server

IDLE = 10
CHATTY = 4


def kernel_has_sock_destroy():
    """bpf_sock_destroy in the kernel's BTF, read by bpftool, not by sockcost."""
    out = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"],
                         capture_output=True, text=True, check=True).stdout
    return "'bpf_sock_destroy'" in out


def get(sock):
    """One keep-alive request on sock, its whole response read."""
    sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    buf = b""
    while not buf.endswith(b"sockcost\n"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed by the server")
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200"), buf


class Clients:
    """IDLE keep-alive connections served once then left idle, and CHATTY
    ones a thread keeps busy (a request every 100 ms). Closes them all."""

    def __init__(self, port):
        self.idle, self.chatty, self.errors = [], [], []
        self.stop_event = threading.Event()
        self.thread = None
        try:
            for _ in range(IDLE):
                s = socket.create_connection((HOST, port), timeout=10)
                get(s)
                self.idle.append(s)
            for _ in range(CHATTY):
                s = socket.create_connection((HOST, port), timeout=10)
                get(s)
                self.chatty.append(s)
            self.thread = threading.Thread(target=self._chat, daemon=True)
            self.thread.start()
        except BaseException:
            self.close()
            raise

    def _chat(self):
        while not self.stop_event.wait(0.1):
            for s in self.chatty:
                try:
                    get(s)
                except OSError as e:
                    self.errors.append(repr(e))

    def ports(self, socks):
        return {s.getsockname()[1] for s in socks}

    def close(self):
        self.stop_event.set()
        if self.thread:
            self.thread.join(10)
        for s in self.idle + self.chatty:
            s.close()


@pytest.fixture
def served(nginx_server):
    """nginx with IDLE idle and CHATTY chatty clients; the idle ones idle for
    over 2 s, ten times the chatty ones' 100 ms gaps, then --idle-after 1."""
    ng = nginx_server(workers=2)
    clients = Clients(ng.port)
    try:
        time.sleep(2.5)
        yield ng, clients
    finally:
        clients.close()


def server_sockets(port):
    """{(local port, peer port)} of the ESTABLISHED sockets on nginx's side, from ss."""
    out = subprocess.run(["ss", "-H", "-tn", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        ends = [f for f in line.split() if f.count(":") and f.rsplit(":", 1)[1].isdigit()]
        found.add((int(ends[0].rsplit(":", 1)[1]), int(ends[1].rsplit(":", 1)[1])))
    return found


def worker_fds(ng):
    return sum(fd_count(w) for w in ng.workers())


def close(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([SOCKCOST, "close", *args], capture_output=True, text=True,
                          timeout=timeout, env=e)


def assert_refused(r, status, *words):
    """One line of close's own; before it at most the line a kernel without
    the sock_*_length tracepoints gets from every command that loads the
    programs (which activity hook it took), when the refusal needed a walk."""
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("sockcost close: "), r.stderr
    assert all(x.startswith("sockcost: activity hook: ") for x in lines[:-1]), r.stderr
    assert len(lines) <= 2, r.stderr
    for w in words:
        assert w in lines[-1], (w, lines[-1])
    assert r.stdout == ""


def test_dry_run_changes_nothing(served, tmp_path):
    ng, clients = served
    before = server_sockets(ng.port)
    fds = worker_fds(ng)
    idle_ports = clients.ports(clients.idle)
    assert {r for _, r in before} >= idle_ports | clients.ports(clients.chatty)
    log = tmp_path / "close.log"

    r = close("--port", str(ng.port), "--idle-after", "1", "--json", "--log", str(log))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] is True
    assert doc["sockets"] == IDLE
    assert {t["rport"] for t in doc["targets"]} == idle_ports
    assert {t["pid"] for t in doc["targets"]} <= set(ng.workers())
    # nginx's one listener, held by the master and both workers: never a target, counted once.
    assert doc["skipped"]["listeners"] == 1
    assert doc["skipped"]["busy"] == CHATTY
    assert sum(p["sockets"] for p in doc["processes"]) == IDLE
    assert "result" not in doc["targets"][0]

    # The text says the same, and what closing would free.
    r = close("--port", str(ng.port), "--idle-after", "1", "--log", str(log))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"would close {IDLE} sockets"), r.stdout
    assert "CLOSE-WAIT" in r.stdout and "reset" in r.stdout
    assert doc["object_bytes"] > 0

    assert server_sockets(ng.port) == before
    assert worker_fds(ng) == fds
    assert not log.exists()
    for s in clients.idle:  # still served on the same connections
        get(s)
    assert clients.errors == []


def syslog_socket():
    """A datagram socket at /dev/log when there is none (this VM runs no
    syslog daemon), else None: then the records go to the host's own."""
    if os.path.exists("/dev/log"):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind("/dev/log")
    except OSError:
        s.close()
        return None
    s.settimeout(0)
    return s


def syslog_lines(s):
    lines = []
    while True:
        try:
            lines.append(s.recv(65536).decode(errors="replace"))
        except BlockingIOError:
            return lines


@pytest.mark.parametrize("force", ["", "no-sock-destroy"])
def test_yes_closes_exactly_the_idle(served, tmp_path, force):
    """--yes with --idle-after 1: the idle connections are aborted (their
    clients see ECONNRESET), nginx closes its fds on them (the workers' fd
    count drops by exactly that many), the chatty ones are untouched. With
    no-sock-destroy forced, the sock_diag fallback does the same."""
    ng, clients = served
    idle_ports = clients.ports(clients.idle)
    chatty_ports = clients.ports(clients.chatty)
    fds = worker_fds(ng)
    log = tmp_path / "sub" / "close.log"
    slog = syslog_socket()
    try:
        r = close("--port", str(ng.port), "--idle-after", "1", "--yes", "--json",
                  "--log", str(log), env={"SOCKCOST_TEST_FORCE": force})
        records = syslog_lines(slog) if slog else None
    finally:
        if slog:
            slog.close()
            os.unlink("/dev/log")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    expected = "bpf" if kernel_has_sock_destroy() and not force else "diag"
    assert doc["method"] == expected
    assert doc["dry_run"] is False
    assert doc["aborted"] == IDLE
    assert {t["rport"] for t in doc["targets"] if t["result"] == "aborted"} == idle_ports

    # The kernel: the idle connections are gone, the chatty ones stay.
    remaining = {rp for _, rp in server_sockets(ng.port)}
    assert not remaining & idle_ports
    assert chatty_ports <= remaining

    # nginx handled the error: exactly IDLE fds fewer, and no more than that.
    assert wait_for(lambda: worker_fds(ng) == fds - IDLE, timeout=10), (fds, worker_fds(ng))
    time.sleep(0.3)
    assert worker_fds(ng) == fds - IDLE
    assert sum(p["fds_before"] - p["fds_after"] for p in doc["processes"]) == IDLE

    # Each idle client sees the reset.
    for s in clients.idle:
        s.settimeout(5)
        with pytest.raises(ConnectionResetError):
            s.recv(1)
    time.sleep(0.3)
    assert clients.errors == []
    for s in clients.chatty:
        s.settimeout(5)

    # One JSON line per closed socket, in the file and in syslog.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == IDLE
    assert {x["rport"] for x in lines} == idle_ports
    for x in lines:
        assert x["lport"] == ng.port and x["comm"] == "nginx"
        assert x["pid"] in ng.workers()
        assert x["idle_s"] >= 1.0
        assert x["by"]["uid"] == 0 and x["by"]["user"] == "root"
        assert x["method"] == expected and x["result"] == "aborted"
        assert x["time"].endswith("Z")
    if records is not None:
        assert len(records) == IDLE, records
        assert all("sockcost" in rec and '"event":"close"' in rec for rec in records)


def test_method_bpf_where_the_kernel_lacks_it(served, tmp_path):
    """--method bpf: on a kernel with bpf_sock_destroy it closes; without it
    (the CI guest's 6.1) it refuses with one line naming the kfunc."""
    ng, clients = served
    before = server_sockets(ng.port)
    log = tmp_path / "close.log"
    r = close("--port", str(ng.port), "-a", "1", "--yes", "--method", "bpf", "--json",
              "--log", str(log), "--max", "1")
    if kernel_has_sock_destroy():
        assert json.loads(r.stdout)["method"] == "bpf"
        assert json.loads(r.stdout)["aborted"] == 1
        assert r.returncode == 1  # --max 1 left the others
        assert f"{IDLE - 1} matching sockets left" in r.stderr
        assert len(server_sockets(ng.port)) == len(before) - 1
    else:
        assert_refused(r, 1, "bpf_sock_destroy")
        assert server_sockets(ng.port) == before


def test_service_selects_by_unfiltered_name(served, tmp_path):
    ng, clients = served
    name = f"nginx:{ng.port}"
    doc = snapshot()
    assert name in [s["service"] for s in doc["services"]]
    r = close("--service", name, "-a", "1", "--json", "--log", str(tmp_path / "l"))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {t["rport"] for t in doc["targets"]} == clients.ports(clients.idle)
    # snapshot takes the same filter: the service's connections, idle and chatty.
    doc = snapshot("--service", name)
    rports = {s["rport"] for s in doc["sockets"] if s["state"] == "ESTAB"}
    assert rports == clients.ports(clients.idle) | clients.ports(clients.chatty)
    assert {p["pid"] for p in doc["processes"]} <= {ng.master, *ng.workers()}


def test_refusals(served, tmp_path):
    ng, clients = served
    before = server_sockets(ng.port)
    log = tmp_path / "close.log"

    assert_refused(close("--yes", "-a", "1"), 2, "--pid, --port or --service")
    assert_refused(close("--service", "no-such-service", "--yes"), 2, "no-such-service")

    # A selection of only a listener: a port nobody is connected to.
    with socket.socket() as lst:
        lst.bind((HOST, 0))
        lst.listen(8)
        r = close("--port", str(lst.getsockname()[1]), "--include-busy", "--yes",
                  "--log", str(log))
        assert_refused(r, 2, "only listening sockets")
        lst.settimeout(0)  # still listening: a connection gets through
        with socket.create_connection(lst.getsockname(), timeout=5):
            pass

    # A kernel with neither method (both forced off).
    r = close("--port", str(ng.port), "-a", "1", "--yes", "--log", str(log),
              env={"SOCKCOST_TEST_FORCE": "no-sock-destroy,no-diag-destroy"})
    assert_refused(r, 1, "can close no socket", "bpf_sock_destroy", "SOCK_DESTROY")
    assert server_sockets(ng.port) == before
    assert not log.exists()

    # The dry run on such a kernel says so, and exits 0.
    r = close("--port", str(ng.port), "-a", "1", "--log", str(log),
              env={"SOCKCOST_TEST_FORCE": "no-sock-destroy,no-diag-destroy"})
    assert r.returncode == 0, r.stderr
    assert "this kernel cannot close them" in r.stdout

    # A log it cannot write: nothing is closed.
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = close("--port", str(ng.port), "-a", "1", "--yes", "--log", str(blocker / "close.log"))
    assert_refused(r, 1, "cannot open the log", "nothing closed")
    assert server_sockets(ng.port) == before
    assert clients.errors == []


def test_help_lists_close():
    r = run_sockcost("--help")
    assert "close" in r.stdout
    r = run_sockcost("close", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: sockcost close")


LEAKER = r"""
import socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(64)
print(l.getsockname()[1], flush=True)
held = []
for _ in range(int(sys.argv[1])):
    c, _ = l.accept()
    held.append(c)  # never read, never closed: the peer's FIN leaves it in CLOSE-WAIT
print("held", flush=True)
time.sleep(600)
"""


@pytest.fixture
def leaker():
    """A process that accepts LEAKS connections and never touches them;
    its peers close, so it holds them in CLOSE-WAIT."""
    proc = subprocess.Popen(["/usr/bin/python3", "-c", LEAKER, str(LEAKS)],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        peers = [socket.create_connection((HOST, port), timeout=10) for _ in range(LEAKS)]
        assert proc.stdout.readline().strip() == "held"
        for p in peers:
            p.close()
        assert wait_for(lambda: len(close_wait_ports(port)) == LEAKS, timeout=10)
        yield proc, port
    finally:
        proc.kill()
        proc.wait()


LEAKS = 3


def close_wait_ports(port):
    out = subprocess.run(["ss", "-H", "-tn", "state", "close-wait", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def test_health_close_wait_leak_keeps_its_fds(leaker, tmp_path):
    """--health close_wait on a process that leaks CLOSE-WAIT sockets: they
    are aborted (ss no longer lists them in CLOSE-WAIT), but the process
    never touches them, so it keeps every fd: the result says 0 went."""
    proc, port = leaker
    time.sleep(1.2)
    fds = fd_count(proc.pid)
    log = tmp_path / "close.log"
    r = close("--pid", str(proc.pid), "--health", "close_wait", "--close-wait-after", "1",
              "--json", "--log", str(log))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["sockets"] == LEAKS
    assert {t["state"] for t in doc["targets"]} == {"CLOSE-WAIT"}
    assert {t["health"] for t in doc["targets"]} == {"close_wait"}
    r = close("--pid", str(proc.pid), "--health", "close_wait", "--close-wait-after", "1",
              "--log", str(log))
    assert "(a CLOSE-WAIT leak) keeps the fd" in r.stdout.replace("\n", " "), r.stdout

    r = close("--pid", str(proc.pid), "--health", "close_wait", "--close-wait-after", "1",
              "--yes", "--json", "--wait", "0.5", "--log", str(log))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["aborted"] == LEAKS
    assert close_wait_ports(port) == []
    assert fd_count(proc.pid) == fds
    (p,) = doc["processes"]
    assert p["fds_after"] == p["fds_before"] == fds
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == LEAKS and {x["health"] for x in lines} == {"close_wait"}
    assert all(x["health_age_s"] is None or x["health_age_s"] >= 1.0 for x in lines)
    # Aborted, they are no longer close_wait (the kernel's state is CLOSE): none is left.
    r = close("--pid", str(proc.pid), "--health", "close_wait", "--close-wait-after", "1",
              "--json", "--log", str(log))
    assert json.loads(r.stdout)["sockets"] == 0


NS_HOLDER = r"""
import socket, sys
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(16)
port = lst.getsockname()[1]
pairs = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", port)); s, _ = lst.accept(); pairs.append((c, s))
print(port, flush=True)
sys.stdin.readline()  # "check": what the client ends see now
out = []
for c, _ in pairs:
    c.settimeout(5)
    try:
        out.append(repr(c.recv(1)))
    except OSError as e:
        out.append(type(e).__name__)
print(",".join(out), flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("force", ["", "no-sock-destroy"])
def test_closes_in_another_namespace(tmp_path, force):
    """Sockets in a network namespace sockcost does not run in: entered
    through their holder, by either method; the client ends there see the reset."""
    with netns_process("sockcost-close", NS_HOLDER) as (holder, name):
        port = int(holder.ready_line)
        time.sleep(1.5)
        r = close("--pid", str(holder.pid), "--port", str(port), "-a", "1", "--yes", "--json",
                  "--wait", "0", "--log", str(tmp_path / "close.log"),
                  env={"SOCKCOST_TEST_FORCE": force})
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["aborted"] == 3
        ns_inode = os.stat(f"/run/netns/{name}").st_ino
        assert {t["netns"] for t in doc["targets"]} == {ns_inode}
        out = subprocess.run(["ip", "netns", "exec", name, "ss", "-H", "-tn", "state",
                              "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, check=True).stdout
        assert out.strip() == ""
        holder.stdin.write("check\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == ",".join(["ConnectionResetError"] * 3)
