// A CPU profile of the built worker under the load run's fixed rate, taken
// through workerd's V8 inspector (Chrome DevTools protocol): where the time
// of each request goes, and what the longest busy stretches — the p99's
// stalls — were made of. Build with ORGWARDEN_KEEP_NAMES=1 for wasm function
// names. Run: node benches/profile-proxy.mjs   (CASE=b|c|d|p RATE=300
// SECONDS=5 TARGET=core:user: ASSETS=0 SAMPLE_US=50 OUT=<file.cpuprofile>
// to keep it).
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startWorker, root } from '../tests/worker/harness.mjs';

const CASE = process.env.CASE ?? 'b';
const RATE = Number(process.env.RATE ?? 300);
const SECONDS = Number(process.env.SECONDS ?? 5);
const TARGET = process.env.TARGET ?? 'core:user:';
const PORT = 9339;
const table = JSON.parse(readFileSync(path.join(root, 'tests/cases/requests.json'), 'utf8'));

const child = spawn(process.execPath, [path.join(root, 'benches/origin-process.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = await once(child.stdout, 'data');
const mf = await startWorker({
  assets: process.env.ASSETS === '1',
  validate: false,
  miniflare: { inspectorPort: PORT },
  bindings: {
    SIGNING_KEYS: JSON.stringify(table.signing_jwks),
    PUBLIC_BASE_URL: table.base_url,
    OPERATOR_KEY: 'profile-operator-key-0123456789abcdef',
    ORIGIN: String(line).trim(),
    ORGWARDEN_PROXY: table.config,
  },
});
const kv = await mf.getKVNamespace('ORGWARDEN');
for (const { key, value, metadata } of table.kv) await kv.put(key, value, metadata === undefined ? {} : { metadata });
const base = await mf.ready;

const signer = (await import('node:crypto')).createPrivateKey({ key: table.signing_jwks.keys[0], format: 'jwk' });
const { sign, randomUUID } = await import('node:crypto');
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function freshToken() {
  const input = `${b64({ alg: 'EdDSA', kid: table.signing_jwks.keys[0].kid, typ: 'at+jwt' })}.${b64({ ...table.tokens.carol.claims, jti: randomUUID() })}`;
  return `${input}.${sign(null, Buffer.from(input), signer).toString('base64url')}`;
}
const fresh = Array.from({ length: RATE * (SECONDS + 4) }, freshToken);
let next = 0;
const headersFor = {
  b: () => ({ authorization: `Bearer ${table.tokens.carol.token}` }),
  c: () => ({ authorization: `Bearer ${fresh[next++ % fresh.length]}` }),
  d: () => ({ authorization: `Bearer ${table.keys.reader}` }),
  p: () => ({}),
}[CASE];
const urlPath = CASE === 'p' ? '/status' : '/apps/billing/devices';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const get = () => new Promise((resolve, reject) => {
  const req = http.request(new URL(urlPath, base), { agent, headers: headersFor() }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end();
});
async function load(ms) {
  const t0 = performance.now();
  const pending = [];
  for (let i = 0; i < (ms / 1000) * RATE; i++) {
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(get());
  }
  await Promise.all(pending);
}

const ws = new WebSocket(`ws://127.0.0.1:${PORT}/${TARGET}`);
await once(ws, 'open');
let id = 0;
const waiting = new Map();
ws.on('message', (m) => { const msg = JSON.parse(m); waiting.get(msg.id)?.(msg.result); waiting.delete(msg.id); });
const send = (method, params = {}) => new Promise((resolve) => { waiting.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })); });

try {
  await load(3000); // warm-up
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: Number(process.env.SAMPLE_US ?? 50) });
  await send('Profiler.start');
  await load(SECONDS * 1000);
  const { profile } = await send('Profiler.stop');
  if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify(profile));
  report(profile);
} finally {
  ws.close();
  agent.destroy();
  await mf.dispose();
  child.kill('SIGTERM');
}

function report(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? path.basename(n.callFrame.url) : ''}`.trim();
  const self = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((s, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const n = name(byId.get(s));
    if (n === '(idle)') { idle += dt; return; }
    total += dt;
    self.set(n, (self.get(n) ?? 0) + dt);
  });
  const requests = SECONDS * RATE;
  console.log(`case (${CASE}) at ${RATE} req/s for ${SECONDS} s, target ${TARGET}: busy ${(total / 1000).toFixed(0)} ms = ${(total / requests).toFixed(0)} µs per request`);
  console.log('| self time | µs / request | share | function |');
  console.log('|---:|---:|---:|---|');
  for (const [n, t] of [...self].sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.TOP ?? 25))) {
    console.log(`| ${(t / 1000).toFixed(1)} ms | ${(t / requests).toFixed(1)} | ${((100 * t) / total).toFixed(1)} % | ${n.slice(0, 110)} |`);
  }
  // Busy stretches: consecutive non-idle samples; the longest ones are
  // what a request arriving behind them waits for.
  const stretches = [];
  let cur = null;
  profile.samples.forEach((s, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const n = name(byId.get(s));
    if (n === '(idle)') { if (cur) stretches.push(cur); cur = null; return; }
    cur ??= { us: 0, parts: new Map() };
    cur.us += dt;
    cur.parts.set(n, (cur.parts.get(n) ?? 0) + dt);
  });
  if (cur) stretches.push(cur);
  stretches.sort((x, y) => y.us - x.us);
  console.log(`busy stretches: ${stretches.length}; longest:`);
  for (const s of stretches.slice(0, 8)) {
    const top = [...s.parts].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([n, t]) => `${n.slice(0, 50)} ${(t / 1000).toFixed(1)} ms`).join('; ');
    console.log(`  ${(s.us / 1000).toFixed(1)} ms: ${top}`);
  }
}
