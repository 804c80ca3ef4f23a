"""Runs build/sockcostd for the daemon tests: on a free loopback port, ready
when /healthz answers, always stopped (SIGTERM, then SIGKILL) by the fixture."""
import atexit
import base64
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from helpers import SOCKCOST

SOCKCOSTD = os.environ.get("SOCKCOSTD", os.path.join(os.path.dirname(SOCKCOST), "sockcostd"))

# A daemon started with no --socket serves the snapshot table on
# $SOCKCOST_SOCKET, else /run/sockcost/sockcostd.sock, and the CLI asks there:
# tests keep both off the host's, in a directory of the session's own.
if not os.environ.get("SOCKCOST_SOCKET"):
    _socket_dir = tempfile.mkdtemp(prefix="sockcost-test-sock-")
    os.environ["SOCKCOST_SOCKET"] = os.path.join(_socket_dir, "sockcostd.sock")
    atexit.register(shutil.rmtree, _socket_dir, True)


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Daemon:
    """sockcostd ARGS on host:free port; `url(path)` addresses it. With
    --web.config.file, tls_ca (a CA file), client_cert ((cert, key) files) and
    auth ((user, password)) are what its requests present."""

    def __init__(self, *args, host="127.0.0.1", family=socket.AF_INET, timeout=60, pin=False,
                 tls_ca=None, client_cert=None, auth=None):
        self.host = host
        self.ssl = None
        if tls_ca:
            self.ssl = ssl.create_default_context(cafile=tls_ca)
            if client_cert:
                self.ssl.load_cert_chain(*client_cert)
        self.auth = auth
        # Tests refresh every second even unscraped, so idle events come within a second.
        if "--interval" not in args:
            args = ("--interval", "1", *args)
        if not pin:
            args = ("--no-pin", *args)
        # Daemons of a test may run side by side: no table socket unless asked.
        if "--socket" not in args and "--no-socket" not in args:
            args = ("--no-socket", *args)
        last = ""
        for _ in range(3):  # another test may take the port between probe and bind
            self.port = free_port(family, host)
            hostport = f"[{host}]:{self.port}" if family == socket.AF_INET6 else f"{host}:{self.port}"
            self.base = f"{'https' if self.ssl else 'http'}://{hostport}"
            self.proc = subprocess.Popen([SOCKCOSTD, "--listen", hostport, *args],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if self._wait_ready(timeout):
                return
            last = self.stop_output()
            if "Address already in use" not in last:
                break
        raise AssertionError(f"sockcostd did not start: {last}")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if self.get("/healthz", timeout=2)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    @property
    def pid(self):
        return self.proc.pid

    def url(self, path):
        return self.base + path

    def request(self, method, path, timeout=60, auth="default"):
        req = urllib.request.Request(self.url(path), method=method)
        auth = self.auth if auth == "default" else auth
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path, timeout=60, auth="default"):
        return self.request("GET", path, timeout, auth)

    def metrics(self, fresh=True):
        """The exposition; with fresh, from a refresh that began after this call."""
        since = time.time()
        deadline = time.monotonic() + 30
        while True:
            status, headers, body = self.get("/metrics")
            assert status == 200, body
            text = body.decode()
            m = re.search(r"^sockcost_exporter_last_refresh_timestamp_seconds (\S+)$", text, re.M)
            if not fresh or (m and float(m.group(1)) >= since):
                return text
            assert time.monotonic() < deadline, "no refresh for 30 s"
            time.sleep(0.2)

    def terminate(self, timeout=30):
        """SIGTERM; returns (exit code, stderr)."""
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err

    def stop_output(self):
        if self.proc.poll() is None:
            self.proc.kill()
        _, err = self.proc.communicate(timeout=30)
        return err

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)

    @property
    def sanitizer(self):
        """The sanitizer runtime the daemon runs under ("tsan", "asan"), or None.

        Its shadow memory and allocator count in RSS, so memory bounds do not apply."""
        with open(f"/proc/{self.pid}/maps") as f:
            maps = f.read()
        return next((s for s in ("tsan", "asan") if f"/lib{s}.so" in maps), None)

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def bpf_ids(self):
        """(program ids, link ids) the daemon holds fds of."""
        progs, links = set(), set()
        fdinfo = f"/proc/{self.pid}/fdinfo"
        for fd in os.listdir(fdinfo):
            try:
                with open(os.path.join(fdinfo, fd)) as f:
                    text = f.read()
            except OSError:
                continue
            m = re.search(r"^link_id:\s*(\d+)", text, re.M)
            if m:
                links.add(int(m.group(1)))
            elif re.search(r"^prog_id:\s*(\d+)", text, re.M):
                progs.add(int(re.search(r"^prog_id:\s*(\d+)", text, re.M).group(1)))
        return progs, links


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse_metrics(text):
    """{name: [(labels dict, value)]} from the text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = {k: unescape(v) for k, v in LABEL.findall(m.group(3) or "")}
        out.setdefault(m.group(1), []).append((labels, float(m.group(4))))
    return out


def value(samples, name, **labels):
    """The one sample of name whose labels include labels."""
    want = {k: str(v) for k, v in labels.items()}
    found = [v for lab, v in samples.get(name, []) if all(lab.get(k) == x for k, x in want.items())]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples in {samples.get(name)}"
    return found[0]
