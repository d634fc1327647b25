// What the "one way in" restructure fixed, tried through the built worker:
// bodies that are not JSON objects, one authenticator for the admin API and
// the proxy (scheme case, X-API-Key, a deleted organization's key), RFC 6749's
// unknown parameters, methods the API does not know, field masks on users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, newPrivateJwk, rawRequest } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-secret-for-input-tests-0123456';
const PASSWORD = 'correct horse battery';
const A = '/t/acme/api/v1/admin';
const jwk = newPrivateJwk('input-key');
let mf;
let root;

async function api(method, path, { bearer, body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function token(form) {
  const res = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  mf = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      OPERATOR_KEY,
      PUBLIC_BASE_URL: BASE,
      PASSWORD_ITERATIONS: '10000',
      ORGWARDEN_PROXY: { tenant: 'acme', routes: [] },
    },
  });
  const created = await api('POST', '/api/v1/tenants', {
    bearer: OPERATOR_KEY,
    body: { id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  root = (await token({ grant_type: 'password', username: 'root', password: PASSWORD })).body.access_token;
  assert.equal((await api('POST', `${A}/users`, { bearer: root, body: { id: 'alice', password: PASSWORD } })).status, 201);
});
after(async () => { await mf?.dispose(); });

test('bodies that are not JSON objects are 400 and change nothing', async () => {
  const before = await api('GET', `${A}/users/alice`, { bearer: root });
  for (const [method, path, body] of [
    ['POST', `${A}/organizations`, '["x","X"]'],
    ['PUT', `${A}/users/alice`, '["Alice","Liddell","alice@acme.example"]'],
    ['PUT', `${A}/users/alice`, '[]'],
    ['PUT', `${A}/users/alice`, '"x"'],
    ['PUT', `${A}/users/alice`, 'null'],
    ['POST', `${A}/users`, '42'],
  ]) {
    const r = await api(method, path, { bearer: root, body, raw: true });
    assert.equal(r.status, 400, `${method} ${path} ${body}`);
    assert.equal(r.body.code, 'invalid_request');
    assert.match(r.body.detail, /JSON object/);
  }
  assert.equal((await api('GET', `${A}/organizations/x`, { bearer: root })).status, 404, 'nothing created');
  const after = await api('GET', `${A}/users/alice`, { bearer: root });
  assert.deepEqual(after.body, before.body, 'nothing changed, not even updated_at');
});

test('one authenticator: scheme in any case, X-API-Key, a deleted organization\'s key refused', async () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const r = await api('GET', `${A}/users`, { headers: { authorization: `${scheme} ${root}` } });
    assert.equal(r.status, 200, scheme);
  }
  assert.equal((await api('POST', `${A}/organizations`, { bearer: root, body: { id: 'team', name: 'Team' } })).status, 201);
  const key = await api('POST', `${A}/organizations/team/api-keys`, { bearer: root, body: { name: 'k', rights: ['RIGHT_ORGANIZATION_INFO'] } });
  assert.equal(key.status, 201);
  assert.equal(key.headers.get('cache-control'), 'no-store');
  // The key works as X-API-Key at the admin API, as at the proxy.
  assert.equal((await api('GET', `${A}/organizations/team`, { headers: { 'x-api-key': key.body.key } })).status, 200);
  // Once its organization is deleted, the key is refused everywhere.
  assert.equal((await api('DELETE', `${A}/organizations/team`, { bearer: root })).status, 204);
  for (const headers of [{ 'x-api-key': key.body.key }, { authorization: `Bearer ${key.body.key}` }]) {
    const r = await api('GET', `${A}/organizations/team`, { headers });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'credential_invalid');
    assert.match(r.headers.get('www-authenticate'), /^Bearer realm="orgwarden", error="invalid_token"/);
  }
  const cc = await token({ grant_type: 'client_credentials', client_secret: key.body.key });
  assert.equal(cc.status, 401, 'no token for a deleted organization\'s key');
  assert.equal(cc.body.error, 'invalid_client');
});

test('the token endpoint ignores unknown parameters and names form fields as such', async () => {
  assert.equal((await token({ grant_type: 'password', username: 'root', password: PASSWORD, resource: 'https://api.example', audience: 'x' })).status, 200);
  const odd = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'abc' });
  assert.equal(odd.status, 400);
  assert.equal(odd.body.error, 'unsupported_grant_type');
  const twice = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=password&grant_type=client_credentials',
  });
  const body = await twice.json();
  assert.equal(twice.status, 400);
  assert.equal(body.error, 'invalid_request');
  assert.match(body.error_description, /form parameter/);
  assert.doesNotMatch(body.error_description, /query/);
});

test('methods the API does not know: 405 with Allow, never served as GET', async () => {
  for (const [method, path, allow] of [
    ['QUERY', `${A}/users`, 'GET, HEAD, POST'],
    ['PROPFIND', '/healthz', 'GET, HEAD'],
    ['PATCH', `${A}/users/alice`, 'GET, HEAD, PUT, DELETE'],
    ['OPTIONS', `${A}/settings`, 'GET, HEAD, PUT'],
  ]) {
    const r = await rawRequest(mf, method, path, { authorization: `Bearer ${root}` });
    assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
    assert.equal(r.headers.allow, allow);
    assert.equal(r.body.code, 'method_not_allowed');
  }
});

test('field_mask=name on users returns the display name', async () => {
  const r = await api('GET', `${A}/users/alice?field_mask=name,state`, { bearer: root });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.body).sort(), ['first_name', 'id', 'last_name', 'state']);
  const list = await api('GET', `${A}/users?field_mask=name`, { bearer: root });
  assert.deepEqual(Object.keys(list.body.users[0]).sort(), ['first_name', 'id', 'last_name']);
});

test('a body over 64 KiB at the token endpoint is a documented 413', async () => {
  const res = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=password&username=${'a'.repeat(70 * 1024)}`,
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).code, 'body_too_large');
});
