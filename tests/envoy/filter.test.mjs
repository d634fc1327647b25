// orgwarden's proxy-wasm filter in a real Envoy (V8), in front of a real
// local origin, with the built worker in workerd as its directory: the
// shared request table with the edge's expectations, spoofed identity
// headers (through `Connection` too), a removed grant refused within the
// cache TTL, facts shared across Envoy's workers, and every way the
// directory can fail closing the door, never opening it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startWorker, rawRequest } from '../worker/harness.mjs';
import { startOrigin } from '../worker/origin.mjs';
import { table, headersFor, checkCase, answerOf } from '../cases/table.mjs';
import { freePort } from '../component/serve.mjs';
import { startEnvoy } from './envoy.mjs';

const KEY = 'directory-key-for-envoy-tests-000001';
const TTL_SECONDS = 2;
const proxy = { ...table.config, cache: { ttl_seconds: TTL_SECONDS } };
let origin;
let mf;
let workerUrl;
let directoryHits = 0;
let counter;
let counterUrl;
const envoys = [];

const at = (url) => ({ ready: Promise.resolve(url) });

async function envoy(over = {}) {
  const e = await startEnvoy({ upstream: origin.url, directory: counterUrl, proxy, baseUrl: table.base_url, key: KEY, ...over });
  envoys.push(e);
  return e;
}

before(async () => {
  origin = await startOrigin();
  mf = await startWorker({ validate: false, bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url, DIRECTORY_KEY: KEY } });
  workerUrl = String(await mf.ready).replace(/\/$/, '');
  const kv = await mf.getKVNamespace('ORGWARDEN');
  for (const { key, value, metadata } of table.kv) await kv.put(key, value, metadata === undefined ? {} : { metadata });
  // The directory behind a counting pass-through, to see what Envoy asks for.
  const w = new URL(workerUrl);
  counter = http.createServer((req, res) => {
    directoryHits += 1;
    const p = http.request({ host: w.hostname, port: w.port, path: req.url, method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    p.on('error', () => res.writeHead(502).end());
    req.pipe(p);
  });
  await new Promise((r) => counter.listen(0, '127.0.0.1', r));
  counterUrl = `http://127.0.0.1:${counter.address().port}`;
});
after(async () => {
  for (const e of envoys) await e.close();
  counter?.closeAllConnections?.();
  counter?.close();
  await mf?.dispose();
  await origin?.close();
});

test('every case of the shared request table through Envoy, cold and cached', async () => {
  const e = await envoy();
  for (const round of ['cold', 'cached']) {
    for (const c of table.requests) {
      const res = await rawRequest(at(e.url), c.method, c.path, headersFor(c.credential));
      checkCase(c, answerOf(res));
      if (res.status !== 200) assert.equal(res.headers['content-type'], 'application/problem+json', `${round}: ${c.name}`);
    }
  }
});

test('spoofed identity headers never reach the upstream, named in Connection or not', async () => {
  const e = await envoy();
  const headers = {
    authorization: `Bearer ${table.tokens.carol.token}`,
    'x-orgwarden-subject': 'root',
    'x-orgwarden-rights': 'RIGHT_ALL',
    x_orgwarden_tenant: 'globex',
    'X-Orgwarden-Organizations': 'platform',
    connection: 'keep-alive, x-orgwarden-subject, x-hop',
    'x-hop': 'secret',
    'x-kept': 'yes',
  };
  const res = await rawRequest(at(e.url), 'GET', '/apps/billing/devices', headers);
  assert.equal(res.status, 200, res.text);
  const h = res.body.headers;
  assert.equal(h['x-orgwarden-subject'], 'carol');
  assert.equal(h['x-orgwarden-tenant'], 'acme');
  assert.equal(h['x-orgwarden-rights'], 'RIGHT_APPLICATION_INFO,RIGHT_APPLICATION_DEVICES_READ');
  assert.equal(h['x-orgwarden-organizations'], '');
  for (const n of ['x_orgwarden_tenant', 'x-hop', 'authorization']) assert.equal(h[n], undefined, n);
  assert.equal(h['x-kept'], 'yes');
  // A public route: no identity at all, whatever the client sent.
  const pub = table.requests.find((r) => r.expect.status === 200 && !r.expect.subject);
  const open = await rawRequest(at(e.url), pub.method, pub.path, { 'x-orgwarden-subject': 'root', ...headersFor(pub.credential) });
  assert.equal(open.status, 200);
  assert.ok(!Object.keys(open.body.headers).some((n) => n.startsWith('x-orgwarden-')));
});

test('facts are shared across Envoy\'s workers and cached for the TTL', async () => {
  const e = await envoy({ concurrency: 2 });
  const carol = { authorization: `Bearer ${table.tokens.carol.token}` };
  // Each worker's root fetches the keys on its first tick; one request
  // then puts the facts in shared data.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await rawRequest(at(e.url), 'GET', '/apps/billing/devices', carol)).status, 200);
  const before = directoryHits;
  const answers = await Promise.all(Array.from({ length: 40 }, () => rawRequest(at(e.url), 'GET', '/apps/billing/devices', carol)));
  assert.ok(answers.every((a) => a.status === 200));
  // Both workers answer from the VM cache or shared data: no call-outs.
  const hits = directoryHits - before;
  assert.ok(hits <= 2, `${hits} directory calls for 40 requests`);
});

test('a removed grant is refused within the cache TTL', async () => {
  const e = await envoy({ concurrency: 1 });
  const carol = { authorization: `Bearer ${table.tokens.carol.token}` };
  const root = { authorization: `Bearer ${table.tokens.root.token}` };
  assert.equal((await rawRequest(at(e.url), 'GET', '/apps/billing/devices', carol)).status, 200);
  const removed = await mf.dispatchFetch(`${workerUrl}/t/acme/api/v1/admin/applications/billing/collaborators/user/carol`, { method: 'DELETE', headers: root });
  assert.equal(removed.status, 204, await removed.text());
  const since = Date.now();
  let res;
  do {
    res = await rawRequest(at(e.url), 'GET', '/apps/billing/devices', carol);
    if (res.status === 200) await new Promise((r) => setTimeout(r, 100));
  } while (res.status === 200 && Date.now() - since < 10_000);
  const took = Date.now() - since;
  assert.equal(res.status, 403, res.text);
  assert.deepEqual(res.body.missing, ['RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ'].filter((r) => res.body.missing.includes(r)));
  assert.ok(took <= TTL_SECONDS * 1000 + 2000, `refused after ${took} ms; TTL ${TTL_SECONDS} s`);
  const restored = await mf.dispatchFetch(`${workerUrl}/t/acme/api/v1/admin/applications/billing/collaborators`, {
    method: 'PUT', headers: { ...root, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: 'carol', rights: ['RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ'] }),
  });
  assert.equal(restored.status, 200);
});

test('directory down or a wrong directory key: 503, never a pass; a bad configuration is refused by Envoy', async () => {
  const carol = { authorization: `Bearer ${table.tokens.carol.token}` };
  const down = await envoy({ directory: `http://127.0.0.1:${await freePort()}` });
  const r1 = await rawRequest(at(down.url), 'GET', '/apps/billing/devices', carol);
  assert.equal(r1.status, 503, r1.text);
  assert.equal(r1.body.code, 'store_unavailable');
  const wrong = await envoy({ key: 'not-the-directory-key-00000000' });
  const r2 = await rawRequest(at(wrong.url), 'GET', '/apps/billing/devices', carol);
  assert.equal(r2.status, 503, r2.text);
  assert.equal(r2.body.code, 'store_unavailable');
  // A token-less request is refused before any fact is needed: 401, still no pass.
  const r3 = await rawRequest(at(down.url), 'GET', '/apps/billing/devices', {});
  assert.ok([401, 503].includes(r3.status), r3.text);
  await assert.rejects(envoy({ proxy: { routes: 'no' } }), /envoy exited|not ready/);
});
