"""The sockets test_health.py classifies, made on real TCP, and ss(8)'s view
of them (the independent account every figure is checked against).

Each case is a context manager: on exit it stops every process and removes
every namespace and link it made, also when the test failed. The processes
are python3 children that print what the test needs, one line per message,
and exit when their stdin closes (or after MAX_LIFE_S, whichever first)."""
import os
import re
import select
import socket
import subprocess
import time

from helpers import ss_entries, wait_for

PY = "/usr/bin/python3"
MAX_LIFE_S = 300        # a bound on every child's life, far past any test

# Shared by the scripts below: wait for the test to close our stdin, at most
# MAX_LIFE_S (argv[1]); every other loop in them is bounded in count or time.
_HOLD = r"""
import select, sys, time
def hold(pace=None, each=None):
    deadline = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], pace if pace else 1.0)
        if r and not sys.stdin.read(1):
            return
        if each:
            each()
def say(*words):
    print(*words, flush=True)
"""

# Accepts n+1 connections and holds them: never reads, never closes.
CLOSE_WAIT_SERVER = _HOLD + r"""
import socket
n = int(sys.argv[2])
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(64)
say("port", lst.getsockname()[1])
held = [lst.accept()[0] for _ in range(n)]
say("accepted", *[s.getpeername()[1] for s in held])
hold()
"""

# Listens on argv[2] (an address), accepts one connection and never reads it.
STILL_READER = _HOLD + r"""
import socket
lst = socket.socket(); lst.bind((sys.argv[2], 0)); lst.listen(4)
say("port", lst.getsockname()[1])
conn = lst.accept()[0]
say("accepted", conn.getpeername()[1])
hold()
"""

# Listens on argv[2], accepts one connection and reads everything it gets.
DRAINING_READER = _HOLD + r"""
import socket
lst = socket.socket(); lst.bind((sys.argv[2], 0)); lst.listen(4)
say("port", lst.getsockname()[1])
conn = lst.accept()[0]
conn.setblocking(False)
got = [0]
def drain():
    for _ in range(1000):
        try:
            b = conn.recv(65536)
        except BlockingIOError:
            return
        if not b:
            return
        got[0] += len(b)
say("accepted", conn.getpeername()[1])
hold(0.05, drain)
"""

# Connects to argv[2]:argv[3] with a non-blocking socket. On "fill" it sends
# until EAGAIN and then retries one byte every 100 ms (a writer whose peer
# does not read); on "send N" it queues N bytes (a send buffer set by
# argv[4], if given, holds them) and then stays idle.
WRITER = _HOLD + r"""
import socket
c = socket.socket()
if len(sys.argv) > 4:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(sys.argv[4]))
c.connect((sys.argv[2], int(sys.argv[3])))
c.setblocking(False)
say("connected", c.getsockname()[1])
sent = [0]
def push(limit):
    for _ in range(100000):
        want = min(65536, limit - sent[0])
        if want <= 0:
            return
        try:
            sent[0] += c.send(b"w" * want)
        except BlockingIOError:
            return
def retry():
    push(sent[0] + 1)
cmd = sys.stdin.readline().split()
if cmd[0] == "fill":
    push(1 << 40)
    say("sent", sent[0])
    hold(0.1, retry)
else:
    push(int(cmd[1]))
    say("sent", sent[0])
    hold()
"""

# Accepts connections on its listener as told, each with a fate:
#   "close K": accept K, close each at once (they go to TIME-WAIT here once
#              the peer closes too);
#   "orphan":  accept 1, fill it (the peer does not read) and close it: the
#              FIN waits behind the unsent data, a FIN-WAIT-1 no one holds.
PORT_SERVER = _HOLD + r"""
import socket
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(64)
say("port", lst.getsockname()[1])
for _ in range(10):
    cmd = sys.stdin.readline().split()
    if not cmd:
        break
    if cmd[0] == "close":
        peers = []
        for _ in range(int(cmd[1])):
            s = lst.accept()[0]
            peers.append(s.getpeername()[1])
            s.close()
        say("closed", *peers)
    elif cmd[0] == "orphan":
        s = lst.accept()[0]
        s.setblocking(False)
        sent = 0
        for _ in range(100000):
            try:
                sent += s.send(b"o" * 65536)
            except BlockingIOError:
                break
        peer = s.getpeername()[1]
        s.close()
        say("orphaned", peer, sent)
    elif cmd[0] == "hold":
        break
hold()
"""

# Accepts one connection and holds it; on "send N" sends N bytes on it.
SENDING_SERVER = _HOLD + r"""
import socket
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(4)
say("port", lst.getsockname()[1])
conn = lst.accept()[0]
say("accepted", conn.getpeername()[1])
cmd = sys.stdin.readline().split()
if cmd and cmd[0] == "send":
    conn.sendall(b"s" * int(cmd[1]))
    say("sent")
hold()
"""

# Accepts argv[2] connections and holds them without reading.
HOLDING_SERVER = _HOLD + r"""
import socket
n = int(sys.argv[2])
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(64)
say("port", lst.getsockname()[1])
held = [lst.accept()[0] for _ in range(n)]
say("accepted", *[s.getpeername()[1] for s in held])
hold()
"""


class Script:
    """A python3 child running one of the scripts above (optionally through
    a prefix such as `ip netns exec NS`, which execs: the pid stays)."""

    def __init__(self, code, *args, prefix=()):
        self.proc = subprocess.Popen([*prefix, PY, "-c", code, str(MAX_LIFE_S), *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid

    def expect(self, word, timeout=15):
        """The words after `word` on the child's next line."""
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if r else ""
        fields = line.split()
        assert fields and fields[0] == word, f"child {self.pid}: wanted {word!r}, got {line!r}"
        return fields[1:]

    def tell(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


class Stack:
    """Things to undo, last made first undone."""

    def __init__(self):
        self._undo = []

    def push(self, fn):
        self._undo.append(fn)

    def close(self):
        errors = []
        while self._undo:
            try:
                self._undo.pop()()
            except Exception as e:  # keep undoing; report the first
                errors.append(e)
        if errors:
            raise errors[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ------------------------------------------------------------------- ss truth

def _ends(fields):
    ends = [f for f in fields if re.search(r":\d+$", f)]
    return int(ends[0].rsplit(":", 1)[1]), int(ends[1].rsplit(":", 1)[1])


def ss_sockets(*filt, netns=None):
    """[{state, lport, rport, recv_q, send_q, info}] from `ss -tanoi` with the
    filter words `filt`, in network namespace `netns` if given."""
    args = ["-a", "-o", "-i", *filt]
    if netns:
        out = subprocess.run(["ip", "netns", "exec", netns, "ss", "-H", "-tn", *args],
                             capture_output=True, text=True, check=True).stdout
        entries = []
        for line in out.splitlines():
            if not line.strip():
                continue
            if line[0].isspace() and entries:
                entries[-1][1] += " " + line.strip()
            else:
                entries.append([line.split(), ""])
    else:
        entries = ss_entries(*args)
    out = []
    for fields, info in entries:
        # With a `state` filter ss drops the State column.
        if not re.match(r"^\d+$", fields[0]):
            state, q = fields[0], fields[1:]
        else:
            state, q = None, fields
        lport, rport = _ends(fields)
        rest = " ".join(fields) + " " + info
        out.append({"state": state, "lport": lport, "rport": rport, "recv_q": int(q[0]),
                    "send_q": int(q[1]), "info": rest})
    return out


def ss_one(lport, rport, netns=None):
    found = [s for s in ss_sockets(f"( sport = :{lport} and dport = :{rport} )", netns=netns)]
    assert len(found) == 1, f"ss: {len(found)} sockets {lport}->{rport}: {found}"
    return found[0]


def ss_count(state, port):
    """How many sockets ss lists in `state` with local port `port`."""
    return len(ss_sockets("state", state, f"( sport = :{port} )"))


def ss_timer(info):
    """(kind, count) of ss -o's timer:(KIND,TIME,COUNT), or None."""
    m = re.search(r"timer:\((\w+),[^,]*,(\d+)\)", info)
    return (m.group(1), int(m.group(2))) if m else None


def ss_pids(lport, rport):
    """The pids `ss -tnp` names as holders of socket lport->rport."""
    out = subprocess.run(["ss", "-H", "-tanp", f"( sport = :{lport} and dport = :{rport} )"],
                         capture_output=True, text=True, check=True).stdout
    return [int(p) for p in re.findall(r"pid=(\d+)", out)]


# ----------------------------------------------------------------- the cases

class CloseWaitLeak:
    """A server that accepts LEAKED + 1 connections and never closes them; the
    clients (this process) close LEAKED of them `open_s` seconds after they
    connected and keep the last, the control, open. The server's LEAKED
    sockets sit in CLOSE-WAIT from `closed_at`: an age taken from the
    connection's start, or its last data, would be `open_s` too old."""

    def __init__(self, leaked, open_s):
        self.stack = Stack()
        try:
            self.server = Script(CLOSE_WAIT_SERVER, leaked + 1)
            self.stack.push(self.server.stop)
            self.port = int(self.server.expect("port")[0])
            self.clients = []
            for _ in range(leaked + 1):
                c = socket.create_connection(("127.0.0.1", self.port))
                self.stack.push(c.close)
                self.clients.append(c)
            self.server.expect("accepted")
            self.leaked_ports = [c.getsockname()[1] for c in self.clients[:leaked]]
            self.control_port = self.clients[-1].getsockname()[1]
            time.sleep(open_s)  # the scenario's timeline, not a wait for a state
            self.closed_at = time.monotonic()
            for c in self.clients[:leaked]:
                c.close()
            assert wait_for(lambda: ss_count("close-wait", self.port) == leaked, timeout=5)
        except BaseException:
            self.stack.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()


class SlowConsumer:
    """A reader that never reads after the handshake, and a writer that fills
    the connection and then retries every 100 ms: the reader's window closes."""

    def __init__(self):
        self.stack = Stack()
        try:
            self.reader = Script(STILL_READER, "127.0.0.1")
            self.stack.push(self.reader.stop)
            self.port = int(self.reader.expect("port")[0])
            self.writer = Script(WRITER, "127.0.0.1", self.port)
            self.stack.push(self.writer.stop)
            self.wport = int(self.writer.expect("connected")[0])
            self.reader.expect("accepted")
            self.fill_at = time.monotonic()   # no data can have left before this
            self.writer.tell("fill")
            self.sent = int(self.writer.expect("sent")[0])
            self.filled_at = time.monotonic()
            # The last segments may still be on their way: until the reader's
            # zero window reaches the writer (ss prints no snd_wnd when 0).
            assert wait_for(lambda: "snd_wnd:" not in ss_one(self.wport, self.port)["info"],
                            timeout=5)
        except BaseException:
            self.stack.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class CutLink:
    """Two network namespaces joined by a veth pair; a writer in the first
    sends to a draining reader in the second, then the path is cut and the
    writer queues QUEUED bytes it cannot deliver. `how` cuts it:
      "link_down": the reader's end of the veth goes down (the writer's loses
                   its carrier: retransmissions mostly stay in the host);
      "blackhole": the reader's namespace gives its address up (the link
                   stays up: every retransmission leaves and is dropped
                   there, as on a path that loses everything)."""

    QUEUED = 64 * 1024
    HOWS = ("link_down", "blackhole")

    def __init__(self, how):
        assert how in self.HOWS
        tag = f"{os.getpid() % 100000}"
        self.ns_w, self.ns_r = f"sc-hw-{tag}", f"sc-hr-{tag}"
        self.dev_w, self.dev_r = f"schw{tag}", f"schr{tag}"
        self.addr_w, self.addr_r = "10.213.7.1", "10.213.7.2"
        self.stack = Stack()
        try:
            for ns in (self.ns_w, self.ns_r):
                _ip("netns", "add", ns)
                self.stack.push(lambda ns=ns: _del_netns(ns))
            # Made in place: the names never exist in the host's namespace.
            _ip("link", "add", self.dev_w, "netns", self.ns_w, "type", "veth",
                "peer", "name", self.dev_r, "netns", self.ns_r)
            for ns, dev, addr in ((self.ns_w, self.dev_w, self.addr_w),
                                  (self.ns_r, self.dev_r, self.addr_r)):
                _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
            self.ns_w_inode = os.stat(f"/run/netns/{self.ns_w}").st_ino
            self.reader = Script(DRAINING_READER, self.addr_r, prefix=("ip", "netns", "exec", self.ns_r))
            self.stack.push(self.reader.stop)
            self.port = int(self.reader.expect("port")[0])
            self.connect_at = time.monotonic()   # no ACK can be older than this
            self.writer = Script(WRITER, self.addr_r, self.port, 4 * self.QUEUED,
                                 prefix=("ip", "netns", "exec", self.ns_w))
            self.stack.push(self.writer.stop)
            # Aborted before its writer exits: else the orphan would retry for
            # minutes, holding the dead namespace (a socket holds a reference).
            self.stack.push(lambda: _ip("netns", "exec", self.ns_w, "ss", "-K", "-tn",
                                        "dst", self.addr_r))
            self.wport = int(self.writer.expect("connected")[0])
            self.reader.expect("accepted")
            if how == "link_down":
                _ip("-n", self.ns_r, "link", "set", self.dev_r, "down")
            else:
                _ip("-n", self.ns_r, "addr", "del", f"{self.addr_r}/24", "dev", self.dev_r)
            self.cut_at = time.monotonic()
            self.writer.tell(f"send {self.QUEUED}")
            self.sent = int(self.writer.expect("sent")[0])
        except BaseException:
            self.stack.close()
            raise

    def ss_writer(self):
        return ss_one(self.wport, self.port, netns=self.ns_w)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()


def _del_netns(name):
    subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
    assert wait_for(lambda: not os.path.exists(f"/run/netns/{name}"), timeout=5)


class KeepaliveTrio:
    """Three idle connections from this process to a holding server:
    `alive` has SO_KEEPALIVE with TCP_KEEPIDLE/KEEPINTVL 1 s (probes every
    second, inside any NAT timeout of 2 s or more), `bare` has no keepalive,
    `late` has SO_KEEPALIVE with the default-like TCP_KEEPIDLE of 7200 s."""

    def __init__(self):
        self.stack = Stack()
        try:
            self.server = Script(HOLDING_SERVER, 3)
            self.stack.push(self.server.stop)
            self.port = int(self.server.expect("port")[0])
            self.socks = {}
            for name, opts in (("alive", (1, 1)), ("bare", None), ("late", (7200, 75))):
                c = socket.create_connection(("127.0.0.1", self.port))
                self.stack.push(c.close)
                if opts:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, opts[0])
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, opts[1])
                self.socks[name] = c
            self.server.expect("accepted")
            self.created = time.monotonic()
        except BaseException:
            self.stack.close()
            raise

    def lport(self, name):
        return self.socks[name].getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()


class PortLeftovers:
    """A listening server whose port carries WAITS TIME-WAIT sockets, or the
    self.waits the kernel made of them (it
    closed first, then its peers did) and one orphan: a socket it closed with
    unsent data towards a peer (this process) that does not read."""

    WAITS = 4

    def __init__(self):
        self.stack = Stack()
        try:
            self.server = Script(PORT_SERVER)
            self.stack.push(self.server.stop)
            self.port = int(self.server.expect("port")[0])
            clients = [socket.create_connection(("127.0.0.1", self.port))
                       for _ in range(self.WAITS)]
            for c in clients:
                c.settimeout(5)
                self.stack.push(c.close)
            self.server.tell(f"close {self.WAITS}")
            self.server.expect("closed")
            for c in clients:
                assert wait_for(lambda c=c: c.recv(1) == b"", timeout=5)
                c.close()
            self.waits_at = time.monotonic()
            # The orphan's peer holds its end open, reading nothing.
            self.peer = socket.socket()
            self.peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.peer.connect(("127.0.0.1", self.port))
            self.stack.push(self.peer.close)
            self.server.tell("orphan")
            peer_port, self.orphan_sent = map(int, self.server.expect("orphaned"))
            assert peer_port == self.peer.getsockname()[1]
            self.orphan_peer_port = peer_port
            # No one holds the orphan: it would probe its silent peer for
            # minutes after the test. Aborted (sock_diag destroy) at the end.
            self.stack.push(lambda: subprocess.run(
                ["ss", "-K", "-tn", f"( sport = :{self.port} and dport = :{peer_port} )"],
                check=True, capture_output=True, timeout=30))
            self.server.tell("hold")
            # Debian's 6.1.192 (the CI guest since 2026-12-02) sometimes
            # makes fewer TIME-WAIT sockets than closes (2 or 3 of 4, with
            # nothing of sockcost loaded): the tests compare sockcost with
            # what the kernel made, self.waits.
            wait_for(lambda: ss_count("time-wait", self.port) == self.WAITS, timeout=5)
            self.waits = ss_count("time-wait", self.port)
            assert self.waits >= 1
        except BaseException:
            self.stack.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()


class HalfClosed:
    """The peer shuts its sending side (a FIN at `fin_at`) but keeps reading:
    the server's socket is in CLOSE-WAIT, and `send(n)` has the server send
    into it, which the peer ACKs: the last ACK then no longer dates the FIN."""

    def __init__(self):
        self.stack = Stack()
        try:
            self.server = Script(SENDING_SERVER)
            self.stack.push(self.server.stop)
            self.port = int(self.server.expect("port")[0])
            self.client = socket.create_connection(("127.0.0.1", self.port))
            self.client.settimeout(5)
            self.stack.push(self.client.close)
            self.cport = self.client.getsockname()[1]
            self.server.expect("accepted")
            self.fin_at = time.monotonic()
            self.client.shutdown(socket.SHUT_WR)
            assert wait_for(lambda: ss_count("close-wait", self.port) == 1, timeout=5)
        except BaseException:
            self.stack.close()
            raise

    def send(self, n):
        self.server.tell(f"send {n}")
        self.server.expect("sent")
        got = 0
        for _ in range(n):
            got += len(self.client.recv(n - got))
            if got == n:
                break
        assert got == n
        return time.monotonic()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stack.close()
