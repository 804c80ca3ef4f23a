"""sockcostd under abusive HTTP clients: hundreds of idle and half-sent
connections, malformed request lines, a 1 MiB header and URL, unknown paths
and methods, a body nobody asked for. Meanwhile and afterwards /metrics
answers, the server closes the stalled connections itself (its 15 s
timeout), and the daemon's memory has grown by less than RSS_GROWTH_BOUND_KB
(not checked under a sanitizer: RSS then holds its shadow memory)."""
import socket
import time

from sockcostd_helpers import Daemon, parse_metrics, value

IDLE_CLIENTS = 300
# Each connection may hold up to 32 KiB of request buffer while open; once
# they are gone, what stays must be far below that times IDLE_CLIENTS.
RSS_GROWTH_BOUND_KB = 16 * 1024


def read_to_close(s):
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except ConnectionResetError:
        pass
    return out


def raw(port, data, timeout=30):
    """Sends data, returns what the server answered before closing (b'' if nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading everything
        return read_to_close(s)


def status_line(resp):
    return resp.split(b"\r\n", 1)[0]


def test_abusive_clients():
    d = Daemon()
    try:
        for _ in range(3):  # settle the allocator: scrapes allocate the most
            d.metrics()
        rss_before = d.rss_kb()

        idle = []
        for _ in range(IDLE_CLIENTS):
            idle.append(socket.create_connection(("127.0.0.1", d.port), timeout=10))
        # Half of them send a partial request and stall; one sends bytes that are no HTTP.
        for s in idle[::2]:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        idle[1].sendall(b"\x00\xff\xfe binary \r\n\r\n")
        # With all of them open, a scrape is still served.
        m = parse_metrics(d.metrics())
        assert value(m, "sockcost_exporter_collect_success") == 1

        # Unparseable request lines: the connection is closed, at most with a 400.
        for bad in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b" / HTTP/1.1\r\n\r\n"):
            resp = raw(d.port, bad)
            assert resp == b"" or status_line(resp).startswith(b"HTTP/1.1 400"), (bad, resp)
        close = b"Host: x\r\nConnection: close\r\n"
        big = b"GET /metrics HTTP/1.1\r\n" + close + b"X-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        assert status_line(raw(d.port, big)) == b"HTTP/1.1 431 Request Header Fields Too Large"
        long_url = b"GET /" + b"m" * (1 << 20) + b" HTTP/1.1\r\n" + close + b"\r\n"
        assert status_line(raw(d.port, long_url)) == b"HTTP/1.1 414 URI Too Long"
        assert status_line(raw(d.port, b"GET /nope HTTP/1.1\r\n" + close + b"\r\n")) == \
            b"HTTP/1.1 404 Not Found"
        assert status_line(raw(d.port, b"BREW /metrics HTTP/1.1\r\n" + close + b"\r\n")) == \
            b"HTTP/1.1 405 Method Not Allowed"
        # A body announced but never sent: answered without waiting for it.
        resp = raw(d.port, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        assert status_line(resp) == b"HTTP/1.1 405 Method Not Allowed"
        assert d.get("/healthz")[0] == 200

        # The server closes the stalled ones after its connection timeout.
        deadline = time.monotonic() + 40
        for s in idle:
            s.settimeout(max(1, deadline - time.monotonic()))
            try:
                leftover = read_to_close(s)
            except socket.timeout:
                raise AssertionError("a stalled connection was not closed by the server")
            assert b"200 OK" not in leftover
        for s in idle:
            s.close()
        assert d.proc.poll() is None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the server has dropped them all
            m = parse_metrics(d.metrics())
            if value(m, "process_open_fds") < 64:
                break
            time.sleep(0.2)
        assert value(m, "process_open_fds") < 64
        for _ in range(3):
            d.metrics()
        growth = d.rss_kb() - rss_before
        print(f"RSS {rss_before} KiB before, grew by {growth} KiB")
        if d.sanitizer:
            print(f"under {d.sanitizer}: RSS holds its shadow memory, the bound is not checked")
        else:
            assert growth < RSS_GROWTH_BOUND_KB, f"RSS grew by {growth} KiB"
        code, err = d.terminate()
        assert code == 0, err
    finally:
        d.stop()
