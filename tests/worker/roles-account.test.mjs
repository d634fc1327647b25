// Custom roles, the caller's rights on an organization, and the account
// endpoints, through the built worker in workerd with Miniflare's KV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('roles-test');
let mf;

const token = (sub, extra = {}) => mintToken(jwk, sub, { base: BASE, ...extra });

async function call(method, path, as, body) {
  const init = { method, headers: { authorization: `Bearer ${as}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const root = () => token('root', { adm: true });
const rightsOf = async (who) => (await call('GET', '/admin/organizations/lab/rights', token(who))).body.rights;

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE } });
  for (const id of ['olga', 'adam', 'mia']) {
    assert.equal((await call('POST', '/admin/users', root(), { id, email: `${id}@lab.example` })).status, 201);
  }
  assert.equal((await call('POST', '/admin/organizations', token('olga'), { id: 'lab', name: 'Lab' })).status, 201);
  assert.equal((await call('POST', '/admin/organizations/lab/members', token('olga'), { user_id: 'adam', role: 'admin' })).status, 201);
});
after(async () => { await mf?.dispose(); });

test('GET …/rights answers the caller\'s expanded rights on the organization', async () => {
  const owner = await rightsOf('olga');
  assert.ok(owner.includes('RIGHT_ORGANIZATION_DELETE') && owner.includes('RIGHT_GATEWAY_ALL'));
  const admin = await rightsOf('adam');
  assert.ok(admin.includes('RIGHT_ORGANIZATION_SETTINGS_MEMBERS'));
  assert.ok(!admin.includes('RIGHT_ORGANIZATION_DELETE'));
  assert.deepEqual(await rightsOf('mia'), []);
});

test('custom roles: created within the creator\'s rights, edits reach every member at once', async () => {
  const beyond = await call('POST', '/admin/organizations/lab/roles', token('adam'), { id: 'gw-ops', rights: ['RIGHT_GATEWAY_ALL'] });
  assert.equal(beyond.status, 403, 'an admin lacks gateway rights, so cannot hand them out');
  assert.equal((await call('POST', '/admin/organizations/lab/roles', token('adam'), { id: 'viewer', rights: ['RIGHT_ORGANIZATION_INFO'] })).status, 201);
  assert.equal((await call('POST', '/admin/organizations/lab/roles', token('adam'), { id: 'viewer', rights: [] })).body.code, 'role_exists');
  assert.equal((await call('POST', '/admin/organizations/lab/roles', token('adam'), { id: 'admin', rights: [] })).body.code, 'role_reserved');
  assert.equal((await call('POST', '/admin/organizations/lab/roles', token('adam'), { id: 'bad', rights: ['RIGHT_USER_DELETE'] })).body.code, 'right_not_holdable');
  assert.equal((await call('POST', '/admin/organizations/lab/members', token('adam'), { user_id: 'mia', role: 'viewer' })).status, 201);
  assert.deepEqual(await rightsOf('mia'), ['RIGHT_ORGANIZATION_INFO']);

  assert.equal((await call('PUT', '/admin/organizations/lab/roles/viewer', token('adam'), { rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO'] })).status, 200);
  assert.deepEqual(await rightsOf('mia'), ['RIGHT_APPLICATION_INFO', 'RIGHT_ORGANIZATION_INFO']);

  const roles = await call('GET', '/admin/organizations/lab/roles', token('mia'));
  assert.deepEqual(roles.body.roles.map((r) => [r.id, r.builtin]), [['owner', true], ['admin', true], ['member', true], ['viewer', false]]);
  assert.equal((await call('PUT', '/admin/organizations/lab/roles/owner', token('olga'), { rights: [] })).body.code, 'role_reserved');

  assert.equal((await call('DELETE', '/admin/organizations/lab/roles/viewer', token('adam'))).status, 204);
  assert.deepEqual(await rightsOf('mia'), [], 'a deleted role grants nothing');
});

test('account: the caller\'s record and memberships', async () => {
  const me = await call('GET', '/account', token('adam'));
  assert.equal(me.status, 200);
  assert.equal(me.body.id, 'adam');
  const orgs = await call('GET', '/account/organizations', token('adam'));
  assert.deepEqual(orgs.body.organizations.map((m) => [m.organization.id, m.role]), [['lab', 'admin']]);
  assert.ok(orgs.body.organizations[0].rights.includes('RIGHT_ORGANIZATION_SETTINGS_MEMBERS'));
  assert.equal((await call('GET', '/account/nope', token('adam'))).status, 404);
  assert.equal((await call('POST', '/account', token('adam'), {})).status, 405);
  const anonymous = await mf.dispatchFetch('http://localhost/t/acme/api/v1/account');
  assert.equal(anonymous.status, 401);
});
