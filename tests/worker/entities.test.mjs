// Applications, gateways and clients with their collaborators, through the
// built worker in workerd with Miniflare's KV: ownership by creator or
// organization, rights along both paths, the granting rule, deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('ent-test');
let mf;

const token = (sub, extra = {}) => mintToken(jwk, sub, { base: BASE, ...extra });

async function call(method, path, who, body) {
  const init = { method, headers: { authorization: `Bearer ${typeof who === 'string' ? token(who) : who.token}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1/admin${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const root = { token: token('root', { adm: true }) };
const rights = async (who, path) => (await call('GET', `${path}/rights`, who)).body?.rights;

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE } });
  for (const id of ['alice', 'bob', 'carol', 'dan']) {
    assert.equal((await call('POST', '/users', root, { id, email: `${id}@acme.example` })).status, 201);
  }
  assert.equal((await call('POST', '/organizations', 'alice', { id: 'platform', name: 'Platform' })).status, 201);
  assert.equal((await call('POST', '/organizations/platform/members', 'alice', { user_id: 'bob', role: 'member' })).status, 201);
  assert.equal((await call('POST', '/organizations', 'dan', { id: 'partner', name: 'Partner' })).status, 201);
});
after(async () => { await mf?.dispose(); });

test('an application created for an organization is shared with its members', async () => {
  const created = await call('POST', '/applications', 'bob', { id: 'billing-api', name: 'Billing API', organization_id: 'platform' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const collab = await call('GET', '/applications/billing-api/collaborators', 'alice');
  assert.deepEqual(collab.body.collaborators, [{ organization_id: 'platform', rights: ['RIGHT_APPLICATION_ALL'] }]);
  assert.ok((await rights('alice', '/applications/billing-api')).includes('RIGHT_APPLICATION_DELETE'));
  assert.ok((await rights('bob', '/applications/billing-api')).includes('RIGHT_APPLICATION_DEVICES_WRITE'));
  assert.equal((await call('GET', '/applications/billing-api', 'carol')).status, 403);
  const listed = await call('GET', '/applications', 'bob');
  assert.deepEqual(listed.body.applications.map((a) => a.id), ['billing-api']);
  assert.equal((await call('GET', '/applications', 'carol')).headers.get('x-total-count'), '0');
});

test("The Things Stack's rule: member's APPLICATION_ALL ∩ org's INFO on the app = INFO", async () => {
  const set = await call('PUT', '/applications/billing-api/collaborators', 'alice', { organization_id: 'platform', rights: ['RIGHT_APPLICATION_INFO'] });
  assert.equal(set.status, 200);
  assert.deepEqual(await rights('bob', '/applications/billing-api'), ['RIGHT_APPLICATION_INFO']);
  // alice too lost everything but INFO (her only path was the org), so she cannot restore it.
  const restore = await call('PUT', '/applications/billing-api/collaborators', 'alice', { organization_id: 'platform', rights: ['RIGHT_APPLICATION_ALL'] });
  assert.equal(restore.status, 403);
  // A tenant admin can.
  assert.equal((await call('PUT', '/applications/billing-api/collaborators', root, { organization_id: 'platform', rights: ['RIGHT_APPLICATION_ALL'] })).status, 200);
  assert.ok((await rights('bob', '/applications/billing-api')).includes('RIGHT_APPLICATION_DELETE'));
});

test('direct collaborators, kind checks and the granting rule', async () => {
  assert.equal((await call('PUT', '/applications/billing-api/collaborators', 'alice', { user_id: 'carol', rights: ['RIGHT_APPLICATION_TRAFFIC_READ'] })).status, 200);
  assert.deepEqual(await rights('carol', '/applications/billing-api'), ['RIGHT_APPLICATION_TRAFFIC_READ']);
  const gw = await call('PUT', '/applications/billing-api/collaborators', 'alice', { user_id: 'carol', rights: ['RIGHT_GATEWAY_INFO'] });
  assert.equal(gw.body.code, 'right_not_applicable');
  const byCarol = await call('PUT', '/applications/billing-api/collaborators', 'carol', { user_id: 'dan', rights: ['RIGHT_APPLICATION_TRAFFIC_READ'] });
  assert.equal(byCarol.status, 403);
  assert.deepEqual(byCarol.body.missing, ['RIGHT_APPLICATION_SETTINGS_COLLABORATORS']);
  // Adding another organization needs ADD_AS_COLLABORATOR in it: alice is not in partner.
  const foreign = await call('PUT', '/applications/billing-api/collaborators', 'alice', { organization_id: 'partner', rights: ['RIGHT_APPLICATION_INFO'] });
  assert.equal(foreign.status, 403);
  assert.deepEqual(foreign.body.missing, ['RIGHT_ORGANIZATION_ADD_AS_COLLABORATOR']);
  assert.equal((await call('DELETE', '/applications/billing-api/collaborators/user/carol', 'alice')).status, 204);
  assert.equal((await call('GET', '/applications/billing-api', 'carol')).status, 403);
  assert.equal((await call('DELETE', '/applications/billing-api/collaborators/user/carol', 'alice')).status, 404);
});

test('user-owned gateways, updates and deletion', async () => {
  const gw = await call('POST', '/gateways', 'carol', { id: 'gw-1', name: 'Rooftop' });
  assert.equal(gw.status, 201);
  assert.ok((await rights('carol', '/gateways/gw-1')).includes('RIGHT_GATEWAY_LINK'));
  assert.equal((await call('POST', '/gateways', 'dan', { id: 'gw-1', name: 'Again' })).body.code, 'id_taken');
  assert.equal((await call('PUT', '/gateways/gw-1', 'carol', { name: 'Roof' })).body.name, 'Roof');
  assert.equal((await call('PUT', '/gateways/gw-1', 'dan', { name: 'Mine' })).status, 403);
  assert.equal((await call('DELETE', '/gateways/gw-1', 'dan')).status, 403);
  assert.equal((await call('DELETE', '/gateways/gw-1', 'carol')).status, 204);
  assert.equal((await call('GET', '/gateways/gw-1', 'carol')).status, 404);
  assert.equal((await call('GET', '/gateways', 'carol')).headers.get('x-total-count'), '0');
  assert.equal((await call('POST', '/gateways', 'dan', { id: 'gw-1', name: 'Reused' })).status, 201, 'a deleted entity frees its ID');
  const client = await call('POST', '/clients', 'dan', { id: 'console', name: 'Console', organization_id: 'partner' });
  assert.equal(client.status, 201);
  assert.equal((await call('POST', '/clients', 'bob', { id: 'c2', name: 'C', organization_id: 'platform' })).status, 403, 'members may create applications only');
  assert.equal((await call('POST', '/applications', 'bob', { id: 'Bad_Id', name: 'X' })).body.code, 'invalid_id');
  assert.equal((await call('GET', '/applications/nope/rights', root)).status, 404);
});

test('every entity kind: create, read, list, change, rights, collaborators, delete', async () => {
  for (const [kind, right] of [['applications', 'RIGHT_APPLICATION_INFO'], ['gateways', 'RIGHT_GATEWAY_INFO'], ['clients', 'RIGHT_CLIENT_INFO']]) {
    const id = `life-${kind}`;
    assert.equal((await call('POST', `/${kind}`, 'dan', { id, name: 'Life', organization_id: 'partner' })).status, 201, kind);
    assert.equal((await call('GET', `/${kind}/${id}`, 'dan')).status, 200, kind);
    assert.ok((await call('GET', `/${kind}`, 'dan')).body[kind].some((e) => e.id === id), kind);
    assert.equal((await call('PUT', `/${kind}/${id}`, 'dan', { description: 'changed' })).body.description, 'changed', kind);
    assert.ok((await rights('dan', `/${kind}/${id}`)).includes(right), kind);
    assert.equal((await call('PUT', `/${kind}/${id}/collaborators`, 'dan', { user_id: 'carol', rights: [right] })).status, 200, kind);
    const collaborators = await call('GET', `/${kind}/${id}/collaborators`, 'dan');
    assert.deepEqual(collaborators.body.collaborators.find((c) => c.user_id === 'carol').rights, [right], kind);
    // A right of another kind is not applicable to this one.
    const other = kind === 'applications' ? 'RIGHT_GATEWAY_INFO' : 'RIGHT_APPLICATION_INFO';
    assert.equal((await call('PUT', `/${kind}/${id}/collaborators`, 'dan', { user_id: 'carol', rights: [other] })).body.code, 'right_not_applicable', kind);
    assert.equal((await call('DELETE', `/${kind}/${id}/collaborators/user/carol`, 'dan')).status, 204, kind);
    assert.equal((await call('DELETE', `/${kind}/${id}`, 'dan')).status, 204, kind);
    assert.equal((await call('GET', `/${kind}/${id}`, 'dan')).status, 404, kind);
  }
});
