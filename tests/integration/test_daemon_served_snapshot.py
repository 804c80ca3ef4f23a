"""`sockcost snapshot`'s table from a running sockcostd (its summary, over a
unix socket) against the same command walking (--no-daemon): the test's own
processes, port and outbound rows must be the same text, and their counts
those of ss and /proc; another policy, --no-daemon and a dead daemon's socket
walk, with no error; the socket is root's, 0600, refused to a second daemon
while the first answers, and gone after a clean exit.

sockcostd serves every network namespace a walk enters when it can enter
them (--enable-snapshot, test_netns_served.py); these daemons cannot: while
other tests on the host hold sockets in namespaces of their own, it
declines, and the tests that need it to serve check that the namespace it
names is elsewhere indeed, then skip.
"""
import os
import re
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest

from helpers import SOCKCOST, Child, proc_fd_count, ss_entries, wait_for
from sockcostd_helpers import SOCKCOSTD

PORT = 19882          # the test's listener
HTTP_PORTS = (19883, 19884)
N = 12                # connections


def serve_and_accept():
    """In the server child: a listener on PORT accepting N connections, all held."""
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", PORT))
    lst.listen(64)
    held = [lst]

    def accept():
        for _ in range(N):
            held.append(lst.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return held


def connect_all():
    return [socket.create_connection(("127.0.0.1", PORT)) for _ in range(N)]


class Sockcostd:
    """sockcostd on a private pin dir and socket; ready once the socket answers."""

    def __init__(self, pin_dir, sock, http_port, *args):
        self.sock = sock
        self.proc = subprocess.Popen(
            [SOCKCOSTD, "--listen", f"127.0.0.1:{http_port}", "--pin-dir", pin_dir,
             "--socket", sock, "--interval", "1", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def status(self):
        """The status line of a request with the defaults, as the CLI sends it."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(60)
            s.connect(self.sock)
            s.sendall(b"table 2 by=process idle_after_ms=180000 heartbeat_bytes=0 "
                      b"close_wait_after_ms=60000 stall_after_ms=10000 nat_timeout_ms=350000\n")
            return s.makefile("rb").readline().decode()

    def wait_ready(self, timeout=300):
        """Until it answers past its first walk and health pass (before, it says
        it is starting, then that it has not judged health yet)."""
        def answers():
            assert self.proc.poll() is None, self.proc.communicate()[1]
            try:
                st = self.status()
            except OSError:
                return False
            return "is starting" not in st and "not judged health yet" not in st
        assert wait_for(answers, timeout=timeout, interval=0.2), "the socket never answered"
        return self

    @property
    def pid(self):
        return self.proc.pid

    def terminate(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)


@pytest.fixture
def env(pin_dir):
    """The CLI's environment (the daemon's pins and socket), and cleanup of what the test made."""
    d = tempfile.mkdtemp(prefix="served-")
    sock = os.path.join(d, "sockcostd.sock")
    made = {"children": [], "daemons": []}
    yield dict(os.environ, SOCKCOST_PIN_DIR=pin_dir, SOCKCOST_SOCKET=sock), sock, pin_dir, made
    for dm in made["daemons"]:
        dm.kill()
    for c in made["children"]:
        c.stop()
    if os.path.exists(sock):
        os.unlink(sock)
    os.rmdir(d)


def held_connections(made):
    """The server child and the client child, every connection accepted."""
    server = Child(serve_and_accept, name=b"svd-server")
    made["children"].append(server)
    base = proc_fd_count(server.pid)
    client = Child(connect_all, name=b"svd-client")
    made["children"].append(client)
    assert wait_for(lambda: proc_fd_count(server.pid) == base + N, timeout=10)
    return server, client


def own_netns():
    return os.readlink("/proc/self/ns/net")


def assert_served(how, daemon_pid):
    """The table came from the daemon; or, if another namespace's sockets made
    it decline (it cannot enter there), that namespace is elsewhere indeed,
    and the test cannot go on."""
    if f"from sockcostd (pid {daemon_pid})" in how:
        return
    m = re.search(r"cannot enter network namespace (\d+)|"
                  r"sockets in network namespace (\d+), where no process lives", how)
    assert m, how
    assert f"net:[{m.group(1) or m.group(2)}]" != own_netns(), how
    pytest.skip(f"another test's sockets in another network namespace: {m.group(0)}")


def snapshot(env, *args):
    r = subprocess.run([SOCKCOST, "snapshot", "-v", *args], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "rror" not in r.stderr, r.stderr
    return r.stdout, r.stderr


def section(text, first_column):
    """{first cell: line} of the table whose header starts with first_column."""
    rows, inside = {}, False
    for line in text.splitlines():
        if line.split()[:1] == [first_column] and not inside:
            inside = True
            continue
        if inside:
            if not line.strip() or line.startswith("("):
                break
            rows[line.split()[0]] = line
    return rows


def headers(text):
    """The lines naming columns and the policy line without its watch time."""
    out = [line for line in text.splitlines() if line[:1].isupper() and "  " in line]
    policy = [line.split(", watched")[0] for line in text.splitlines()
              if line.startswith("idle after")]
    return out + policy


def ss_established(sport=None, dport=None):
    cond = f"sport = :{sport}" if sport else f"dport = :{dport}"
    return len(ss_entries("state", "established", f"( {cond} )"))


def test_served_table_is_the_walks(env):
    e, sock, pin_dir, made = env
    server, client = held_connections(made)
    d = Sockcostd(pin_dir, sock, HTTP_PORTS[0])
    made["daemons"].append(d)
    d.wait_ready()

    served, how = snapshot(e, "--by", "process")
    assert_served(how, d.pid)
    walked, how = snapshot(e, "--by", "process", "--no-daemon")
    assert "walking: --no-daemon" in how
    assert "from sockcostd" not in how

    assert headers(served) == headers(walked)
    sp, wp = section(served, "PID"), section(walked, "PID")
    for pid in (server.pid, client.pid):
        assert sp[str(pid)] == wp[str(pid)]
    # And they are right, by ss and /proc: CONN, IDLE%, FDS/LIMIT.
    srv = sp[str(server.pid)].split()
    assert srv[1] == "svd-server"
    assert int(srv[2]) == N == ss_established(sport=PORT)
    assert srv[5].split("/")[0] == str(proc_fd_count(server.pid))
    cli = sp[str(client.pid)].split()
    assert int(cli[2]) == N == ss_established(dport=PORT)
    assert cli[5].split("/")[0] == str(proc_fd_count(client.pid))

    port_served, port_walked = section(served, "LISTEN"), section(walked, "LISTEN")
    assert port_served[str(PORT)] == port_walked[str(PORT)]
    assert int(port_served[str(PORT)].split()[1]) == N
    out_served, out_walked = section(served, "REMOTE"), section(walked, "REMOTE")
    assert out_served[str(PORT)] == out_walked[str(PORT)]
    conns, _, _, procs, addrs = out_served[str(PORT)].split()[1:6]
    assert (int(conns), int(procs), int(addrs)) == (N, 1, 1)

    # By port and the default grouping go through the daemon too.
    for by in ("port", "service"):
        served, how = snapshot(e, "--by", by)
        assert_served(how, d.pid)
        walked, _ = snapshot(e, "--by", by, "--no-daemon")
        assert headers(served) == headers(walked)
        assert section(served, "LISTEN")[str(PORT)] == section(walked, "LISTEN")[str(PORT)]
    _, how = snapshot(e)
    assert_served(how, d.pid)


def test_what_a_summary_cannot_say_walks(env):
    e, sock, pin_dir, made = env
    held_connections(made)
    d = Sockcostd(pin_dir, sock, HTTP_PORTS[0])
    made["daemons"].append(d)
    d.wait_ready()

    out, how = snapshot(e, "--idle-after", "7")
    assert "sockcostd declined: sockcostd judges idle after 180000 ms" in how
    assert "idle after 7.0s" in out
    _, how = snapshot(e, "--heartbeat-bytes", "4")
    assert "sockcostd declined" in how
    _, how = snapshot(e, "--stall-after", "3")
    assert "sockcostd declined: sockcostd judges health by" in how
    _, how = snapshot(e, "--by", "cgroup")
    assert "walking: a summary has no cgroups" in how
    for args in (("--port", str(PORT)), ("--pid", "1"), ("--health", "close_wait"),
                 ("--idle-only",)):
        _, how = snapshot(e, *args)
        assert "walking: filters" in how, args
    for args in (("--sockets",), ("--json",)):
        _, how = snapshot(e, *args)
        assert "walking: per-socket output" in how, args
    _, how = snapshot(e, "--no-daemon")
    assert "walking: --no-daemon" in how
    # The same policy spelled out is served.
    _, how = snapshot(e, "--idle-after", "180", "--heartbeat-bytes", "0")
    assert_served(how, d.pid)


def test_socket_is_roots_and_only_one_daemon_answers(env):
    e, sock, pin_dir, made = env
    d = Sockcostd(pin_dir, sock, HTTP_PORTS[0])
    made["daemons"].append(d)
    # From its start, before its first walk is done: "walk", and why.
    assert wait_for(lambda: os.path.exists(sock), timeout=300, interval=0.05)
    first = d.status()
    assert first.startswith("walk 2 sockcostd is starting") or first.startswith("ok 2 ") \
        or first.startswith("walk 2 sockcostd has not judged health yet") \
        or first.startswith("walk 2 sockcostd cannot enter network namespace") \
        or re.match(r"walk 2 sockets in network namespace \d+, where no process lives", first), \
        first
    d.wait_ready()
    st = os.lstat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == 0

    second = subprocess.run([SOCKCOSTD, "--listen", f"127.0.0.1:{HTTP_PORTS[1]}", "--no-pin",
                             "--socket", sock], capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert f"another sockcostd answers on {sock}" in second.stderr
    # The first still answers (serving, or declining for another namespace).
    _, how = snapshot(e)
    assert "sockcostd declined" in how or f"from sockcostd (pid {d.pid})" in how

    code, err = d.terminate()
    assert code == 0, err
    assert not os.path.exists(sock)
    _, how = snapshot(e)
    assert "walking: no sockcostd answers" in how


def test_dead_daemons_socket_walks_and_is_replaced(env):
    e, sock, pin_dir, made = env
    d = Sockcostd(pin_dir, sock, HTTP_PORTS[0])
    made["daemons"].append(d)
    d.wait_ready()
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(timeout=30)
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)   # left behind

    out, how = snapshot(e)
    assert "walking: no sockcostd answers" in how
    assert "Connection refused" in how
    assert "connections," in out

    again = Sockcostd(pin_dir, sock, HTTP_PORTS[1])
    made["daemons"].append(again)
    again.wait_ready()
    _, how = snapshot(e)
    assert "sockcostd declined" in how or f"from sockcostd (pid {again.pid})" in how


def test_not_a_socket_is_left_alone(env):
    e, sock, pin_dir, _ = env
    with open(sock, "w") as f:
        f.write("mine")
    r = subprocess.run([SOCKCOSTD, "--listen", f"127.0.0.1:{HTTP_PORTS[0]}", "--no-pin",
                        "--socket", sock], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "exists and is not a socket" in r.stderr
    with open(sock) as f:
        assert f.read() == "mine"
    out, how = snapshot(e)
    assert "walking: no sockcostd answers" in how


class OneAnswer:
    """A peer on the socket that answers one request with `reply` and closes,
    as a daemon stopped mid-table would: what the CLI makes of it is the test."""

    def __init__(self, path, reply):
        self.lst = socket.socket(socket.AF_UNIX)
        self.lst.bind(path)
        self.lst.listen(1)
        self.reply = reply
        self.request = None
        self.thread = threading.Thread(target=self.answer, daemon=True)
        self.thread.start()

    def answer(self):
        self.lst.settimeout(60)
        c, _ = self.lst.accept()
        with c:
            self.request = c.makefile("rb").readline()
            c.sendall(self.reply)

    def close(self):
        self.thread.join(timeout=60)
        self.lst.close()


@pytest.mark.parametrize("sent", ("the whole table", "a cut table"))
def test_table_length_is_checked(env, sent):
    e, sock, _, _ = env
    table = b"A TABLE FROM NO WALK\n" * 50
    length = len(table) if sent == "the whole table" else len(table) + 1000
    peer = OneAnswer(sock, b"ok 2 pid=4242 age_ms=10 health_age_ms=20 bytes=%d\n" % length + table)
    try:
        out, how = snapshot(e)
    finally:
        peer.close()
    assert peer.request.startswith(b"table 2 by=default "), peer.request
    if sent == "the whole table":
        assert out.encode() == table
        assert "from sockcostd (pid 4242)" in how, how
    else:
        # Never a partial table: the walk's, and why.
        assert "A TABLE FROM NO WALK" not in out
        assert "connections," in out
        assert f"sent {len(table)} of its table's {length} bytes" in how, how
    assert "rror" not in how
