// The README's new-user path as one scripted walk through the built worker in
// workerd: create a tenant with the operator key, sign in, create an
// organization, add a member, and check what the member's token carries.
// Then the token endpoint's refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { startWorker, newPrivateJwk } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-secret-for-tests-0123456789';
const jwk = newPrivateJwk('walk-key');
let mf;

async function fetchJson(method, path, { body, form, bearer, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  if (form !== undefined) {
    init.body = new URLSearchParams(form).toString();
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await mf.dispatchFetch(`http://localhost${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const signIn = (username, password, tenant = 'acme') =>
  fetchJson('POST', `/t/${tenant}/api/v1/auth/token`, { form: { grant_type: 'password', username, password } });

function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
}

before(async () => {
  mf = await startWorker({
    bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), OPERATOR_KEY, PUBLIC_BASE_URL: BASE },
  });
});
after(async () => { await mf?.dispose(); });

test('the new-user walk: tenant, sign-in, organization, member, member token', async () => {
  const tenant = await fetchJson('POST', '/api/v1/tenants', {
    bearer: OPERATOR_KEY,
    body: { id: 'acme', name: 'Acme Inc.', admin: { id: 'root', email: 'root@acme.example', password: 'correct horse battery' } },
  });
  assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  assert.equal(tenant.body.admin.admin, true);
  assert.ok(!JSON.stringify(tenant.body).includes('correct horse'), 'the password is never echoed');

  const root = await signIn('root', 'correct horse battery');
  assert.equal(root.status, 200, JSON.stringify(root.body));
  assert.equal(root.body.token_type, 'Bearer');
  assert.equal(root.body.expires_in, 900);
  assert.equal(root.headers.get('cache-control'), 'no-store');
  const rootToken = root.body.access_token;
  const c = claimsOf(rootToken);
  assert.equal(c.iss, `${BASE}/t/acme`);
  assert.equal(c.aud, BASE);
  assert.equal(c.sub, 'root');
  assert.equal(c.adm, true);
  assert.equal(c.exp - c.iat, 900);

  // The token verifies with Node's Ed25519 against the worker's published JWKS.
  const { keys } = await fetchJson('GET', '/t/acme/.well-known/jwks.json').then((r) => r.body);
  const [h, p, s] = rootToken.split('.');
  const key = createPublicKey({ key: keys.find((k) => k.kid === JSON.parse(Buffer.from(h, 'base64url')).kid), format: 'jwk' });
  assert.ok(edVerify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')));

  const alice = await fetchJson('POST', '/t/acme/api/v1/admin/users', {
    bearer: rootToken, body: { id: 'alice', email: 'alice@acme.example', password: 'alice-password-1' },
  });
  assert.equal(alice.status, 201);
  const bob = await fetchJson('POST', '/t/acme/api/v1/admin/users', {
    bearer: rootToken, body: { id: 'bob', email: 'bob@acme.example', password: 'bob-password-1' },
  });
  assert.equal(bob.status, 201);

  const aliceToken = (await signIn('alice', 'alice-password-1')).body.access_token;
  assert.equal((await fetchJson('POST', '/t/acme/api/v1/admin/organizations', { bearer: aliceToken, body: { id: 'platform', name: 'Platform team' } })).status, 201);
  assert.equal((await fetchJson('POST', '/t/acme/api/v1/admin/organizations/platform/members', { bearer: aliceToken, body: { user_id: 'bob', role: 'member' } })).status, 201);

  // A fresh token carries the memberships with their roles and rights.
  const bobClaims = claimsOf((await signIn('bob', 'bob-password-1')).body.access_token);
  assert.equal(bobClaims.orgs.platform.role, 'member');
  assert.ok(bobClaims.orgs.platform.rights.includes('RIGHT_APPLICATION_ALL'));
  assert.equal(bobClaims.adm, undefined);
  const aliceClaims = claimsOf((await signIn('alice', 'alice-password-1')).body.access_token);
  assert.equal(aliceClaims.orgs.platform.role, 'owner');
});

test('tenant creation needs the operator key and refuses duplicates', async () => {
  const body = { id: 'beta', name: 'Beta', admin: { id: 'boss', email: 'boss@beta.example', password: 'long enough pw' } };
  assert.equal((await fetchJson('POST', '/api/v1/tenants', { body })).status, 401);
  const wrong = await fetchJson('POST', '/api/v1/tenants', { bearer: 'nope', body });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'credential_invalid');
  assert.equal((await fetchJson('POST', '/api/v1/tenants', { bearer: OPERATOR_KEY, body: { ...body, admin: { ...body.admin, password: 'short' } } })).status, 400);
  assert.equal((await fetchJson('POST', '/api/v1/tenants', { bearer: OPERATOR_KEY, body })).status, 201);
  const again = await fetchJson('POST', '/api/v1/tenants', { bearer: OPERATOR_KEY, body });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'tenant_exists');
  assert.equal((await fetchJson('GET', '/api/v1/tenants', { bearer: OPERATOR_KEY })).status, 405);
});

test('the token endpoint refuses in OAuth 2.0 terms', async () => {
  const wrongPassword = await signIn('root', 'not the password');
  assert.equal(wrongPassword.status, 400);
  assert.equal(wrongPassword.body.error, 'invalid_grant');
  const noSuchUser = await signIn('nobody', 'not the password');
  assert.deepEqual(noSuchUser.body, wrongPassword.body, 'unknown users and wrong passwords look alike');
  const grant = await fetchJson('POST', '/t/acme/api/v1/auth/token', { form: { grant_type: 'implicit' } });
  assert.equal(grant.body.error, 'unsupported_grant_type');
  const missing = await fetchJson('POST', '/t/acme/api/v1/auth/token', { form: { grant_type: 'password', username: 'root' } });
  assert.equal(missing.body.error, 'invalid_request');
  const json = await fetchJson('POST', '/t/acme/api/v1/auth/token', { body: { grant_type: 'password' } });
  assert.equal(json.body.error, 'invalid_request');
  const unknownTenant = await signIn('root', 'correct horse battery', 'nowhere');
  assert.equal(unknownTenant.status, 404);
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/auth/token')).status, 405);
});
