"""Self-hosted against managed: the kernel counters behind the managed bill
(connection time and messages) against what the test itself did, and the
`cost --managed-price` arithmetic on an observed workload."""
import json
import os
import socket
import subprocess
import time

from helpers import SOCKCOST, Child, Ticker, connect_pairs, listener, ss_entries
from sockcostd_helpers import Daemon, parse_metrics, value

PRICE = "per_million_messages=1.5,per_million_connection_minutes=0.25"


def _exchange(pairs, size):
    for c, s in pairs:
        c.sendall(b"m" * size)
        s.recv(size, socket.MSG_WAITALL)


def test_connection_seconds_and_messages_counters():
    """20 connections held 3 s between two scrapes add 20 x 3 connection-
    seconds (plus whatever else the host holds, which ss counts); 40 sends of
    100 bytes and their 40 receives are counted as messages; 4-byte
    heartbeats are not."""
    d = Daemon("--heartbeat-bytes", "8")
    lst = listener()
    try:
        pairs = connect_pairs(lst, 10)  # 20 established sockets on this host
        first = parse_metrics(d.metrics())
        t0 = time.monotonic()
        others0 = len(ss_entries("state", "established"))
        for _ in range(4):
            _exchange(pairs, 100)
            for c, s in pairs:
                c.sendall(b"hb!!")
                s.recv(4, socket.MSG_WAITALL)
        time.sleep(3)
        second = parse_metrics(d.metrics(fresh=False))
        t1 = time.monotonic()
        others1 = len(ss_entries("state", "established"))
    finally:
        d.stop()
        lst.close()
        for c, s in pairs:
            c.close()
            s.close()
    dt = t1 - t0
    conn_s = (value(second, "sockcost_connection_seconds_total") -
              value(first, "sockcost_connection_seconds_total"))
    # Everything established in this namespace, as ss saw it at both ends.
    assert min(others0, others1) * dt * 0.9 <= conn_s <= (max(others0, others1) + 2) * (dt + 1)
    assert conn_s >= 20 * dt * 0.9
    sent = (value(second, "sockcost_messages_total", direction="sent") -
            value(first, "sockcost_messages_total", direction="sent"))
    received = (value(second, "sockcost_messages_total", direction="received") -
                value(first, "sockcost_messages_total", direction="received"))
    # Ours: 40 each way; the heartbeats are not messages. The scrapes' own
    # HTTP exchanges on loopback are a handful more.
    assert 40 <= sent <= 40 + 20
    assert 40 <= received <= 40 + 20


def test_cost_managed_bill_from_an_observed_workload():
    """A process holding 30 connections to one port, 10 of them sending a
    200-byte message every 0.25 s, observed for 4 s: the bill is the
    observed rates priced, and the connection count is the port's."""
    def setup():
        lst = listener()
        pairs = connect_pairs(lst, 30)
        ticker = Ticker(lambda: _exchange(pairs[:10], 200), 0.25, max_s=60)
        return lst, pairs, ticker

    child = Child(setup, name=b"sc-managed")
    try:
        r = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True, timeout=30)
        port = next(int(line.split()[3].rsplit(":", 1)[1]) for line in r.stdout.splitlines()
                    if f"pid={child.pid}," in line)
        r = subprocess.run([SOCKCOST, "cost", "--json", "--port", str(port), "--observe", "4",
                            "--ram-price", "4", "--managed-price", PRICE],
                           capture_output=True, text=True, timeout=60)
    finally:
        child.stop()
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    m = doc["managed"]
    assert m["rates_source"] == "observed" and m["why_not"] is None
    assert abs(m["rates_seconds"] - 4) < 1
    # The port's 30 connections all along (its accepted ends).
    assert m["connections"] == 30
    # 10 senders x 4 a second, counted when sent and when received: 80 a second,
    # plus other traffic on the host (counted host-wide, and said so).
    assert m["messages_scope"] == "host"
    assert 60 <= m["messages_per_s"] <= 80 * 1.5
    month = 30 * 86400
    # messages_per_s is printed to 3 decimals: 0.0005 a second is 1296 a month.
    assert abs(m["messages_per_month"] - m["messages_per_s"] * month) <= 0.0005 * month + 1
    assert m["connection_minutes_per_month"] == 30 * month / 60
    expected = m["messages_per_month"] / 1e6 * 1.5 + m["connection_minutes_per_month"] / 1e6 * 0.25
    assert abs(m["monthly_cost"] - expected) <= 0.01
    # Self-hosted: the connections' kernel bytes and application memory at 4 per GiB-month.
    own = (doc["kernel_fixed_bytes"] + doc["kernel_buffer_bytes"] +
           doc["per_connection"]["memory_bytes"] * doc["connections"])
    assert abs(m["self_hosted_monthly_cost"] - own / 2**30 * 4) <= 0.01
    assert m["self_hosted_monthly_cost"] == doc["monthly_cost"]


def test_managed_price_without_traffic_says_why(tmp_path):
    """No --observe and no sockcostd (an empty pin dir): no rates, so no
    bill, and the report says what would give one."""
    env = dict(os.environ, SOCKCOST_PIN_DIR="/sys/fs/bpf/sockcost-test-none")
    r = subprocess.run([SOCKCOST, "cost", "--json", "--managed-price", PRICE],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)["managed"]
    assert m["rates_source"] is None and m["monthly_cost"] is None
    assert "--observe" in m["why_not"] and "sockcostd" in m["why_not"]
