"""A real Prometheus server (started here on loopback, 1 s scrape interval,
its own storage) scrapes sockcostd; PromQL through its HTTP API returns the
connections this test holds."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from helpers import Child, connect_pairs, listener, port_of
from sockcostd_helpers import Daemon, free_port

N = 25


def require_tool(name):
    if shutil.which(name):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {name} is not installed (make deps)")
    pytest.skip(f"{name} not installed (Debian package prometheus; make deps)")


@pytest.fixture
def stack():
    things = {}
    yield things
    for key in ("prometheus",):
        p = things.get(key)
        if p and p.poll() is None:
            p.kill()
            p.communicate(timeout=30)
    if "daemon" in things:
        things["daemon"].stop()
    if "child" in things:
        things["child"].stop()
    if "dir" in things:
        shutil.rmtree(things["dir"], ignore_errors=True)


def query(base, promql, at=None):
    """An instant query, evaluated now or at the Unix time `at`."""
    params = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as r:
        doc = json.load(r)
    assert doc["status"] == "success", doc
    return doc["data"]["result"]


def test_prometheus_scrapes_held_connections(stack):
    require_tool("prometheus")
    info = {}
    r, w = os.pipe()

    def setup():
        lst = listener()
        os.write(w, b"%d\n" % port_of(lst))
        return lst, connect_pairs(lst, N)

    stack["child"] = child = Child(setup, name=b"sc-prom-holder")
    os.close(w)
    info["port"] = int(os.read(r, 16))
    os.close(r)
    stack["daemon"] = d = Daemon("--top-processes", "10000")

    stack["dir"] = tmp = tempfile.mkdtemp(prefix="sockcost-prom.")
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: sockcostd\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{d.port}']\n")
    web = free_port()
    stack["prometheus"] = prom = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
         f"--web.listen-address=127.0.0.1:{web}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{web}"

    port_q = f'sockcost_port_connections{{job="sockcostd",port="{info["port"]}"}}'
    proc_q = f'sockcost_process_connections{{job="sockcostd",pid="{child.pid}"}}'
    deadline = time.monotonic() + 90
    got = None
    while time.monotonic() < deadline:
        assert prom.poll() is None, prom.communicate()[1]
        try:
            got = query(base, port_q), query(base, proc_q), query(base, 'up{job="sockcostd"}')
        except OSError:
            got = None  # not listening yet
        if got and all(got):
            break
        time.sleep(0.5)
    assert got and all(got), f"Prometheus has no sockcostd series yet: {got}"
    port_res, proc_res, up = got
    assert float(port_res[0]["value"][1]) == N
    assert float(proc_res[0]["value"][1]) == 2 * N
    assert proc_res[0]["metric"]["comm"] == "sc-prom-holder"
    assert float(up[0]["value"][1]) == 1
    # The histogram aggregates like any other: PromQL's median over the summed
    # buckets is the one their cumulative counts give, read at the same time.
    at = time.time()
    buckets = query(base, "sum by (le) (sockcost_connection_idle_seconds_bucket)", at)
    q = query(base, "histogram_quantile(0.5, sum by (le) (sockcost_connection_idle_seconds_bucket))",
              at)
    expected = bucket_quantile(0.5, [(float(b["metric"]["le"]), float(b["value"][1]))
                                     for b in buckets])
    assert len(q) == 1 and float(q[0]["value"][1]) == pytest.approx(expected, rel=1e-9), \
        (q, buckets)


def bucket_quantile(q, buckets):
    """The q-quantile of cumulative (upper bound, count) buckets, interpolated
    linearly within its bucket, as Prometheus's histogram_quantile defines it.
    The buckets must already be what a histogram is: cumulative, with +Inf."""
    buckets = sorted(buckets)
    counts = [c for _, c in buckets]
    assert buckets[-1][0] == float("inf") and counts == sorted(counts), buckets
    total = counts[-1]
    assert total > 0, buckets
    rank = q * total
    b = next((i for i, c in enumerate(counts[:-1]) if c >= rank), len(buckets) - 1)
    if b == len(buckets) - 1:
        return buckets[-2][0]  # in +Inf: the highest finite bound
    start, count = 0.0, counts[b]
    if b > 0:
        start, count, rank = buckets[b - 1][0], count - counts[b - 1], rank - counts[b - 1]
    return start + (buckets[b][0] - start) * rank / count
