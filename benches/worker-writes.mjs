// Admin writes through the tenant's Durable Object against the KV-only
// writer (ORGWARDEN_WRITES=kv-only), in one run, on the built worker in
// workerd (Miniflare's API: SQLite-backed objects, its local KV):
// - latency of create organization, add member and get organization
//   (sequential, the two workers interleaved request by request);
// - throughput of one tenant's writes: organization creates (3 KV keys
//   each) and member adds (2 keys), CONCURRENCY in flight for SECONDS, with
//   Miniflare's storage in its default temporary directory and on tmpfs
//   (/dev/shm): locally every KV put is a file written and renamed, which
//   is what bounds both writers on a disk.
// Run: node benches/worker-writes.mjs   (RUNS=200 CONCURRENCY=32 SECONDS=5)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startWorker, newPrivateJwk, mintToken } from '../tests/worker/harness.mjs';

const RUNS = Number(process.env.RUNS ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const SECONDS = Number(process.env.SECONDS ?? 5);
const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('bench');
const token = (sub, adm = false) => mintToken(jwk, sub, { base: BASE, adm: adm || undefined, exp: Math.floor(Date.now() / 1000) + 3600 });
const ROOT = token('root', true);
const OWNER = token('owner');

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p99 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];

// Requests go to the worker's port over kept-alive connections: the client
// should cost little of the two cores.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function call(w, method, p, as, body) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const headers = { authorization: `Bearer ${as}` };
    const text = body ? JSON.stringify(body) : undefined;
    if (text) headers['content-type'] = 'application/json';
    const req = http.request(new URL(`/t/acme/api/v1/admin${p}`, w.url), { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve(performance.now() - t) : reject(new Error(`${method} ${p}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const ORGS = 40;
/** Both writers, each with a user owning ORGS organizations and ORGS other users. */
async function start(storage) {
  const out = {};
  for (const [name, extra] of [['Durable Object', {}], ['KV-only', { ORGWARDEN_WRITES: 'kv-only' }]]) {
    const persist = storage ? { kvPersist: path.join(storage, `kv-${name[0]}`), durableObjectsPersist: path.join(storage, `do-${name[0]}`) } : {};
    const mf = await startWorker({ validate: false, ...persist, bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE, ...extra } });
    const w = { mf, url: await mf.ready };
    await call(w, 'POST', '/users', ROOT, { id: 'owner', email: 'o@b.example' });
    await Promise.all(Array.from({ length: ORGS }, (_, i) => call(w, 'POST', '/users', ROOT, { id: `m-${i}`, email: `m${i}@b.example` })));
    await Promise.all(Array.from({ length: ORGS }, (_, i) => call(w, 'POST', '/organizations', OWNER, { id: `team-${i}`, name: 'Team' })));
    out[name] = w;
  }
  return out;
}

/** Writes per second with CONCURRENCY clients doing `op(n)` for SECONDS. */
async function throughput(op) {
  let done = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) { await op(n++); done += 1; }
  }));
  return done / ((performance.now() - t0) / 1000);
}

let workers = await start(null);
try {
  const figures = Object.fromEntries(Object.keys(workers).map((k) => [k, { create: [], add: [], get: [] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, w] of Object.entries(workers)) {
      figures[name].create.push(await call(w, 'POST', '/organizations', OWNER, { id: `lat-${i}`, name: `Lat ${i}` }));
      figures[name].add.push(await call(w, 'POST', `/organizations/lat-${i}/members`, OWNER, { user_id: `m-${i % ORGS}`, role: 'member' }));
      figures[name].get.push(await call(w, 'GET', `/organizations/lat-${i}`, OWNER));
    }
  }
  console.log(`latency over ${RUNS} sequential requests each (ms, median / p99):`);
  for (const [name, f] of Object.entries(figures)) {
    const show = (xs) => `${median(xs).toFixed(2)} / ${p99(xs).toFixed(2)}`;
    console.log(`  ${name.padEnd(15)} create organization ${show(f.create)}   add member ${show(f.add)}   get organization ${show(f.get)}`);
  }
  const storages = [['Miniflare default (disk)', null]];
  if (existsSync('/dev/shm')) storages.push(['tmpfs', mkdtempSync('/dev/shm/orgwarden-bench-')]);
  console.log(`one tenant's writes per second, ${CONCURRENCY} in flight for ${SECONDS} s:`);
  for (const [label, dir] of storages) {
    if (dir) {
      agent.destroy();
      for (const w of Object.values(workers)) await w.mf.dispose();
      workers = await start(dir);
    }
    for (const [name, w] of Object.entries(workers)) {
      const creates = await throughput((n) => call(w, 'POST', '/organizations', OWNER, { id: `tp-${n}`, name: 'T' }));
      // Member adds over ORGS × ORGS distinct pairs.
      const adds = await throughput((n) => call(w, 'POST', `/organizations/team-${n % ORGS}/members`, OWNER, { user_id: `m-${Math.floor(n / ORGS) % ORGS}`, role: 'member' }));
      console.log(`  ${label.padEnd(25)} ${name.padEnd(15)} create organization ${creates.toFixed(0)}/s   add member ${adds.toFixed(0)}/s`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
} finally {
  agent.destroy();
  for (const w of Object.values(workers)) await w.mf.dispose();
}
