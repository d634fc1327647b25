// The Ed25519 equation through workerd's WebCrypto, held to the Rust path:
// every strict-Ed25519 edge case of tests/cases/ed25519.json (generated, with
// its Rust verdicts, by tests/ed25519_vectors.rs) goes through the built
// worker, where the strict checks run in Rust and the equation in
// crypto.subtle.verify, and must get the same verdict. The deployment's own
// tokens, mutated the same ways, too; the metrics show WebCrypto answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startWorker, newPrivateJwk, mintToken, root } from './harness.mjs';
import { startOrigin } from './origin.mjs';

const vectors = JSON.parse(readFileSync(path.join(root, 'tests/cases/ed25519.json'), 'utf8'));
const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-secret-for-ed25519-tests-01';
const PASSWORD = 'correct horse battery';
const jwk = newPrivateJwk('ed25519-test-key');

// ℓ, the order of the prime-order subgroup, little-endian.
const ORDER = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
const IDENTITY = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);

let origin;
let mf;

async function call(bearer, app = 'vectors') {
  const res = await mf.dispatchFetch(`http://localhost/apps/${app}/devices`, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  let code = null;
  try { code = JSON.parse(text).code ?? null; } catch { /* the origin's answer */ }
  return { status: res.status, code };
}

async function metrics() {
  const res = await mf.dispatchFetch('http://localhost/api/v1/metrics', { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
  assert.equal(res.status, 200);
  return (await res.json()).proxy;
}

function withSignature(token, signature) {
  return `${token.slice(0, token.lastIndexOf('.'))}.${signature.toString('base64url')}`;
}

function signatureOf(token) {
  return Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
}

before(async () => {
  origin = await startOrigin();
  mf = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      OPERATOR_KEY,
      PUBLIC_BASE_URL: BASE,
      PASSWORD_ITERATIONS: '10000',
      ORIGIN: origin.url,
      ORGWARDEN_PROXY: {
        tenant: 'acme',
        routes: [{ methods: ['GET'], path: '/apps/{app}/**', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_INFO'] }],
        issuers: [{ issuer: vectors.issuer, audience: vectors.audience, tenant: 'acme', jwks: vectors.jwks }],
      },
    },
  });
  const created = await mf.dispatchFetch('http://localhost/api/v1/tenants', {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } }),
  });
  assert.equal(created.status, 201, await created.text());
});

after(async () => {
  await mf?.dispose();
  await origin?.close();
});

test('every edge case gets the Rust path\'s verdict through WebCrypto', async () => {
  assert.ok(vectors.cases.length >= 60);
  const before = await metrics();
  for (const c of vectors.cases) {
    const got = await call(c.token);
    // The subject is no user of the tenant: a signature that verifies gets
    // as far as the user lookup (token_revoked); one that does not, no further.
    const expected = c.valid ? 'token_revoked' : 'token_bad_signature';
    assert.equal(got.code, expected, `${c.name}: ${JSON.stringify(got)}`);
    assert.equal(got.status, 401, c.name);
  }
  const after = await metrics();
  // Every case that passed the strict checks went to WebCrypto, none fell back.
  assert.ok(after.signatures.host - before.signatures.host >= vectors.cases.filter((c) => c.valid).length + 17);
  assert.equal(after.signatures.here, 0);
});

test('the deployment\'s own tokens: new ones verify, every mutation is refused, no fallback', async () => {
  const before = await metrics();
  const tokens = [];
  for (let i = 0; i < 20; i++) tokens.push(mintToken(jwk, 'root', { base: BASE, adm: true, jti: `own-${i}` }));
  for (const t of tokens) {
    const got = await call(t);
    assert.notEqual(got.status, 401, JSON.stringify(got));
  }
  const good = signatureOf(tokens[0]);
  const mutations = [];
  for (const bit of [0, 9, 255, 256, 383, 511]) {
    const s = Buffer.from(good);
    s[bit >> 3] ^= 1 << (bit & 7);
    mutations.push([`bit ${bit}`, s]);
  }
  // s + ℓ: the same signature with a non-canonical s.
  const high = Buffer.from(good);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = high[32 + i] + ORDER[i] + carry;
    high[32 + i] = v & 0xff;
    carry = v >> 8;
  }
  mutations.push(['s + ℓ', high]);
  mutations.push(['R = identity, s = 0', Buffer.concat([IDENTITY, Buffer.alloc(32)])]);
  mutations.push(['R = identity, the real s', Buffer.concat([IDENTITY, good.subarray(32)])]);
  for (const [name, s] of mutations) {
    const got = await call(withSignature(tokens[1], s));
    assert.equal(got.code, 'token_bad_signature', name);
  }
  // A seen token comes from the cache: no second equation.
  const mid = await metrics();
  await call(tokens[0]);
  const after = await metrics();
  assert.equal(after.signatures.host, mid.signatures.host);
  // 20 new tokens and the five mutations the strict checks let through
  // (bit 511 makes s non-canonical; s + ℓ and a small-order R never get there).
  assert.equal(after.signatures.host - before.signatures.host, 20 + 5);
  assert.equal(after.signatures.here, 0);
});
