"""sockcostd's served snapshot table on a host whose processes live in several
network namespaces (containers): two namespaces of the test's own, each with a
listener on the same port and connections to it, one also listening on a
second port the other uses only as a client's local port. The served table
must be the walk's (`--no-daemon`) for their rows, one row per (namespace,
port) with a NETNS column, and the counts those of ss run in each namespace.
A daemon that cannot enter the namespaces declines and says why.
"""
import os
import re
import subprocess
import tempfile
import urllib.request

import pytest

from helpers import SOCKCOST, netns_process, ss_entries, wait_for
from sockcostd_helpers import parse_metrics, value
from test_daemon_served_snapshot import Sockcostd

PORT = 19891          # listened on in both namespaces
ONLY_A = 19892        # listened on in namespace A; B's client binds it as its local port
HTTP_PORTS = (19893, 19894)
CONNS = {"A": 3, "B": 2}

HOLDER = r"""
import socket, sys
n, listen_second, bind_second = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"
lst = socket.socket(); lst.bind(("127.0.0.1", PORT)); lst.listen(16)
held = [lst]
if listen_second:
    second = socket.socket(); second.bind(("127.0.0.1", ONLY_A)); second.listen(16)
    held.append(second)
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", PORT)); s, _ = lst.accept(); held += [c, s]
if bind_second:
    # A client's connection whose local port namespace A listens on, not this one.
    c = socket.socket(); c.bind(("127.0.0.1", ONLY_A)); c.connect(("127.0.0.1", PORT))
    s, _ = lst.accept(); held += [c, s]
print("ready", flush=True)
sys.stdin.read()
""".replace("PORT", str(PORT)).replace("ONLY_A", str(ONLY_A))


def holder(prefix, n, listen_second, bind_second):
    argv = [str(n), "1" if listen_second else "0", "1" if bind_second else "0"]
    script = f"import sys; sys.argv[1:] = {argv!r}\n"
    return netns_process(prefix, script + HOLDER)


@pytest.fixture
def env(pin_dir):
    d = tempfile.mkdtemp(prefix="served-netns-")
    sock = os.path.join(d, "sockcostd.sock")
    daemons = []
    yield dict(os.environ, SOCKCOST_PIN_DIR=pin_dir, SOCKCOST_SOCKET=sock), sock, pin_dir, daemons
    for dm in daemons:
        dm.kill()
    if os.path.exists(sock):
        os.unlink(sock)
    os.rmdir(d)


def snapshot(env, *args):
    r = subprocess.run([SOCKCOST, "snapshot", "-v", *args], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


def listen_rows(text):
    """The LISTEN PORT table's rows as {(netns, port): line}, and whether it has NETNS."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("LISTEN PORT"))
    assert lines[at].rstrip().endswith("NETNS"), lines[at]
    rows = {}
    for line in lines[at + 1:]:
        if not line.strip() or line.startswith("("):
            break
        f = line.split()
        rows[(int(f[-1]), int(f[0]))] = line
    return rows


def headers(text):
    """The lines naming columns."""
    return [line for line in text.splitlines() if line[:1].isupper() and "  " in line]


def remote_rows(text):
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("REMOTE PORT")]
    rows = {}
    for line in (lines[at[0] + 1:] if at else []):
        if not line.strip() or line.startswith("("):
            break
        rows[int(line.split()[0])] = line
    return rows


def walks(http_port):
    """The daemon's walks so far (sockcost_exporter_walks_total)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=60) as r:
        return value(parse_metrics(r.read().decode()), "sockcost_exporter_walks_total")


def ss_in(name, *args):
    """ss's ESTABLISHED sockets matching args, run in namespace name."""
    out = subprocess.run(["ip", "netns", "exec", name, "ss", "-H", "-tn", "state", "established",
                          *args], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def test_served_table_spans_namespaces(env):
    e, sock, pin_dir, daemons = env
    with holder("sc-served-a", CONNS["A"], True, False) as (_, a), \
            holder("sc-served-b", CONNS["B"], False, True) as (_, b):
        ns = {"A": os.stat(f"/run/netns/{a}").st_ino, "B": os.stat(f"/run/netns/{b}").st_ino}
        names = {"A": a, "B": b}
        d = Sockcostd(pin_dir, sock, HTTP_PORTS[0], "--enable-snapshot")
        daemons.append(d)
        d.wait_ready()

        # Served where sockcostd used to decline ("processes in several network namespaces").
        served, how = snapshot(e, "--by", "port")
        assert f"from sockcostd (pid {d.pid})" in how, how
        walked, how = snapshot(e, "--by", "port", "--no-daemon")
        assert "walking: --no-daemon" in how
        # The header counts the namespaces as the walk does (ours two and more).
        count = re.search(r"(\d+) network namespaces", served)
        assert count and int(count.group(1)) >= 3, served
        assert headers(served) == headers(walked)

        sp, wp = listen_rows(served), listen_rows(walked)
        for x in ("A", "B"):
            key = (ns[x], PORT)
            assert sp[key] == wp[key], (sp[key], wp[key])
            # CONN, by ss in that namespace: B's extra connection is to PORT as well.
            want = len(ss_in(names[x], f"( sport = :{PORT} )"))
            assert want == CONNS[x] + (x == "B")
            assert int(sp[key].split()[1]) == want
        # ONLY_A: a row in A (no connection), none in B, where its socket is a client's.
        assert sp[(ns["A"], ONLY_A)] == wp[(ns["A"], ONLY_A)]
        assert int(sp[(ns["A"], ONLY_A)].split()[1]) == 0
        assert (ns["B"], ONLY_A) not in sp and (ns["B"], ONLY_A) not in wp
        assert len(ss_in(names["B"], f"( sport = :{ONLY_A} )")) == 1
        # That connection is B's client-side one to PORT: the REMOTE PORT row by the walk.
        so, wo = remote_rows(served), remote_rows(walked)
        assert so[PORT] == wo[PORT]
        # Each namespace's client ends (3 + 2) and B's bound one, by ss.
        clients = sum(len(ss_in(names[x], f"( dport = :{PORT} )")) for x in ("A", "B"))
        assert clients == 6
        assert int(so[PORT].split()[1]) >= clients
        # The host's own namespace has no such ports: ss there agrees they are elsewhere.
        assert not ss_entries("state", "established", f"( sport = :{PORT} )")

        # A third namespace after the daemon's walk: known from change reports alone
        # (each carries its socket's namespace), the next walk an hour away.
        walked_before = walks(HTTP_PORTS[0])
        with holder("sc-served-c", 2, False, False) as (_, c):
            nc = os.stat(f"/run/netns/{c}").st_ino

            def served_c():
                text, how = snapshot(e, "--by", "port")
                assert f"from sockcostd (pid {d.pid})" in how, how
                row = listen_rows(text).get((nc, PORT))
                return row and int(row.split()[1]) == 2 and text
            served = wait_for(served_c, timeout=30, interval=0.5)
            assert served, snapshot(e, "--by", "port")[0]
            walked, _ = snapshot(e, "--by", "port", "--no-daemon")
            assert listen_rows(served)[(nc, PORT)] == listen_rows(walked)[(nc, PORT)]
            assert len(ss_in(c, f"( sport = :{PORT} )")) == 2
            assert walks(HTTP_PORTS[0]) == walked_before, "the daemon walked"


def test_without_entering_namespaces_it_declines(env):
    """--own-netns-only drops CAP_SYS_ADMIN: other namespaces cannot be entered."""
    e, sock, pin_dir, daemons = env
    with holder("sc-served-c", 1, False, False) as (_, c):
        inode = os.stat(f"/run/netns/{c}").st_ino
        d = Sockcostd(pin_dir, sock, HTTP_PORTS[1], "--own-netns-only")
        daemons.append(d)
        d.wait_ready()

        def declined():
            _, how = snapshot(e, "--by", "port")
            return "sockcostd declined" in how and "cannot enter network namespace" in how \
                and "which --own-netns-only drops" in how and how
        how = wait_for(declined, timeout=30, interval=1)
        assert how, snapshot(e, "--by", "port")[1]
        # It names a namespace other than its own (ours, or another test's).
        m = re.search(r"cannot enter network namespace (\d+)", how)
        assert int(m.group(1)) != os.stat("/proc/self/ns/net").st_ino
        assert inode != os.stat("/proc/self/ns/net").st_ino
