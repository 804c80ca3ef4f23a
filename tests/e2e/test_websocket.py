"""End to end: a real WebSocket server (Node.js `ws`) holding chatty,
heartbeat-only and silent clients, seen through `sockcost snapshot --json`.

ws_server.js pings /heartbeat clients every second and never writes to the
others; ws_load.js opens N clients of each kind and reports, per client, its
local port and what it sent. Server-side sockets are matched to clients by
rport == the client's local port.

Frame sizes on the wire (RFC 6455 section 5.2; ws with permessage-deflate
off, as both sides configure it):
  server -> client ping, empty payload: 2 bytes (0x89 0x00; servers do not mask)
  client -> server pong, empty payload: 6 bytes (2 header + 4 masking key)
  client -> server 100-byte text:     106 bytes (2 header + 4 mask + 100)
plus, once per connection, the HTTP upgrade request (client -> server, about
160 bytes here) and the `101 Switching Protocols` response (about 130 bytes).
"""
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time

from helpers import Observer, process, rows, snapshot
from helpers import port as port_row

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_JS = os.path.join(HERE, "ws_server.js")
LOAD_JS = os.path.join(HERE, "ws_load.js")

N = 10                     # clients of each kind
CHAT_SIZE = 100            # payload bytes of one chat message
CHAT_INTERVAL_MS = 300
PING_FRAME = 2             # server -> client empty ping
PONG_FRAME = 6             # client -> server empty pong (masked)
CHAT_OVERHEAD = 6          # client frame header for payloads < 126 bytes: 2 + 4 mask
HANDSHAKE_MAX = 1024       # generous bound on the HTTP upgrade request and the 101 response
HANDSHAKE_MIN = len(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
OBSERVE_S = 4
IDLE_AFTER_S = 3
# --heartbeat-bytes: a send or receive call carrying this many bytes or fewer
# is not activity. The largest heartbeat call the server makes is reading one
# 6-byte masked pong (its pings are 2-byte sends); a chat message is one
# 106-byte read. 8 is just above the pong with a little room, far below a
# chat frame. Pings are a second apart, so two pongs never arrive in one read.
HEARTBEAT_BYTES = 8


class NodeProc:
    """A node script with piped stdin/stdout; stdout lines are read by a
    thread so that every wait has a timeout. stderr goes to a temp file and
    is shown when something goes wrong."""

    def __init__(self, args):
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(args, cwd=HERE, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.pid = self.proc.pid
        self.lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def line(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.proc.args[1]}: no output within {timeout} s; "
                                 f"stderr: {self.stderr()}") from None
        assert line is not None, (f"{self.proc.args[1]} exited ({self.proc.poll()}) "
                                  f"early; stderr: {self.stderr()}")
        return line.strip()

    def json(self, key, timeout):
        doc = json.loads(self.line(timeout))
        assert doc.get(key) is True, f"expected a {key!r} line, got {doc}"
        return doc

    def send(self, text):
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def stop(self):
        """Closes stdin (the scripts exit on that), then SIGTERM, then SIGKILL."""
        self.close_stdin()
        for sig, wait_s in ((None, 5), (signal.SIGTERM, 2), (signal.SIGKILL, 5)):
            if sig is not None and self.proc.poll() is None:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        self._reader.join(5)
        return self.proc.returncode


def _server_rows(doc, pid, lport):
    """Server-side ESTABLISHED sockets by remote (= client local) port."""
    by_rport = {}
    for r in rows(doc, pid=pid, lport=lport, state="ESTAB"):
        assert r["rport"] not in by_rport, f"two server sockets for client port {r['rport']}"
        by_rport[r["rport"]] = r
    return by_rport


def _wait_no_connections(port, timeout=5):
    """ss(8) without -a lists no TIME-WAIT sockets, which have no owner."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(["ss", "-Htn", f"( sport = :{port} or dport = :{port} )"],
                             capture_output=True, text=True, check=True).stdout.strip()
        if not out or time.monotonic() > deadline:
            return out
        time.sleep(0.1)


def test_websocket_idle_heartbeat_and_bytes(node):
    server = NodeProc([node, SERVER_JS, "0", "--max-seconds", "120"])
    load = None
    observer = None
    lport = None
    try:
        first = server.line(15)
        assert first.startswith("listening "), first
        lport = int(first.split()[1])

        load = NodeProc([node, LOAD_JS, "--port", str(lport), "--chat", str(N),
                         "--heartbeat", str(N), "--silent", str(N), "--size", str(CHAT_SIZE),
                         "--interval", str(CHAT_INTERVAL_MS), "--seconds", "60"])
        ready = load.json("ready", 30)
        t_ready = time.monotonic()
        kind_of = {c["local_port"]: c["kind"] for c in ready["clients"]}
        assert len(kind_of) == 3 * N
        for kind in ("chat", "heartbeat", "silent"):
            assert sum(k == kind for k in kind_of.values()) == N

        def ports_of(*kinds):
            return sorted(p for p, k in kind_of.items() if k in kinds)

        # 1. The server holds exactly the 3N connections, one per client.
        doc = snapshot("--pid", str(server.pid))
        by_rport = _server_rows(doc, server.pid, lport)
        assert sorted(by_rport) == sorted(kind_of)
        assert process(doc, server.pid)["connections"] == 3 * N
        assert port_row(doc, lport)["connections"] == 3 * N

        # 2. Every call counts (no heartbeat threshold): only silent clients
        # are idle; heartbeat sockets carry pings and pongs.
        observer = Observer(OBSERVE_S, "--pid", str(server.pid), "--idle-after", str(IDLE_AFTER_S),
                            "--heartbeat-bytes", "0")
        doc = observer.result()
        observer = None
        assert doc["activity_hook"] != "kernel-timestamps", \
            "no per-call activity hook: sockcost cannot tell heartbeats from data here"
        assert doc["policy"]["heartbeat_bytes"] == 0
        by_rport = _server_rows(doc, server.pid, lport)
        assert sorted(by_rport) == sorted(kind_of)
        idle = sorted(p for p, r in by_rport.items() if r["idle"])
        assert idle == ports_of("silent"), {p: (kind_of[p], by_rport[p]["idle_source"],
                                                by_rport[p]["idle_s"]) for p in by_rport}
        assert process(doc, server.pid)["idle_connections"] == N
        for p in ports_of("silent"):
            assert by_rport[p]["idle_s"] >= IDLE_AFTER_S
        for p in ports_of("heartbeat"):
            r = by_rport[p]
            assert r["idle_source"] == "observed" and r["idle_s"] < IDLE_AFTER_S, r

        # 3. Calls of <= HEARTBEAT_BYTES do not count: heartbeat sockets are
        # idle too, although the calls are seen; chat sockets are not.
        observer = Observer(OBSERVE_S, "--pid", str(server.pid), "--idle-after", str(IDLE_AFTER_S),
                            "--heartbeat-bytes", str(HEARTBEAT_BYTES))
        doc = observer.result()
        observer = None
        assert doc["policy"]["heartbeat_bytes"] == HEARTBEAT_BYTES
        by_rport = _server_rows(doc, server.pid, lport)
        assert sorted(by_rport) == sorted(kind_of)
        idle = sorted(p for p, r in by_rport.items() if r["idle"])
        assert idle == ports_of("silent", "heartbeat"), {
            p: (kind_of[p], by_rport[p]["idle_source"], by_rport[p]["idle_s"]) for p in by_rport}
        assert process(doc, server.pid)["idle_connections"] == 2 * N
        for p in ports_of("heartbeat"):
            r = by_rport[p]
            assert r["idle_source"] == "watched" and r["idle_s"] >= IDLE_AFTER_S, r
            obs = r["observed"]
            # One ping sent and one pong read per second, each in one call:
            # the calls are seen, with exactly the frame sizes, but not counted.
            # A pong answers a ping sent before the window or is still in
            # flight at its end (late on a loaded or emulated machine): one
            # pong more or fewer than pings.
            assert obs["tx_calls"] >= OBSERVE_S - 1, obs
            assert abs(obs["rx_calls"] - obs["tx_calls"]) <= 1 and obs["rx_calls"] >= 1, obs
            assert obs["tx_bytes"] == PING_FRAME * obs["tx_calls"], obs
            assert obs["rx_bytes"] == PONG_FRAME * obs["rx_calls"], obs
        for p in ports_of("chat"):
            r = by_rport[p]
            assert r["idle_source"] == "observed" and r["idle_s"] < 2.0, r
            obs = r["observed"]
            # ~13 messages in 4 s; the server never writes to chat clients.
            assert obs["rx_calls"] >= OBSERVE_S * 1000 // CHAT_INTERVAL_MS // 2, obs
            assert obs["rx_bytes"] % (CHAT_SIZE + CHAT_OVERHEAD) == 0, obs
            assert obs["tx_calls"] == 0, obs

        # 4. Byte counts over each socket's life. Stop sending but keep the
        # connections open, take the final counts, then snapshot.
        load.send("stop\n")
        stopped = {c["local_port"]: c for c in load.json("stopped", 10)["clients"]}
        t_stopped = time.monotonic()
        doc = snapshot("--pid", str(server.pid))
        load.close_stdin()
        done = {c["local_port"]: c for c in load.json("done", 10)["clients"]}
        assert load.stop() == 0, load.stderr()
        by_rport = _server_rows(doc, server.pid, lport)
        assert sorted(by_rport) == sorted(kind_of)

        for p, c in stopped.items():
            assert not c["closed"] and c["send_errors"] == 0 and c["messages_received"] == 0, c
            # Nothing was sent after "stop".
            assert done[p]["messages"] == c["messages"], (c, done[p])
            assert HANDSHAKE_MIN <= c["handshake_rx"] <= HANDSHAKE_MAX, c
            assert 0 < c["handshake_tx"] <= HANDSHAKE_MAX, c

        for p in ports_of("chat"):
            c, r = stopped[p], by_rport[p]
            assert c["messages"] >= 10 and c["payload_bytes"] == CHAT_SIZE * c["messages"], c
            assert c["pings"] == 0, c
            # The bound: payload, at most 6 bytes of frame header per message,
            # the upgrade request, no pongs (chat clients are never pinged).
            assert c["payload_bytes"] <= r["rx_bytes"] <= (
                c["payload_bytes"] + CHAT_OVERHEAD * c["messages"] + HANDSHAKE_MAX
                + PONG_FRAME * c["pings"]), (c, r)
            # And exactly: what the client's socket wrote, frame by frame.
            assert r["rx_bytes"] == c["handshake_tx"] + (CHAT_SIZE + CHAT_OVERHEAD) * c["messages"]
            assert r["rx_bytes"] == c["bytes_written"], (c, r)
            # The server only sent the 101 response.
            assert r["tx_bytes"] == c["handshake_rx"] == c["bytes_read"], (c, r)

        elapsed = t_stopped - t_ready
        for p in ports_of("heartbeat"):
            c, r, d = stopped[p], by_rport[p], done[p]
            assert c["messages"] == 0 and c["payload_bytes"] == 0, c
            # Pinged once a second since just before "ready"; the snapshot
            # came between the "stopped" and "done" reports.
            assert elapsed - 2 <= c["pings"] <= elapsed + 2, (elapsed, c)
            pings_sent = r["tx_bytes"] - c["handshake_rx"]
            assert pings_sent % PING_FRAME == 0, (c, r)
            assert c["pings"] <= pings_sent // PING_FRAME <= d["pings"], (c, d, r)
            assert r["tx_bytes"] <= HANDSHAKE_MAX + PING_FRAME * d["pings"], (d, r)
            # The client sent its upgrade request and one pong per ping.
            pongs = r["rx_bytes"] - c["handshake_tx"]
            assert pongs % PONG_FRAME == 0, (c, r)
            assert c["pings"] <= pongs // PONG_FRAME <= d["pings"], (c, d, r)

        for p in ports_of("silent"):
            c, r = stopped[p], by_rport[p]
            assert c["pings"] == 0 and c["messages"] == 0, c
            assert r["rx_bytes"] == c["handshake_tx"] == c["bytes_written"], (c, r)
            assert r["tx_bytes"] == c["handshake_rx"] == c["bytes_read"], (c, r)
    finally:
        if observer is not None:
            observer.kill()
        if load is not None:
            load.stop()
        server_rc = server.stop()
    assert server_rc == 0, server.stderr()
    left = _wait_no_connections(lport)
    assert not left, f"connections left on port {lport}:\n{left}"
