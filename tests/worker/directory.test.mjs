// The directory endpoint through the built worker in workerd: the facts a
// remote decider needs, exactly as the shared request table records them
// (what tests/proxy_cases.rs computes from the same store), behind the
// deployment's DIRECTORY_KEY and nothing else, with cache headers no longer
// than the edge's own fact TTL. Every answer is validated against
// docs/openapi.json by the harness.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';
import { table } from '../cases/table.mjs';

const KEY = 'directory-key-for-worker-tests-00001';
const NEXT = 'directory-key-being-rotated-in-00002';
let mf;
let off;

const get = async (worker, path, bearer) => {
  const res = await worker.dispatchFetch(`http://localhost${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: res.status, headers: res.headers, body: await res.json() };
};

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url, DIRECTORY_KEY: `${KEY} ${NEXT}` } });
  const kv = await mf.getKVNamespace('ORGWARDEN');
  for (const { key, value, metadata } of table.kv) {
    await kv.put(key, value, metadata === undefined ? {} : { metadata });
  }
  off = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify(table.signing_jwks), PUBLIC_BASE_URL: table.base_url } });
});
after(async () => { await mf?.dispose(); await off?.dispose(); });

test('every fact of the shared table is served as the table records it', async () => {
  const paths = Object.keys(table.directory);
  assert.ok(paths.some((p) => p.endsWith('/epochs')));
  assert.ok(paths.some((p) => p.includes('/grants/')));
  assert.ok(paths.some((p) => p.includes('/api-keys/')));
  for (const p of paths) {
    const r = await get(mf, p, KEY);
    assert.equal(r.status, 200, p);
    assert.deepEqual(r.body, table.directory[p], p);
    assert.equal(r.headers.get('cache-control'), 'private, max-age=10', p);
  }
});

test('unknown records are facts too: no key is null, an unknown user inactive, an unknown entity has no collaborators', async () => {
  assert.equal((await get(mf, '/t/acme/api/v1/directory/api-keys/KEYNOSUCHAAAAAAA', KEY)).body, null);
  assert.deepEqual((await get(mf, '/t/acme/api/v1/directory/principals/nobody', KEY)).body, { active: false, admin: false, organizations: {} });
  assert.deepEqual((await get(mf, '/t/acme/api/v1/directory/principals/alice', KEY)).body.active, true);
  for (const kind of ['applications', 'gateways', 'clients']) {
    assert.deepEqual((await get(mf, `/t/acme/api/v1/directory/grants/${kind}/no-such-one`, KEY)).body, { users: {}, organizations: {} }, kind);
  }
  // A key's secret is only ever its SHA-256.
  const key = (await get(mf, '/t/acme/api/v1/directory/api-keys/KEYREADERAAAAAAA', KEY)).body.key;
  assert.match(key.secret_sha256, /^[A-Za-z0-9+/]{43}=$/);
  assert.ok(!JSON.stringify(key).includes(table.keys.reader.split('.')[2]));
});

test('only the directory key opens it; both keys work while one is rotated in', async () => {
  const p = '/t/acme/api/v1/directory/epochs';
  const none = await get(mf, p);
  assert.equal(none.status, 401);
  assert.equal(none.body.code, 'credential_missing');
  const wrong = await get(mf, p, 'directory-key-for-worker-tests-99999');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'credential_invalid');
  // A user's token, even the tenant admin's, is not the directory key.
  assert.equal((await get(mf, p, table.tokens.root.token)).status, 401);
  assert.equal((await get(mf, p, NEXT)).status, 200);
  // And the directory key opens nothing else.
  const admin = await get(mf, '/t/acme/api/v1/admin/users', KEY);
  assert.equal(admin.status, 401);
  const off1 = await get(off, p, KEY);
  assert.equal(off1.status, 503);
  assert.equal(off1.body.code, 'directory_key_unset');
});

test('bad input: an invalid ID is a 400, an unknown kind or fact a 404', async () => {
  const bad = await get(mf, '/t/acme/api/v1/directory/principals/NOT_AN_ID', KEY);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'invalid_request');
  assert.equal((await get(mf, '/t/acme/api/v1/directory/grants/applications/NOT_AN_ID', KEY)).status, 400);
  assert.equal((await get(mf, '/t/acme/api/v1/directory/api-keys/not-a-key-id', KEY)).status, 400);
  assert.equal((await get(mf, '/t/acme/api/v1/directory/grants/users/alice', KEY)).status, 404);
  assert.equal((await get(mf, '/t/acme/api/v1/directory/everything', KEY)).status, 404);
  const post = await mf.dispatchFetch('http://localhost/t/acme/api/v1/directory/epochs', { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(post.status, 405);
});
