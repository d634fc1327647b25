// The Envoy filter, measured (issue 13): the same Envoy, the same upstream,
// one run of ROUNDS rounds in rotating order, medians reported:
//   (a) Envoy without the filter,
//   (b) with it, the same token on every request (cached),
//   (c) with it, an API key,
//   (d) with it, a new token on every request (verified each time),
//   (p) with it, a public route (no credential, no facts): what the
//       proxy-wasm machinery costs Envoy before any decision.
// Throughput and p50/p99 at a fixed concurrency, and Envoy's CPU per request.
// Run: node benches/envoy.mjs   (SECONDS=5 ROUNDS=3 CONCURRENCY=8)
// Needs: bash scripts/build-envoy.sh and bash scripts/build-worker.sh.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { table } from '../tests/cases/table.mjs';
import { startWorker } from '../tests/worker/harness.mjs';
import { startOrigin } from '../tests/worker/origin.mjs';
import { startEnvoy, filterWasm } from '../tests/envoy/envoy.mjs';
import { loader, rounds, median, quantile, fmt } from './load.mjs';

const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const KEY = 'directory-key-for-the-envoy-bench-01';
const PATH = '/apps/billing/devices';

console.log(`orgwarden-filter.wasm: ${statSync(filterWasm).size} bytes, ${gzipSync(readFileSync(filterWasm), { level: 9 }).length} gzip`);

const origin = await startOrigin();
const mf = await startWorker({ validate: false, bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url, DIRECTORY_KEY: KEY } });
const kv = await mf.getKVNamespace('ORGWARDEN');
for (const { key, value, metadata } of table.kv) await kv.put(key, value, metadata === undefined ? {} : { metadata });
const common = { upstream: origin.url, directory: String(await mf.ready).replace(/\/$/, ''), proxy: table.config, baseUrl: table.base_url, key: KEY, concurrency: 1 };
const bare = await startEnvoy({ ...common, filter: false });
const guarded = await startEnvoy(common);

// Fresh tokens for (d), minted before the run so the load generator does no crypto.
const signer = createPrivateKey({ key: table.signing_jwks.keys[0], format: 'jwk' });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const fresh = () => {
  const input = `${b64({ alg: 'EdDSA', kid: table.signing_jwks.keys[0].kid, typ: 'at+jwt' })}.${b64({ ...table.tokens.carol.claims, jti: randomUUID() })}`;
  return `${input}.${edSign(null, Buffer.from(input), signer).toString('base64url')}`;
};
const pool = Array.from({ length: 200_000 }, fresh);
let next = 0;

const { load: loadUrl, close } = loader({ concurrency: CONCURRENCY, seconds: SECONDS });
const load = (envoy, headersOf, path = PATH) => loadUrl(new URL(path, envoy.url), headersOf, envoy.pid);
const carol = { authorization: `Bearer ${table.tokens.carol.token}` };
const runs = {
  '(a) Envoy without the filter': () => load(bare, () => carol),
  '(b) filter, cached token': () => load(guarded, () => carol),
  '(c) filter, API key': () => load(guarded, () => ({ 'x-api-key': table.keys.reader })),
  '(d) filter, new token each request': () => load(guarded, () => ({ authorization: `Bearer ${pool[next++ % pool.length]}` })),
  '(p) filter, public route': () => load(guarded, () => ({}), '/status'),
};
const results = await rounds(runs, ROUNDS);
for (const [name, rs] of Object.entries(results)) {
  console.log(`${name}: ${fmt(median(rs, (x) => x.rps), 0)} req/s, p50 ${fmt(median(rs, (x) => x.p50), 2)} ms, p99 ${fmt(median(rs, (x) => x.p99), 2)} ms, Envoy CPU ${fmt(median(rs, (x) => x.cpu), 0)} µs/request`);
}
const a = results['(a) Envoy without the filter'];
const ratios = results['(b) filter, cached token'].map((x, i) => x.rps / a[i].rps);
console.log(`cached token / no filter throughput per round: ${ratios.map((x) => fmt(x, 3)).join(', ')}; median ${fmt(quantile(ratios, 0.5), 3)} (concurrency ${CONCURRENCY}, Envoy --concurrency 1, ${SECONDS} s)`);
close();
await bare.close();
await guarded.close();
await mf.dispose();
await origin.close();
