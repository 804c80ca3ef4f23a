#!/usr/bin/env node
// WebSocket load generator for the sockcost end-to-end test.
//
//   node ws_load.js --port P [--host 127.0.0.1] [--chat N] [--heartbeat N]
//                   [--silent N] [--seconds S] [--size BYTES] [--interval MS]
//   node ws_load.js --url ws://HOST:PORT ...
//
// Opens N connections of each kind to ws_server.js (the kind is the URL
// path). Chat clients send a text message of exactly --size bytes (default
// 100) every --interval ms (default 300); heartbeat clients only answer the
// server's pings (ws replies with a pong by itself) and send nothing else;
// silent clients send nothing.
//
// stdout, one JSON document per line:
//   {"ready": true, "clients": [{"kind", "local_port"}, ...]}
//       once every client is connected; chat clients start sending after it.
//   {"stopped": true, "clients": [...]}
//       after the stdin line `stop`: chat clients stop sending, every message
//       handed to the kernel is counted, connections stay open (so the peer's
//       sockets can still be inspected).
//   {"done": true, "clients": [...]}
//       on stdin close, SIGTERM/SIGINT or after --seconds; then it exits.
// Per client in "stopped"/"done": kind, local_port, messages and
// payload_bytes sent (counted once ws has written the frame to the socket),
// pings received (= pongs sent), and the socket's own byte counters:
// handshake_tx/handshake_rx (the HTTP upgrade request and response) and
// bytes_written/bytes_read (whole connection, as Node counts them).
//
// Everything is bounded in time: connecting (--connect-timeout, default
// 10 s), the run (--seconds, default 60), and waiting for pending sends.
'use strict';

// Named so that sockcost's reports tell the two processes apart.
process.title = 'ws-load';

const WebSocket = require('ws');

const KINDS = ['chat', 'heartbeat', 'silent'];

function usage(msg) {
  process.stderr.write(`ws_load: ${msg}\n` +
    'usage: node ws_load.js (--port P | --url ws://HOST:PORT) [--chat N] [--heartbeat N] ' +
    '[--silent N] [--seconds S] [--size BYTES] [--interval MS] [--connect-timeout S]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: null, url: null, chat: 0, heartbeat: 0, silent: 0,
    seconds: 60, size: 100, interval: 300, connectTimeout: 10 };
  const numeric = { '--port': 'port', '--chat': 'chat', '--heartbeat': 'heartbeat',
    '--silent': 'silent', '--seconds': 'seconds', '--size': 'size', '--interval': 'interval',
    '--connect-timeout': 'connectTimeout' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    const v = argv[++i];
    if (a in numeric) {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) usage(`bad value for ${a}: ${v}`);
      o[numeric[a]] = n;
    } else if (a === '--host') {
      o.host = v;
    } else if (a === '--url') {
      o.url = v.replace(/\/+$/, '');
    } else {
      usage(`unknown option ${a}`);
    }
  }
  if (o.url === null) {
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) usage('need --port or --url');
    o.url = `ws://${o.host}:${o.port}`;
  }
  if (!(o.seconds > 0) || !(o.interval > 0) || !(o.connectTimeout > 0)) {
    usage('--seconds, --interval and --connect-timeout must be > 0');
  }
  if (!Number.isInteger(o.size) || o.size < 1) usage('--size must be a positive integer');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const clients = [];
const timers = new Set();
let sending = false;
let finished = false;

function emit(doc) {
  process.stdout.write(JSON.stringify(doc) + '\n');  // synchronous for pipes and files
}

function fail(msg) {
  process.stderr.write(`ws_load: ${msg}\n`);
  for (const c of clients) c.ws.terminate();
  process.exit(1);
}

function report(c) {
  const s = c.socket;
  return {
    kind: c.kind,
    local_port: c.localPort,
    messages: c.messages,
    payload_bytes: c.payloadBytes,
    send_errors: c.sendErrors,
    pings: c.pings,
    messages_received: c.received,
    closed: c.closed,
    handshake_tx: c.handshakeTx,
    handshake_rx: c.handshakeRx,
    bytes_written: s ? s.bytesWritten : null,
    bytes_read: s ? s.bytesRead : null,
  };
}

// A text message of exactly `size` ASCII bytes, different every time.
function chatMessage(index, seq) {
  const head = `chat ${index} #${seq} `;
  return (head + 'x'.repeat(opts.size)).slice(0, opts.size);
}

function connect(kind, index) {
  return new Promise((resolve, reject) => {
    // perMessageDeflate off: no extension negotiation, messages go out as is.
    const ws = new WebSocket(`${opts.url}/${kind}`, { perMessageDeflate: false, autoPong: true });
    const c = { kind, index, ws, socket: null, localPort: null, messages: 0, payloadBytes: 0,
      sendErrors: 0, pending: 0, pings: 0, received: 0, closed: false,
      handshakeTx: null, handshakeRx: null, seq: 0 };
    clients.push(c);
    ws.on('upgrade', (res) => {
      // Nothing but the upgrade has crossed this socket yet (the server
      // pings after 1 s at the earliest and chat starts after "ready").
      c.socket = res.socket;
      c.localPort = res.socket.localPort;
      c.handshakeTx = res.socket.bytesWritten;
      c.handshakeRx = res.socket.bytesRead;
    });
    ws.on('open', () => resolve(c));
    ws.on('ping', () => { c.pings++; });          // ws sends the pong itself
    ws.on('message', () => { c.received++; });    // the server never sends any
    ws.on('error', (err) => {
      if (!c.localPort) reject(err);
      else process.stderr.write(`ws_load: ${kind} ${c.localPort}: ${err.message}\n`);
    });
    ws.on('close', (code) => {
      c.closed = true;
      if (!c.localPort) reject(new Error(`closed before open (${code})`));
      else if (!finished) process.stderr.write(`ws_load: ${kind} ${c.localPort} closed (${code})\n`);
    });
  });
}

function startChat(c, offsetMs) {
  const tick = () => {
    if (!sending || c.ws.readyState !== WebSocket.OPEN) return;
    const msg = chatMessage(c.index, c.seq++);
    c.pending++;
    // The callback runs once the frame has been written to the socket.
    c.ws.send(msg, { binary: false }, (err) => {
      c.pending--;
      if (err) {
        c.sendErrors++;
      } else {
        c.messages++;
        c.payloadBytes += Buffer.byteLength(msg);
      }
    });
  };
  // Spread the clients over one interval instead of sending all at once.
  const first = setTimeout(() => {
    timers.delete(first);
    tick();
    const t = setInterval(tick, opts.interval);
    timers.add(t);
  }, offsetMs);
  timers.add(first);
}

function stopSending() {
  sending = false;
  for (const t of timers) {
    clearTimeout(t);
    clearInterval(t);
  }
  timers.clear();
}

// Resolves once no send is pending (or after 2 s, whatever is pending then
// is simply not counted).
function drained() {
  const deadline = Date.now() + 2000;
  return new Promise((resolve) => {
    const check = () => {
      if (clients.every((c) => c.pending === 0) || Date.now() > deadline) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}

let stopped = null;
function stop() {
  if (!stopped) {
    stopSending();
    stopped = drained().then(() => emit({ stopped: true, clients: clients.map(report) }));
  }
  return stopped;
}

async function finish(code) {
  if (finished) return;
  finished = true;
  stopSending();
  if (stopped) await stopped;  // "stopped" comes before "done"
  await drained();
  emit({ done: true, clients: clients.map(report) });
  for (const c of clients) c.ws.terminate();
  process.exit(code);
}

async function main() {
  const connectTimer = setTimeout(() => fail(`not all clients connected within ${opts.connectTimeout} s`),
    opts.connectTimeout * 1000);
  const pending = [];
  for (const kind of KINDS) {
    for (let i = 0; i < opts[kind]; i++) pending.push(connect(kind, i));
  }
  let ready;
  try {
    ready = await Promise.all(pending);
  } catch (err) {
    fail(`connect failed: ${err.message}`);
    return;
  }
  clearTimeout(connectTimer);
  emit({ ready: true, clients: ready.map((c) => ({ kind: c.kind, local_port: c.localPort })) });

  sending = true;
  const chat = ready.filter((c) => c.kind === 'chat');
  chat.forEach((c, i) => startChat(c, Math.floor((i * opts.interval) / chat.length)));
}

let stdinBuf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  stdinBuf += chunk;
  let nl;
  while ((nl = stdinBuf.indexOf('\n')) >= 0) {
    const line = stdinBuf.slice(0, nl).trim();
    stdinBuf = stdinBuf.slice(nl + 1);
    if (line === 'stop') stop();
    else if (line) process.stderr.write(`ws_load: unknown command ${line}\n`);
  }
});
process.stdin.on('end', () => finish(0));
process.stdin.on('close', () => finish(0));
process.stdin.on('error', () => finish(0));
process.on('SIGTERM', () => finish(0));
process.on('SIGINT', () => finish(0));
setTimeout(() => finish(0), opts.seconds * 1000);

main().catch((err) => fail(err.stack || String(err)));
