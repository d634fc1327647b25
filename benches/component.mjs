// The gateway component, measured (issue 12):
//   1. size of both builds (raw, gzip);
//   2. instantiation in a Node host (jco): compile + instantiate;
//   3. per-decision latency of gate.authorize in the host, facts answered
//      by the host's directory import: cached token, new token each time,
//      API key;
//   4. middleware throughput and p50/p99 under `wasmtime serve` in front of a
//      local origin (the worker in workerd as directory), cached token,
//      beside the same middleware on a public route (no credential, no
//      facts: the host's and the forwarding's own cost), ROUNDS rounds in
//      rotating order, medians reported.
// Run: node benches/component.mjs   (SECONDS=5 ROUNDS=3 CONCURRENCY=8 N=2000)
// Needs: bash scripts/build-component.sh and bash scripts/build-worker.sh.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { loadAuthz } from '../examples/component/host.mjs';
import { table } from '../tests/cases/table.mjs';
import { startWorker, root } from '../tests/worker/harness.mjs';
import { startOrigin } from '../tests/worker/origin.mjs';
import { startWasmtime } from '../tests/component/serve.mjs';
import { loader, rounds, median, quantile, fmt } from './load.mjs';

const SECONDS = Number(process.env.SECONDS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const N = Number(process.env.N ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const KEY = 'directory-key-for-the-component-bench';
const PATH = '/apps/billing/devices';


// 1. Sizes.
for (const f of ['orgwarden-authz.wasm', 'orgwarden-middleware.wasm']) {
  const p = path.join(root, 'target/component', f);
  console.log(`${f}: ${statSync(p).size} bytes, ${gzipSync(readFileSync(p), { level: 9 }).length} gzip`);
}

// 2. Instantiation.
const directory = {
  epochs: (t) => JSON.stringify(table.directory[`/t/${t}/api/v1/directory/epochs`] ?? {}),
  grants: (t, k, id) => JSON.stringify(table.directory[`/t/${t}/api/v1/directory/grants/${k}/${id}`] ?? {}),
  apiKey: (t, id) => JSON.stringify(table.directory[`/t/${t}/api/v1/directory/api-keys/${id}`] ?? null),
  principal: (t, u) => JSON.stringify(table.directory[`/t/${t}/api/v1/directory/principals/${u}`] ?? { active: false }),
  jwks: () => undefined,
};
const cold = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await loadAuthz(directory);
  cold.push(performance.now() - t);
}
console.log(`instantiation (compile + instantiate, Node ${process.version}): median ${fmt(quantile(cold, 0.5))} ms over ${cold.length}`);

// 3. Per-decision latency in the host.
const authz = await loadAuthz(directory);
const publicJwks = { keys: table.signing_jwks.keys.map(({ d, ...k }) => k) };
authz.gate.configure({ proxy: JSON.stringify(table.config), baseUrl: table.base_url, jwks: JSON.stringify(publicJwks) });
const signer = createPrivateKey({ key: table.signing_jwks.keys[0], format: 'jwk' });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const fresh = () => {
  const input = `${b64({ alg: 'EdDSA', kid: table.signing_jwks.keys[0].kid, typ: 'at+jwt' })}.${b64({ ...table.tokens.carol.claims, jti: randomUUID() })}`;
  return `${input}.${edSign(null, Buffer.from(input), signer).toString('base64url')}`;
};
const cases = {
  'cached token': () => [['authorization', `Bearer ${table.tokens.carol.token}`]],
  'new token each request': null,
  'API key': () => [['x-api-key', table.keys.reader]],
};
const freshTokens = Array.from({ length: N + 200 }, fresh);
for (const [name, headersOf] of Object.entries(cases)) {
  let i = 0;
  const next = headersOf ?? (() => [['authorization', `Bearer ${freshTokens[i++]}`]]);
  for (let w = 0; w < 200; w++) authz.gate.authorize({ method: 'GET', path: PATH, headers: next() });
  const us = [];
  for (let n = 0; n < N; n++) {
    const h = next();
    const t = performance.now();
    const d = authz.gate.authorize({ method: 'GET', path: PATH, headers: h });
    us.push((performance.now() - t) * 1000);
    if (d.tag !== 'allow') throw new Error(`${name}: ${d.val.code}`);
  }
  console.log(`decision in the host, ${name}: median ${fmt(quantile(us, 0.5))} µs, p99 ${fmt(quantile(us, 0.99))} µs`);
}

// 4. Middleware throughput under wasmtime serve.
const origin = await startOrigin();
const mf = await startWorker({ validate: false, bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url, DIRECTORY_KEY: KEY } });
const kv = await mf.getKVNamespace('ORGWARDEN');
for (const { key, value, metadata } of table.kv) await kv.put(key, value, metadata === undefined ? {} : { metadata });
const workerUrl = String(await mf.ready).replace(/\/$/, '');
const env = (proxy) => ({
  ORGWARDEN_ORIGIN: origin.url,
  ORGWARDEN_DIRECTORY: workerUrl,
  ORGWARDEN_BASE_URL: table.base_url,
  ORGWARDEN_DIRECTORY_KEY: KEY,
  ORGWARDEN_PROXY: JSON.stringify(proxy),
});
const guarded = await startWasmtime(env(table.config), { reuse: 1_000_000 });
const open = await startWasmtime(env({ routes: [{ methods: ['GET'], path: '/**', public: true }] }), { reuse: 1_000_000 });

const { load: loadUrl, close } = loader({ concurrency: CONCURRENCY, seconds: SECONDS });
const load = (server, headers) => loadUrl(new URL(PATH, server.url), () => headers, server.pid);
const runs = {
  'public route (pass-through)': () => load(open, {}),
  'cached token': () => load(guarded, { authorization: `Bearer ${table.tokens.carol.token}` }),
  'API key': () => load(guarded, { 'x-api-key': table.keys.reader }),
};
const results = await rounds(runs, ROUNDS);
for (const [name, rs] of Object.entries(results)) {
  console.log(`wasmtime serve, ${name}: ${fmt(median(rs, (x) => x.rps), 0)} req/s, p50 ${fmt(median(rs, (x) => x.p50))} ms, p99 ${fmt(median(rs, (x) => x.p99))} ms, wasmtime CPU ${fmt(median(rs, (x) => x.cpu), 0)} µs/request (medians of ${ROUNDS})`);
}
const ratios = results['cached token'].map((x, i) => x.rps / results['public route (pass-through)'][i].rps);
console.log(`cached token / pass-through throughput per round: ${ratios.map((x) => fmt(x, 3)).join(', ')}; median ${fmt(quantile(ratios, 0.5), 3)} (concurrency ${CONCURRENCY}, ${SECONDS} s)`);
close();
await guarded.close();
await open.close();
await mf.dispose();
await origin.close();
