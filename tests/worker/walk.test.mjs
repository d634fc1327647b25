// docs/http-walk.md's new-user path as one scripted walk through the built worker in
// workerd: create a tenant with the operator key, sign in, create an
// organization, add a member, and check what the member's token carries.
// Then the token endpoint's refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
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
  // Signed by WebCrypto in the worker: Ed25519 is deterministic, so the
  // signature is the one Node's own signing with SIGNING_KEYS gives.
  const expected = edSign(null, Buffer.from(`${h}.${p}`), createPrivateKey({ key: jwk, format: 'jwk' }));
  assert.equal(s, expected.toString('base64url'));

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
  // A built-in role in the compact form: its rights are the role's (docs/tokens.md).
  assert.deepEqual(bobClaims.orgs.platform, { role: 'member' });
  assert.equal(bobClaims.adm, undefined);
  const aliceClaims = claimsOf((await signIn('alice', 'alice-password-1')).body.access_token);
  assert.equal(aliceClaims.orgs.platform.role, 'owner');
});

test('the walk, step 6: an invitation by email, accepted by a new person in one call', async () => {
  const alice = (await signIn('alice', 'alice-password-1')).body.access_token;
  const invited = await fetchJson('POST', '/t/acme/api/v1/admin/organizations/platform/invitations', {
    bearer: alice, body: { email: 'carol@example.com', role: 'member', first_name: 'Carol' },
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  // What `wrangler dev` logs as the email, and the link in its text.
  const [mail] = await mf.emails.waitFor(1);
  assert.equal(mail.to, 'carol@example.com');
  const token = /OWI\.[A-Z2-7]{16}\.[A-Z2-7]{52}/.exec(mail.text)[0];
  const accepted = await fetchJson('POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'carol', password: 'carol-password-1' } });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const carol = claimsOf((await signIn('carol', 'carol-password-1')).body.access_token);
  assert.deepEqual(carol.orgs.platform, { role: 'member' });
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

test('API keys: shown once, hashed, bounded by their creator, usable directly and through client_credentials, revoked by deletion', async () => {
  const alice = (await signIn('alice', 'alice-password-1')).body.access_token;
  const bob = (await signIn('bob', 'bob-password-1')).body.access_token;
  const path = '/t/acme/api/v1/admin/organizations/platform/api-keys';

  // A member cannot manage the org's keys; the owner can.
  const denied = await fetchJson('POST', path, { bearer: bob, body: { name: 'ci', rights: ['RIGHT_ORGANIZATION_INFO'] } });
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.body.missing, ['RIGHT_ORGANIZATION_SETTINGS_API_KEYS']);
  const notHoldable = await fetchJson('POST', path, { bearer: alice, body: { name: 'ci', rights: ['RIGHT_USER_DELETE'] } });
  assert.equal(notHoldable.body.code, 'right_not_holdable');
  const created = await fetchJson('POST', path, {
    bearer: alice, body: { name: 'ci', rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO'] },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('cache-control'), 'no-store');
  const key = created.body.key;
  assert.match(key, /^OWK\.[A-Z2-7]{16}\.[A-Z2-7]{52}$/);
  const id = created.body.id;

  // Never listed or shown again.
  const listed = await fetchJson('GET', path, { bearer: alice });
  assert.equal(listed.headers.get('x-total-count'), '1');
  assert.deepEqual(Object.keys(listed.body.api_keys[0]).sort(), ['created_at', 'id', 'name', 'rights', 'updated_at']);
  assert.ok(!JSON.stringify(listed.body).includes(key.split('.')[2]));
  assert.ok(!JSON.stringify((await fetchJson('GET', `${path}/${id}`, { bearer: alice })).body).includes(key.split('.')[2]));

  // The key itself as a bearer credential: the org's rights, cut by the key's.
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: key })).status, 200);
  const overreach = await fetchJson('POST', '/t/acme/api/v1/admin/organizations/platform/members', { bearer: key, body: { user_id: 'root', role: 'member' } });
  assert.equal(overreach.status, 403);
  const wrongSecret = `${key.slice(0, -4)}AAAA`;
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: wrongSecret })).body.code, 'credential_invalid');

  // client_credentials, with client_secret and with HTTP Basic.
  const viaForm = await fetchJson('POST', '/t/acme/api/v1/auth/token', { form: { grant_type: 'client_credentials', client_secret: key } });
  assert.equal(viaForm.status, 200);
  const keyToken = viaForm.body.access_token;
  const kc = claimsOf(keyToken);
  assert.equal(kc.sub, `apikey:${id}`);
  assert.equal(kc.client_id, id);
  assert.deepEqual(kc.rights, ['RIGHT_APPLICATION_INFO', 'RIGHT_ORGANIZATION_INFO']);
  const basic = Buffer.from(`${id}:${key}`).toString('base64');
  const viaBasic = await fetchJson('POST', '/t/acme/api/v1/auth/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${basic}` } });
  assert.equal(viaBasic.status, 200);
  const bad = await fetchJson('POST', '/t/acme/api/v1/auth/token', { form: { grant_type: 'client_credentials', client_secret: wrongSecret } });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error, 'invalid_client');
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: keyToken })).status, 200);

  // Narrowing the key narrows its tokens at once; deleting it revokes them.
  assert.equal((await fetchJson('PUT', `${path}/${id}`, { bearer: alice, body: { rights: ['RIGHT_APPLICATION_INFO'] } })).status, 200);
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: keyToken })).status, 403);
  assert.equal((await fetchJson('DELETE', `${path}/${id}`, { bearer: alice })).status, 204);
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: key })).status, 401);
  const revoked = await fetchJson('GET', '/t/acme/api/v1/admin/organizations/platform', { bearer: keyToken });
  assert.equal(revoked.status, 401);
  assert.equal(revoked.body.code, 'token_revoked');

  // A user's own keys live under the user; another user cannot see them.
  const mine = await fetchJson('POST', '/t/acme/api/v1/admin/users/bob/api-keys', { bearer: bob, body: { name: 'laptop', rights: ['RIGHT_USER_INFO'] } });
  assert.equal(mine.status, 201);
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/users/bob/api-keys', { bearer: alice })).status, 403);
  const self = await fetchJson('GET', '/t/acme/api/v1/admin/users/bob', { bearer: mine.body.key });
  assert.equal(self.status, 200);
  const userKey = `/t/acme/api/v1/admin/users/bob/api-keys/${mine.body.id}`;
  assert.equal((await fetchJson('GET', userKey, { bearer: bob })).body.name, 'laptop');
  assert.equal((await fetchJson('PUT', userKey, { bearer: bob, body: { name: 'old laptop' } })).body.name, 'old laptop');
  assert.equal((await fetchJson('GET', userKey, { bearer: alice })).status, 403);
  assert.equal((await fetchJson('DELETE', userKey, { bearer: bob })).status, 204);
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/users/bob', { bearer: mine.body.key })).status, 401);
});

test('discovery: the tenant\'s issuer metadata points at its JWKS and token endpoint', async () => {
  const r = await fetchJson('GET', '/t/acme/.well-known/openid-configuration');
  assert.equal(r.status, 200);
  assert.equal(r.body.issuer, `${BASE}/t/acme`);
  assert.equal(r.body.jwks_uri, `${BASE}/t/acme/.well-known/jwks.json`);
  assert.equal(r.body.token_endpoint, `${BASE}/t/acme/api/v1/auth/token`);
  assert.deepEqual(r.body.grant_types_supported, ['password', 'client_credentials']);
  // The issuer named here is the one the tokens carry.
  const t = (await signIn('root', 'correct horse battery')).body.access_token;
  assert.equal(claimsOf(t).iss, r.body.issuer);
  assert.equal((await fetchJson('GET', '/t/nowhere/.well-known/openid-configuration')).status, 404);
  assert.equal((await fetchJson('POST', '/t/acme/.well-known/openid-configuration', { body: {} })).status, 405);
});

test('users: self-service, org admins rename members, tenant admins suspend and delete', async () => {
  const root = (await signIn('root', 'correct horse battery')).body.access_token;
  const alice = (await signIn('alice', 'alice-password-1')).body.access_token;
  let bob = (await signIn('bob', 'bob-password-1')).body.access_token;
  const put = (who, user, body) => fetchJson('PUT', `/t/acme/api/v1/admin/users/${user}`, { bearer: who, body });

  assert.equal((await put(bob, 'bob', { first_name: 'Robert', email: 'robert@acme.example' })).status, 200);
  const selfPromote = await put(bob, 'bob', { admin: true });
  assert.equal(selfPromote.status, 403);
  assert.deepEqual(selfPromote.body.missing, ['RIGHT_USER_ALL']);
  // alice owns an organization bob is a member of: she may fix his display name, not his email.
  assert.equal((await put(alice, 'bob', { last_name: 'Builder' })).body.last_name, 'Builder');
  assert.equal((await put(alice, 'bob', { email: 'x@evil.example' })).status, 403);
  assert.equal((await put(alice, 'root', { first_name: 'Nope' })).status, 403, 'root shares no organization with alice');

  // Suspension stops sign-in; reinstating restores it.
  assert.equal((await put(root, 'bob', { state: 'suspended' })).body.state, 'suspended');
  const refused = await signIn('bob', 'bob-password-1');
  assert.equal(refused.body.error, 'invalid_grant');
  const revoked = await fetchJson('GET', '/t/acme/api/v1/account', { bearer: bob });
  assert.equal(revoked.body.code, 'token_revoked', 'suspension revokes the tokens already issued');
  assert.equal((await put(root, 'bob', { state: 'approved' })).status, 200);
  const back = await signIn('bob', 'bob-password-1');
  assert.equal(back.status, 200);
  bob = back.body.access_token;

  // Soft delete: no sign-in, the ID stays reserved.
  const eve = await fetchJson('POST', '/t/acme/api/v1/admin/users', { bearer: root, body: { id: 'eve', email: 'eve@acme.example', password: 'eve-password-1' } });
  assert.equal(eve.status, 201);
  assert.equal((await fetchJson('DELETE', '/t/acme/api/v1/admin/users/eve', { bearer: bob })).status, 403);
  assert.equal((await fetchJson('DELETE', '/t/acme/api/v1/admin/users/eve', { bearer: root })).status, 204);
  assert.equal((await signIn('eve', 'eve-password-1')).body.error, 'invalid_grant');
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/users/eve', { bearer: root })).status, 404);
  const again = await fetchJson('POST', '/t/acme/api/v1/admin/users', { bearer: root, body: { id: 'eve', email: 'e@acme.example' } });
  assert.equal(again.body.code, 'id_reserved');
  const deletedList = await fetchJson('GET', '/t/acme/api/v1/admin/users?deleted=true', { bearer: root });
  assert.deepEqual(deletedList.body.users.map((u) => u.id), ['eve']);
  const byName = await fetchJson('GET', '/t/acme/api/v1/admin/users?name_contains=robert%20builder', { bearer: root });
  assert.deepEqual(byName.body.users.map((u) => u.id), ['bob']);
  const approved = await fetchJson('GET', '/t/acme/api/v1/admin/users?state=approved&field_mask=state', { bearer: root });
  assert.ok(approved.body.users.every((u) => u.state === 'approved'));
  assert.equal((await fetchJson('GET', '/t/acme/api/v1/admin/users?state=sleeping', { bearer: root })).status, 400);
  const asOrg = await fetchJson('POST', '/t/acme/api/v1/admin/organizations', { bearer: alice, body: { id: 'eve', name: 'Eve' } });
  assert.equal(asOrg.body.code, 'id_reserved', 'users and organizations share the namespace');
});

test('settings: anyone signed in reads them, tenant admins change them, sign-in follows', async () => {
  const root = (await signIn('root', 'correct horse battery')).body.access_token;
  const bob = (await signIn('bob', 'bob-password-1')).body.access_token;
  const read = await fetchJson('GET', '/t/acme/api/v1/admin/settings', { bearer: bob });
  assert.deepEqual(read.body, { org_registration_enabled: false, org_registration_auto_approve: false, token_ttl_seconds: 900, invitation_ttl_hours: 168, restore_window_hours: 24 });
  assert.equal((await fetchJson('PUT', '/t/acme/api/v1/admin/settings', { bearer: bob, body: { org_registration_auto_approve: true } })).status, 403);
  assert.equal((await fetchJson('PUT', '/t/acme/api/v1/admin/settings', { bearer: root, body: { token_ttl_seconds: 5 } })).status, 400);
  assert.equal((await fetchJson('PUT', '/t/acme/api/v1/admin/settings', { bearer: root, body: { colour: 'red' } })).status, 400);
  const changed = await fetchJson('PUT', '/t/acme/api/v1/admin/settings', { bearer: root, body: { token_ttl_seconds: 600, org_registration_enabled: true } });
  assert.equal(changed.body.token_ttl_seconds, 600);
  assert.equal(changed.body.org_registration_auto_approve, false);
  const t = await signIn('bob', 'bob-password-1');
  assert.equal(t.body.expires_in, 600);
  const c = claimsOf(t.body.access_token);
  assert.equal(c.exp - c.iat, 600);
});
