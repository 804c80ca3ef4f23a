"""Health classes (issue 15) on real kernel behaviour, each figure held to
`ss -tnoi` read around the snapshot: a CLOSE-WAIT leak, a slow consumer
(zero window), a cut link (retransmissions), idle connections with and
without keepalive (dead peer risk), and TIME-WAIT and orphaned sockets on
a port. The cases themselves live in health_cases.py."""
import json
import os
import re
import subprocess
import time

import pytest

from health_cases import (CloseWaitLeak, CutLink, HalfClosed, KeepaliveTrio, PortLeftovers,
                          SlowConsumer, ss_count, ss_one, ss_pids, ss_timer)
from helpers import SOCKCOST, one_row, port, process, rows, run_sockcost, snapshot, wait_for
from sockcostd_helpers import Daemon

CLASSES = {"ok", "close_wait", "stalled", "dead_peer_risk", "time_wait", "orphaned"}
PROCESS_COUNTS = {"close_wait", "stalled", "dead_peer_risk", "close_wait_oldest_s",
                  "stalled_queued_bytes"}
PORT_COUNTS = PROCESS_COUNTS | {"time_wait", "orphaned"}
SOCKET_KEYS = {"health", "health_age_s", "stall_reason", "retransmits", "probes",
               "peer_window_bytes", "keepalive", "keepalive_idle_s"}
LEAKED = 5
OPEN_S = 1.5          # the leaked connections live this long before their peers close
SLACK_S = 0.3         # jiffies and the walk's own time, on top of measured intervals


def until(t):
    """Sleeps until monotonic time t: the scenarios' timelines (a state held
    for N seconds), never a wait for a state to appear."""
    left = t - time.monotonic()
    if left > 0:
        time.sleep(left)


def ms(info, name):
    m = re.search(rf"\b{name}:(\d+)", info)
    assert m, f"ss shows no {name} in {info}"
    return int(m.group(1))


def ago_ms(info, name):
    """ss's lastsnd/lastrcv/lastack: ss leaves one out when it is 0, that
    is, when it happened within the last millisecond."""
    m = re.search(rf"\b{name}:(\d+)", info)
    return int(m.group(1)) if m else 0


def snapshot_with(pin_dir, *args):
    """`sockcost snapshot --json --sockets ARGS` reading sockcostd's state
    pinned in pin_dir if there is one there."""
    return subprocess.run([SOCKCOST, "-v", "snapshot", "--json", "--sockets", *args],
                          env=dict(os.environ, SOCKCOST_PIN_DIR=pin_dir),
                          capture_output=True, text=True, timeout=60)


def check_shape(doc):
    """Every socket has the health keys; every summary its counts."""
    for s in doc["sockets"]:
        assert SOCKET_KEYS <= s.keys(), s
        assert s["health"] in CLASSES, s
    for p in doc["processes"]:
        assert set(p["health"]) == PROCESS_COUNTS, p["health"]
    for p in doc["ports"]:
        assert set(p["health"]) == PORT_COUNTS, p["health"]
    for s in doc["services"]:
        assert set(s["health"]) == PROCESS_COUNTS, s["health"]
    assert set(doc["health"]) == PORT_COUNTS, doc["health"]


def test_policy_has_the_thresholds_and_their_defaults():
    doc = snapshot()
    pol = doc["policy"]
    assert (pol["close_wait_after_s"], pol["stall_after_s"], pol["nat_timeout_s"]) == (60, 10, 350)
    doc = snapshot("--close-wait-after", "7", "--stall-after", "3", "--nat-timeout", "90")
    pol = doc["policy"]
    assert (pol["close_wait_after_s"], pol["stall_after_s"], pol["nat_timeout_s"]) == (7, 3, 90)
    check_shape(doc)


def test_close_wait_leak_counted_per_process_with_ages():
    with CloseWaitLeak(LEAKED, OPEN_S) as case:
        until(case.closed_at + 1.5)
        asked = time.monotonic()
        doc = snapshot("--sockets", "--close-wait-after", "1")
        since_close = time.monotonic() - case.closed_at
        ss_ages = {}
        for rport in case.leaked_ports:
            s = ss_one(case.port, rport)
            assert s["state"] == "CLOSE-WAIT"
            # The FIN was the last ACK the server got: lastack is the age.
            ss_ages[rport] = ago_ms(s["info"], "lastack") / 1000
        ss_late = time.monotonic() - asked   # how much older ss's view can be
        check_shape(doc)

        mine = rows(doc, pid=case.server.pid, lport=case.port)
        leaked = [s for s in mine if s["rport"] in case.leaked_ports]
        assert len(leaked) == LEAKED
        for s in leaked:
            assert s["state"] == "CLOSE-WAIT"
            assert s["health"] == "close_wait", s
            # In CLOSE-WAIT since the peer closed, not since the connection
            # began (OPEN_S before): since_close is that much shorter.
            assert 1 <= s["health_age_s"] <= since_close + SLACK_S, (s, since_close)
            # ss read after the snapshot: at most ss_late older.
            assert s["health_age_s"] - SLACK_S <= ss_ages[s["rport"]] <= \
                s["health_age_s"] + ss_late + SLACK_S, (s, ss_ages, ss_late)
        control = one_row(doc, pid=case.server.pid, lport=case.port, rport=case.control_port)
        assert control["state"] == "ESTAB" and control["health"] == "ok", control
        assert control["stall_reason"] is None and control["retransmits"] == 0
        assert control["peer_window_bytes"] == \
            ms(ss_one(case.port, case.control_port)["info"], "snd_wnd") > 0

        h = process(doc, case.server.pid)["health"]
        assert h["close_wait"] == LEAKED == ss_count("close-wait", case.port)
        assert h["close_wait_oldest_s"] == max(s["health_age_s"] for s in leaked)
        assert (h["stalled"], h["dead_peer_risk"], h["stalled_queued_bytes"]) == (0, 0, 0)
        assert port(doc, case.port)["health"]["close_wait"] == LEAKED
        service = [v for v in doc["services"] if case.server.pid in v["pids"]]
        assert len(service) == 1 and service[0]["health"]["close_wait"] == LEAKED, service
        assert doc["health"]["close_wait"] >= LEAKED


def test_close_wait_dated_by_the_later_of_fin_and_last_send(pin_dir):
    """A CLOSE-WAIT socket the server still sends on is in use, not leaked:
    its age is since the later of the FIN (the state program's stamp, under
    a pinned sockcostd) and its last send. Read once the send is older than
    the threshold, both a one-shot run (dated by the last ACK, which the
    data refreshed) and a run on the daemon's programs (dated by the state
    change, then bounded by the send) say close_wait, since the send."""
    daemon = Daemon("--pin-dir", pin_dir, pin=True)
    try:
        with HalfClosed() as case:
            until(case.fin_at + 2.5)
            sent_at = case.send(1000)
            lastack = ago_ms(ss_one(case.port, case.cport)["info"], "lastack") / 1000
            assert lastack < 1, "the peer's ACK of the data is the last ACK"

            # Just after the send: in use, whoever dates the FIN.
            r = snapshot_with(pin_dir, "--close-wait-after", "2")
            assert r.returncode == 0, r.stderr
            s = one_row(json.loads(r.stdout), pid=case.server.pid, rport=case.cport)
            if time.monotonic() - sent_at < 2:
                assert s["health"] == "ok" and s["health_age_s"] is None, s

            until(sent_at + 2.3)
            for where in (pin_dir + "-none", pin_dir):
                r = snapshot_with(where, "--close-wait-after", "2")
                since_send = time.monotonic() - sent_at
                assert r.returncode == 0, r.stderr
                assert ("reading sockcostd's state pinned in " + pin_dir in r.stderr) == \
                    (where == pin_dir), r.stderr
                s = one_row(json.loads(r.stdout), pid=case.server.pid, rport=case.cport)
                assert s["state"] == "CLOSE-WAIT" and s["health"] == "close_wait", s
                assert 2 <= s["health_age_s"] <= since_send + SLACK_S, (where, s, since_send)
    finally:
        daemon.stop()


def test_close_wait_threshold_not_yet_reached_is_ok():
    """The same leak, read before the threshold: not yet a leak."""
    with CloseWaitLeak(LEAKED, 0) as case:
        doc = snapshot("--sockets", "--close-wait-after", "30")
        assert time.monotonic() - case.closed_at < 30
        leaked = [s for s in rows(doc, pid=case.server.pid, lport=case.port)
                  if s["rport"] in case.leaked_ports]
        assert len(leaked) == LEAKED
        assert all(s["state"] == "CLOSE-WAIT" and s["health"] == "ok" for s in leaked), leaked
        assert process(doc, case.server.pid)["health"]["close_wait"] == 0


def test_health_filter_keeps_only_that_class():
    with CloseWaitLeak(LEAKED, 0) as case:
        until(case.closed_at + 1.5)
        doc = snapshot("--sockets", "--close-wait-after", "1", "--health", "close_wait")
        assert doc["sockets"], "the filter kept nothing"
        assert all(s["health"] == "close_wait" for s in doc["sockets"]), \
            [s for s in doc["sockets"] if s["health"] != "close_wait"]
        mine = [s for s in doc["sockets"] if s["lport"] == case.port]
        assert sorted(s["rport"] for s in mine) == sorted(case.leaked_ports)
        assert all(s["pid"] == case.server.pid for s in mine)
        # The control connection and the listener are gone from the list.
        assert not [s for s in doc["sockets"] if s["rport"] == case.control_port]


def test_health_filter_takes_several_classes():
    with CloseWaitLeak(LEAKED, 0) as leak, SlowConsumer() as slow:
        until(max(leak.closed_at + 1.5, slow.filled_at + 3))
        doc = snapshot("--sockets", "--close-wait-after", "1", "--stall-after", "2",
                       "--health", "close_wait,stalled")
        assert {s["health"] for s in doc["sockets"]} <= {"close_wait", "stalled"}
        assert sorted(s["rport"] for s in doc["sockets"] if s["lport"] == leak.port) == \
            sorted(leak.leaked_ports)
        assert one_row(doc, pid=slow.writer.pid)["health"] == "stalled"
        assert not rows(doc, pid=slow.reader.pid)


def test_health_filter_rejects_an_unknown_class():
    r = run_sockcost("snapshot", "--health", "close_wait,sleepy")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "sleepy" in r.stderr, r.stderr


def test_slow_consumer_stalls_the_writer_on_a_zero_window():
    with SlowConsumer() as case:
        until(case.filled_at + 3)
        before = ss_one(case.wport, case.port)
        doc = snapshot("--sockets", "--stall-after", "2")
        after = ss_one(case.wport, case.port)
        check_shape(doc)

        for s in (before, after):
            # ss prints snd_wnd only when it is not 0; the persist timer is
            # the zero-window probe's.
            assert "snd_wnd:" not in s["info"] and ss_timer(s["info"])[0] == "persist", s
            assert s["send_q"] > 0
        w = one_row(doc, pid=case.writer.pid, lport=case.wport)
        assert w["health"] == "stalled" and w["stall_reason"] == "zero_window", w
        assert w["peer_window_bytes"] == 0
        assert w["retransmits"] == 0
        # The writer's retries can append a byte now and then; nothing leaves.
        assert before["send_q"] <= w["tx_queue_bytes"] <= after["send_q"], (before, w, after)
        assert w["probes"] <= max(ss_timer(before["info"])[1], ss_timer(after["info"])[1]) + 1
        # No new byte has left since the fill.
        assert 2 <= w["health_age_s"] <= time.monotonic() - case.fill_at + SLACK_S, w

        r = one_row(doc, pid=case.reader.pid, lport=case.port, rport=case.wport)
        assert r["health"] == "ok", r
        assert r["rx_queue_bytes"] == ss_one(case.port, case.wport)["recv_q"]

        h = process(doc, case.writer.pid)["health"]
        assert h["stalled"] == 1
        assert h["stalled_queued_bytes"] == w["tx_queue_bytes"]
        assert process(doc, case.reader.pid)["health"]["stalled"] == 0


def test_slow_consumer_before_the_stall_threshold_is_ok():
    with SlowConsumer() as case:
        doc = snapshot("--sockets", "--stall-after", "60")
        assert time.monotonic() - case.filled_at < 60
        w = one_row(doc, pid=case.writer.pid, lport=case.wport)
        assert w["health"] == "ok" and w["peer_window_bytes"] == 0, w


def retransmitted(case, at_least, just_sent):
    """Whether ss shows the writer's retransmit timer at `at_least` timeouts
    and, if just_sent, a segment sent within the last second (a
    retransmission: nothing new can leave)."""
    info = case.ss_writer()["info"]
    timer = ss_timer(info)
    if not timer or timer[0] != "on" or timer[1] < at_least:
        return False
    return not just_sent or ago_ms(info, "lastsnd") < 1000


@pytest.mark.parametrize("how", CutLink.HOWS)
def test_cut_link_stalls_with_retransmits(how):
    with CutLink(how) as case:
        assert case.sent == CutLink.QUEUED
        # Timeouts back off from 0.2 s (0.2, 0.6, 1.4, 3.0, 6.2 s after the
        # cut): after 3 s, several. Where retransmissions leave the host, the
        # snapshot is taken just after one: the last segment sent is recent,
        # yet no ACK has come for seconds, and it is the ACKs that stalled.
        until(case.cut_at + 3)
        assert wait_for(lambda: retransmitted(case, 2, how == "blackhole"), timeout=15)
        before = case.ss_writer()
        doc = snapshot("--sockets", "--stall-after", "2")
        after = case.ss_writer()
        since_connect = time.monotonic() - case.connect_at
        check_shape(doc)

        for s in (before, after):
            assert s["send_q"] == CutLink.QUEUED and ss_timer(s["info"])[0] == "on", s
        w = one_row(doc, pid=case.writer.pid, lport=case.wport, rport=case.port)
        assert w["netns"] == case.ns_w_inode
        assert w["health"] == "stalled" and w["stall_reason"] == "retransmitting", w
        # ss -o's count on the retransmit timer is icsk_retransmits.
        assert 1 <= ss_timer(before["info"])[1] <= w["retransmits"] <= ss_timer(after["info"])[1]
        assert w["tx_queue_bytes"] == CutLink.QUEUED
        assert w["peer_window_bytes"] == ms(after["info"], "snd_wnd") > 0
        # Stalled since the last ACK: the handshake's, just before the cut.
        assert ago_ms(after["info"], "lastack") >= 3000
        assert 2 <= w["health_age_s"] <= since_connect + SLACK_S, (w, since_connect)

        h = process(doc, case.writer.pid)["health"]
        assert h["stalled"] == 1 and h["stalled_queued_bytes"] == CutLink.QUEUED


def test_dead_peer_risk_only_without_a_keepalive_inside_the_nat_timeout():
    with KeepaliveTrio() as case:
        until(case.created + 3)
        doc = snapshot("--sockets", "--nat-timeout", "2")
        check_shape(doc)
        me = os.getpid()
        got = {n: one_row(doc, pid=me, lport=case.lport(n), rport=case.port) for n in case.socks}
        assert got["alive"]["health"] == "ok", got["alive"]
        assert (got["alive"]["keepalive"], got["alive"]["keepalive_idle_s"]) == (True, 1)
        assert got["bare"]["health"] == "dead_peer_risk", got["bare"]
        assert (got["bare"]["keepalive"], got["bare"]["keepalive_idle_s"]) == (False, None)
        # Its first probe would come long after the NAT forgot the mapping.
        assert got["late"]["health"] == "dead_peer_risk", got["late"]
        assert (got["late"]["keepalive"], got["late"]["keepalive_idle_s"]) == (True, 7200)
        for n in ("bare", "late"):
            assert got[n]["health_age_s"] >= 2, got[n]

        timers = {n: ss_timer(ss_one(case.lport(n), case.port)["info"]) for n in case.socks}
        assert timers["alive"][0] == "keepalive" and timers["late"][0] == "keepalive", timers
        assert timers["bare"] is None

        assert process(doc, me)["health"]["dead_peer_risk"] == 2
        # The server's ends keep no keepalive: for the two silent ones it is
        # the same risk. (Its end of `alive` receives a probe every second.)
        server = {s["rport"]: s for s in rows(doc, pid=case.server.pid, lport=case.port)}
        for n in ("bare", "late"):
            assert server[case.lport(n)]["keepalive"] is False
            assert server[case.lport(n)]["health"] == "dead_peer_risk", server[case.lport(n)]

        # With the default NAT timeout (350 s) nothing here is at risk yet.
        doc = snapshot("--sockets")
        for n in case.socks:
            assert one_row(doc, pid=me, lport=case.lport(n))["health"] == "ok"


def test_time_wait_and_orphaned_counted_per_port():
    with PortLeftovers() as case:
        orphan_before = ss_one(case.port, case.orphan_peer_port)
        doc = snapshot("--sockets")
        waits = ss_count("time-wait", case.port)
        orphan_ss = ss_one(case.port, case.orphan_peer_port)
        check_shape(doc)
        assert waits == case.waits
        assert orphan_ss["state"] == "FIN-WAIT-1" and orphan_ss["send_q"] > 0
        assert ss_pids(case.port, case.orphan_peer_port) == []

        h = port(doc, case.port)["health"]
        assert h["time_wait"] == waits
        assert h["orphaned"] == 1
        tw = rows(doc, lport=case.port, state="TIME-WAIT")
        assert len(tw) == waits and all(s["health"] == "time_wait" and s["pid"] is None
                                        for s in tw), tw
        orphan = one_row(doc, lport=case.port, rport=case.orphan_peer_port)
        assert orphan["pid"] is None and orphan["health"] == "orphaned", orphan
        assert orphan["state"] == "FIN-WAIT-1"
        # The peer may still take a little (CI saw 2048 B acked in between):
        # the queue only shrinks, so the snapshot's is within ss's two readings.
        assert orphan_ss["send_q"] <= orphan["tx_queue_bytes"] <= orphan_before["send_q"]

        # A process holds neither: its summary has no such counts.
        assert "time_wait" not in process(doc, case.server.pid)["health"]
        assert doc["health"]["time_wait"] >= waits and doc["health"]["orphaned"] >= 1


def metric_value(text, name, **labels):
    """The value of the series name{labels} (exactly these labels), or None."""
    want = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else ""
    for line in text.splitlines():
        if line.startswith(name + want + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_daemon_series_for_time_wait_and_orphans_per_port():
    """sockcostd's health pass counts the port's TIME-WAIT and orphaned
    sockets, which no process holds, as ss does."""
    with PortLeftovers() as case:
        d = Daemon("--health-interval", "1")
        try:
            def settled():
                text = d.metrics()
                got = (metric_value(text, "sockcost_port_connections_by_health",
                                    port=case.port, health="time_wait"),
                       metric_value(text, "sockcost_port_connections_by_health",
                                    port=case.port, health="orphaned"))
                return got == (case.waits, 1) and text

            text = wait_for(settled, timeout=30, interval=0.5)
            assert text, d.metrics()
            assert ss_count("time-wait", case.port) == case.waits
            assert ss_pids(case.port, case.orphan_peer_port) == []
            for health in ("close_wait", "stalled", "dead_peer_risk"):
                assert metric_value(text, "sockcost_port_connections_by_health",
                                    port=case.port, health=health) == 0, health
            host = metric_value(text, "sockcost_connections_by_health", health="time_wait")
            assert host >= case.waits
            assert metric_value(text, "sockcost_connections_by_health", health="orphaned") >= 1
        finally:
            d.stop()
