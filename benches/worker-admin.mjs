// Admin API figures for issue 3, on the built worker in workerd (Miniflare's
// API, its in-memory KV): cold start to first response, then with 10,000
// organizations in the tenant the latency of create, get and a listing page
// of 50. Run: node benches/worker-admin.mjs   (ORGS=10000 RUNS=50)
import { createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { startWorker, newPrivateJwk, root } from '../tests/worker/harness.mjs';

const ORGS = Number(process.env.ORGS ?? 10000);
const RUNS = Number(process.env.RUNS ?? 50);
const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('bench');
const key = createPrivateKey({ key: jwk, format: 'jwk' });
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function token(sub, adm = false) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' })}.${b64({ iss: `${BASE}/t/acme`, aud: BASE, sub, tid: 'acme', jti: randomUUID(), iat: now, exp: now + 3600, ...(adm ? { adm: true } : {}) })}`;
  return `${input}.${edSign(null, Buffer.from(input), key).toString('base64url')}`;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];

const wasm = path.join(root, 'build/worker/index.wasm');
console.log(`worker wasm: ${statSync(wasm).size} bytes raw, ${gzipSync(readFileSync(wasm), { level: 9 }).length} bytes gzip`);

const t0 = performance.now();
const mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE } });
const first = await mf.dispatchFetch('http://localhost/healthz');
await first.text();
console.log(`cold start (Miniflare construction + workerd start + first response): ${(performance.now() - t0).toFixed(0)} ms`);

const ROOT = token('root', true);
const call = async (method, p, as, body) => {
  const init = { method, headers: { authorization: `Bearer ${as}` } };
  if (body) { init.body = JSON.stringify(body); init.headers['content-type'] = 'application/json'; }
  const t = performance.now();
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1/admin${p}`, init);
  await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status}`);
  return performance.now() - t;
};
try {
  await call('POST', '/users', ROOT, { id: 'owner1', email: 'o@b.example' });
  const OWNER = token('owner1');
  const seedStart = performance.now();
  for (let i = 0; i < ORGS; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, ORGS - i) }, (_, j) =>
      call('POST', '/organizations', OWNER, { id: `org-${String(i + j).padStart(5, '0')}`, name: `Org ${i + j}` })));
  }
  console.log(`seeded ${ORGS} organizations in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const create = [], get = [], list = [];
  for (let i = 0; i < RUNS; i++) {
    create.push(await call('POST', '/organizations', OWNER, { id: `bench-${i}`, name: `Bench ${i}` }));
    get.push(await call('GET', `/organizations/org-${String((i * 197) % ORGS).padStart(5, '0')}`, OWNER));
    list.push(await call('GET', `/organizations?limit=50&page=${1 + (i % 20)}`, ROOT));
  }
  for (const [name, xs] of [['create organization', create], ['get organization', get], ['list, page of 50 (tenant admin)', list]]) {
    console.log(`${name} with ${ORGS} organizations: median ${median(xs).toFixed(2)} ms, p99 ${p99(xs).toFixed(2)} ms over ${RUNS}`);
  }
} finally {
  await mf.dispose();
}
