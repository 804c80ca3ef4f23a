"""Real servers from Debian packages, started on free loopback ports, and the
truth about them measured without sockcost.

PostgreSQL 15 (pre-fork: one backend process per connection, shared
buffers) and nginx 1.22 (event-loop workers sharing one listener), each in a
temp dir of its own, never the packaged service. Truth comes from /proc
(smaps_rollup, fd tables), from `ss` (sockets by port, with inodes) and from
the server's own account (pg_stat_activity, nginx's error log).

Use the pytest fixtures `pg_server` and `nginx_server` (factories: call them
with options; everything they start is stopped and removed at teardown, also
when the test fails), or the classes as context managers.
"""
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

PG_BIN = "/usr/lib/postgresql/15/bin"
NGINX = "/usr/sbin/nginx"
HOST = "127.0.0.1"


# ---------------------------------------------------------------- /proc truth

def free_port():
    """A port free on 127.0.0.1 right now (the kernel's pick). Another job can
    take it before the server binds: starters retry with a fresh one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def smaps_rollup(pid):
    """/proc/PID/smaps_rollup as {field: bytes} (Rss, Pss, Private_Dirty, ...)."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            m = re.match(r"(\w+):\s+(\d+) kB", line)
            if m:
                out[m.group(1)] = int(m.group(2)) * 1024
    return out


def private_bytes(roll):
    return roll["Private_Clean"] + roll["Private_Dirty"]


class MemTruth:
    """Summed smaps_rollup of a set of processes, in bytes."""

    def __init__(self, pids):
        self.pids = sorted(pids)
        self.per_pid = {p: smaps_rollup(p) for p in self.pids}
        rolls = self.per_pid.values()
        self.rss = sum(r["Rss"] for r in rolls)
        self.pss = sum(r["Pss"] for r in rolls)
        self.private = sum(private_bytes(r) for r in rolls)
        self.anonymous = sum(r["Anonymous"] for r in rolls)
        self.pss_shmem = sum(r.get("Pss_Shmem", 0) for r in rolls)

    def __repr__(self):
        return (f"{len(self.pids)} pids: Rss {mib(self.rss)}, Pss {mib(self.pss)} "
                f"(Pss_Shmem {mib(self.pss_shmem)}), Private {mib(self.private)}, "
                f"Anonymous {mib(self.anonymous)}")


def mib(n):
    return f"{n / 1048576:.1f} MiB"


def children(pid):
    """Pids whose parent is pid (a scan of /proc/*/stat)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: fields start after the last ')'.
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return sorted(out)


def socket_inodes(pid):
    """{inode: fd} of the sockets in /proc/PID/fd."""
    out = {}
    d = f"/proc/{pid}/fd"
    for fd in os.listdir(d):
        try:
            target = os.readlink(f"{d}/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            out[int(target[8:-1])] = int(fd)
    return out


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def established(port):
    """Server-side established TCP sockets of 127.0.0.1:port, from `ss -tne`
    (a kernel-side filter, so fast with other jobs' 200K sockets around):
    [(peer_port, inode)]. Includes connections still in the accept queue."""
    out = subprocess.run(["ss", "-H", "-tne", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    socks = []
    for line in out.splitlines():
        addrs = re.findall(r"(\S+):(\d+)\s", line)
        ino = re.search(r"\bino:(\d+)", line)
        if len(addrs) >= 2 and ino:
            socks.append((int(addrs[1][1]), int(ino.group(1))))
    return socks


def holders(pids, port):
    """{pid: [peer ports]}: which of pids hold an established socket of
    127.0.0.1:port in their fd table (inode matching against ss)."""
    by_inode = dict((ino, peer) for peer, ino in established(port))
    out = {}
    for pid in pids:
        try:
            inodes = socket_inodes(pid)
        except FileNotFoundError:
            continue
        peers = [by_inode[i] for i in inodes if i in by_inode]
        if peers:
            out[pid] = peers
    return out


def _wait_port(port, proc, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on {HOST}:{port} within {timeout} s")


def _stop_group(proc, first_sig, timeout=10):
    """Sends first_sig to the server's leader, waits, then SIGKILLs its whole
    process group (the server runs in a session of its own)."""
    if proc.poll() is None:
        try:
            proc.send_signal(first_sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def _tail(path, n=4000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return ""


# ------------------------------------------------------------------ postgres

def ensure_postgres_user():
    """The `postgres` OS user (the package creates it; create it if not)."""
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--home-dir", "/var/lib/postgresql",
                        "--shell", "/bin/sh", "postgres"], check=True)
        return pwd.getpwnam("postgres")


class PgError(Exception):
    pass


class PgConn:
    """A minimal PostgreSQL v3 client over a raw socket: trust auth, simple
    queries. backend_pid comes from the server's BackendKeyData."""

    def __init__(self, port, user="postgres", database="postgres", timeout=10):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.local_port = self.sock.getsockname()[1]
        self.backend_pid = None
        body = b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                        for k, v in (("user", user), ("database", database),
                                     ("application_name", "sockcost-test")))
        body = struct.pack("!i", 196608) + body + b"\0"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        while True:
            kind, payload = self._message()
            if kind == b"R":
                code = struct.unpack("!i", payload[:4])[0]
                if code != 0:
                    raise PgError(f"server asks for authentication {code}; trust expected")
            elif kind == b"K":
                self.backend_pid = struct.unpack("!i", payload[:4])[0]
            elif kind == b"E":
                raise PgError(self._error(payload))
            elif kind == b"Z":
                return

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise PgError("server closed the connection")
            buf += chunk
        return buf

    def _message(self):
        head = self._recv(5)
        length = struct.unpack("!i", head[1:])[0]
        return head[:1], self._recv(length - 4)

    @staticmethod
    def _error(payload):
        fields = dict((f[:1], f[1:].decode(errors="replace")) for f in payload.split(b"\0") if f)
        return f"{fields.get(b'S', '')} {fields.get(b'C', '')}: {fields.get(b'M', '')}"

    def query(self, sql):
        """Runs sql (simple protocol); rows of text values of the last result."""
        q = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!i", len(q) + 4) + q)
        rows, error = [], None
        while True:
            kind, payload = self._message()
            if kind == b"T":
                rows = []
            elif kind == b"D":
                n, off, row = struct.unpack("!h", payload[:2])[0], 2, []
                for _ in range(n):
                    size = struct.unpack("!i", payload[off:off + 4])[0]
                    off += 4
                    row.append(None if size < 0 else payload[off:off + size].decode())
                    off += max(size, 0)
                rows.append(row)
            elif kind == b"E":
                error = self._error(payload)
            elif kind == b"Z":
                if error:
                    raise PgError(error)
                return rows

    def scalar(self, sql):
        return self.query(sql)[0][0]

    def close(self):
        try:
            self.sock.sendall(b"X" + struct.pack("!i", 4))
        except OSError:
            pass
        self.sock.close()


class Postgres:
    """A fresh PostgreSQL 15 cluster in a temp dir, run as `postgres` on
    127.0.0.1:<free port>, its unix socket in the temp dir. Clients hold
    idle connections; the truth helpers read /proc and the server itself."""

    def __init__(self, max_connections=150, shared_buffers="128MB", extra=()):
        self.max_connections = max_connections
        self.clients = []
        self.proc = None
        self.admin = None
        user = ensure_postgres_user()
        self.dir = tempfile.mkdtemp(prefix="sockcost-pg-")
        try:
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.data = os.path.join(self.dir, "data")
            self.log = os.path.join(self.dir, "postgres.log")
            r = subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb",
                                "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                "--locale=C", "-N"],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise AssertionError(f"initdb failed: {r.stdout}{r.stderr}")
            for attempt in range(3):
                self.port = free_port()
                if self._start(shared_buffers, extra):
                    break
                if "could not bind" not in _tail(self.log) or attempt == 2:
                    raise AssertionError(f"postgres did not start:\n{_tail(self.log)}")
            self.postmaster = self.proc.pid
            deadline = time.monotonic() + 30
            while True:  # the port opens before recovery ends (57P03)
                try:
                    self.admin = PgConn(self.port)
                    break
                except PgError as e:
                    if "57P03" not in str(e) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def _start(self, shared_buffers, extra):
        args = [f"{PG_BIN}/postgres", "-D", self.data,
                "-p", str(self.port),
                "-c", f"listen_addresses={HOST}",
                "-c", f"unix_socket_directories={self.dir}",
                "-c", f"shared_buffers={shared_buffers}",
                "-c", "huge_pages=off",  # shared buffers as ordinary shared pages in smaps
                "-c", f"max_connections={self.max_connections}",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "logging_collector=off", "-c", "autovacuum=off"]
        for kv in extra:
            args += ["-c", kv]
        # As postgres (it refuses root) without runuser, which would stay as
        # the parent: the Popen pid is the postmaster's. A session of its
        # own, so killpg reaches every backend.
        user = pwd.getpwnam("postgres")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "HOME": self.dir}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                                         env=env, cwd=self.dir, start_new_session=True)
        if _wait_port(self.port, self.proc, 30, "postgres"):
            return True
        self.proc.wait()
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # clients
    def open_clients(self, n, touch_table_mb=0):
        """Opens n idle client connections (each its own backend). With
        touch_table_mb, a table of about that size is made first and every
        client scans it once, so each backend maps those shared-buffer
        pages (keep it under shared_buffers/4, or scans use a ring buffer)."""
        if touch_table_mb and not self.admin.query(
                "SELECT 1 FROM pg_class WHERE relname = 'touch'"):
            rows = touch_table_mb * 1024 * 1024 // 260
            self.admin.query("CREATE TABLE touch AS SELECT g AS id, repeat('x', 200) AS pad "
                             f"FROM generate_series(1, {rows}) g")
        new = []
        for _ in range(n):
            c = PgConn(self.port)
            self.clients.append(c)
            new.append(c)
            if touch_table_mb:
                c.query("SELECT count(*) FROM touch")
        return new

    def close_clients(self):
        for c in self.clients:
            c.close()
        self.clients = []

    # truth
    def client_ports(self):
        return {c.local_port for c in self.clients}

    def backends(self):
        """{pid: [peer ports]}: children of the postmaster holding a socket
        whose peer is one of our clients (fd inodes against ss)."""
        ours = self.client_ports()
        found = holders(children(self.postmaster), self.port)
        return {pid: ports for pid, ports in found.items() if set(ports) & ours}

    def auxiliary(self):
        """The postmaster's other children (checkpointer, walwriter, ...)."""
        held = holders(children(self.postmaster), self.port)
        return [p for p in children(self.postmaster) if p not in held]

    def memory(self, pids=None):
        return MemTruth(self.backends() if pids is None else pids)

    def postmaster_memory(self):
        return MemTruth([self.postmaster])

    def client_backend_count(self):
        """The server's own count of client backends, not counting the
        admin connection that asks."""
        return int(self.admin.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"))

    def show(self, name):
        return self.admin.scalar(f"SHOW {name}")

    def stop(self):
        self.close_clients()
        if self.admin:
            self.admin.close()
            self.admin = None
        if self.proc:
            _stop_group(self.proc, signal.SIGINT)  # SIGINT: fast shutdown
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------- nginx

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile {rlimit_nofile};
user {user};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log {log_level};
events {{
    use epoll;
    worker_connections {worker_connections};
    accept_mutex {accept_mutex};
}}
http {{
    access_log off;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    default_type text/plain;
    server {{
        listen {host}:{port}{reuseport};
        location / {{ return 200 "sockcost\\n"; }}
    }}
}}
"""


class Nginx:
    """nginx with a config of our own in a temp dir (`nginx -c CONF -p
    PREFIX`, daemon off, master + workers), on 127.0.0.1:<free port>.

    accept_mutex is off (nginx's default): workers share the listener and
    Linux's EPOLLEXCLUSIVE wakes one; reuseport=True gives each worker its
    own listening socket, hashed by the kernel."""

    def __init__(self, workers=2, worker_connections=1024, reuseport=False, accept_mutex=False,
                 rlimit_nofile=19000, log_level="warn"):
        self.workers_n = workers
        self.worker_connections = worker_connections
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="sockcost-nginx-")
        try:
            os.makedirs(os.path.join(self.dir, "tmp"))
            self.conf = os.path.join(self.dir, "nginx.conf")
            self.error_log = os.path.join(self.dir, "error.log")
            self.stderr_log = os.path.join(self.dir, "stderr.log")
            user = "www-data" if _has_user("www-data") else "nobody nogroup"
            for attempt in range(3):
                self.port = free_port()
                with open(self.conf, "w") as f:
                    f.write(NGINX_CONF.format(
                        workers=workers, rlimit_nofile=rlimit_nofile, user=user, prefix=self.dir,
                        log_level=log_level, worker_connections=worker_connections,
                        accept_mutex="on" if accept_mutex else "off", host=HOST, port=self.port,
                        reuseport=" reuseport" if reuseport else ""))
                if self._start():
                    break
                if "Address already in use" not in self.startup_errors() or attempt == 2:
                    raise AssertionError(f"nginx did not start:\n{self.startup_errors()}")
            self.master = self.proc.pid
            deadline = time.monotonic() + 10
            while len(self.workers()) < workers and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(self.workers()) == workers, f"workers: {self.workers()}"
        except BaseException:
            self.stop()
            raise

    def _start(self):
        with open(self.stderr_log, "ab") as err:
            # -e: the startup error log, before the config's error_log applies.
            self.proc = subprocess.Popen(
                [NGINX, "-c", self.conf, "-p", self.dir, "-e", self.error_log],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True)
        if _wait_port(self.port, self.proc, 15, "nginx"):
            return True
        self.proc.wait()
        return False

    def startup_errors(self):
        return _tail(self.stderr_log) + _tail(self.error_log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def workers(self):
        return children(self.master)

    def connections_by_worker(self):
        """{worker pid: [peer ports]} from the workers' fds and ss."""
        found = holders(self.workers(), self.port)
        return {w: found.get(w, []) for w in self.workers()}

    def memory(self):
        return MemTruth(self.workers())

    def error_log_text(self):
        return _tail(self.error_log, 1 << 20)

    def not_enough_lines(self):
        return [line for line in self.error_log_text().splitlines()
                if "worker_connections are not enough" in line]

    def stop(self):
        if self.proc:
            _stop_group(self.proc, signal.SIGTERM)  # SIGTERM: fast shutdown
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


# ------------------------------------------------------- HTTP keep-alive load

def _http_exchange(port, connect_timeout, read_timeout, partial=False):
    """Connects, sends one GET / HTTP/1.1 and reads the whole response.
    Returns (socket or None, outcome): served, refused (closed or reset
    before a full response), timeout or connect_failed. partial: sends the
    request without its final empty line and does not wait (outcome
    "partial"): the server holds it mid-request, where nginx cannot reuse
    the connection for another (it does reuse idle keep-alive ones)."""
    try:
        s = socket.create_connection((HOST, port), timeout=connect_timeout)
    except OSError:
        return None, "connect_failed"
    try:
        s.settimeout(read_timeout)
        request = f"GET / HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        if partial:
            s.sendall(request.encode())
            s.settimeout(None)
            return s, "partial"
        s.sendall((request + "\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionResetError
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        need = int(m.group(1)) if m else 0
        while len(body) < need:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionResetError
            body += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            s.close()
            return None, "bad_status"
        s.settimeout(None)
        return s, "served"
    except socket.timeout:
        s.close()
        return None, "timeout"
    except OSError:
        s.close()
        return None, "refused"


def _still_open(socks):
    """How many of socks the server has not closed (no EOF, no error)."""
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    closed = 0
    by_fd = {s.fileno(): s for s in socks}
    for fd, ev in poller.poll(0):
        if ev & (select.POLLHUP | select.POLLERR):
            closed += 1
        elif ev & select.POLLIN:
            try:  # readable: EOF means closed; data (unexpected) means open
                if by_fd[fd].recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
    return len(socks) - closed


class HttpClients:
    """count keep-alive HTTP connections to 127.0.0.1:port, each after one
    request whose full response was read, then held idle; opened by forked
    children of at most per_child connections each (the fd hard limit is
    20000 a process). Bounded: each child stops opening after max_s.

    outcomes: {served, refused, timeout, connect_failed, ...} summed;
    ports: the client ports of the connections held (served, or partial).
    still_open(): how many of those the server has not closed since.
    partial=True: see _http_exchange."""

    def __init__(self, port, count, per_child=4000, connect_timeout=2.0, read_timeout=5.0,
                 max_s=40.0, partial=False):
        self.partial = partial
        self.children = []
        self.outcomes = {}
        self.ports = []
        try:
            left = count
            while left > 0:
                n = min(left, per_child)
                self.children.append(self._spawn(port, n, connect_timeout, read_timeout, max_s,
                                                 partial, self.children))
                left -= n
            for child in self.children:
                report = self._read(child, max_s + 30)
                for k, v in report["outcomes"].items():
                    self.outcomes[k] = self.outcomes.get(k, 0) + v
                self.ports += report["ports"]
        except BaseException:
            self.stop()
            raise

    @property
    def served(self):
        return self.outcomes.get("served", 0)

    @property
    def refused(self):
        return sum(v for k, v in self.outcomes.items() if k not in ("served", "partial"))

    @staticmethod
    def _spawn(port, n, connect_timeout, read_timeout, max_s, partial, siblings):
        cmd_r, cmd_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: open, report, then answer "check" until EOF
            try:
                os.close(cmd_w)
                os.close(rep_r)
                for sib in siblings:  # so each child sees EOF when the parent closes
                    os.close(sib["cmd"])
                    os.close(sib["rep"].fileno())
                held, outcomes, deadline = [], {}, time.monotonic() + max_s
                for i in range(n):
                    if time.monotonic() > deadline:
                        outcomes["not_attempted"] = n - i
                        break
                    s, what = _http_exchange(port, connect_timeout, read_timeout, partial)
                    outcomes[what] = outcomes.get(what, 0) + 1
                    if s:
                        held.append(s)
                ports = [s.getsockname()[1] for s in held]
                report = {"outcomes": outcomes, "ports": ports}
                os.write(rep_w, (json.dumps(report) + "\n").encode())
                cmds = os.fdopen(cmd_r)
                for line in cmds:
                    if line.strip() == "check":
                        os.write(rep_w, (json.dumps({"open": _still_open(held)}) + "\n").encode())
            finally:
                os._exit(0)
        os.close(cmd_r)
        os.close(rep_w)
        return {"pid": pid, "cmd": cmd_w, "rep": os.fdopen(rep_r)}

    @staticmethod
    def _read(child, timeout):
        ready, _, _ = select.select([child["rep"]], [], [], timeout)
        if not ready:
            raise AssertionError(f"client child {child['pid']} did not report in {timeout} s")
        line = child["rep"].readline()
        if not line:
            raise AssertionError(f"client child {child['pid']} died")
        return json.loads(line)

    def still_open(self):
        """How many served connections the server has not closed since."""
        total = 0
        for child in self.children:
            os.write(child["cmd"], b"check\n")
            total += self._read(child, 30)["open"]
        return total

    def stop(self):
        for child in self.children:
            try:
                os.close(child["cmd"])  # EOF: the child exits, its sockets close
            except OSError:
                pass
        for child in self.children:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if os.waitpid(child["pid"], os.WNOHANG)[0]:
                    break
                time.sleep(0.02)
            else:
                os.kill(child["pid"], signal.SIGKILL)
                os.waitpid(child["pid"], 0)
            child["rep"].close()
        self.children = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------ pytest fixtures

def _factory(request, cls):
    made = []

    def make(*args, **kw):
        obj = cls(*args, **kw)
        made.append(obj)
        return obj

    def cleanup():
        for obj in reversed(made):
            obj.stop()
    request.addfinalizer(cleanup)
    return make


@pytest.fixture
def pg_server(request):
    """Factory: pg_server(max_connections=150, shared_buffers="128MB") starts
    a fresh cluster; stopped and removed at teardown."""
    return _factory(request, Postgres)


@pytest.fixture
def nginx_server(request):
    """Factory: nginx_server(workers=2, worker_connections=1024, ...) starts
    nginx; stopped and removed at teardown."""
    return _factory(request, Nginx)


@pytest.fixture
def http_clients(request):
    """Factory: http_clients(port, count, ...) opens keep-alive connections
    held by child processes; closed at teardown (before the servers, since
    fixtures tear down in reverse order of request)."""
    return _factory(request, HttpClients)
