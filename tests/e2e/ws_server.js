#!/usr/bin/env node
// WebSocket server for the sockcost end-to-end test.
//
//   node ws_server.js PORT [--max-seconds S]
//
// Listens on 127.0.0.1:PORT (0 = any free port) and prints `listening PORT`
// as its first stdout line. A client names its kind with the URL path:
//   /chat       the server reads its messages and never replies;
//   /heartbeat  the server sends it an empty ping every second;
//   /silent     the server sends it nothing.
// Only /heartbeat clients are ever pinged, so the bytes on each connection
// are known exactly: the HTTP upgrade, then client frames (chat, pongs) and
// 2-byte server pings (0x89 0x00: FIN+ping, unmasked, length 0).
//
// Exits when stdin closes, on SIGTERM/SIGINT, or after --max-seconds
// (default 300) so that it can never outlive a test run for long.
'use strict';

// Named so that sockcost's reports tell the two processes apart.
process.title = 'ws-server';

const { WebSocketServer } = require('ws');

const KINDS = new Set(['chat', 'heartbeat', 'silent']);
const PING_INTERVAL_MS = 1000;

function usage(msg) {
  process.stderr.write(`ws_server: ${msg}\nusage: node ws_server.js PORT [--max-seconds S]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: null, maxSeconds: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max-seconds') {
      opts.maxSeconds = Number(argv[++i]);
    } else if (a === '--port') {
      opts.port = Number(argv[++i]);
    } else if (opts.port === null && /^\d+$/.test(a)) {
      opts.port = Number(a);
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (opts.port === null || !Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    usage('need a port (0 = any)');
  }
  if (!(opts.maxSeconds > 0)) usage('--max-seconds must be > 0');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// perMessageDeflate off (the ws server default, stated here): frames on the
// wire are the messages themselves, so byte counts stay predictable.
const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port, perMessageDeflate: false });
const timers = new Set();
let stopping = false;

wss.on('listening', () => {
  process.stdout.write(`listening ${wss.address().port}\n`);
});

wss.on('error', (err) => {
  process.stderr.write(`ws_server: ${err.message}\n`);
  process.exit(1);
});

wss.on('connection', (ws, req) => {
  const kind = new URL(req.url, 'ws://localhost').pathname.replace(/^\//, '');
  if (!KINDS.has(kind)) {
    ws.close(1008, 'unknown client kind');
    return;
  }
  ws.on('error', (err) => process.stderr.write(`ws_server: ${kind} client: ${err.message}\n`));
  // Chat messages are read (ws reads everything from the socket) and
  // dropped: no reply, so the server->client byte count does not depend on
  // how many messages arrived.
  ws.on('message', () => {});
  if (kind === 'heartbeat') {
    const t = setInterval(() => ws.ping(), PING_INTERVAL_MS);  // empty payload
    timers.add(t);
    ws.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  }
});

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const t of timers) clearInterval(t);
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  process.exit(code);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();
setTimeout(() => {
  process.stderr.write(`ws_server: --max-seconds ${opts.maxSeconds} reached\n`);
  shutdown(1);
}, opts.maxSeconds * 1000).unref();
