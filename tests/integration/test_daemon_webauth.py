"""sockcostd behind --web.config.file (the exporter-toolkit format): a real
Prometheus scrapes it over TLS with a client certificate and basic auth, and
Prometheus's own /api/v1/targets shows the scrapes that lack one of them
refused; direct requests show what each refusal looks like (401 with a
challenge and an empty body, no HTTP on the TLS port, no handshake without a
client certificate); a bad config refuses the start with file:line.

Certificates are made here with openssl, bcrypt hashes with python3's crypt
(libxcrypt), both from `make deps`."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import warnings

import pytest

from helpers import hold_pairs
from prometheus_helpers import Prometheus, require_tool
from sockcostd_helpers import SOCKCOSTD, Daemon, free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

N = 10
USER, PASSWORD = "prometheus", "s3cret pass"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_cert(d, name, ca=None, san=None, eku=None):
    """An EC key and a certificate for CN=name, signed by ca (a name made before) or by itself;
    eku: its extendedKeyUsage (none: good for any purpose)."""
    key, pem = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.pem")
    if ca is None:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", f"/CN={name}", "-keyout", key, "-out", pem)
        return pem, key
    csr, ext = os.path.join(d, f"{name}.csr"), os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
        if eku:
            f.write(f"extendedKeyUsage={eku}\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", os.path.join(d, f"{ca}.pem"),
            "-CAkey", os.path.join(d, f"{ca}.key"), "-CAcreateserial", "-days", "2",
            "-extfile", ext, "-out", pem)
    return pem, key


def bcrypt(password):
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
    assert h and h.startswith("$2b$10$") and len(h) == 60, h
    return h


@pytest.fixture(scope="module")
def pki():
    require_tool("openssl")
    d = tempfile.mkdtemp(prefix="sockcost-webauth.")
    os.chmod(d, 0o755)
    p = {"dir": d}
    p["ca"], _ = make_cert(d, "ca")
    p["server"] = make_cert(d, "server", ca="ca", san="IP:127.0.0.1,DNS:localhost")
    p["client"] = make_cert(d, "client", ca="ca")
    p["rogue"] = make_cert(d, "rogue")  # self-signed: not the CA's
    # The CA's, but for TLS servers only: Go's TLS (exporter-toolkit) refuses it from a client.
    p["server_only"] = make_cert(d, "server_only", ca="ca", eku="serverAuth")
    p["config"] = os.path.join(d, "web.yml")
    with open(p["config"], "w") as f:
        f.write("tls_server_config:\n"
                f"  cert_file: {p['server'][0]}\n"
                f"  key_file: {p['server'][1]}\n"
                "  client_auth_type: RequireAndVerifyClientCert\n"
                f"  client_ca_file: {p['ca']}\n"
                "http_server_config:\n"
                "  headers:\n"
                "    X-Content-Type-Options: nosniff\n"
                "basic_auth_users:\n"
                f"  {USER}: '{bcrypt(PASSWORD)}'\n")
    yield p
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def stack():
    things = {}
    yield things
    for key in ("prometheus", "daemon", "child"):
        if key in things:
            things[key].stop()


def secure_daemon(pki, *args):
    return Daemon("--web.config.file", pki["config"], *args, tls_ca=pki["ca"],
                  client_cert=pki["client"], auth=(USER, PASSWORD))


def scrape_job(name, port, pki, scheme="https", cert=True, auth=(USER, PASSWORD)):
    # 5 s to answer: a TLS handshake and a bcrypt on a loaded 2-core box can take over 1 s
    # (Prometheus wants the timeout no longer than the interval).
    lines = [f"  - job_name: {name}", f"    scheme: {scheme}",
             "    scrape_interval: 5s", "    scrape_timeout: 5s",
             "    static_configs:", f"      - targets: ['127.0.0.1:{port}']"]
    if scheme == "https":
        lines += ["    tls_config:", f"      ca_file: {pki['ca']}"]
        if cert:
            lines += [f"      cert_file: {pki['client'][0]}", f"      key_file: {pki['client'][1]}"]
    if auth:
        lines += ["    basic_auth:", f"      username: {auth[0]}", f"      password: '{auth[1]}'"]
    return "\n".join(lines) + "\n"


def test_prometheus_scrapes_over_tls_with_basic_auth(pki, stack):
    child, held_port = hold_pairs(N, b"sc-tls-holder")
    stack["child"] = child
    stack["daemon"] = d = secure_daemon(pki, "--top-processes", "10000")
    # Once loaded only CAP_SYS_PTRACE (19) and CAP_SYS_ADMIN (21) are left.
    with open(f"/proc/{d.pid}/status") as f:
        caps = dict(line.split(":\t", 1) for line in f if line.startswith("Cap"))
    kept = (1 << 19) | (1 << 21)
    assert int(caps["CapEff"], 16) == kept and int(caps["CapPrm"], 16) == kept, caps

    stack["prometheus"] = prom = Prometheus({}, jobs=(
        scrape_job("secure", d.port, pki) +
        scrape_job("wrong_password", d.port, pki, auth=(USER, "wrong")) +
        scrape_job("no_auth", d.port, pki, auth=None) +
        scrape_job("no_client_cert", d.port, pki, cert=False) +
        scrape_job("plain_http", d.port, pki, scheme="http")))

    def targets():
        """Every job's target once each has been scraped (its health known) and the secure
        one has succeeded: a first scrape slowed past its timeout is tried again."""
        active = prom.get("/api/v1/targets", {"state": "active"})["activeTargets"]
        got = {t["labels"]["job"]: t for t in active}
        return (len(got) == 5 and all(t["health"] != "unknown" for t in got.values()) and
                got["secure"]["health"] == "up" and got)

    got = prom.wait(targets)
    print("Prometheus targets:", json.dumps({j: (t["scrapeUrl"], t["health"], t["lastError"])
                                             for j, t in sorted(got.items())}, indent=1))
    assert got["secure"]["health"] == "up", got["secure"]
    assert got["secure"]["scrapeUrl"].startswith("https://")
    for job in ("wrong_password", "no_auth"):
        assert got[job]["health"] == "down" and "401" in got[job]["lastError"], got[job]
    assert got["no_client_cert"]["health"] == "down", got["no_client_cert"]
    assert got["plain_http"]["health"] == "down", got["plain_http"]

    # The secure job's series, as Prometheus stored them: the connections held here.
    series = prom.query(f'sockcost_port_connections{{job="secure",port="{held_port}"}}')
    assert len(series) == 1 and float(series[0]["value"][1]) == N, series
    series = prom.query(f'sockcost_process_connections{{job="secure",pid="{child.pid}"}}')
    assert len(series) == 1 and float(series[0]["value"][1]) == 2 * N, series
    up = prom.query("up")
    print("up:", sorted((s["metric"]["job"], s["value"][1]) for s in up))
    assert {s["metric"]["job"]: float(s["value"][1]) for s in up} == {
        "secure": 1, "wrong_password": 0, "no_auth": 0, "no_client_cert": 0, "plain_http": 0}


def test_refusals_up_close(pki, stack):
    stack["daemon"] = d = secure_daemon(pki)
    status, headers, body = d.get("/metrics")
    assert status == 200 and b"# TYPE sockcost_connections gauge" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    # Wrong password, unknown user, none: 401, the challenge, the configured headers, no body.
    for auth in ((USER, "wrong"), ("nobody", PASSWORD), None, (USER, "")):
        for path in ("/metrics", "/", "/healthz", "/snapshot.json", "/nope"):
            status, headers, body = d.get(path, auth=auth)
            assert (status, body) == (401, b""), (auth, path, status, body)
            assert headers["WWW-Authenticate"] == 'Basic realm="sockcostd"'
            assert headers["X-Content-Type-Options"] == "nosniff", (auth, path, headers)
    # Plain HTTP to the TLS port: no HTTP answer at all.
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(10)
        try:
            reply = s.recv(4096)
        except ConnectionResetError:
            reply = b""
        assert not reply.startswith(b"HTTP/"), reply
    # No client certificate, one the CA did not sign, or one the CA signed for servers only:
    # the TLS 1.2 handshake itself fails.
    for cert in (None, pki["rogue"], pki["server_only"]):
        ctx = ssl.create_default_context(cafile=pki["ca"])
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if cert:
            ctx.load_cert_chain(*cert)
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
            with pytest.raises((ssl.SSLError, ConnectionResetError)):
                ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    # Under TLS 1.3 the client learns it at its first read: still no HTTP answer.
    for cert in (None, pki["server_only"]):
        ctx = ssl.create_default_context(cafile=pki["ca"])
        if cert:
            ctx.load_cert_chain(*cert)
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
            with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    if not s.recv(100):
                        raise ConnectionResetError("closed without an answer")
    # With the certificate, 1.2 works as well.
    ctx = ssl.create_default_context(cafile=pki["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*pki["client"])
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.version() == "TLSv1.2"


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_config_errors_refuse_the_start(pki):
    d, (cert, key) = pki["dir"], pki["server"]
    good_tls = f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
    cases = [
        ("typo.yml", good_tls + "  min_versoin: TLS13\n", 4, "unknown key 'min_versoin'"),
        ("hash.yml", "basic_auth_users:\n  a: secret\n", 2, "expected a bcrypt hash"),
        ("nocert.yml", f"tls_server_config:\n  key_file: {key}\n", 1, "missing cert_file"),
        ("missing.yml", f"tls_server_config:\n  cert_file: {d}/absent.pem\n  key_file: {key}\n",
         2, "cannot read cert_file"),
        ("mismatch.yml", f"tls_server_config:\n  cert_file: {cert}\n  key_file: {pki['client'][1]}\n",
         3, "cert_file"),
        ("notpem.yml", f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
         f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {d}/web.yml\n",
         5, "client_ca_file"),
        ("sans.yml", good_tls + "  client_allowed_sans: [a]\n", 4, "not supported"),
        ("yaml.yml", "tls_server_config:\n  cert_file: a\n key_file: b\n", 3, "not valid YAML"),
    ]
    for name, text, line, reason in cases:
        path = write(d, name, text)
        r = subprocess.run([SOCKCOSTD, "--no-pin", "--no-socket", "--listen",
                            f"127.0.0.1:{free_port()}", "--web.config.file", path],
                           capture_output=True, text=True, timeout=60)
        # A file that cannot be read is an I/O failure (1), like --app-limits'; the rest usage (2).
        assert r.returncode == (1 if name == "missing.yml" else 2), (name, r.returncode, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"sockcostd: error: {path}:{line}: "), \
            (name, r.stderr)
        assert reason in lines[0], (name, r.stderr)
    r = subprocess.run([SOCKCOSTD, "--no-pin", "--web.config.file", f"{d}/absent.yml"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "cannot read --web.config.file" in r.stderr, r.stderr


def timed_401(d, auth, times=3):
    """The fastest of a few refusals: load only ever adds time."""
    best = None
    for _ in range(times):
        t = time.monotonic()
        status, _, _ = d.get("/healthz", auth=auth)
        took = time.monotonic() - t
        assert status == 401, (auth, status)
        best = took if best is None else min(best, took)
    return best


def test_unknown_user_costs_the_dearest_bcrypt(pki, stack):
    """An unknown name pays the highest cost configured, not the first user's, so a
    refusal's time does not tell a name apart."""
    cheap = crypt.crypt("x", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4))
    dear = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 12))
    assert cheap.startswith("$2b$04$") and dear.startswith("$2b$12$"), (cheap, dear)
    path = write(pki["dir"], "costs.yml", f"basic_auth_users:\n  cheap: '{cheap}'\n"
                 f"  dear: '{dear}'\n")
    stack["daemon"] = d = Daemon("--web.config.file", path, auth=("dear", PASSWORD))
    t_cheap = timed_401(d, ("cheap", "wrong"))
    t_dear = timed_401(d, ("dear", "wrong"))
    t_unknown = timed_401(d, ("nobody", "wrong"))
    print(f"401 in {t_cheap:.4f} s (cost 4), {t_dear:.4f} s (cost 12), "
          f"{t_unknown:.4f} s (unknown user)")
    # 2^8 times the work apart: the unknown user sits with the dear one.
    assert t_dear > 20 * t_cheap, (t_cheap, t_dear)
    assert t_unknown > t_dear / 2, (t_unknown, t_dear)


def test_successes_cached_failures_never(pki, stack):
    """A success is remembered (the toolkit's cache), so a scrape pays the bcrypt once a
    minute; a wrong password pays it every time, right after a success too."""
    dear = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 12))
    path = write(pki["dir"], "cache.yml", f"basic_auth_users:\n  dear: '{dear}'\n")
    stack["daemon"] = d = Daemon("--web.config.file", path, auth=("dear", PASSWORD))
    t_wrong = timed_401(d, ("dear", "wrong"))
    best = None
    for _ in range(5):
        t = time.monotonic()
        assert d.get("/healthz")[0] == 200
        took = time.monotonic() - t
        best = took if best is None else min(best, took)
    t_wrong_after = timed_401(d, ("dear", "wrong"))
    t_other = timed_401(d, ("dear", PASSWORD + "x"))
    print(f"cost 12: wrong {t_wrong:.4f} s, right (cached) {best:.4f} s, "
          f"wrong after {t_wrong_after:.4f} s, another wrong {t_other:.4f} s")
    assert best < t_wrong / 4, (best, t_wrong)
    assert t_wrong_after > t_wrong / 2 and t_other > t_wrong / 2, (t_wrong, t_wrong_after, t_other)


def in_process_memory(pid, needles):
    """Which of needles are in a writable mapping of pid (heap, thread arenas, stacks), read a
    piece at a time; over 1 GiB is a sanitizer's shadow, left out."""
    piece, found = 1 << 24, set()
    overlap = max(len(n) for n in needles)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else ""  # "": anonymous (arenas, mmaps)
            if (not fields[1].startswith("rw") or end - start > 1 << 30 or
                    name not in ("", "[heap]") and not name.startswith("[stack")):
                continue
            at = start
            while at < end:
                try:
                    mem.seek(at)
                    data = mem.read(min(piece + overlap, end - at))
                except OSError:
                    data = b""  # a guard page, or shadow never touched
                found |= {n for n in needles if n in data}
                at += piece
    return found


def test_no_copy_of_the_key_pem_once_serving(pki, stack):
    """sockcostd's copy of the key file's PEM is zeroed once libmicrohttpd has parsed it; the
    users' hashes, which requests need, are still there (so the search finds what is there).
    GnuTLS's own scratch copies of base64 lines are its business, not checked here."""
    stack["daemon"] = d = secure_daemon(pki)
    assert d.get("/healthz")[0] == 200
    with open(pki["server"][1], "rb") as f:
        key_pem = f.read()
    with open(pki["config"]) as f:
        hash_ = f.read().split(f"{USER}: '")[1].split("'")[0].encode()
    found = in_process_memory(d.pid, [hash_, key_pem])
    assert hash_ in found
    assert key_pem not in found
