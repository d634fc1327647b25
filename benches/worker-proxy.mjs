// Load run of the authorizing proxy: the built worker in workerd on
// Miniflare's own port, a real local origin, and in one run:
//   (a) a bare pass-through worker (JavaScript, fetch to the origin),
//   (b) the orgwarden proxy with the same token on every request (cached),
//   (c) the proxy with a new token on every request (verified each time),
//   (d) the proxy with an API key,
//   (j) the peer: a JavaScript worker verifying the same token with jose 6.2
//       (`jwtVerify`, key imported once) and forwarding, and
//   (k) the jose worker with a new token on every request.
// Two methods (MODE):
//   rate (default): requests sent at a fixed RATE per second (open loop),
//     well below what the machine can serve, so that latency is the cases'
//     own and not a queue behind the load generator; workerd's CPU per
//     request from /proc/<pid>/task/*/schedstat (nanoseconds, every thread).
//     Each case runs ROUNDS times, interleaved; medians and the spread.
//   closed: CONCURRENCY clients each sending as fast as answered (the
//     machine saturated): throughput against the bare worker.
// Plus KV reads per request at steady state from the worker's own metrics.
// Run: node benches/worker-proxy.mjs   (MODE=rate RATE=300 SECONDS=5
// ROUNDS=7; MODE=closed CONCURRENCY=16 SECONDS=5 ROUNDS=3; ASSETS=1 with the
// console's asset router in front; ONLY=a,b to run
// some cases; VARIANT=<build dir> [VARIANT_CASE=b|c|d|p] adds case (v): the same
// path on another build of the worker, to compare builds.)
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { startWorker, root, compatibilityDate } from '../tests/worker/harness.mjs';
import { spawn } from 'node:child_process';
import * as esbuild from 'esbuild';
import { once } from 'node:events';

const MODE = process.env.MODE ?? 'rate';
const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? (MODE === 'rate' ? 7 : 3));
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const RATE = Number(process.env.RATE ?? 300);
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
// Nanoseconds on CPU of every thread of `pid` (schedstat's first field):
// /proc/<pid>/stat counts in 10 ms ticks, too coarse for a few seconds.
function cpuNs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* gone */ }
  }
  return ns;
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
// The peer, bundled from the installed jose: what a Workers user writes.
const { outputFiles: [joseBundle] } = await esbuild.build({
  stdin: {
    contents: `import { importJWK, jwtVerify } from 'jose';
      let key;
      export default {
        async fetch(request, env) {
          key ??= await importJWK(JSON.parse(env.JWK), 'EdDSA');
          const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '');
          try {
            await jwtVerify(token, key, { issuer: env.ISSUER, audience: env.AUDIENCE, algorithms: ['EdDSA'] });
          } catch {
            return new Response('{"code":"token_invalid"}', { status: 401, headers: { 'content-type': 'application/json' } });
          }
          const url = new URL(request.url);
          return fetch(env.ORIGIN + url.pathname + url.search, request);
        },
      };`,
    resolveDir: root,
  },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
});
const signingJwk = table.signing_jwks.keys[0];
const { mf: jose, pid: josePid } = await spawned(() => new Miniflare({
  modules: true,
  compatibilityDate,
  host: '127.0.0.1',
  bindings: {
    ORIGIN: origin.url,
    JWK: JSON.stringify({ kty: signingJwk.kty, crv: signingJwk.crv, x: signingJwk.x }),
    ISSUER: table.tokens.carol.claims.iss,
    AUDIENCE: table.base_url,
  },
  script: joseBundle.text,
}));
const { mf: proxy, pid: proxyPid } = await spawned(() => startWorker({
  // Without the console's assets in front unless ASSETS=1: Miniflare runs
  // Cloudflare's asset router as a worker in the same process, ~300 µs of
  // CPU per request that the platform, not the worker, spends on Cloudflare.
  assets: process.env.ASSETS === '1',
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

const agent = new http.Agent({ keepAlive: true, maxSockets: MODE === 'rate' ? 256 : CONCURRENCY });
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Open loop: request i leaves at t0 + i / RATE whatever the answers do;
// latency counts from that planned time, so a stall is not hidden by the
// requests it held back.
async function openLoop(base, headersFor, path, ms, out) {
  const t0 = performance.now();
  const n = Math.floor((ms / 1000) * RATE);
  const pending = [];
  for (let i = 0; i < n; i++) {
    const at = t0 + (i * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(get(base, headersFor(), path).then(() => out.push(performance.now() - at)));
  }
  await Promise.all(pending);
}

async function run(name, base, headersFor, warmMs = 1000, path = PATH, pid = null) {
  // Warm-up, discarded: V8 tiers hot wasm up to optimized code while it runs.
  const loop = async (going, out) => { while (going()) out.push(await get(base, headersFor(), path)); };
  if (MODE === 'rate') await openLoop(base, headersFor, path, warmMs, []);
  else await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(until(warmMs), [])));
  const before = await metrics();
  const cpu0 = pid ? cpuNs(pid) : 0;
  const latencies = [];
  const t0 = performance.now();
  if (MODE === 'rate') await openLoop(base, headersFor, path, SECONDS * 1000, latencies);
  else await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(until(SECONDS * 1000), latencies)));
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUs = pid ? (cpuNs(pid) - cpu0) / 1000 / latencies.length : null;
  const after = await metrics();
  latencies.sort((x, y) => x - y);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  const decided = after.requests - before.requests;
  return {
    name,
    latencies,
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
  const joseUrl = await jose.ready;
  const cached = `Bearer ${table.tokens.carol.token}`;
  const keyHeader = `Bearer ${table.keys.reader}`;
  const fresh = [];
  // Every worker serves a while before anything is measured, every path included.
  for (let i = 0; i < 40000; i++) fresh.push(freshToken());
  let next = 0;
  const freshHeader = () => ({ authorization: `Bearer ${fresh[next++ % fresh.length]}` });
  let warm = 0;
  const mixed = () => [{ authorization: cached }, { authorization: keyHeader }, freshHeader()][warm++ % 3];
  await run('warm-up', proxyUrl, mixed, 5000);
  await run('warm-up', bareUrl, () => ({ authorization: cached }), 2000);
  await run('warm-up', joseUrl, freshHeader, 2000);
  const cases = [
    // The same request as (b), token included: the bare worker forwards it as it is.
    ['(a) bare pass-through worker', bareUrl, () => ({ authorization: cached }), PATH, barePid],
    ['(b) orgwarden, cached token', proxyUrl, () => ({ authorization: cached }), PATH, proxyPid],
    ['(c) orgwarden, new token each request', proxyUrl, freshHeader, PATH, proxyPid],
    ['(d) orgwarden, API key', proxyUrl, () => ({ authorization: keyHeader }), PATH, proxyPid],
    ['(j) jose worker, same token', joseUrl, () => ({ authorization: cached }), PATH, josePid],
    ['(k) jose worker, new token each request', joseUrl, freshHeader, PATH, josePid],
    ['(p) orgwarden, public route (no credential)', proxyUrl, () => ({}), '/status', proxyPid],
  ];
  if (variant) {
    const which = process.env.VARIANT_CASE ?? 'p';
    const [headers, where] = {
      b: [() => ({ authorization: cached }), PATH],
      c: [freshHeader, PATH],
      d: [() => ({ authorization: keyHeader }), PATH],
      p: [() => ({}), '/status'],
    }[which];
    const variantUrl = await variant.ready;
    await run('warm-up', variantUrl, mixed, 5000);
    cases.push([`(v) variant build ${process.env.VARIANT}, path of (${which})`, variantUrl, headers, where, variantPid]);
  }
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
  const pooled = (rs, p) => {
    const all = rs.flatMap((r) => r.latencies).sort((x, y) => x - y);
    return all[Math.min(all.length - 1, Math.floor(all.length * p))];
  };
  const slower = (rs, ms) => {
    const all = rs.flatMap((r) => r.latencies);
    return (all.filter((l) => l > ms).length / all.length) * 10000;
  };
  const rows = results.map((rs) => {
    const cpu = rs.map((r) => r.cpuUs);
    const m = mid(cpu);
    return {
      name: rs[0].name,
      rps: mid(rs.map((r) => r.rps)),
      all: rs.map((r) => r.rps.toFixed(0)).join('/'),
      p50: mid(rs.map((r) => r.p50)),
      // p99 of every round's requests together: a round's own p99 is its
      // ~12th-slowest request, which the machine's stalls move a lot.
      p99: pooled(rs, 0.99),
      p99s: rs.map((r) => r.p99.toFixed(1)).join('/'),
      // The tail's shape: requests per 10,000 slower than 4 and 8 ms. The
      // machine's stalls reach every case; what a case adds shows here.
      over4: slower(rs, 4),
      over8: slower(rs, 8),
      kvPerRequest: rs[0].kvPerRequest === null ? null : mid(rs.map((r) => r.kvPerRequest)),
      cpuUs: m,
      // The spread of the rounds around their median: the method's repeatability.
      spread: Math.max(...cpu.map((c) => Math.abs(c - m) / m)),
    };
  });
  if (next > fresh.length) console.log(`note: (c) reused pre-minted tokens (${next} requests, ${fresh.length} tokens)`);
  const row = (letter) => rows.find((r) => r.name.startsWith(`(${letter})`));
  const a = row('a');
  const miniflare = JSON.parse(readFileSync(path.join(root, 'node_modules/miniflare/package.json'), 'utf8')).version;
  console.log(MODE === 'rate'
    ? `fixed rate ${RATE} req/s (open loop), ${ROUNDS} rounds of ${SECONDS} s per case, interleaved (medians), Miniflare ${miniflare}`
    : `concurrency ${CONCURRENCY} (closed loop), ${ROUNDS} rounds of ${SECONDS} s per case (medians), Miniflare ${miniflare}`);
  console.log('| case | req/s (median; rounds) | p50 ms | p99 ms, all rounds (each round) | p99 vs (a) | > 4 ms, > 8 ms per 10k | workerd CPU µs / request (spread) | over (a) | KV reads / request |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const kvCell = r.kvPerRequest === null ? '—' : r.kvPerRequest.toFixed(4);
    const over = r === a ? '—' : (r.cpuUs - a.cpuUs).toFixed(0);
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} (${r.all}) | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} (${r.p99s}) | ${(r.p99 / a.p99).toFixed(2)} | ${r.over4.toFixed(0)}, ${r.over8.toFixed(0)} | ${r.cpuUs.toFixed(0)} (±${(r.spread * 100).toFixed(1)} %) | ${over} | ${kvCell} |`);
  }
  const over = (letter) => row(letter) && row(letter).cpuUs - a.cpuUs;
  if (row('c') && row('k')) console.log(`new token: CPU over (a) ${over('c').toFixed(0)} µs vs jose ${over('k').toFixed(0)} µs = ${(over('c') / over('k')).toFixed(2)} x (target <= 1.0)`);
  for (const l of ['b', 'd']) {
    if (row(l) && row('j')) console.log(`(${l}): CPU over (a) ${over(l).toFixed(0)} µs vs jose (j) ${over('j').toFixed(0)} µs = ${(over(l) / over('j')).toFixed(2)} x (target <= 0.25)`);
  }
  for (const l of ['b', 'c', 'd']) if (row(l)) console.log(`(${l}) p99 / (a) p99 = ${(row(l).p99 / a.p99).toFixed(2)} (target <= 1.25)`);
  if (MODE === 'closed' && row('b')) console.log(`(b) throughput ${(row('b').rps / a.rps).toFixed(3)} x (a)`);
  if (row('b')) console.log(`(b) KV reads/request ${row('b').kvPerRequest.toFixed(4)} (target <= 0.05)`);
} finally {
  agent.destroy();
  await bare.dispose();
  await jose.dispose();
  await proxy.dispose();
  await variant?.dispose();
  child.kill('SIGTERM');
}
