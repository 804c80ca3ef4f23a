"""Fallback paths this kernel does not need, forced with SOCKCOST_TEST_FORCE
(user/base/force.h) so that every kernel running the suite exercises them:
no activity hook (kernel timestamps only, as where neither the tracepoints
nor fexit load), fds per process from /proc (as before bpf_loop, 5.17), and
HZ from jiffies_64 (as where no kernel config is found). Each is checked
against an independent source: elapsed time, /proc/PID/fd, the kernel's
own config."""
import gzip
import json
import os
import platform
import socket
import time

import pytest

from helpers import (Child, Observer, Ticker, connect_pairs, listener, one_row, port_of,
                     proc_fd_count, run_sockcost, snapshot)


@pytest.fixture
def force(monkeypatch):
    def set_words(*words):
        monkeypatch.setenv("SOCKCOST_TEST_FORCE", ",".join(words))
    return set_words


def _ping(a, b, size):
    a.sendall(b"p" * size)
    b.recv(size, socket.MSG_WAITALL)


def test_no_hook_idle_from_kernel_timestamps(force):
    """Without a per-call hook every call is activity, heartbeats too: the
    kernel's tcp_sock stamps are all there is, and the report says so."""
    force("no-hook")
    lst = listener()
    (hb_c, hb_s), (silent_c, silent_s) = connect_pairs(lst, 2)
    started = time.monotonic()
    obs = Observer(3, "--idle-after", "2", "--heartbeat-bytes", "8",
                   "--port", str(port_of(lst)))
    ticker = Ticker(lambda: _ping(hb_c, hb_s, 6), 0.2, max_s=10)
    try:
        doc = obs.result()
    finally:
        obs.kill()
        ticker.stop()
    elapsed = time.monotonic() - started
    try:
        assert doc["activity_hook"] == "kernel-timestamps"
        # The heartbeat threshold cannot apply, however long the watch: the policy says so.
        assert doc["policy"]["heartbeat_effective"] is False
        assert doc["policy"]["heartbeat_effective_in_s"] is None
        silent = one_row(doc, lport=port_of(lst), rport=port_of(silent_c))
        hb = one_row(doc, lport=port_of(lst), rport=port_of(hb_c))
        assert silent["idle"] is True and silent["idle_source"] == "kernel"
        # Idle since the connection was made: at least the watch, at most the whole test.
        assert 3.0 <= silent["idle_s"] <= elapsed + 0.5
        # 6-byte pings every 0.2 s: the kernel cannot tell them from data.
        assert hb["idle"] is False and hb["idle_s"] < 1.0
        # No call was seen by a program: none ran.
        assert hb["observed"]["rx_calls"] == 0 and hb["observed"]["last_active_age_s"] is None
    finally:
        for x in (lst, hb_c, hb_s, silent_c, silent_s):
            x.close()


def _hold(n):
    lst = listener()
    return lst, connect_pairs(lst, n)


def test_proc_fds_when_the_kernel_cannot_count(force):
    """fds per process from /proc/PID/fd: top's process rows equal the
    kernel's own fd table as /proc lists it."""
    force("proc-fds")
    holder = Child(lambda: _hold(7), name=b"sc-procfds")
    try:
        r = run_sockcost("top", "--json", "-n", "2", "-d", "0.5", "-p", str(holder.pid),
                         timeout=60)
        assert r.returncode == 0, r.stderr
        frames = [json.loads(line) for line in r.stdout.splitlines()]
        assert len(frames) == 2
        for f in frames:
            mine = [p for p in f["processes"] if p["pid"] == holder.pid]
            assert len(mine) == 1
            assert mine[0]["connections"] == 14
            assert mine[0]["fds"] == proc_fd_count(holder.pid)
    finally:
        holder.stop()


def _config_hz():
    paths = ["/proc/config.gz", f"/boot/config-{platform.release()}"]
    for path in paths:
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as f:
                for line in f:
                    if line.startswith("CONFIG_HZ="):
                        return int(line.split("=")[1])
    return None


def test_hz_from_jiffies_without_a_config(force):
    """HZ derived from jiffies_64 and uptime equals the kernel config's; idle
    ages computed with it match elapsed time."""
    expected = _config_hz()
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    # jiffies_64 starts 300 s before zero (INITIAL_JIFFIES): near 300 s of
    # uptime the reading cannot tell HZ, and sockcost says 0 rather than guess.
    # Jiffies start a little after the monotonic clock (0.2 s here, more in an
    # emulated guest): 1% of the distance from 300 s must cover that.
    if 200 < uptime < 480:
        time.sleep(480 - uptime)
    force("hz-jiffies")
    lst = listener()
    (c, s), = connect_pairs(lst, 1)
    made = time.monotonic()
    try:
        time.sleep(2)
        doc = snapshot("--idle-after", "1", "--port", str(port_of(lst)))
        waited = time.monotonic() - made
        assert expected is not None, "no kernel config here to check HZ against"
        with open("/proc/uptime") as f:
            now_up = f.read().split()[0]
        assert doc["kernel_hz"] == expected, f"uptime {now_up} s"
        row = one_row(doc, lport=port_of(lst), rport=port_of(c))
        assert row["idle_source"] == "kernel"
        assert 2.0 <= row["idle_s"] <= waited + 0.1
    finally:
        for x in (lst, c, s):
            x.close()
