// ws_idle.mjs: opens N idle WebSocket sessions to tandem and reports the server's
// resident memory per session. Usage: TANDEM_BIN=... node ws_idle.mjs [N]
// (raise the open-files limit first: ulimit -n 65536)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/package.json'));
const WebSocket = require('ws');

const n = Number(process.argv[2] ?? 10000);
const bin = process.env.TANDEM_BIN;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-ws-'));
const child = spawn(bin, ['serve', '--port', '0', '--no-access-log', '--db', path.join(dir, 't.db'),
  '--max-connections', String(n + 100)], { env: { ...process.env, TANDEM_WS_ECHO: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve, reject) => {
  let log = '';
  child.stderr.on('data', (d) => {
    log += d;
    const m = /listening on http:\/\/[^"\s]*:(\d+)/.exec(log);
    if (m) resolve(Number(m[1]));
  });
  child.on('exit', (c) => reject(new Error(`tandem exited ${c}: ${log}`)));
});

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// warm up: one session open and closed, so one-time allocations are not counted
await new Promise((r) => { const w = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`); w.on('open', () => { w.close(); }); w.on('close', r); });
await sleep(300);
const before = rss();
const sockets = [];
let opened = 0;
const batch = 200;
for (let i = 0; i < n; i += batch) {
  const wave = [];
  for (let k = i; k < Math.min(n, i + batch); k++) {
    wave.push(new Promise((resolve, reject) => {
      const w = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`, { perMessageDeflate: false });
      w.on('open', () => { opened++; resolve(); });
      w.on('error', reject);
      sockets.push(w);
    }));
  }
  await Promise.all(wave);
}
await sleep(1000);
const after = rss();
const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const sessions = Number(/^tandem_ws_sessions (\d+)$/m.exec(metrics)[1]);
// the sessions are alive: one echoes
const probe = sockets[Math.floor(n / 2)];
const echoed = await new Promise((r) => { probe.once('message', (d) => r(d.toString())); probe.send('ping?'); });
for (const w of sockets) w.terminate();
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
if (opened !== n || sessions !== n || echoed !== 'ping?') {
  console.error(`opened ${opened}, server sessions ${sessions}, echo ${echoed}`);
  process.exit(1);
}
const per = ((after - before) * 1024) / n;
console.log(`idle WebSocket: ${n} sessions, server RSS ${before} KiB -> ${after} KiB, ${per.toFixed(0)} bytes/session (goal < 16384)`);
