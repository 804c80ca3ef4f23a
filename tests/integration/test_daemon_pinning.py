"""sockcostd's pinned state: a restart keeps counters and per-socket history,
the CLI reads what the daemon watched, an incompatible or older layout is
replaced or upgraded with a log line, --unload removes it all; and the idle
event stream."""
import json
import os
import re
import subprocess
import time

import pytest

from helpers import (HOOK_SEND_LINK, SOCKCOST, connect_pairs, expected_activity_hook, listener,
                     netns_process, port_of, wait_for)
from sockcostd_helpers import SOCKCOSTD, Daemon, parse_metrics, value

CONFIG_SIZE = 40          # struct sc_config
ABI_OFFSET = 16           # its abi_version
BUILD_ID_OFFSET = 32      # its build_id


@pytest.fixture
def daemons():
    started = []
    yield started
    for d in started:
        d.stop()


def start(daemons, pin_dir, *args):
    d = Daemon("--pin-dir", pin_dir, *args, pin=True)
    daemons.append(d)
    return d


def stop(d):
    code, err = d.terminate()
    assert code == 0, err
    return err


def cli_snapshot(pin_dir, *args):
    env = dict(os.environ, SOCKCOST_PIN_DIR=pin_dir)
    out = subprocess.run([SOCKCOST, "-v", "snapshot", "--json", *args], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


def churn(lst, n):
    for client, server in connect_pairs(lst, n):
        client.close()
        server.close()


def pinned_link_ids(pin_dir):
    ids = set()
    for name in os.listdir(pin_dir):
        if name.startswith(("link_", "iter_")):
            out = subprocess.run(["bpftool", "-j", "link", "show", "pinned",
                                  os.path.join(pin_dir, name)], capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            ids.add(json.loads(out.stdout)["id"])
    return ids


def link_exists(link_id):
    return subprocess.run(["bpftool", "link", "show", "id", str(link_id)],
                          capture_output=True).returncode == 0


def config_bytes(pin_dir):
    out = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned",
                          os.path.join(pin_dir, "map_config"), "key", "0", "0", "0", "0"],
                         capture_output=True, text=True, check=True)
    raw = json.loads(out.stdout)["value"]
    assert len(raw) == CONFIG_SIZE
    return bytearray(int(b, 16) for b in raw)


def write_config(pin_dir, data):
    subprocess.run(["bpftool", "map", "update", "pinned", os.path.join(pin_dir, "map_config"),
                    "key", "0", "0", "0", "0", "value", "hex", *[f"{b:02x}" for b in data]],
                   capture_output=True, text=True, check=True)


def my_socket(doc, lport, rport):
    rows = [s for s in doc["sockets"] if s["lport"] == lport and s["rport"] == rport]
    assert len(rows) == 1, rows
    return rows[0]


def test_restart_keeps_counters_and_history(pin_dir, daemons):
    lst = listener()
    (client, server), = connect_pairs(lst, 1)
    d = start(daemons, pin_dir)
    client.sendall(b"h" * 1000)
    server.recv(4096)
    churn(lst, 10)
    before = parse_metrics(d.metrics())
    doc, _ = cli_snapshot(pin_dir, "--port", str(port_of(lst)))
    history = my_socket(doc, port_of(lst), port_of(client))["observed"]  # the server end
    assert history["rx_bytes"] == 1000
    stop(d)

    # Stopped: the pinned programs keep counting.
    assert sorted(os.listdir(pin_dir))
    for link_id in pinned_link_ids(pin_dir):
        assert link_exists(link_id)
    churn(lst, 5)
    client.sendall(b"i" * 24)
    server.recv(4096)

    d = start(daemons, pin_dir)
    after = parse_metrics(d.metrics())
    for name in ("sockcost_connections_opened_total", "sockcost_connections_closed_total"):
        assert value(after, name) >= value(before, name) + 10, name  # 5 pairs: 10 sockets
    doc, err = cli_snapshot(pin_dir, "--port", str(port_of(lst)))
    assert "reading sockcostd's state pinned in " + pin_dir in err
    assert doc["counters"]["live"] is True
    kept = my_socket(doc, port_of(lst), port_of(client))["observed"]
    assert kept["rx_bytes"] == 1024
    assert kept["first_seen_age_s"] >= history["first_seen_age_s"]
    err = stop(d)
    assert "reusing the programs and maps pinned in " + pin_dir in err
    client.close()
    server.close()


def test_unload_removes_programs_and_pins(pin_dir, daemons):
    stop(start(daemons, pin_dir))
    ids = pinned_link_ids(pin_dir)
    assert len(ids) >= 7  # state change, send/recv hooks, five iterators
    out = subprocess.run([SOCKCOSTD, "--unload", "--pin-dir", pin_dir], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert not os.path.exists(pin_dir)
    # The kernel frees links after an RCU grace period.
    wait_for(lambda: not any(link_exists(i) for i in ids), timeout=10, interval=0.1)
    assert not [i for i in ids if link_exists(i)]


def test_incompatible_layout_is_replaced_never_read(pin_dir, daemons):
    lst = listener()
    stop(start(daemons, pin_dir))
    cfg = config_bytes(pin_dir)
    cfg[ABI_OFFSET:ABI_OFFSET + 4] = (1).to_bytes(4, "little")
    write_config(pin_dir, cfg)

    _, err = cli_snapshot(pin_dir, "--port", str(port_of(lst)))
    assert re.search(r"ignoring the state pinned in \S+ \(layout version 1, this sockcost "
                     r"reads \d+\)", err), err
    assert "reading sockcostd's state" not in err

    d = start(daemons, pin_dir)
    assert value(parse_metrics(d.metrics()), "sockcost_exporter_collect_success") == 1
    err = stop(d)
    assert re.search(r"pinned state in \S+ is not compatible \(layout version 1, this "
                     r"sockcost reads \d+\): replacing it", err), err
    assert config_bytes(pin_dir)[ABI_OFFSET] != 1
    lst.close()


def pinned_map_ids(pin_dir):
    ids = {}
    for name in ("map_sock_states", "map_config", "map_counters", "map_changes",
                 "map_change_head"):
        out = subprocess.run(["bpftool", "-j", "map", "show", "pinned",
                              os.path.join(pin_dir, name)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        ids[name] = json.loads(out.stdout)["id"]
    return ids


def test_older_build_is_upgraded_keeping_state(pin_dir, daemons):
    lst = listener()
    (client, server), = connect_pairs(lst, 1)
    d = start(daemons, pin_dir)
    client.sendall(b"u" * 700)
    server.recv(4096)
    d.metrics()
    stop(d)
    old_links, old_maps = pinned_link_ids(pin_dir), pinned_map_ids(pin_dir)
    cfg = config_bytes(pin_dir)
    cfg[BUILD_ID_OFFSET:BUILD_ID_OFFSET + 8] = (12345).to_bytes(8, "little")
    write_config(pin_dir, cfg)

    d = start(daemons, pin_dir)
    d.metrics()
    err = stop(d)
    assert "upgrading the programs pinned in " + pin_dir in err
    assert pinned_map_ids(pin_dir) == old_maps  # the same maps: counters and history
    new_links = pinned_link_ids(pin_dir)
    assert not old_links & new_links
    assert not [i for i in old_links if link_exists(i)]  # the old build is detached
    assert config_bytes(pin_dir)[BUILD_ID_OFFSET:BUILD_ID_OFFSET + 8] != \
        (12345).to_bytes(8, "little")
    doc, _ = cli_snapshot(pin_dir, "--port", str(port_of(lst)))
    assert my_socket(doc, port_of(lst), port_of(client))["observed"]["rx_bytes"] == 700
    for s in (client, server, lst):
        s.close()


# From a first line on stdin to a second, churns connection pairs on
# loopback, a few hundred a second (bounded in count and time); then prints
# how many.
CHURN_UNTIL_TOLD = r"""
import socket, sys, threading, time
lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(64)
print("ready", flush=True)
sys.stdin.readline()
told = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), told.set()), daemon=True).start()
n, deadline = 0, time.monotonic() + 60
while not told.is_set() and n < 20000 and time.monotonic() < deadline:
    c = socket.create_connection(lst.getsockname())
    s, _ = lst.accept()
    c.close()
    s.close()
    n += 1
    time.sleep(0.002)
print(n, flush=True)
sys.stdin.read()
"""


def cli_counters(pin_dir):
    """The pinned programs' counters, read by the CLI (no TCP of its own)."""
    doc, _ = cli_snapshot(pin_dir, "--port", "1")
    return doc["counters"]


def tcp_counts(netns=None):
    """A namespace's kernel TCP counters: connections that reached
    ESTABLISHED (both ends: connects and accepted children, less refused
    attempts), and those ESTABLISHED or CLOSE_WAIT now."""
    cmd = ["cat", "/proc/net/snmp"]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in text.splitlines() if line.startswith("Tcp:")]
    c = dict(zip(rows[0][1:], (int(x) for x in rows[1][1:])))
    return c["ActiveOpens"] + c["PassiveOpens"] - c["AttemptFails"], c["CurrEstab"]


def test_upgrade_counts_each_opening_and_closing_once(pin_dir, daemons, monkeypatch):
    """While an upgrade has both builds' programs attached, each runs on every
    state change: openings and closings are still counted once (the kernel's
    own counters say how many there were). The overlap is stretched from
    milliseconds to a second (SOCKCOST_TEST_FORCE=upgrade-overlap), with
    connections churning through it in a namespace of the test's own (its
    TIME_WAIT sockets go with it)."""
    d = start(daemons, pin_dir)
    stop(d)
    cfg = config_bytes(pin_dir)
    cfg[BUILD_ID_OFFSET:BUILD_ID_OFFSET + 8] = (54321).to_bytes(8, "little")
    write_config(pin_dir, cfg)

    with netns_process("sockcost-upgrade", CHURN_UNTIL_TOLD) as (churner, ns):
        # The pinned programs count while no daemon runs: read them by the CLI.
        before = cli_counters(pin_dir)
        host0, ns0 = tcp_counts(), tcp_counts(ns)
        churner.stdin.write("go\n")
        churner.stdin.flush()
        monkeypatch.setenv("SOCKCOST_TEST_FORCE", "upgrade-overlap")
        d = start(daemons, pin_dir)
        monkeypatch.delenv("SOCKCOST_TEST_FORCE")
        time.sleep(0.3)
        churner.stdin.write("stop\n")
        churner.stdin.flush()
        pairs = int(churner.stdout.readline())
        time.sleep(0.5)  # the last closings' later transitions
        err = stop(d)
        after = cli_counters(pin_dir)
        host1, ns1 = tcp_counts(), tcp_counts(ns)
    assert "upgrading the programs pinned in " + pin_dir in err
    assert pairs >= 100, pairs  # connections churned through the second of overlap

    kernel_opened = host1[0] - host0[0] + ns1[0] - ns0[0]
    kernel_closed = kernel_opened - (host1[1] - host0[1] + ns1[1] - ns0[1])
    opened = after["opened_total"] - before["opened_total"]
    closed = after["closed_total"] - before["closed_total"]
    # Counted twice in the overlap, these would be off by about two a pair
    # churned through it. The kernel's counters differ from sockcost's by
    # what other processes do meanwhile (a connect closed in SYN_SENT, a
    # socket in CLOSE_WAIT, another namespace), so a tenth of that is allowed.
    slack = max(10, pairs // 10)
    assert abs(opened - kernel_opened) <= slack, (opened, kernel_opened, pairs)
    assert abs(closed - kernel_closed) <= slack, (closed, kernel_closed, pairs)


def test_incomplete_pinned_state_is_replaced(pin_dir, daemons):
    link = HOOK_SEND_LINK[expected_activity_hook()]  # the pinned send link of this kernel's hook
    stop(start(daemons, pin_dir))
    os.unlink(os.path.join(pin_dir, link))
    d = start(daemons, pin_dir)
    d.metrics()
    err = stop(d)
    assert f"{link} is missing" in err and "replacing it" in err
    assert os.path.exists(os.path.join(pin_dir, link))


def test_pin_dir_must_be_on_bpffs(tmp_path):
    target = tmp_path / "state"
    target.mkdir()
    (target / "keep").write_text("precious")
    out = subprocess.run([SOCKCOSTD, "--unload", "--pin-dir", str(target)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "not on bpffs" in out.stderr
    assert (target / "keep").read_text() == "precious"
    out = subprocess.run([SOCKCOSTD, "--no-pin", "--listen", "127.0.0.1:1", "--pin",
                          "--pin-dir", str(target / "sub")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "is not on a bpffs mount" in out.stderr
    assert not (target / "sub").exists()


def test_idle_events_stream(tmp_path, daemons):
    events = tmp_path / "events.jsonl"
    lst = listener()
    pairs = connect_pairs(lst, 3)
    # Idle after 3 s, walks every 1 s: traffic lands well inside a walk interval.
    d = Daemon("--events", str(events), "--idle-after", "3", "--events-rate", "1000")
    daemons.append(d)
    port = port_of(lst)

    def lines():
        if not events.exists():
            return []
        return [json.loads(x) for x in events.read_text().splitlines()]

    def mine(kind):
        return [e for e in lines() if e["event"] == kind and e["pid"] == os.getpid()
                and port in (e["local_port"], e["remote_port"])]

    wait_for(lambda: len(mine("idle")) >= 6, timeout=20, interval=0.2)
    idle = mine("idle")
    assert len(idle) == 6, lines()  # both ends of 3 pairs
    assert all(e["idle_seconds"] >= 3 and e["comm"] for e in idle)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", idle[0]["time"])

    # Traffic on one pair: both ends active again. Closing another: idle_closed.
    pairs[0][0].sendall(b"x" * 100)
    pairs[0][1].recv(4096)
    for s in pairs[1]:
        s.close()
    wait_for(lambda: len(mine("active")) >= 2 and len(mine("idle_closed")) >= 2, timeout=20,
             interval=0.2)
    assert len(mine("active")) == 2, lines()
    assert len(mine("idle_closed")) == 2, lines()
    assert value(parse_metrics(d.metrics()), "sockcost_events_dropped_total") == 0
    for s in (*pairs[0], *pairs[2]):
        s.close()
    lst.close()


def test_idle_events_rate_limit_counts_drops(tmp_path, daemons):
    events = tmp_path / "events.jsonl"
    lst = listener()
    pairs = connect_pairs(lst, 20)
    d = Daemon("--events", str(events), "--idle-after", "1", "--events-rate", "2")
    daemons.append(d)
    deadline = time.monotonic() + 30
    while value(parse_metrics(d.metrics()), "sockcost_events_dropped_total") == 0:
        assert time.monotonic() < deadline, "nothing dropped at 2 events a second"
    # 40 connections turn idle at once; 2 a second (with a walk's worth of burst) get out.
    written = len(events.read_text().splitlines())
    assert 0 < written < 40
    for p in pairs:
        for s in p:
            s.close()
    lst.close()


def _map_keys(pin_dir, name):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", os.path.join(pin_dir, name)],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return [bytes(int(b, 16) for b in e["key"]) for e in json.loads(out)]


def _map_update(pin_dir, name, key, value):
    subprocess.run(["bpftool", "map", "update", "pinned", os.path.join(pin_dir, name),
                    "key", *[str(b) for b in key], "value", *[str(b) for b in value]],
                   check=True, timeout=30)


def test_filters_of_dead_readers_are_swept(pin_dir, daemons):
    """A filtered one-shot run killed mid-walk leaves its filter and cookies
    in the daemon's pinned maps; left there, they would fill the maps and
    turn every later push-down off. The next filtered run sweeps them, and
    keeps a live reader's."""
    start(daemons, pin_dir)
    gone = subprocess.Popen(["true"])
    gone.wait()
    me = os.getpid()
    with open(f"/proc/{me}/stat") as f:
        my_start = int(f.read().rsplit(")", 1)[1].split()[19])
    filt = lambda ticks: ticks.to_bytes(8, "little") + bytes(56)  # noqa: E731 (struct sc_walk_filter)
    cookie = lambda c, tgid: c.to_bytes(8, "little") + tgid.to_bytes(4, "little") + bytes(4)  # noqa: E731
    _map_update(pin_dir, "map_walk_filters", gone.pid.to_bytes(4, "little"), filt(12345))
    _map_update(pin_dir, "map_walk_filters", me.to_bytes(4, "little"), filt(my_start))
    _map_update(pin_dir, "map_walk_cookies", cookie(77, gone.pid), b"\x01")
    _map_update(pin_dir, "map_walk_cookies", cookie(78, me), b"\x01")
    try:
        cli_snapshot(pin_dir, "--port", "1")
        filters = _map_keys(pin_dir, "map_walk_filters")
        cookies = _map_keys(pin_dir, "map_walk_cookies")
        assert gone.pid.to_bytes(4, "little") not in filters
        assert cookie(77, gone.pid) not in cookies
        assert me.to_bytes(4, "little") in filters  # alive: its walk may be running
        assert cookie(78, me) in cookies
    finally:
        for name, key in (("map_walk_filters", me.to_bytes(4, "little")),
                          ("map_walk_cookies", cookie(78, me))):
            subprocess.run(["bpftool", "map", "delete", "pinned", os.path.join(pin_dir, name),
                            "key", *[str(b) for b in key]], timeout=30)


def test_watch_restarts_when_the_heartbeat_threshold_changes(pin_dir, daemons):
    """Restarted with the same threshold, the pinned programs have watched
    since the first start; with another, since the restart: calls stamped
    under the old threshold counted heartbeats as activity, so a one-shot
    run must not take that watch for this policy's."""
    stop(start(daemons, pin_dir, "-H", "4"))
    time.sleep(2)
    d = start(daemons, pin_dir, "-H", "4")
    doc, _ = cli_snapshot(pin_dir, "-H", "4")
    assert doc["observed_s"] >= 2, doc["observed_s"]
    stop(d)
    d = start(daemons, pin_dir, "-H", "8")
    doc, _ = cli_snapshot(pin_dir, "-H", "8")
    assert doc["observed_s"] < 2, doc["observed_s"]
    assert doc["policy"]["heartbeat_bytes"] == 8
    stop(d)
