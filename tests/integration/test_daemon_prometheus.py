"""A real Prometheus server (started here on loopback, 1 s scrape interval,
its own storage) scrapes sockcostd; PromQL through its HTTP API returns the
connections this test holds."""
import os
import time

import pytest

from helpers import Child, connect_pairs, listener, port_of
from prometheus_helpers import Prometheus, require_tool
from sockcostd_helpers import Daemon

N = 25


@pytest.fixture
def stack():
    things = {}
    yield things
    if "prometheus" in things:
        things["prometheus"].stop()
    if "daemon" in things:
        things["daemon"].stop()
    if "child" in things:
        things["child"].stop()


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

    stack["prometheus"] = prom = Prometheus({"sockcostd": [f"127.0.0.1:{d.port}"]})
    query = prom.query

    port_q = f'sockcost_port_connections{{job="sockcostd",port="{info["port"]}"}}'
    proc_q = f'sockcost_process_connections{{job="sockcostd",pid="{child.pid}"}}'

    def all_there():
        got = query(port_q), query(proc_q), query('up{job="sockcostd"}')
        return got if all(got) else None
    port_res, proc_res, up = prom.wait(all_there)
    assert float(port_res[0]["value"][1]) == N
    assert float(proc_res[0]["value"][1]) == 2 * N
    assert proc_res[0]["metric"]["comm"] == "sc-prom-holder"
    assert float(up[0]["value"][1]) == 1
    # The histogram aggregates like any other: PromQL's median over the summed
    # buckets is the one their cumulative counts give, read at the same time.
    at = time.time()
    buckets = query("sum by (le) (sockcost_connection_idle_seconds_bucket)", at)
    q = query("histogram_quantile(0.5, sum by (le) (sockcost_connection_idle_seconds_bucket))",
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
