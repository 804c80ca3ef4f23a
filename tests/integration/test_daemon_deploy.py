"""The deployment files: the systemd unit passes `systemd-analyze verify`
and its capability bounding set is enough to load and serve; the Kubernetes
DaemonSet and the Prometheus scrape snippet parse and agree with the unit."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest
import yaml

from helpers import ROOT
from sockcostd_helpers import SOCKCOSTD, free_port

DEPLOY = os.path.join(ROOT, "deploy")
UNIT = os.path.join(DEPLOY, "systemd", "sockcostd.service")


def unit_text():
    with open(UNIT) as f:
        return f.read()


def unit_value(key):
    found = re.findall(rf"^{key}=(.*)$", unit_text(), re.M)
    assert len(found) == 1, f"{key}: {found}"
    return found[0].strip()


def test_unit_verifies():
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    with tempfile.TemporaryDirectory() as tmp:
        # verify checks that ExecStart exists: point it at this build.
        path = os.path.join(tmp, "sockcostd.service")
        with open(path, "w") as f:
            f.write(unit_text().replace("/usr/local/sbin/sockcostd", os.path.abspath(SOCKCOSTD)))
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                           timeout=60)
    # Unknown keys and bad values are only warnings: any output is a failure.
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), r.stdout + r.stderr


def test_unit_hardening_present():
    for key, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                      ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                      ("ReadWritePaths", "/sys/fs/bpf"), ("LockPersonality", "yes"),
                      ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX AF_NETLINK"),
                      ("RestrictNamespaces", "net"), ("ProtectProc", "default")):
        assert unit_value(key) == want, key
    assert unit_value("MemoryMax").endswith("M")
    assert unit_value("ExecStart").endswith("--listen 127.0.0.1:9098")


CAP_NUMBERS = {"sys_ptrace": 19, "sys_admin": 21, "perfmon": 38, "bpf": 39}


def unit_caps():
    return [c.lower().replace("cap_", "") for c in unit_value("CapabilityBoundingSet").split()]


def test_unit_capabilities_are_enough():
    """Runs sockcostd as root with exactly the unit's bounding set, as systemd would."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv not installed")
    caps = ",".join("+" + c for c in unit_caps())
    port = free_port()
    p = subprocess.Popen(["setpriv", f"--bounding-set=-all,{caps}", f"--inh-caps=-all,{caps}",
                          "--", SOCKCOSTD, "--no-pin", "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and p.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body and "sockcost_exporter_collect_success 1" in body, p.stderr.read() if p.poll() is not None else body
        with open(f"/proc/{p.pid}/status") as f:
            st = dict(line.split(":", 1) for line in f)
        # Once loaded it keeps CAP_SYS_PTRACE (other processes' memory) and CAP_SYS_ADMIN
        # (other namespaces' watch state); the bounding set stays the unit's.
        assert int(st["CapEff"], 16) == (1 << CAP_NUMBERS["sys_ptrace"]) | \
            (1 << CAP_NUMBERS["sys_admin"])
        assert int(st["CapBnd"], 16) == sum(1 << CAP_NUMBERS[c] for c in unit_caps())
    finally:
        if p.poll() is None:
            p.terminate()
        p.communicate(timeout=30)
    assert p.returncode == 0


def test_daemonset_parses_and_matches_the_unit():
    with open(os.path.join(DEPLOY, "kubernetes", "sockcostd-daemonset.yaml")) as f:
        ds = yaml.safe_load(f)
    assert ds["kind"] == "DaemonSet"
    spec = ds["spec"]["template"]["spec"]
    assert spec["hostPID"] is True
    c = spec["containers"][0]
    added = sorted(x.lower() for x in c["securityContext"]["capabilities"]["add"])
    assert added == sorted(unit_caps())
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["ports"][0]["containerPort"] == 9098
    assert c["args"][-1].endswith(":9098")


def test_scrape_snippet_parses_and_checks():
    path = os.path.join(DEPLOY, "prometheus", "sockcostd-scrape.yml")
    with open(path) as f:
        conf = yaml.safe_load(f)
    jobs = {j["job_name"]: j for j in conf["scrape_configs"]}
    assert set(jobs) == {"sockcostd", "sockcostd-kubernetes"}
    assert all(t.endswith(":9098") for t in jobs["sockcostd"]["static_configs"][0]["targets"])
    if not shutil.which("promtool"):
        pytest.skip("promtool not installed")
    # Debian's Prometheus is built without Kubernetes discovery: check the static job.
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as tmp:
        yaml.safe_dump({"scrape_configs": [jobs["sockcostd"]]}, tmp)
        tmp.flush()
        r = subprocess.run(["promtool", "check", "config", tmp.name], capture_output=True,
                           text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
