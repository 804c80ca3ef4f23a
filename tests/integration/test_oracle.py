"""Cross-checks against ss(8), an independent reader of the same kernel state."""
import select
import socket
import time

from helpers import (connect_pairs, listener, one_row, port_of, snapshot, ss_entries, ss_field,
                     ss_find, ss_nothing_in_flight, wait_for)


def _fill_send_queue(sender):
    """Writes until the peer's window and our buffer are full: until the
    socket stays unwritable for 50 ms."""
    sender.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            sent += sender.send(b"z" * 65536)
        except BlockingIOError:
            _, writable, _ = select.select([], [sender], [], 0.05)
            if not writable:
                return sent
    raise AssertionError("send queue never filled")


def test_queues_and_memory_match_ss():
    lst = listener(rcvbuf=8192)
    (unread_c, unread_s), (stall_c, stall_s) = connect_pairs(lst, 2)
    try:
        unread_c.sendall(b"u" * 7000)
        _fill_send_queue(stall_c)
        # Until nothing is in flight: the rest waits for the zero window, and
        # the queues hold still while sockcost and ss read them.
        assert wait_for(lambda: ss_nothing_in_flight(unread_c, stall_c)), "data still in flight"
        # The stalled sender's persist timer probes the zero window now and
        # then, and a probe can split a queued skb (its memory moves by a few
        # hundred bytes): ss is read on both sides of the snapshots, and
        # sockcost's figure must be one of what ss saw.
        before = ss_entries("-m", "-i")
        doc = snapshot("--port", str(port_of(lst)))
        doc_c = snapshot("--pid", str(__import__("os").getpid()))
        entries = ss_entries("-m", "-i")

        srv = one_row(doc, lport=port_of(lst), rport=port_of(unread_c))
        fields, info = ss_find(entries, port_of(lst), port_of(unread_c))
        assert srv["rx_queue_bytes"] == 7000 == int(fields[1])
        assert srv["rx_queue_memory_bytes"] == ss_field(info, "skmem:\\(r")

        snd = one_row(doc_c, lport=port_of(stall_c), rport=port_of(lst))
        fields, info = ss_find(entries, port_of(stall_c), port_of(lst))
        assert snd["tx_queue_bytes"] > 0
        assert snd["tx_queue_bytes"] == int(fields[2])
        _, info_before = ss_find(before, port_of(stall_c), port_of(lst))
        assert snd["tx_queue_memory_bytes"] in (ss_field(info_before, "w"), ss_field(info, "w")), \
            (snd["tx_queue_memory_bytes"], info_before, info)
        assert snd["sndbuf_bytes"] == ss_field(info, "tb")
    finally:
        for s in (lst, unread_c, unread_s, stall_c, stall_s):
            s.close()


def test_kernel_last_send_and_receive_match_ss():
    lst = listener()
    (c, s), = connect_pairs(lst, 1)
    try:
        c.sendall(b"hello")
        s.recv(5)
        time.sleep(1.0)  # the test: the receive age must exceed the send age by 0.8 s
        s.sendall(b"world")
        c.recv(5)
        time.sleep(0.5)  # the test: a send age far from zero, beyond the 20 ms tolerance
        t0 = time.monotonic()
        doc = snapshot("--port", str(port_of(lst)))
        _, info = ss_find(ss_entries("-i"), port_of(lst), port_of(c))
        slack_ms = (time.monotonic() - t0) * 1000 + 20
        row = one_row(doc, lport=port_of(lst), state="ESTAB")
        # ss reports ages when it runs, a little after the snapshot.
        for ours, theirs in (("kernel_last_send_age_s", "lastsnd"),
                             ("kernel_last_recv_age_s", "lastrcv")):
            ss_ms = ss_field(info, theirs)
            our_ms = row[ours] * 1000
            assert our_ms - 20 <= ss_ms <= our_ms + slack_ms, (ours, our_ms, ss_ms)
        assert row["kernel_last_recv_age_s"] > row["kernel_last_send_age_s"] + 0.8
    finally:
        for x in (lst, c, s):
            x.close()


def test_established_count_matches_ss_in_own_namespace():
    lst = listener()
    pairs = connect_pairs(lst, 5)
    try:
        doc = snapshot()
        own_ns = __import__("os").stat("/proc/self/ns/net").st_ino
        ours = {s["cookie"] for s in doc["sockets"]
                if s["state"] == "ESTAB" and s["netns"] == own_ns}
        theirs = ss_entries("state", "established")
        assert len(ours) == len(theirs)
    finally:
        lst.close()
        for c, s in pairs:
            c.close()
            s.close()
