"""A real Prometheus server for the tests: started on a free loopback port
with its own storage in a temporary directory, 1 s scrapes of the given
targets, optional rule files evaluated every second; queried through its
HTTP API. Debian package prometheus (make deps)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from sockcostd_helpers import free_port


def require_tool(name):
    if shutil.which(name):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {name} is not installed (make deps)")
    pytest.skip(f"{name} not installed (Debian package prometheus; make deps)")


class Prometheus:
    """prometheus scraping targets ({job: ["host:port", ...]}) every second."""

    def __init__(self, targets, rule_files=()):
        require_tool("prometheus")
        self.dir = tempfile.mkdtemp(prefix="sockcost-prom.")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\n")
            if rule_files:
                f.write("rule_files:\n" + "".join(f"  - '{r}'\n" for r in rule_files))
            f.write("scrape_configs:\n")
            for job, hostports in targets.items():
                f.write(f"  - job_name: {job}\n    static_configs:\n"
                        f"      - targets: {json.dumps(hostports)}\n")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def alive(self):
        assert self.proc.poll() is None, self.proc.communicate()[1]

    def get(self, path, params=None):
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
        assert doc["status"] == "success", doc
        return doc["data"]

    def query(self, promql, at=None):
        """An instant query's result, evaluated now or at the Unix time `at`."""
        params = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        return self.get("/api/v1/query", params)["result"]

    def wait(self, what, timeout=90):
        """Polls what() (None or falsy while not there; OSError until listening) until truthy."""
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            self.alive()
            try:
                got = what()
            except OSError:
                got = None
            if got:
                return got
            time.sleep(0.5)
        raise AssertionError(f"Prometheus: not there after {timeout} s (last: {got})")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
