// Load run of the authorizing proxy (issue 4): the built worker in workerd on
// Miniflare's own port, a real local origin, and in one run:
//   (a) a bare pass-through worker (JavaScript, fetch to the origin),
//   (b) the orgwarden proxy with the same token on every request (cached),
//   (c) the proxy with a new token on every request (verified each time),
//   (d) the proxy with an API key.
// Throughput and p50/p99 latency at a fixed concurrency, plus KV reads per
// request at steady state from the worker's own metrics. The cases run in
// ROUNDS rounds, each in its own order, and the medians are reported: on a
// shared 2-core machine one pass of each is too noisy to compare.
// Run: node benches/worker-proxy.mjs   (SECONDS=5 ROUNDS=3 CONCURRENCY=16;
// ONLY=a,b to run some cases; VARIANT=<build dir> [VARIANT_CASE=b] adds case
// (v): the same path on another build of the worker, to compare builds.)
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { startWorker, root, compatibilityDate } from '../tests/worker/harness.mjs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const OPERATOR_KEY = 'bench-operator-key-0123456789abcdef';
const table = JSON.parse(readFileSync(path.join(root, 'tests/cases/requests.json'), 'utf8'));
const PATH = '/apps/billing/devices';

// workerd's CPU time per request, from /proc: robust where throughput on a
// shared 2-core machine is not (the client and the origin compete for it).
function workerdPids() {
  const out = new Set();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes('(workerd)') && Number(fields[1]) === process.pid) out.add(pid);
    } catch { /* gone */ }
  }
  return out;
}
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
async function spawned(start) {
  const before = workerdPids();
  const mf = await start();
  await mf.ready;
  const pid = [...workerdPids()].find((p) => !before.has(p));
  return { mf, pid };
}

const child = spawn(process.execPath, [path.join(root, 'benches/origin-process.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = await once(child.stdout, 'data');
const origin = { url: String(line).trim() };
const { mf: bare, pid: barePid } = await spawned(() => new Miniflare({
  modules: true,
  compatibilityDate,
  host: '127.0.0.1',
  bindings: { ORIGIN: origin.url },
  script: `export default {
    async fetch(request, env) {
      const url = new URL(request.url);
      return fetch(env.ORIGIN + url.pathname + url.search, request);
    },
  };`,
}));
const { mf: proxy, pid: proxyPid } = await spawned(() => startWorker({
  bindings: {
    SIGNING_KEYS: JSON.stringify(table.signing_jwks),
    PUBLIC_BASE_URL: table.base_url,
    OPERATOR_KEY,
    ORIGIN: origin.url,
    ORGWARDEN_PROXY: table.config,
  },
}));
// VARIANT=<dir>: the same proxy from another build directory, as case (v), to compare builds in one run.
const { mf: variant, pid: variantPid } = process.env.VARIANT ? await spawned(async () => {
  const v = new Miniflare({
    modules: true,
    scriptPath: path.join(process.env.VARIANT, 'index.js'),
    modulesRoot: process.env.VARIANT,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate,
    kvNamespaces: ['ORGWARDEN'],
    host: '127.0.0.1',
    bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url, OPERATOR_KEY, ORIGIN: origin.url, ORGWARDEN_PROXY: table.config },
  });
  return v;
}) : {};
if (variant) {
  const vkv = await variant.getKVNamespace('ORGWARDEN');
  for (const { key, value, metadata } of table.kv) await vkv.put(key, value, metadata === undefined ? {} : { metadata });
}
const kv = await proxy.getKVNamespace('ORGWARDEN');
for (const { key, value, metadata } of table.kv) await kv.put(key, value, metadata === undefined ? {} : { metadata });

// Fresh tokens for (c), minted before the run so the load generator does no crypto.
const signer = createPrivateKey({ key: table.signing_jwks.keys[0], format: 'jwk' });
const carolClaims = table.tokens.carol.claims;
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function freshToken() {
  const input = `${b64({ alg: 'EdDSA', kid: table.signing_jwks.keys[0].kid, typ: 'at+jwt' })}.${b64({ ...carolClaims, jti: randomUUID() })}`;
  return `${input}.${edSign(null, Buffer.from(input), signer).toString('base64url')}`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function get(base, headers, path = PATH) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(new URL(path, base), { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function metrics() {
  const res = await proxy.dispatchFetch('http://localhost/api/v1/metrics', { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
  return (await res.json()).proxy;
}

const until = (ms) => { const end = performance.now() + ms; return () => performance.now() < end; };

const TICK_US = 1e6 / 100; // USER_HZ
async function run(name, base, headersFor, warmMs = 1000, path = PATH, pid = null) {
  // Warm-up, discarded: V8 tiers hot wasm up to optimized code while it runs.
  const loop = async (going, out) => { while (going()) out.push(await get(base, headersFor(), path)); };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(until(warmMs), [])));
  const before = await metrics();
  const ticks0 = pid ? cpuTicks(pid) : 0;
  const latencies = [];
  const t0 = performance.now();
  const going = until(SECONDS * 1000);
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(going, latencies)));
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUs = pid ? ((cpuTicks(pid) - ticks0) * TICK_US) / latencies.length : null;
  const after = await metrics();
  latencies.sort((x, y) => x - y);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  const decided = after.requests - before.requests;
  return {
    name,
    rps: latencies.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    kvPerRequest: decided > 0 ? (after.fact_fetches - before.fact_fetches) / decided : null,
    tokenHits: after.token_cache.hits - before.token_cache.hits,
    cpuUs,
  };
}

try {
  const bareUrl = await bare.ready;
  const proxyUrl = await proxy.ready;
  const cached = `Bearer ${table.tokens.carol.token}`;
  const keyHeader = `Bearer ${table.keys.reader}`;
  const fresh = [];
  // Both workers serve a while before anything is measured, every proxy path included.
  for (let i = 0; i < 40000; i++) fresh.push(freshToken());
  let next = 0;
  const freshHeader = () => ({ authorization: `Bearer ${fresh[next++ % fresh.length]}` });
  let warm = 0;
  const mixed = () => [{ authorization: cached }, { authorization: keyHeader }, freshHeader()][warm++ % 3];
  await run('warm-up', proxyUrl, mixed, 5000);
  await run('warm-up', bareUrl, () => ({ authorization: cached }), 2000);
  const cases = [
    // The same request as (b), token included: the bare worker forwards it as it is.
    ['(a) bare pass-through worker', bareUrl, () => ({ authorization: cached }), PATH, barePid],
    ['(b) orgwarden, cached token', proxyUrl, () => ({ authorization: cached }), PATH, proxyPid],
    ['(c) orgwarden, new token each request', proxyUrl, freshHeader, PATH, proxyPid],
    ['(d) orgwarden, API key', proxyUrl, () => ({ authorization: keyHeader }), PATH, proxyPid],
    ['(p) orgwarden, public route (no credential)', proxyUrl, () => ({}), '/status', proxyPid],
  ];
  if (variant) cases.push([`(v) variant build ${process.env.VARIANT}, path of (${process.env.VARIANT_CASE ?? 'p'})`, await variant.ready, process.env.VARIANT_CASE === 'b' ? () => ({ authorization: cached }) : () => ({}), process.env.VARIANT_CASE === 'b' ? PATH : '/status', variantPid]);
  if (process.env.ONLY) {
    const keep = process.env.ONLY.split(',').map((l) => `(${l})`);
    for (let i = cases.length - 1; i > 0; i--) if (!keep.some((k) => cases[i][0].startsWith(k))) cases.splice(i, 1);
  }
  const results = cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length;
      const [name, url, headersFor, p, pid] = cases[i];
      results[i].push(await run(name, url, headersFor, 500, p, pid));
    }
  }
  const mid = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const rows = results.map((rs) => ({
    name: rs[0].name,
    rps: mid(rs.map((r) => r.rps)),
    all: rs.map((r) => r.rps.toFixed(0)).join('/'),
    p50: mid(rs.map((r) => r.p50)),
    p99: mid(rs.map((r) => r.p99)),
    kvPerRequest: rs[0].kvPerRequest === null ? null : mid(rs.map((r) => r.kvPerRequest)),
    cpuUs: rs[0].cpuUs === null ? null : mid(rs.map((r) => r.cpuUs)),
  }));
  if (next > fresh.length) console.log(`note: (c) reused pre-minted tokens (${next} requests, ${fresh.length} tokens)`);
  const a = rows[0].rps;
  console.log(`concurrency ${CONCURRENCY}, ${ROUNDS} rounds of ${SECONDS} s per case (medians), Miniflare ${JSON.parse(readFileSync(path.join(root, 'node_modules/miniflare/package.json'), 'utf8')).version}`);
  console.log('| case | req/s (median; rounds) | vs (a) | p50 ms | p99 ms | workerd CPU µs / request | KV reads / request |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const kvCell = r.kvPerRequest === null ? '—' : r.kvPerRequest.toFixed(4);
    const cpuCell = r.cpuUs === null ? '—' : r.cpuUs.toFixed(0);
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} (${r.all}) | ${(r.rps / a).toFixed(3)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${cpuCell} | ${kvCell} |`);
  }
  console.log(`(b) target: >= 0.90 x (a): ${rows[1].rps / a >= 0.9 ? 'met' : 'NOT met'}; KV reads/request target <= 0.05: ${rows[1].kvPerRequest <= 0.05 ? 'met' : 'NOT met'}`);
} finally {
  agent.destroy();
  await bare.dispose();
  await proxy.dispose();
  await variant?.dispose();
  child.kill('SIGTERM');
}
