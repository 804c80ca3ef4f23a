"""sockcostd's sockcost_tcp_mem_limit_bytes{threshold} and sockcost_tcp_mem_used_bytes
against /proc: the thresholds are net.ipv4.tcp_mem's pages times the page size
exactly; the bytes in use are /proc/net/sockstat's TCP mem pages times the
page size, read just before and after the scrape (a host-wide counter other
tests move too), and rise by about what connections with full, unread queues
hold, as ss -m measures them."""
import re
import resource

from helpers import connect_pairs, listener, port_of, ss_socket_memory
from sockcostd_helpers import Daemon

PAGE = resource.getpagesize()
FILLED = 4          # connections whose queues the test fills
SLACK_PAGES = 512   # others' traffic between two reads; the kernel's per-CPU reserve


def proc_thresholds():
    with open("/proc/sys/net/ipv4/tcp_mem") as f:
        return dict(zip(("min", "pressure", "max"), map(int, f.read().split())))


def proc_used():
    with open("/proc/net/sockstat") as f:
        return int(re.search(r"^TCP: .* mem (\d+)$", f.read(), re.M).group(1))


def scraped(d):
    """(thresholds in bytes, in use in pages) as scraped; in use must be whole pages."""
    text = d.metrics()
    assert "sockcost_tcp_mem_pages" not in text and "_used_pages" not in text
    thresholds = {m.group(1): int(m.group(2)) for m in re.finditer(
        r'^sockcost_tcp_mem_limit_bytes\{threshold="(\w+)"\} (\d+)$', text, re.M)}
    used = int(re.search(r"^sockcost_tcp_mem_used_bytes (\d+)$", text, re.M).group(1))
    assert used % PAGE == 0, f"{used} bytes is not a whole number of {PAGE}-byte pages"
    return thresholds, used // PAGE


def bracketed(d):
    """(scraped pages in use, /proc before, /proc after)."""
    before = proc_used()
    _, used = scraped(d)
    return used, before, proc_used()


def fill(lst):
    """FILLED connections whose client sends until its send buffer and the peer's unread receive buffer are full."""
    pairs = connect_pairs(lst, FILLED)
    chunk = b"x" * 65536
    for c, _ in pairs:
        c.setblocking(False)
        try:
            while True:
                c.send(chunk)
        except BlockingIOError:
            pass
    return pairs


def test_tcp_mem_against_proc():
    d = Daemon()
    try:
        thresholds, _ = scraped(d)
        assert thresholds == {k: v * PAGE for k, v in proc_thresholds().items()}
        assert len(thresholds) == 3
        assert thresholds["min"] <= thresholds["pressure"] <= thresholds["max"]

        used, before, after = bracketed(d)
        assert min(before, after) - SLACK_PAGES <= used <= max(before, after) + SLACK_PAGES, \
            (before, used, after)

        lst = listener()
        pairs = fill(lst)
        try:
            held = ss_socket_memory(port_of(lst)) // PAGE
            assert held >= FILLED * 64, f"the queues hold only {held} pages"
            full, before, after = bracketed(d)
            assert min(before, after) - SLACK_PAGES <= full <= max(before, after) + SLACK_PAGES, \
                (before, full, after)
            print(f"\ntcp_mem in bytes {thresholds}; pages in use {used} -> {full} "
                  f"(/proc {before}..{after}); ss -m: the filled queues hold {held}")
            assert full - used >= held - 2 * SLACK_PAGES, (used, full, held)
        finally:
            for c, s in pairs:
                c.close()
                s.close()
            lst.close()
    finally:
        d.stop()

