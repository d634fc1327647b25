// The admin API (organizations, members, users) through the built worker in
// workerd, on Miniflare's real KV. Access tokens are minted here with the
// worker's own signing key, by Node's Ed25519.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('admin-test');
let mf;

const token = (sub, { adm, tenant, rights, exp, signer, kid } = {}) =>
  mintToken(jwk, sub, { base: BASE, tenant, kid, signer, adm: adm || undefined, rights, exp });

const ROOT = () => token('root', { adm: true });

async function call(method, path, { as, body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (as) init.headers.authorization = `Bearer ${as}`;
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1/admin${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE } });
  for (const id of ['alice', 'bob', 'carol', 'dave']) {
    const r = await call('POST', '/users', { as: ROOT(), body: { id, first_name: id, email: `${id}@example.com` } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
});
after(async () => { await mf?.dispose(); });

test('no credential: 401 with WWW-Authenticate', async () => {
  const r = await call('GET', '/organizations');
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate'), /^Bearer realm="orgwarden", error="invalid_token", error_description="/);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  assert.equal(r.body.code, 'credential_missing');
});

test('bad credentials: 401 with the token error code', async () => {
  const other = createPrivateKey({ key: newPrivateJwk(), format: 'jwk' });
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [token('alice', { signer: other }), 'token_bad_signature'],
    [token('alice', { kid: 'nope' }), 'token_unknown_kid'],
    [token('alice', { exp: now - 600 }), 'token_expired'],
    [token('alice', { tenant: 'beta' }), 'token_wrong_issuer'],
    ['not-a-token', 'token_malformed'],
  ];
  for (const [t, code] of cases) {
    const r = await call('GET', '/organizations', { as: t });
    assert.equal(r.status, 401, code);
    assert.equal(r.body.code, code);
    assert.match(r.headers.get('www-authenticate'), /^Bearer realm="orgwarden", error="invalid_token", error_description="/);
  }
  const basic = await call('GET', '/organizations', { headers: { authorization: 'Basic YTpi' } });
  assert.equal(basic.body.code, 'credential_malformed');
});

test('users: tenant admins create them; others may not; IDs are unique', async () => {
  const dup = await call('POST', '/users', { as: ROOT(), body: { id: 'alice' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, 'id_taken');
  const denied = await call('POST', '/users', { as: token('alice'), body: { id: 'eve' } });
  assert.equal(denied.status, 403);
  assert.ok(denied.body.missing.includes('RIGHT_USER_ALL'));
  const self = await call('GET', '/users/alice', { as: token('alice') });
  assert.equal(self.status, 200);
  assert.equal(self.body.email, 'alice@example.com');
  assert.match(self.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal((await call('GET', '/users/bob', { as: token('alice') })).status, 403);
  const list = await call('GET', '/users?limit=2', { as: ROOT() });
  assert.equal(list.headers.get('x-total-count'), '4');
  assert.equal(list.body.users.length, 2);
});

test('bad input gets 400/413/415 and changes nothing', async () => {
  const before = (await call('GET', '/organizations', { as: ROOT() })).headers.get('x-total-count');
  const cases = [
    [{ body: 'not json' }, 400, 'invalid_request'],
    [{ body: { id: 'x1', name: 'X', extra: 1 } }, 400, 'invalid_request'],
    [{ body: { id: 'Bad_Id', name: 'X' } }, 400, 'invalid_id'],
    [{ body: { id: 'x1', name: 'n'.repeat(51) } }, 400, 'invalid_request'],
    [{ body: { id: 'x1', name: 'X' }, headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    [{ body: 'x'.repeat(70 * 1024) }, 413, 'body_too_large'],
  ];
  for (const [opts, status, code] of cases) {
    const r = await call('POST', '/organizations', { as: token('alice'), ...opts });
    assert.equal(r.status, status, code);
    assert.equal(r.body.code, code);
  }
  const q = await call('GET', '/organizations?limt=5', { as: ROOT() });
  assert.equal(q.status, 400);
  assert.equal((await call('GET', '/organizations?limit=0', { as: ROOT() })).status, 400);
  assert.equal((await call('GET', '/organizations', { as: ROOT() })).headers.get('x-total-count'), before);
});

test('organizations and members: the rights rules through the API', async () => {
  const alice = token('alice');
  const created = await call('POST', '/organizations', { as: alice, body: { id: 'team-a', name: 'Team A' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.state, 'approved');
  assert.equal((await call('GET', '/organizations/team-a', { as: alice })).body.name, 'Team A');
  const outsider = await call('GET', '/organizations/team-a', { as: token('bob') });
  assert.equal(outsider.status, 403);
  assert.deepEqual(outsider.body.missing, ['RIGHT_ORGANIZATION_INFO']);

  // alice (owner) makes bob an admin; bob adds carol as a member.
  assert.equal((await call('POST', '/organizations/team-a/members', { as: alice, body: { user_id: 'bob', role: 'admin' } })).status, 201);
  const added = await call('POST', '/organizations/team-a/members', { as: token('bob'), body: { user_id: 'carol', role: 'member' } });
  assert.equal(added.status, 201);
  assert.ok(added.body.rights.includes('RIGHT_APPLICATION_ALL'));
  // An admin cannot make owners; a member cannot add members.
  const promote = await call('PUT', '/organizations/team-a/members/carol', { as: token('bob'), body: { role: 'owner' } });
  assert.equal(promote.status, 403);
  assert.ok(promote.body.missing.includes('RIGHT_ORGANIZATION_DELETE'));
  const byMember = await call('POST', '/organizations/team-a/members', { as: token('carol'), body: { user_id: 'dave', role: 'member' } });
  assert.equal(byMember.status, 403);
  assert.deepEqual(byMember.body.missing, ['RIGHT_ORGANIZATION_SETTINGS_MEMBERS']);
  // The admin of team-a cannot touch another organization.
  await call('POST', '/organizations', { as: token('dave'), body: { id: 'team-b', name: 'Team B' } });
  assert.equal((await call('POST', '/organizations/team-b/members', { as: token('bob'), body: { user_id: 'carol', role: 'member' } })).status, 403);
  // The last owner stays.
  const leave = await call('DELETE', '/organizations/team-a/members/alice', { as: alice });
  assert.equal(leave.status, 409);
  assert.equal(leave.body.code, 'organization_needs_owner');
  // Renaming needs SETTINGS_BASIC: the admin role has it, a member does not.
  const renamed = await call('PUT', '/organizations/team-a', { as: token('bob'), body: { name: 'Team Alpha' } });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'Team Alpha');
  assert.equal((await call('PUT', '/organizations/team-a', { as: token('carol'), body: { name: 'Mine' } })).status, 403);
  assert.equal((await call('PUT', '/organizations/team-a', { as: alice, body: { state: 'pending' } })).status, 400, 'state changes through approval');
  // Members are listed with a total.
  const members = await call('GET', '/organizations/team-a/members', { as: token('carol') });
  assert.equal(members.headers.get('x-total-count'), '3');
  assert.deepEqual(members.body.members.map((m) => m.user_id), ['alice', 'bob', 'carol']);
  // Removing a member takes effect at once.
  assert.equal((await call('DELETE', '/organizations/team-a/members/carol', { as: token('bob') })).status, 204);
  assert.equal((await call('GET', '/organizations/team-a', { as: token('carol') })).status, 403);
  // A narrow credential stays narrow, whatever the membership.
  const narrow = token('alice', { rights: ['RIGHT_ORGANIZATION_INFO'] });
  assert.equal((await call('POST', '/organizations/team-a/members', { as: narrow, body: { user_id: 'carol', role: 'member' } })).status, 403);
});

test('listing: tenant admins see every organization, users their own', async () => {
  for (let i = 0; i < 5; i++) {
    await call('POST', '/organizations', { as: token('carol'), body: { id: `carol-${i}`, name: `Carol ${i}` } });
  }
  const all = await call('GET', '/organizations?limit=3&page=2&id_contains=carol', { as: ROOT() });
  assert.equal(all.headers.get('x-total-count'), '5');
  assert.deepEqual(all.body.organizations.map((o) => o.id), ['carol-3', 'carol-4']);
  const mine = await call('GET', '/organizations', { as: token('carol') });
  assert.equal(mine.headers.get('x-total-count'), '5');
  const named = await call('GET', '/organizations?name_contains=carol%202', { as: ROOT() });
  assert.deepEqual(named.body.organizations.map((o) => o.id), ['carol-2']);
});

test('field_mask limits the fields returned; id is always there', async () => {
  const one = await call('GET', '/organizations/carol-1?field_mask=name', { as: ROOT() });
  assert.deepEqual(one.body, { id: 'carol-1', name: 'Carol 1' });
  const many = await call('GET', '/organizations?id_contains=carol&limit=2&field_mask=state,name', { as: ROOT() });
  assert.deepEqual(many.body.organizations, [
    { id: 'carol-0', name: 'Carol 0', state: 'approved' },
    { id: 'carol-1', name: 'Carol 1', state: 'approved' },
  ]);
  const users = await call('GET', '/users?limit=1&field_mask=admin', { as: ROOT() });
  assert.deepEqual(Object.keys(users.body.users[0]).sort(), ['admin', 'id']);
  const bad = await call('GET', '/users/alice?field_mask=password', { as: ROOT() });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /unknown field/);
});

test('a deleted organization keeps its ID reserved', async () => {
  await call('POST', '/organizations', { as: token('alice'), body: { id: 'short-lived', name: 'S' } });
  assert.equal((await call('DELETE', '/organizations/short-lived', { as: token('bob') })).status, 403);
  assert.equal((await call('DELETE', '/organizations/short-lived', { as: token('alice') })).status, 204);
  assert.equal((await call('GET', '/organizations/short-lived', { as: token('alice') })).status, 404);
  const again = await call('POST', '/organizations', { as: token('bob'), body: { id: 'short-lived', name: 'S' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'id_reserved');
  const deleted = await call('GET', '/organizations?deleted=true&id_contains=short', { as: ROOT() });
  assert.deepEqual(deleted.body.organizations.map((o) => o.id), ['short-lived']);
});

test('unknown routes 404, wrong methods 405 with Allow', async () => {
  const r = await call('GET', '/nope', { as: ROOT() });
  assert.equal(r.status, 404);
  const m = await call('PATCH', '/organizations', { as: ROOT(), body: {} });
  assert.equal(m.status, 405);
  assert.equal(m.headers.get('allow'), 'GET, HEAD, POST');
});
