"""The gap between an active socket's change reports: sockcostd widens it when
applying changes costs more than its budget (forced here, as on a busy host:
SOCKCOST_TEST_FORCE=change-budget) in the kernel's ring head, the programs
report active sockets that much less often, the gauges stay equal to a walk, and a `top`
beside the daemon gets its finer gap back while it runs. The gap is read from
the kernel's ring head (the metric maps it). How much fewer reports a wider
gap brings is a host-wide count, so it is measured by the 1M benchmark
(tests/bench/million.sh), not asserted here under other tests' traffic."""
import json
import os
import subprocess
import time

from helpers import SOCKCOST, Child, wait_for
from sockcostd_helpers import Daemon, parse_metrics, value
from test_daemon_changes import cleanup, held_pairs, metric_procs, procs_by_pid  # noqa: F401

IDLE_AFTER = 80   # the finest gap is then a second, the widest 10 s
PAIRS = 3         # both ends held by one child, sending every 0.3 s


def gap_s(d):
    return value(parse_metrics(d.metrics()), "sockcost_exporter_change_gap_seconds")


def test_gap_widens_over_budget_and_top_gets_its_second(pin_dir, cleanup, monkeypatch):
    children, _, daemons = cleanup
    monkeypatch.setenv("SOCKCOST_TEST_FORCE", "change-budget")
    d = Daemon("--pin-dir", pin_dir, "--interval", "1", "--reconcile-interval", "3600",
               "--idle-after", str(IDLE_AFTER), "--top-processes", "1000", pin=True)
    daemons.append(d)
    monkeypatch.delenv("SOCKCOST_TEST_FORCE")
    busy = Child(held_pairs(PAIRS, size=64), name=b"sc-gap-busy")
    children.append(busy)

    # Widened by its overrun in a 2 s window over budget, from a second to an eighth of the
    # idle threshold, no further.
    assert wait_for(lambda: gap_s(d) == IDLE_AFTER / 8, timeout=40), gap_s(d)

    # A top on the daemon's programs asks for a second, and gets it while it runs.
    env = dict(os.environ, SOCKCOST_PIN_DIR=pin_dir)
    top = subprocess.Popen([SOCKCOST, "top", "-b", "-d", "1", "-n", "60", "--idle-after",
                            str(IDLE_AFTER)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env)
    try:
        assert wait_for(lambda: gap_s(d) == 1, timeout=20), gap_s(d)
        # It stands while top renews its lease, whatever the daemon asks.
        time.sleep(3)
        assert gap_s(d) == 1
    finally:
        top.kill()
        top.wait()
    # top's lease (3 refreshes + 10 s) over, the daemon's own gap again.
    assert wait_for(lambda: gap_s(d) == IDLE_AFTER / 8, timeout=30), gap_s(d)

    # The gauges stay right: the busy sockets are connections, none idle, as a walk says.
    m = parse_metrics(d.metrics())
    r = subprocess.run([SOCKCOST, "snapshot", "--json", "--idle-after", str(IDLE_AFTER),
                        "--pid", str(busy.pid)], capture_output=True, text=True, timeout=120,
                       env=env)
    assert r.returncode == 0, r.stderr
    want = procs_by_pid(json.loads(r.stdout))[busy.pid]
    assert (want["connections"], want["idle_connections"]) == (2 * PAIRS, 0)
    assert metric_procs(m)[busy.pid] == {"connections": 2 * PAIRS, "idle_connections": 0}
