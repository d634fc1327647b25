// The tenant's single writer beyond races, through the built worker in
// workerd: a KV mirror write that fails after the commit is repaired by the
// object's alarm and nothing shows in KV before it is committed; a
// deployment that ran the KV-only writer keeps its data when the object
// takes the tenant over.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const jwk = newPrivateJwk('writer-key');
const token = (sub, extra = {}) => mintToken(jwk, sub, { base: BASE, ...extra });
const ROOT = () => token('root', { adm: true });
const workers = [];
const dirs = [];

after(async () => {
  for (const w of workers) await w.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(bindings = {}, options = {}) {
  const mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE, ...bindings }, ...options });
  workers.push(mf);
  return mf;
}

async function call(mf, method, path, as, body) {
  const init = { method, headers: { authorization: `Bearer ${as}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1/admin${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Every key and value of the KV namespace under the tenant. */
async function kvDump(mf) {
  const kv = await mf.getKVNamespace('ORGWARDEN');
  const out = {};
  let cursor;
  do {
    const page = await kv.list({ prefix: 't/acme/', cursor });
    for (const k of page.keys) out[k.name] = await kv.get(k.name);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * KV data written by the KV-only writer into a new directory: users alice,
 * bob and carol; alice owns "legacy", bob is its admin.
 */
async function legacyTenant() {
  const dir = mkdtempSync(path.join(tmpdir(), 'orgwarden-kv-'));
  dirs.push(dir);
  const old = await start({ ORGWARDEN_WRITES: 'kv-only' }, { kvPersist: dir });
  const alice = token('alice');
  for (const id of ['alice', 'bob', 'carol']) {
    assert.equal((await call(old, 'POST', '/users', ROOT(), { id, first_name: id, email: `${id}@example.com` })).status, 201);
  }
  assert.equal((await call(old, 'POST', '/organizations', alice, { id: 'legacy', name: 'Legacy' })).status, 201);
  assert.equal((await call(old, 'POST', '/organizations/legacy/members', alice, { user_id: 'bob', role: 'admin' })).status, 201);
  const kept = await kvDump(old);
  await old.dispose();
  workers.splice(workers.indexOf(old), 1);
  return { dir, kept };
}

test('a failed KV mirror write is retried by the alarm until KV matches; nothing shows before', async () => {
  // The object's first two mirror writes fail; the alarm retries the run
  // (after 500 ms).
  const { dir } = await legacyTenant();
  const mf = await start({ ORGWARDEN_TEST_MIRROR_FAILURES: '2' }, { kvPersist: dir });
  const before = await kvDump(mf);
  const created = await call(mf, 'POST', '/organizations', token('alice'), { id: 'mirrored', name: 'Mirrored' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // Of its one run (three new records sent at once; the ID's reservation
  // stays with the writer) two writes failed: one record landed, which
  // grants nothing without the others; the edge shows nothing of the
  // organization yet.
  const partial = await kvDump(mf);
  const landed = Object.keys(partial).filter((k) => !(k in before));
  assert.equal(landed.length, 1, JSON.stringify(landed));
  assert.equal((await call(mf, 'GET', '/organizations/mirrored', token('alice'))).status, 404);
  // The object is the truth: a second create of the ID is refused at once.
  assert.equal((await call(mf, 'POST', '/organizations', token('bob'), { id: 'mirrored', name: 'Other' })).status, 409);
  // Repaired within the backoff.
  const started = Date.now();
  let seen;
  while (Date.now() - started < 15_000) {
    seen = await call(mf, 'GET', '/organizations/mirrored', token('alice'));
    if (seen.status === 200) break;
    await sleep(100);
  }
  assert.equal(seen.status, 200, 'KV repaired');
  assert.equal(seen.body.name, 'Mirrored');
  const after = await kvDump(mf);
  assert.ok(landed.every((k) => k in after));
  assert.deepEqual(Object.keys(after).filter((k) => !(k in before)).sort(),
    ['t/acme/m/mirrored/alice', 't/acme/o/mirrored', 't/acme/um/alice/mirrored'].sort());
  // Later writes mirror at once again.
  assert.equal((await call(mf, 'POST', '/organizations/mirrored/members', token('alice'), { user_id: 'bob', role: 'member' })).status, 201);
  assert.equal((await call(mf, 'GET', '/organizations/mirrored', token('bob'))).status, 200);
});

test('mirror writes reach KV in commit order: a grant never overtakes an earlier revocation', async () => {
  const { dir } = await legacyTenant();
  const mf = await start({ ORGWARDEN_TEST_MIRROR_FAILURES: '2' }, { kvPersist: dir });
  const alice = token('alice');
  const bobKey = 't/acme/m/legacy/bob';
  const carolKey = 't/acme/m/legacy/carol';
  const kv = await mf.getKVNamespace('ORGWARDEN');
  assert.ok(await kv.get(bobKey), 'the membership key as the tests name it');
  // Removing bob, then adding carol: both commit; the mirror fails, so both
  // wait in the object's queue.
  assert.equal((await call(mf, 'DELETE', '/organizations/legacy/members/bob', alice)).status, 204);
  assert.equal((await call(mf, 'POST', '/organizations/legacy/members', alice, { user_id: 'carol', role: 'member' })).status, 201);
  // Until the alarm repairs KV, every state it shows is a prefix of the
  // commits: carol's membership never without bob's removal.
  const started = Date.now();
  const states = [];
  while (Date.now() - started < 15_000) {
    // carol read first: bob still there after carol was seen is a real
    // overtaking, not a read torn by the mirror between the two gets.
    const carol = await kv.get(carolKey) !== null;
    const state = [await kv.get(bobKey) !== null, carol];
    states.push(state.join());
    if (!state[0] && state[1]) break;
    await sleep(5);
  }
  assert.ok(states.includes('true,false'), 'the failure was visible as a lag');
  assert.ok(!states.includes('true,true'), 'carol granted before bob was removed');
  assert.equal(states.at(-1), 'false,true', 'KV repaired');
  assert.equal((await call(mf, 'GET', '/organizations/legacy', token('bob'))).status, 403);
  assert.equal((await call(mf, 'GET', '/organizations/legacy', token('carol'))).status, 200);
});

test('a tenant written by the KV-only writer is taken over with its data on first use', async () => {
  // The old deployment wrote straight to KV.
  const { dir, kept } = await legacyTenant();
  const alice = token('alice');
  // The new deployment: same KV, a tenant object that has never run.
  const mf = await start({}, { kvPersist: dir });
  assert.deepEqual(await kvDump(mf), kept);
  // Its first writes decide on the copied records: IDs stay taken, the
  // last-owner rule sees the owner, bob's admin role still counts.
  assert.equal((await call(mf, 'POST', '/organizations', token('carol'), { id: 'legacy', name: 'Mine' })).status, 409);
  assert.equal((await call(mf, 'POST', '/users', ROOT(), { id: 'bob', first_name: 'B', email: 'b2@example.com' })).status, 409);
  assert.equal((await call(mf, 'DELETE', '/organizations/legacy/members/alice', alice)).status, 409);
  assert.equal((await call(mf, 'POST', '/organizations/legacy/members', token('bob'), { user_id: 'carol', role: 'member' })).status, 201);
  const members = await call(mf, 'GET', '/organizations/legacy/members', alice);
  assert.deepEqual(members.body.members.map((m) => [m.user_id, m.role]), [['alice', 'owner'], ['bob', 'admin'], ['carol', 'member']]);
  const org = await call(mf, 'GET', '/organizations/legacy', alice);
  assert.equal(org.body.name, 'Legacy');
});

test("listings read past KV's 1,000-key page (the store follows KV's cursor), with each key's metadata", async () => {
  const { dir } = await legacyTenant();
  const mf = await start({}, { kvPersist: dir });
  const kv = await mf.getKVNamespace('ORGWARDEN');
  // 1,100 more users written straight into KV, each a copy of carol's record
  // and listing metadata under its own ID.
  const { value, metadata } = await kv.getWithMetadata('t/acme/u/carol');
  assert.ok(metadata, 'user keys carry listing metadata');
  const ids = Array.from({ length: 1100 }, (_, i) => `filler-${String(i).padStart(4, '0')}`);
  for (const id of ids) {
    const record = { ...JSON.parse(value), id };
    await kv.put(`t/acme/u/${id}`, JSON.stringify(record), { metadata });
  }
  const res = await mf.dispatchFetch('http://localhost/t/acme/api/v1/admin/users?limit=1000&page=2', {
    headers: { authorization: `Bearer ${ROOT()}` },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-total-count'), '1103', 'every key of both KV pages was listed');
  const page = await res.json();
  assert.deepEqual(page.users.map((u) => u.id), ids.slice(997), 'the second page holds the rest, in key order');
});

test('the object refuses a message it cannot read (503), forged authority (403) and draws that do not fit the request (500), writing nothing', async () => {
  const mf = await start();
  const ns = await mf.getDurableObjectNamespace('TENANTS');
  const stub = ns.get(ns.idFromName('acme'));
  const send = async (message) => {
    const res = await stub.fetch('https://tenant/write', { method: 'POST', body: typeof message === 'string' ? message : JSON.stringify(message) });
    return (await res.json()).Err;
  };
  const request = (drawn = { random: [], derived: [], iterations: 10000 }) => ({
    request: {
      method: 'POST',
      path: '/t/acme/api/v1/admin/organizations',
      query: '',
      content_type: 'application/json',
      body: JSON.stringify({ id: 'forged', name: 'Forged' }),
      drawn,
    },
  });
  const credential = { credential: { authorization: `Bearer ${ROOT()}`, api_key: null } };
  // Not JSON, and the form of another version of the worker (a command).
  for (const message of ['not json', { tenant: 'acme', authority: credential, command: { create_org: { body: { id: 'forged', name: 'Forged' } } } }]) {
    const e = await send(message);
    assert.deepEqual([e?.status, e?.code], [503, 'store_unavailable'], JSON.stringify(message));
  }
  // Internal or operator authority for a caller's write: refused before any read.
  for (const authority of ['internal', 'operator', 'anonymous']) {
    const e = await send({ tenant: 'acme', authority, call: request() });
    assert.deepEqual([e?.status, e?.code], [403, 'insufficient_rights'], authority);
  }
  // A draw the request does not take: the writer did not take it apart as the edge did.
  const e = await send({ tenant: 'acme', authority: credential, call: request({ random: ['AAAA'], derived: [], iterations: 10000 }) });
  assert.deepEqual([e?.status, e?.code], [500, 'replay_mismatch']);
  // The path names another tenant than the object's message.
  const other = await send({ tenant: 'other', authority: credential, call: request() });
  assert.equal(other?.status, 400);
  assert.deepEqual(await kvDump(mf), {}, 'nothing was written');
  // The same request, well formed, is planned and committed.
  const ok = await stub.fetch('https://tenant/write', { method: 'POST', body: JSON.stringify({ tenant: 'acme', authority: credential, call: request() }) });
  assert.equal((await ok.json()).Ok?.status, 201);
});
