// The worker's health and key discovery endpoints, in workerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, newPrivateJwk, thumbprint } from './harness.mjs';

const active = newPrivateJwk('k-2026');
const older = newPrivateJwk(); // no kid: the worker names it by thumbprint
let mf;

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [active, older] }) } });
});
after(async () => { await mf?.dispose(); });

test('GET /healthz answers ok', async () => {
  const res = await mf.dispatchFetch('http://localhost/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

for (const path of ['/.well-known/jwks.json', '/t/acme/.well-known/jwks.json']) {
  test(`GET ${path} serves the public keys, active first, no private part`, async () => {
    const res = await mf.dispatchFetch(`http://localhost${path}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.match(res.headers.get('cache-control'), /max-age=\d+/);
    const text = await res.text();
    assert.ok(!text.includes(active.d) && !text.includes(older.d), 'no private key material');
    const { keys } = JSON.parse(text);
    assert.deepEqual(keys.map((k) => k.kid), ['k-2026', thumbprint(older)]);
    assert.deepEqual(keys[0], { kty: 'OKP', crv: 'Ed25519', x: active.x, kid: 'k-2026', alg: 'EdDSA', use: 'sig' });
    assert.equal(keys[1].x, older.x);
  });
}

test('unknown paths get a 404 problem document (no proxy rule matches them)', async () => {
  // Paths of the proxy: no rule; paths under orgwarden's own prefixes: no such endpoint or tenant.
  for (const [path, code] of [['/', 'route_not_found'], ['/nope', 'route_not_found'],
    ['/t/ACME/.well-known/jwks.json', 'not_found'], ['/t/acme/.well-known/jwks.json/x', 'not_found']]) {
    const res = await mf.dispatchFetch(`http://localhost${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p = await res.json();
    assert.equal(p.code, code, path);
    assert.equal(p.status, 404);
    assert.equal(p.title, 'Not Found');
  }
});

test('other methods get 405 with Allow', async () => {
  const res = await mf.dispatchFetch('http://localhost/.well-known/jwks.json', { method: 'POST', body: '{}' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  assert.equal((await res.json()).code, 'method_not_allowed');
});

test('a missing or broken SIGNING_KEYS secret is a 500 that leaks nothing', async () => {
  const missing = await startWorker();
  try {
    const res = await missing.dispatchFetch('http://localhost/.well-known/jwks.json');
    assert.equal(res.status, 500);
    assert.equal((await res.json()).code, 'server_misconfigured');
  } finally {
    await missing.dispose();
  }
  const publicOnly = { ...active };
  delete publicOnly.d;
  const secret = JSON.stringify({ keys: [publicOnly, { ...older, x: active.x }] });
  const broken = await startWorker({ bindings: { SIGNING_KEYS: secret } });
  try {
    const res = await broken.dispatchFetch('http://localhost/.well-known/jwks.json');
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes(older.d) && !text.includes(active.x));
    assert.equal(JSON.parse(text).code, 'server_misconfigured');
  } finally {
    await broken.dispose();
  }
});

// SIGNING_KEYS is taken apart without the curve arithmetic (WebCrypto signs):
// each key's x is required, and the active key's d is checked against its x
// by signing a probe before any token is signed.
test('SIGNING_KEYS keys need their x, and a d that is not its x signs nothing', async () => {
  const noX = { ...active };
  delete noX.x;
  const without = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [noX] }) } });
  try {
    const res = await without.dispatchFetch('http://localhost/.well-known/jwks.json');
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes(active.d));
    const body = JSON.parse(text);
    assert.equal(body.code, 'server_misconfigured');
    assert.match(body.detail, /jwk_malformed/);
  } finally {
    await without.dispose();
  }
  const OPERATOR_KEY = 'operator-secret-for-tests-0123456789';
  const mixed = await startWorker({
    bindings: { SIGNING_KEYS: JSON.stringify({ keys: [{ ...active, x: older.x }] }), OPERATOR_KEY },
  });
  try {
    const tenant = await mixed.dispatchFetch('http://localhost/api/v1/tenants', {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: 'correct horse battery' } }),
    });
    assert.equal(tenant.status, 201, await tenant.text());
    const res = await mixed.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'root', password: 'correct horse battery' }),
    });
    const text = await res.text();
    assert.equal(res.status, 500, text);
    assert.equal(JSON.parse(text).error, 'server_error');
    assert.ok(!text.includes('access_token') && !text.includes(active.d));
  } finally {
    await mixed.dispose();
  }
});
