"""Helpers for the integration tests: run sockcost, hold sockets in child
processes, and read ss(8) as an independent oracle."""
import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOCKCOST = os.environ.get("SOCKCOST", os.path.join(ROOT, "build", "sockcost"))
HELPERS = os.path.join(os.path.dirname(SOCKCOST), "tests", "helpers")


def bpf_unavailable_reason():
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "no /sys/kernel/btf/vmlinux"
    if not os.access(SOCKCOST, os.X_OK):
        return f"{SOCKCOST} not built"
    return None


def require_bpf():
    """Skips the calling test when BPF cannot run here; under CI=true, fails."""
    import pytest

    reason = bpf_unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the BPF tests cannot run: {reason}")
        pytest.skip(f"BPF tests need root and BTF: {reason}")


def wait_for(cond, timeout=10, interval=0.05):
    """Polls cond() until it returns a true value, which wait_for returns; after
    timeout seconds, cond()'s last (false) value. For states the test waits
    on (a server ready, a connection closed, a daemon's walk), never for time
    itself to pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def expected_activity_hook():
    """The activity hook this kernel should give sockcost: the raw tracepoints
    sock_send_length/sock_recv_length where the kernel has them (6.3+), else
    fexit on tcp_sendmsg/tcp_recvmsg. Read from the kernel's BTF, which names
    each raw tracepoint's type `btf_trace_<name>`, not from sockcost itself."""
    with open("/sys/kernel/btf/vmlinux", "rb") as f:
        btf = f.read()
    if b"\0btf_trace_sock_send_length\0" in btf and b"\0btf_trace_sock_recv_length\0" in btf:
        return "tracepoint"
    return "fexit"


# The pinned link of each hook's send program (user/tracker.c's link_pin_name).
HOOK_SEND_LINK = {"tracepoint": "link_tp_send", "fexit": "link_fexit_send"}


def run_sockcost(*args, timeout=60):
    return subprocess.run([SOCKCOST, *args], capture_output=True, text=True, timeout=timeout)


def snapshot(*args, timeout=60):
    """Runs `sockcost snapshot --json ARGS` and returns the parsed document."""
    r = run_sockcost("snapshot", "--json", *args, timeout=timeout)
    assert r.returncode == 0, f"sockcost failed ({r.returncode}): {r.stderr}"
    return json.loads(r.stdout)


class Observer:
    """`sockcost snapshot --json --observe SECS`, started and attached.

    The constructor returns once sockcost says it is watching, so traffic
    made afterwards is seen by the activity hook."""

    def __init__(self, observe_s, *args):
        self.proc = subprocess.Popen(
            [SOCKCOST, "snapshot", "--json", "--observe", str(observe_s), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr_head = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_head += line
            if "watching activity" in line:
                return
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"sockcost did not start watching: {self.stderr_head}")

    def result(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, f"sockcost failed: {self.stderr_head}{err}"
        return json.loads(out)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Child:
    """A forked process that runs setup() and holds what it made until stop().

    setup() runs in the child; whatever it returns stays referenced (so its
    sockets stay open). keep_fds, if given, lists the only inherited fds the
    child keeps besides its own pipe: fd counts then stay predictable."""

    def __init__(self, setup, name=None, nofile=None):
        ready_r, ready_w = os.pipe()
        stop_r, stop_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(ready_r)
                os.close(stop_w)
                if name is not None:
                    set_comm(name)
                if nofile is not None:
                    import resource
                    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
                held = setup()  # noqa: F841 - keeps sockets alive
                os.write(ready_w, b"r")
                os.read(stop_r, 1)
            finally:
                os._exit(0)
        os.close(ready_w)
        os.close(stop_r)
        self.pid = pid
        self._stop_w = stop_w
        ok = os.read(ready_r, 1)
        os.close(ready_r)
        if ok != b"r":
            self.stop()
            raise AssertionError("child setup failed")

    def stop(self):
        if self.pid is None:
            return
        try:
            os.close(self._stop_w)
        except OSError:
            pass
        if not wait_for(lambda: os.waitpid(self.pid, os.WNOHANG)[0], timeout=5, interval=0.02):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.pid = None


def paced(rate, max_s, step):
    """Calls step() rate times a second for max_s seconds, or until it raises
    OSError (a limit reached: what it made stays made). The sleeps keep the
    pace; they wait for no result."""
    t0, k = time.monotonic(), 0
    while time.monotonic() - t0 < max_s:
        due = t0 + k / rate
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
            continue
        try:
            step()
        except OSError:
            return
        k += 1


def set_comm(name: bytes):
    """prctl(PR_SET_NAME): the kernel keeps the first 15 bytes, any bytes."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def listener(family=socket.AF_INET, host="127.0.0.1", rcvbuf=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((host, 0))
    s.listen(1024)
    return s


def connect_pairs(lst, n):
    """n connections to lst, accepted: [(client, server), ...]."""
    addr = lst.getsockname()[:2]
    pairs = []
    for _ in range(n):
        c = socket.create_connection(addr)
        s, _ = lst.accept()
        pairs.append((c, s))
    return pairs


def port_of(sock):
    return sock.getsockname()[1]


def hold_pairs(n, name):
    """A child process named name holding n accepted loopback pairs on a
    listener of its own: (the Child, the listener's port)."""
    r, w = os.pipe()

    def setup():
        lst = listener()
        os.write(w, b"%d\n" % port_of(lst))
        return lst, connect_pairs(lst, n)

    child = Child(setup, name=name)
    os.close(w)
    port = int(os.read(r, 16))
    os.close(r)
    return child, port


@contextlib.contextmanager
def netns_process(prefix, script):
    """Runs python3 -c script in a new network namespace (loopback up) until
    it prints its first line ("ready", or what the test needs: the Popen's
    ready_line); yields (the Popen, the namespace's name). The script holds
    on until its stdin closes; namespace and process go after."""
    name = f"{prefix}-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    holder = None
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        # `ip netns exec` execs the command, so the holder keeps its pid.
        holder = subprocess.Popen(["ip", "netns", "exec", name, "/usr/bin/python3", "-c", script],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holder.ready_line = holder.stdout.readline().strip()
        assert holder.ready_line, "the namespace's process died before its first line"
        yield holder, name
    finally:
        if holder:
            holder.stdin.close()
            try:
                holder.wait(5)
            except subprocess.TimeoutExpired:
                holder.kill()
                holder.wait()
        subprocess.run(["ip", "netns", "del", name], check=False)
        wait_for(lambda: not os.path.exists(f"/run/netns/{name}"), timeout=5)


def rows(doc, pid=None, lport=None, rport=None, state=None):
    out = []
    for s in doc["sockets"]:
        if pid is not None and s["pid"] != pid:
            continue
        if lport is not None and s["lport"] != lport:
            continue
        if rport is not None and s["rport"] != rport:
            continue
        if state is not None and s["state"] != state:
            continue
        out.append(s)
    return out


def one_row(doc, **kw):
    found = rows(doc, **kw)
    assert len(found) == 1, f"expected one socket for {kw}, found {len(found)}: {found}"
    return found[0]


def process(doc, pid):
    found = [p for p in doc["processes"] if p["pid"] == pid]
    assert len(found) == 1, f"process {pid} not in snapshot: {doc['processes']}"
    return found[0]


def port(doc, number):
    found = [p for p in doc["ports"] if p["port"] == number]
    assert len(found) == 1, f"port {number} not in snapshot: {doc['ports']}"
    return found[0]


def cgroup2_mount():
    """Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts), or None."""
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup2":
                return fields[1]
    return None


def proc_fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def proc_nofile_soft(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no 'Max open files' line")


class Ticker:
    """Calls fn every interval seconds in a thread, for at most max_s."""

    def __init__(self, fn, interval, max_s=30):
        self._stop = threading.Event()
        self.error = None

        def loop():
            deadline = time.monotonic() + max_s
            try:
                while not self._stop.is_set() and time.monotonic() < deadline:
                    fn()
                    self._stop.wait(interval)
            except Exception as e:  # reported by stop()
                self.error = e

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        if self.error:
            raise self.error


def ss_entries(*args):
    """`ss -H -tn ARGS` as a list of (first line fields, info text)."""
    out = subprocess.run(["ss", "-H", "-tn", *args], capture_output=True, text=True,
                         check=True).stdout
    entries = []
    for line in out.splitlines():
        if not line.strip():
            continue
        if line[0].isspace() and entries:
            entries[-1][1] += " " + line.strip()
        else:
            entries.append([line.split(), ""])
    return entries


def ss_find(entries, lport, rport):
    """The ss entry whose local and peer ports match."""
    for fields, info in entries:
        local = [f for f in fields if re.search(r":\d+$", f)]
        if len(local) >= 2 and local[0].endswith(f":{lport}") and local[1].endswith(f":{rport}"):
            return fields, info
    raise AssertionError(f"ss has no socket {lport}->{rport}")


def ss_states(port):
    """[(state, local port, peer port)] of the TCP sockets with local or peer
    port `port` in the states ss lists by default: not LISTEN, SYN-RECV,
    TIME-WAIT or closed."""
    out = []
    for fields, _ in ss_entries(f"( sport = :{port} or dport = :{port} )"):
        ends = [f for f in fields if re.search(r":\d+$", f)]
        out.append((fields[0], int(ends[0].rsplit(":", 1)[1]), int(ends[1].rsplit(":", 1)[1])))
    return out


def ss_established(port):
    """How many established sockets ss lists with local or peer port `port`."""
    return len(ss_entries("state", "established", f"( sport = :{port} or dport = :{port} )"))


def ss_nothing_in_flight(*socks):
    """Whether all that these connected sockets sent is acknowledged: no
    unacked segment, and Send-Q holds only what was never sent."""
    for sock in socks:
        lport, rport = port_of(sock), sock.getpeername()[1]
        fields, info = ss_find(ss_entries("-i"), lport, rport)
        unsent = re.search(r"(?:^|\s)notsent:(\d+)", info)
        if re.search(r"(?:^|\s)unacked:\d+", info) or \
                int(fields[2]) != (int(unsent.group(1)) if unsent else 0):
            return False
    return True


def ss_field(info, name):
    m = re.search(rf"(?:^|[\s,(]){name}:?(\d+)", info)
    assert m, f"ss shows no {name} in: {info}"
    return int(m.group(1))


def ss_socket_memory(port):
    """What ss says the established sockets with local or peer port `port`
    hold: receive queue, send queue and forward allocation (skmem r, w, f)."""
    total = 0
    for _, info in ss_entries("-m", "state", "established",
                              f"( sport = :{port} or dport = :{port} )"):
        total += ss_field(info, "skmem:\\(r") + ss_field(info, "w") + max(ss_field(info, "f"), 0)
    return total
