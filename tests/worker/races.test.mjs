// Concurrent admin writes through the built worker in workerd, with the
// tenant's Durable Object on SQLite and Miniflare's KV: the races that a
// KV-only writer loses (issue 10), each with at least 20 requests in flight,
// repeated over several rounds. Every check reads back through the API, that
// is through the KV mirror the edge reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';

const BASE = 'http://127.0.0.1:8787';
const ROUNDS = 3;
const jwk = newPrivateJwk('race-key');
let mf;

const token = (sub, extra = {}) => mintToken(jwk, sub, { base: BASE, ...extra });
const ROOT = () => token('root', { adm: true });
const USERS = Array.from({ length: 50 }, (_, i) => `racer-${i}`);

async function call(method, path, as, body) {
  const init = { method, headers: { authorization: `Bearer ${as}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost/t/acme/api/v1/admin${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** The statuses of `answers`, counted: {201: 1, 409: 19}. */
const tally = (answers) => answers.reduce((t, a) => ({ ...t, [a.status]: (t[a.status] ?? 0) + 1 }), {});

before(async () => {
  mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE } });
  // 50 distinct users at once: no create is lost.
  const made = await Promise.all(USERS.map((id) => call('POST', '/users', ROOT(), { id, first_name: id, email: `${id}@example.com` })));
  assert.deepEqual(tally(made), { 201: 50 });
  const listed = await call('GET', '/users?id_contains=racer-', ROOT());
  assert.equal(listed.headers.get('x-total-count'), '50');
});
after(async () => { await mf?.dispose(); });

test('20 users creating one organization ID: one 201, 19 × 409, one owner, the winner\'s record', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const id = `contested-${round}`;
    const racers = USERS.slice(0, 20);
    const answers = await Promise.all(racers.map((u) => call('POST', '/organizations', token(u), { id, name: `by ${u}` })));
    assert.deepEqual(tally(answers), { 201: 1, 409: 19 }, `round ${round}`);
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'id_taken'));
    const winner = racers[answers.findIndex((a) => a.status === 201)];
    const org = await call('GET', `/organizations/${id}`, token(winner));
    assert.equal(org.body.name, `by ${winner}`);
    const members = await call('GET', `/organizations/${id}/members`, ROOT());
    assert.deepEqual(members.body.members.map((m) => [m.user_id, m.role]), [[winner, 'owner']]);
    // Every loser is still an outsider.
    const loser = racers.find((u) => u !== winner);
    assert.equal((await call('GET', `/organizations/${id}`, token(loser))).status, 403);
  }
});

test('20 creates of one user ID: one 201, 19 × 409, the winner\'s record', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const id = `same-user-${round}`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      call('POST', '/users', ROOT(), { id, first_name: `n${i}`, email: `${id}-${i}@example.com` })));
    assert.deepEqual(tally(answers), { 201: 1, 409: 19 }, `round ${round}`);
    const won = answers.findIndex((a) => a.status === 201);
    const user = await call('GET', `/users/${id}`, ROOT());
    assert.equal(user.body.email, `${id}-${won}@example.com`);
  }
});

test('one ID created as an organization and as a user at once: exactly one exists', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const id = `either-${round}`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2
      ? call('POST', '/organizations', token(USERS[i]), { id, name: 'org' })
      : call('POST', '/users', ROOT(), { id, first_name: 'user', email: `${id}-${i}@example.com` }))));
    assert.deepEqual(tally(answers), { 201: 1, 409: 19 }, `round ${round}`);
    const asOrg = (await call('GET', `/organizations/${id}`, ROOT())).status;
    const asUser = (await call('GET', `/users/${id}`, ROOT())).status;
    assert.deepEqual([asOrg, asUser].sort(), [200, 404]);
  }
});

test('one member added 20 times at once: one 201, 19 × 409, one membership', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const org = `adds-${round}`;
    const owner = token(USERS[0]);
    assert.equal((await call('POST', '/organizations', owner, { id: org, name: org })).status, 201);
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      call('POST', `/organizations/${org}/members`, owner, { user_id: USERS[1], role: 'member' })));
    assert.deepEqual(tally(answers), { 201: 1, 409: 19 }, `round ${round}`);
    const members = await call('GET', `/organizations/${org}/members`, owner);
    assert.equal(members.headers.get('x-total-count'), '2');
    const mine = await call('GET', '/organizations', token(USERS[1]));
    assert.equal(mine.body.organizations.filter((o) => o.id === org).length, 1);
  }
});

test('owners removing each other at once: the organization keeps an owner', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const org = `owners-${round}`;
    const owners = USERS.slice(0, 10);
    assert.equal((await call('POST', '/organizations', token(owners[0]), { id: org, name: org })).status, 201);
    for (const u of owners.slice(1)) {
      assert.equal((await call('POST', `/organizations/${org}/members`, token(owners[0]), { user_id: u, role: 'owner' })).status, 201);
    }
    // Each owner removes the next two: 20 removals in flight.
    const removals = owners.flatMap((u, i) => [1, 2].map((d) => [u, owners[(i + d) % owners.length]]));
    const answers = await Promise.all(removals.map(([by, whom]) => call('DELETE', `/organizations/${org}/members/${whom}`, token(by))));
    const left = (await call('GET', `/organizations/${org}/members`, ROOT())).body.members;
    const seen = `round ${round}: ${JSON.stringify(tally(answers))}, left ${left.map((m) => m.user_id)}`;
    assert.ok(left.length >= 1, `no owner left; ${seen}`);
    assert.ok(left.every((m) => m.role === 'owner'), seen);
    // Each success removed a distinct owner; every other answer is a refusal.
    // An owner already removed when their own request ran holds a revoked
    // token (their memberships changed): 401 token_revoked is that refusal.
    const refusal = (a) => [204, 403, 404, 409].includes(a.status)
      || (a.status === 401 && a.body?.code === 'token_revoked');
    assert.ok(answers.every(refusal), `${seen}: ${JSON.stringify(answers.filter((a) => !refusal(a)).map((a) => a.body))}`);
    assert.equal(answers.filter((a) => a.status === 204).length, owners.length - left.length, seen);
  }
});

test('50 distinct members added at once: none is lost', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const org = `crowd-${round}`;
    const owner = token(USERS[0]);
    assert.equal((await call('POST', '/organizations', owner, { id: org, name: org })).status, 201);
    const answers = await Promise.all(USERS.slice(1).map((u) =>
      call('POST', `/organizations/${org}/members`, owner, { user_id: u, role: 'member' })));
    assert.deepEqual(tally(answers), { 201: 49 }, `round ${round}`);
    const members = await call('GET', `/organizations/${org}/members?limit=100`, owner);
    assert.equal(members.headers.get('x-total-count'), '50');
    // Each member's own index (organizations by user) has it too.
    const seen = await Promise.all(USERS.slice(1).map((u) => call('GET', '/organizations', token(u))));
    assert.ok(seen.every((s) => s.body.organizations.some((o) => o.id === org)));
  }
});
