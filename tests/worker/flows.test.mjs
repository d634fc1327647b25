// The flows end to end through the built worker in workerd (Miniflare): the
// tenant's Durable Object, the notification queue and its consumer, the
// local send_email binding (what it sent, read back from Miniflare's log and
// files) and a local webhook receiver that checks every signature with
// Node's own HMAC. Invitations and their tokens' every fate, resend, expiry
// with an injected clock, retries and dead letters, and the three source
// stories: Tyk's portal, a tenant identity provider, The Things Stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';
import { startReceiver, newSecret } from './webhook.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-key-for-flow-tests-0123456789';
const PASSWORD = 'correct horse battery';
const jwk = newPrivateJwk('flows-key');
const secret = newSecret();
const DAY = 24 * 3600 * 1000;
let receiver;
let mf;
const cleanup = [];

const TOKEN = /OWI\.[A-Z2-7]{16}\.[A-Z2-7]{52}/;
const claimsOf = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());

/** A worker with webhook and email on; `extra` adds bindings, `options` Miniflare options. */
async function worker(extra = {}, options = {}) {
  const w = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      PUBLIC_BASE_URL: BASE,
      OPERATOR_KEY,
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: secret,
      NOTIFY_RETRY_SECONDS: '1',
      ...extra,
    },
    ...options,
  });
  cleanup.push(() => w.dispose());
  return w;
}

async function api(w, method, p, { as, body } = {}) {
  const init = { method, headers: {} };
  if (as) init.headers.authorization = `Bearer ${as}`;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await w.dispatchFetch(`http://localhost${p}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const A = '/t/acme/api/v1/admin';
const root = (offset = 0) => mintToken(jwk, 'root', { base: BASE, adm: true, iat: Math.floor((Date.now() + offset) / 1000) + 1, exp: Math.floor((Date.now() + offset) / 1000) + 900 });
const as = (user, offset = 0) => mintToken(jwk, user, { base: BASE, iat: Math.floor((Date.now() + offset) / 1000) + 1, exp: Math.floor((Date.now() + offset) / 1000) + 900 });

async function signIn(w, username, extra = {}) {
  const res = await w.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD, ...extra }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

/** The tenant, its admin and users alice, bob (passwords set). */
async function seed(w) {
  const t = await api(w, 'POST', '/api/v1/tenants', { as: OPERATOR_KEY, body: { id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } } });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  for (const id of ['alice', 'bob']) {
    const r = await api(w, 'POST', `${A}/users`, { as: root(), body: { id, email: `${id}@acme.example`, password: PASSWORD } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
}

/** The email sent to `to` whose subject matches `subject`. */
async function mailTo(w, to, subject = /./) {
  const end = Date.now() + 15_000;
  for (;;) {
    const found = w.emails.sent.find((e) => e.to.includes(to) && subject.test(e.subject));
    if (found) return found;
    if (Date.now() > end) throw new Error(`no email to ${to} matching ${subject}; sent: ${JSON.stringify(w.emails.sent.map((e) => [e.to, e.subject]))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  receiver = await startReceiver(secret);
  mf = await worker();
  await seed(mf);
  assert.equal((await api(mf, 'POST', `${A}/organizations`, { as: as('alice'), body: { id: 'team', name: 'Team <A&B>' } })).status, 201);
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await receiver?.close();
});

test('an invitation goes out by email and webhook, and registers the invitee in one call', async () => {
  const created = await api(mf, 'POST', `${A}/organizations/team/invitations`, { as: as('alice'), body: { email: 'erin@example.com', role: 'member', first_name: 'Erin' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.state, 'pending');
  assert.ok(!JSON.stringify(created.body).match(TOKEN), 'the token is shown only in the message');
  const mail = await mailTo(mf, 'erin@example.com', /invited to join/);
  assert.equal(mail.from, '"orgwarden" <noreply@orgwarden.example>');
  assert.match(mail.text, /Hello Erin/);
  const token = TOKEN.exec(mail.text)[0];
  assert.ok(mail.html.includes(token) && mail.html.includes('Team &lt;A&amp;B&gt;'), 'HTML escaped, link included');
  assert.ok(mail.text.includes(`${BASE}/t/acme/portal/#/invitations/${token}`));
  const hook = await receiver.waitFor((d) => d.type === 'invitation.created' && d.data.email === undefined && d.data.to.includes('erin@example.com'));
  assert.equal(hook.data.link.match(TOKEN)[0], token);
  assert.equal(hook.id, hook.data.notification_id);
  // The outbox holds it, without the token.
  const outbox = await api(mf, 'GET', `${A}/notifications`, { as: root() });
  const entry = outbox.body.notifications.find((n) => n.id === hook.id);
  assert.equal(entry.kind, 'invitation');
  assert.ok(!JSON.stringify(outbox.body).match(TOKEN));
  assert.equal((await api(mf, 'GET', `${A}/notifications`, { as: as('alice') })).status, 403);

  // A new person registers and joins in one call, then signs in.
  const accepted = await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'erin', password: PASSWORD } });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.user.email, 'erin@example.com');
  assert.equal(accepted.body.membership.role, 'member');
  const erin = await signIn(mf, 'erin');
  assert.deepEqual(claimsOf(erin).orgs.team, { role: 'member' });
  assert.equal((await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'erin2', password: PASSWORD } })).body.code, 'invitation_used');
  assert.equal((await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { as: erin })).body.code, 'invitation_used');
  const open = await api(mf, 'GET', `${A}/organizations/team/invitations`, { as: as('alice') });
  assert.ok(!open.body.invitations.some((i) => i.email === 'erin@example.com'));
});

test('unknown, malformed, revoked and replaced tokens each get their own answer', async () => {
  const accept = (t, body = { id: 'nobody', password: PASSWORD }) => api(mf, 'POST', `/t/acme/api/v1/invitations/${t}/accept`, { body });
  assert.equal((await accept('OWI.AAAAAAAAAAAAAAAA.' + 'A'.repeat(52))).status, 404);
  assert.equal((await accept('not-a-token')).body.code, 'invitation_not_found');
  assert.equal((await accept('x', { id: 'nobody' })).body.code, 'invalid_request', 'a registration needs a password');

  const inv = await api(mf, 'POST', `${A}/organizations/team/invitations`, { as: as('alice'), body: { email: 'rev@example.com', role: 'member' } });
  const revokedToken = TOKEN.exec((await mailTo(mf, 'rev@example.com')).text)[0];
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/team/invitations/${inv.body.id}`, { as: as('alice') })).status, 204);
  const revoked = await accept(revokedToken);
  assert.deepEqual([revoked.status, revoked.body.code], [410, 'invitation_revoked']);

  const again = await api(mf, 'POST', `${A}/organizations/team/invitations`, { as: as('alice'), body: { email: 'again@example.com', role: 'member' } });
  const first = TOKEN.exec((await mailTo(mf, 'again@example.com', /invited/)).text)[0];
  const resent = await api(mf, 'POST', `${A}/organizations/team/invitations/${again.body.id}/resend`, { as: as('alice') });
  assert.equal(resent.status, 200);
  assert.ok(resent.body.updated_at >= again.body.updated_at);
  const second = TOKEN.exec((await mailTo(mf, 'again@example.com', /sent again/)).text)[0];
  assert.notEqual(first, second);
  assert.equal((await accept(first)).body.code, 'invitation_not_found', 'the resend killed the old token');
  assert.equal((await accept(second, { id: 'again', password: PASSWORD })).status, 200);
  // Only member managers invite; nobody invites to a role above their own.
  assert.equal((await api(mf, 'POST', `${A}/organizations/team/invitations`, { as: as('bob'), body: { email: 'x@example.com', role: 'member' } })).status, 403);
});

test('a signed-in invitee joins with its own address, and the role is in its next token', async () => {
  // The tenant identity provider's story: an admin creates an organization
  // and a custom role, invites by email with that role; the invitee, signed
  // in, accepts.
  assert.equal((await api(mf, 'POST', `${A}/organizations`, { as: root(), body: { id: 'idp-org', name: 'IdP', owner: 'alice' } })).status, 201);
  const role = await api(mf, 'POST', `${A}/organizations/idp-org/roles`, { as: as('alice'), body: { id: 'auditor', rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO'] } });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  await api(mf, 'POST', `${A}/organizations/idp-org/invitations`, { as: as('alice'), body: { email: 'bob@acme.example', role: 'auditor' } });
  const token = TOKEN.exec((await mailTo(mf, 'bob@acme.example', /idp|IdP/i)).text)[0];
  const before = claimsOf(await signIn(mf, 'bob'));
  assert.equal(before.orgs?.['idp-org'], undefined);
  const wrong = await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { as: await signIn(mf, 'alice') });
  assert.deepEqual([wrong.status, wrong.body.code], [403, 'invitation_email_mismatch']);
  const ok = await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { as: await signIn(mf, 'bob') });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const next = claimsOf(await signIn(mf, 'bob'));
  assert.equal(next.orgs['idp-org'].role, 'auditor');
  assert.deepEqual(next.orgs['idp-org'].rights.sort(), ['RIGHT_APPLICATION_INFO', 'RIGHT_ORGANIZATION_INFO']);
});

test('Tyk\'s story: a user registers an organization, an admin approves it, the owner invites a teammate, both see the application', async () => {
  assert.equal((await api(mf, 'POST', '/t/acme/api/v1/account/organizations', { as: as('bob'), body: { id: 'bobco', name: 'Bob Co' } })).body.code, 'registration_disabled');
  await api(mf, 'PUT', `${A}/settings`, { as: root(), body: { org_registration_enabled: true } });
  const reg = await api(mf, 'POST', '/t/acme/api/v1/account/organizations', { as: as('bob'), body: { id: 'bobco', name: 'Bob Co' } });
  assert.deepEqual([reg.status, reg.body.state], [201, 'pending']);
  await mailTo(mf, 'root@acme.example', /asks to register Bob Co/);
  await receiver.waitFor((d) => d.type === 'organization.registration_requested' && d.data.organization_id === 'bobco');
  // Pending: in no token, no invitations; its owner sees it, and only that.
  assert.equal(claimsOf(await signIn(mf, 'bob')).orgs?.bobco, undefined);
  assert.equal((await api(mf, 'GET', `${A}/organizations/bobco`, { as: as('bob') })).body.state, 'pending');
  assert.deepEqual((await api(mf, 'GET', `${A}/organizations/bobco/rights`, { as: as('bob') })).body.rights, ['RIGHT_ORGANIZATION_INFO']);
  assert.equal((await api(mf, 'POST', `${A}/organizations/bobco/invitations`, { as: as('bob'), body: { email: 'carl@example.com', role: 'member' } })).status, 403);
  const listed = await api(mf, 'GET', `${A}/organizations?state=pending`, { as: root() });
  assert.ok(listed.body.organizations.some((o) => o.id === 'bobco'));
  const approved = await api(mf, 'POST', `${A}/organizations/bobco/approve`, { as: root() });
  assert.deepEqual([approved.status, approved.body.state], [200, 'approved']);
  await mailTo(mf, 'bob@acme.example', /Bob Co is approved/);
  const bob = await signIn(mf, 'bob');
  assert.deepEqual(claimsOf(bob).orgs.bobco, { role: 'owner' });
  const app = await api(mf, 'POST', `${A}/applications`, { as: bob, body: { id: 'bob-app', name: 'Bob App', organization_id: 'bobco' } });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  await api(mf, 'POST', `${A}/organizations/bobco/invitations`, { as: bob, body: { email: 'carl@example.com', role: 'member' } });
  const token = TOKEN.exec((await mailTo(mf, 'carl@example.com')).text)[0];
  assert.equal((await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'carl', first_name: 'Carl', password: PASSWORD } })).status, 200);
  const carl = await signIn(mf, 'carl');
  for (const t of [bob, carl]) {
    const seen = await api(mf, 'GET', `${A}/applications/bob-app`, { as: t });
    assert.deepEqual([seen.status, seen.body.name], [200, 'Bob App']);
  }
  // A rejection carries its reason to the owner.
  await api(mf, 'POST', '/t/acme/api/v1/account/organizations', { as: as('alice'), body: { id: 'alice-co', name: 'Alice Co' } });
  const rejected = await api(mf, 'POST', `${A}/organizations/alice-co/reject`, { as: root(), body: { reason: 'one per user' } });
  assert.equal(rejected.body.state, 'rejected');
  assert.match((await mailTo(mf, 'alice@acme.example', /not approved/)).text, /Reason: one per user/);
  assert.equal((await api(mf, 'POST', `${A}/organizations/alice-co/approve`, { as: root() })).body.code, 'organization_not_pending');
});

test('The Things Stack\'s story: create, grant, remove, delete, the ID refused, purge, the ID free', async () => {
  const alice = as('alice');
  assert.equal((await api(mf, 'POST', `${A}/organizations`, { as: alice, body: { id: 'tts-org', name: 'TTS' } })).status, 201);
  assert.equal((await api(mf, 'POST', `${A}/organizations/tts-org/members`, { as: alice, body: { user_id: 'bob', rights: ['RIGHT_ORGANIZATION_INFO'] } })).status, 201);
  assert.equal((await api(mf, 'GET', `${A}/organizations/tts-org`, { as: as('bob') })).status, 200);
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/tts-org/members/bob`, { as: alice })).status, 204);
  await mailTo(mf, 'bob@acme.example', /removed from TTS/);
  assert.equal((await api(mf, 'GET', `${A}/organizations/tts-org`, { as: as('bob') })).status, 403);
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/tts-org`, { as: alice })).status, 204);
  assert.equal((await api(mf, 'POST', `${A}/organizations`, { as: as('bob'), body: { id: 'tts-org', name: 'Mine' } })).body.code, 'id_reserved');
  const deleted = await api(mf, 'GET', `${A}/organizations?deleted=true`, { as: root() });
  assert.ok(deleted.body.organizations.some((o) => o.id === 'tts-org'));
  const restored = await api(mf, 'POST', `${A}/organizations/tts-org/restore`, { as: root() });
  assert.deepEqual([restored.status, restored.body.deleted_at], [200, undefined]);
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/tts-org`, { as: alice })).status, 204);
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/tts-org/purge`, { as: alice })).status, 403);
  assert.equal((await api(mf, 'DELETE', `${A}/organizations/tts-org/purge`, { as: root() })).status, 204);
  assert.equal((await api(mf, 'POST', `${A}/organizations`, { as: as('bob'), body: { id: 'tts-org', name: 'Mine' } })).status, 201);
  // Users likewise.
  assert.equal((await api(mf, 'POST', `${A}/users`, { as: root(), body: { id: 'temp', email: 't@example.com' } })).status, 201);
  assert.equal((await api(mf, 'DELETE', `${A}/users/temp`, { as: root() })).status, 204);
  assert.equal((await api(mf, 'POST', `${A}/users/temp/restore`, { as: root() })).status, 200);
  assert.equal((await api(mf, 'DELETE', `${A}/users/temp/purge`, { as: root() })).status, 204);
  assert.equal((await api(mf, 'POST', `${A}/users`, { as: root(), body: { id: 'temp' } })).status, 201);
});

test('a failing webhook is retried with the same id until it gets through; email is not repeated', async () => {
  receiver.fail = 2;
  const before = receiver.attempts.length;
  await api(mf, 'POST', `${A}/invitations`, { as: root(), body: { email: 'retry@example.com' } });
  const hook = await receiver.waitFor((d) => d.type === 'tenant_invitation.created' && d.data.to.includes('retry@example.com'));
  const tries = receiver.attempts.slice(before).filter((a) => a.id === hook.id);
  assert.equal(tries.length, 3, JSON.stringify(tries));
  assert.ok(tries.every((a) => a.ok), 'every attempt signed');
  assert.ok(tries[2].at - tries[0].at >= 2500, 'waits 1 s, then 2 s');
  assert.equal(mf.emails.sent.filter((e) => e.to.includes('retry@example.com')).length, 1);
  // Tenant invitations are listed and revoked like an organization's.
  const listed = await api(mf, 'GET', `${A}/invitations`, { as: root() });
  const mine = listed.body.invitations.find((i) => i.email === 'retry@example.com');
  assert.deepEqual([mine.state, mine.organization_id], ['pending', undefined]);
  const other = await api(mf, 'POST', `${A}/invitations`, { as: root(), body: { email: 'gone@example.com' } });
  assert.equal((await api(mf, 'DELETE', `${A}/invitations/${other.body.id}`, { as: root() })).status, 204);
  assert.equal((await api(mf, 'DELETE', `${A}/invitations/${other.body.id}`, { as: root() })).status, 404);
  assert.equal((await api(mf, 'GET', `${A}/invitations`, { as: as('alice') })).status, 403);
  // The tenant invitation registers the invitee.
  const token = TOKEN.exec(hook.data.link)[0];
  const r = await api(mf, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'retry', password: PASSWORD } });
  assert.deepEqual([r.status, r.body.user.email, r.body.membership], [200, 'retry@example.com', undefined]);
});

test('a delivery that never gets through is dead-lettered and marked undelivered in the outbox', async () => {
  const stubborn = await startReceiver(secret);
  stubborn.failAlways = true;
  cleanup.push(() => stubborn.close());
  const w = await worker({ NOTIFY_WEBHOOK_URL: stubborn.url }, {
    notify: {
      queueConsumers: {
        'orgwarden-notifications': { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 1, deadLetterQueue: 'orgwarden-notifications-dead' },
        'orgwarden-notifications-dead': { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 3 },
      },
    },
  });
  await seed(w);
  await api(w, 'POST', `${A}/invitations`, { as: root(), body: { email: 'lost@example.com' } });
  await mailTo(w, 'lost@example.com');
  const end = Date.now() + 20_000;
  let entry;
  while (Date.now() < end) {
    entry = (await api(w, 'GET', `${A}/notifications`, { as: root() })).body.notifications.find((n) => n.to.includes('lost@example.com'));
    if (entry?.undelivered) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(entry.undelivered, ['webhook']);
  assert.ok(stubborn.attempts.length >= 2, 'tried, then retried');
});

test('expiry and the restore window follow the clock (injected)', async () => {
  const kv = mkdtempSync(path.join(tmpdir(), 'ow-kv-'));
  const dos = mkdtempSync(path.join(tmpdir(), 'ow-do-'));
  cleanup.push(() => { rmSync(kv, { recursive: true, force: true }); rmSync(dos, { recursive: true, force: true }); });
  const persist = { kvPersist: kv, durableObjectsPersist: dos };
  const now = await worker({}, persist);
  await seed(now);
  await api(now, 'POST', `${A}/organizations`, { as: as('alice'), body: { id: 'later', name: 'Later' } });
  await api(now, 'POST', `${A}/organizations/later/invitations`, { as: as('alice'), body: { email: 'slow@example.com', role: 'member' } });
  const token = TOKEN.exec((await mailTo(now, 'slow@example.com')).text)[0];
  assert.equal((await api(now, 'DELETE', `${A}/organizations/later`, { as: as('alice') })).status, 204);
  await now.dispose();
  cleanup.splice(cleanup.length - 1, 1);

  // Eight days on: the invitation expired, the deletion is past its window.
  const offset = 8 * DAY;
  const then = await worker({ ORGWARDEN_TEST_CLOCK_OFFSET_MS: String(offset) }, persist);
  const accepted = await api(then, 'POST', `/t/acme/api/v1/invitations/${token}/accept`, { body: { id: 'slow', password: PASSWORD } });
  assert.deepEqual([accepted.status, accepted.body.code], [410, 'invitation_expired']);
  const restore = await api(then, 'POST', `${A}/organizations/later/restore`, { as: root(offset) });
  assert.deepEqual([restore.status, restore.body.code], [409, 'restore_window_passed']);
});
