// Passwords in the built worker: derived by workerd's WebCrypto PBKDF2, in
// the same PHC format as before. A hash the worker stores is checked here
// with Node's own PBKDF2 (an independent implementation), and a hash made
// elsewhere (as the Rust code made them before) still signs its user in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-key-for-password-tests-0001';
const jwk = newPrivateJwk('pw');
let mf;

const b64 = (buf) => buf.toString('base64').replace(/=+$/, '');
const signIn = (username, password) => mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'password', username, password }),
});

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '20000', PUBLIC_BASE_URL: BASE } });
  const made = await mf.dispatchFetch('http://localhost/api/v1/tenants', {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: 'correct horse battery' } }),
  });
  assert.equal(made.status, 201);
});
after(async () => { await mf?.dispose(); });

test("the worker's hash is PBKDF2-HMAC-SHA256 in the PHC format, as Node computes it", async () => {
  const kv = await mf.getKVNamespace('ORGWARDEN');
  const stored = await kv.get('t/acme/pw/root');
  const [, scheme, i, salt, hash] = stored.split('$');
  assert.equal(scheme, 'pbkdf2-sha256');
  assert.equal(i, 'i=20000');
  const expected = pbkdf2Sync('correct horse battery', Buffer.from(salt, 'base64'), 20000, 32, 'sha256');
  assert.equal(hash, b64(expected));
  assert.equal((await signIn('root', 'correct horse battery')).status, 200);
  assert.equal((await signIn('root', 'correct horse batterY')).status, 400);
});

test('a hash made elsewhere (other iterations, another implementation) still signs in', async () => {
  const root = mintToken(jwk, 'root', { base: BASE, adm: true });
  const made = await mf.dispatchFetch('http://localhost/t/acme/api/v1/admin/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bob', email: 'bob@acme.example' }),
  });
  assert.equal(made.status, 201);
  const salt = randomBytes(16);
  const phc = `$pbkdf2-sha256$i=10000$${b64(salt)}$${b64(pbkdf2Sync('bob password 1', salt, 10000, 32, 'sha256'))}`;
  await (await mf.getKVNamespace('ORGWARDEN')).put('t/acme/pw/bob', phc);
  assert.equal((await signIn('bob', 'bob password 1')).status, 200);
  const wrong = await signIn('bob', 'bob password 2');
  assert.equal(wrong.status, 400);
  assert.equal((await wrong.json()).error, 'invalid_grant');
});

test('repeated failures are throttled per user and per client address, with Retry-After', async () => {
  const w = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '10000', PUBLIC_BASE_URL: BASE,
    SIGNIN_FAILURES_PER_USER: '3', SIGNIN_FAILURES_PER_ADDRESS: '5', SIGNIN_FAILURE_WINDOW_SECONDS: '60' } });
  try {
    const made = await w.dispatchFetch('http://localhost/api/v1/tenants', {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: 'correct horse battery' } }),
    });
    assert.equal(made.status, 201);
    const attempt = (username, password, ip) => w.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip },
      body: new URLSearchParams({ grant_type: 'password', username, password }),
    });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('root', 'wrong password', '203.0.113.1')).status, 400);
    // The user's bound: even the right password waits, from any address.
    const held = await attempt('root', 'correct horse battery', '198.51.100.9');
    assert.equal(held.status, 429);
    assert.equal((await held.json()).error, 'too_many_attempts');
    const wait = Number(held.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    // The address's bound: other names from 203.0.113.1 fail twice more, then it waits.
    assert.equal((await attempt('nobody', 'x'.repeat(10), '203.0.113.1')).status, 400);
    assert.equal((await attempt('someone', 'x'.repeat(10), '203.0.113.1')).status, 400);
    assert.equal((await attempt('anyone', 'x'.repeat(10), '203.0.113.1')).status, 429);
    // Another address and another user are not held back.
    const bob = await w.dispatchFetch('http://localhost/t/acme/api/v1/admin/users', {
      method: 'POST',
      headers: { authorization: `Bearer ${mintToken(jwk, 'root', { base: BASE, adm: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'bob', email: 'bob@acme.example', password: 'bob password 1' }),
    });
    assert.equal(bob.status, 201);
    assert.equal((await attempt('bob', 'bob password 1', '198.51.100.9')).status, 200);
  } finally {
    await w.dispose();
  }
});
