// The CLI as an administrator uses it, against the built worker in workerd
// (real local KV, Durable Object, queue and email): the README's new-user
// walk done entirely with `orgwarden`, The Things Stack's CLI stories
// (collaborators with rights, API keys, users list/search/suspend/delete/
// restore/purge), the flows (roles, invitations, registration and approval,
// settings), the output options, and every error path with its exit code.
// Secrets only ever travel on standard input or in the environment: the
// test records the argv of every process it spawns and checks that no
// secret is in any of them, nor in any stderr, nor in any stdout but the
// one-time display of a new API key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, newPrivateJwk, mintToken, root } from './harness.mjs';

const OPERATOR_KEY = 'operator-secret-for-cli-stories-0001';
const BASE = 'http://127.0.0.1:8787';
const PW = { root: 'correct horse battery', alice: 'alice-password-1', bob: 'bob-password-1', carol: 'carol-password-1', dave: 'dave-password-1' };
const TOKEN = /OWI\.[A-Z2-7]{16}\.[A-Z2-7]{52}/;
const bin = path.join(root, 'target/debug/orgwarden');
const config = mkdtempSync(path.join(tmpdir(), 'orgwarden-cli-stories-'));
const jwk = newPrivateJwk('cli-stories');
const secrets = new Set([OPERATOR_KEY, ...Object.values(PW)]);
const runs = [];
let mf;
let url;

/** Runs the CLI with `input` on its standard input and `env` added. */
function cli(args, { input = '', env = {} } = {}) {
  const r = spawnSync(bin, args, { input, env: { ...process.env, ORGWARDEN_CONFIG_DIR: config, ...env }, encoding: 'utf8' });
  const run = { args, code: r.status, stdout: r.stdout, stderr: r.stderr };
  runs.push(run);
  run.json = r.status === 0 && r.stdout.trim().startsWith('{') ? JSON.parse(r.stdout) : null;
  return run;
}
/** A command that must succeed; its JSON. */
function ok(args, options) {
  const r = cli(args, options);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json;
}
/** A command the deployment must refuse with `code` (exit 1). */
function refused(args, code, options) {
  const r = cli(args, options);
  assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code} ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`^orgwarden: ${code}: `), args.join(' '));
  return r;
}
const as = (profile, ...args) => ['--profile', profile, ...args];
const login = (profile, user) =>
  ok(as(profile, 'login', '--url', url, '--tenant', 'acme', '--username', user, '--password-stdin'), { input: `${PW[user]}\n` });

async function mailTo(to) {
  const end = Date.now() + 15_000;
  for (;;) {
    const found = mf.emails.sent.find((e) => e.to.includes(to));
    if (found) return found;
    if (Date.now() > end) throw new Error(`no email to ${to}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  mf = await startWorker({
    bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '10000', PUBLIC_BASE_URL: BASE },
  });
  url = String(await mf.ready).replace(/\/$/, '');
});
after(async () => {
  await mf?.dispose();
  // No secret in any argv, any stderr, or any stdout but a new key's display.
  for (const run of runs) {
    for (const s of secrets) {
      assert.ok(!run.args.some((a) => a.includes(s)), `a secret in argv: ${run.args.join(' ')}`);
      assert.ok(!run.stderr.includes(s), `a secret on stderr: ${run.args.join(' ')}`);
      const display = run.args.includes('api-keys') && run.args.includes('create');
      if (!display) assert.ok(!run.stdout.includes(s), `a secret on stdout: ${run.args.join(' ')}`);
    }
  }
});

test("the README's new-user walk, entirely with the CLI", async () => {
  // 1. The operator creates the tenant; the key comes from the environment.
  const tenant = ok(['tenants', 'create', 'acme', '--url', url, '--name', 'Acme Inc.', '--admin-id', 'root', '--admin-email', 'root@acme.example', '--admin-password-stdin'],
    { input: `${PW.root}\n`, env: { ORGWARDEN_OPERATOR_KEY: OPERATOR_KEY } });
  assert.equal(tenant.admin.admin, true);
  // 2. Sign in (password on stdin here; asked without echo at a terminal).
  assert.equal(login('default', 'root').tenant, 'acme');
  // 3. Users, then an organization created by alice, who owns it.
  ok(['users', 'create', 'alice', '--email', 'alice@acme.example', '--password-stdin'], { input: `${PW.alice}\n` });
  ok(['users', 'create', 'bob', '--email', 'bob@acme.example', '--first-name', 'Bob', '--password-stdin'], { input: `${PW.bob}\n` });
  login('alice', 'alice');
  assert.equal(ok(as('alice', 'organizations', 'create', 'platform', '--name', 'Platform team')).state, 'approved');
  // 4. A member.
  assert.equal(ok(as('alice', 'organizations', 'members', 'set', '--organization-id', 'platform', '--user-id', 'bob', '--role', 'member')).role, 'member');
  // 5. An API key, shown once, that works as a credential.
  const made = cli(as('alice', 'organizations', 'api-keys', 'create', '--organization-id', 'platform', '--name', 'ci', '--right-organization-info', '--right-application-info'));
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.json.key, /^OWK\./);
  assert.match(made.stderr, /shown this once/);
  secrets.add(made.json.key);
  assert.ok(!JSON.stringify(ok(as('alice', 'organizations', 'api-keys', 'list', '--organization-id', 'platform'))).includes(made.json.key));
  ok(as('ci', 'login', '--url', url, '--tenant', 'acme', '--api-key-env', 'CI_KEY'), { env: { CI_KEY: made.json.key } });
  assert.equal(ok(as('ci', 'organizations', 'get', 'platform')).name, 'Platform team');
  // 6. An invitation; the new person pastes the link and registers.
  const inv = ok(as('alice', 'organizations', 'invitations', 'create', '--organization-id', 'platform', '--email', 'carol@example.com', '--role', 'member', '--first-name', 'Carol'));
  assert.equal(inv.state, 'pending');
  const link = (await mailTo('carol@example.com')).text.split(/\s/).find((w) => TOKEN.test(w));
  secrets.add(TOKEN.exec(link)[0]);
  const joined = ok(['invitations', 'accept', '--url', url, '--tenant', 'acme', '--token-stdin', '--user-id', 'carol', '--password-stdin'], { input: `${link}\n${PW.carol}\n` });
  assert.equal(joined.membership.role, 'member');
  login('carol', 'carol');
  const mine = ok(as('carol', 'account', 'organizations', 'list'));
  assert.deepEqual(mine.organizations.map((m) => [m.organization.id, m.role]), [['platform', 'member']]);
  assert.equal(ok(as('carol', 'account', 'get')).id, 'carol');
});

test("The Things Stack's stories: collaborators with rights, keys, users list, search, suspend, delete, restore, purge", () => {
  ok(as('alice', 'applications', 'create', '--application-id', 'billing', '--organization-id', 'platform', '--name', 'Billing'));
  // dave is in no organization: his rights on billing are the collaborator's alone.
  ok(['users', 'create', 'dave', '--email', 'dave@acme.example', '--password-stdin'], { input: `${PW.dave}\n` });
  const set = ok(as('alice', 'applications', 'collaborators', 'set', '--application-id', 'billing', '--user-id', 'dave', '--right-application-info', '--right-application-devices-read'));
  assert.deepEqual(set.rights.slice().sort(), ['RIGHT_APPLICATION_DEVICES_READ', 'RIGHT_APPLICATION_INFO']);
  login('dave', 'dave');
  assert.deepEqual(ok(as('dave', 'applications', 'rights', '--application-id', 'billing')).rights.slice().sort(), ['RIGHT_APPLICATION_DEVICES_READ', 'RIGHT_APPLICATION_INFO']);
  // 403: dave may read the application, not delete it; the missing right is named.
  const denied = refused(as('dave', 'applications', 'delete', '--application-id', 'billing', '--yes'), 'insufficient_rights');
  assert.match(denied.stderr, /RIGHT_APPLICATION_DELETE/);
  ok(as('alice', 'applications', 'collaborators', 'delete', '--application-id', 'billing', '--user-id', 'dave', '--yes'));
  assert.deepEqual(Object.values(ok(as('alice', 'applications', 'collaborators', 'list', '--application-id', 'billing')))[0].map((c) => c.organization_id ?? c.user_id), ['platform']);
  login('bob', 'bob');

  // A user's own API key: create, update, get, delete.
  const key = ok(as('bob', 'users', 'api-keys', 'create', '--user-id', 'bob', '--name', 'laptop', '--rights', 'RIGHT_USER_INFO'));
  secrets.add(key.key);
  assert.equal(ok(as('bob', 'users', 'api-keys', 'update', '--user-id', 'bob', '--api-key-id', key.id, '--name', 'desk')).name, 'desk');
  assert.equal(ok(as('bob', 'users', 'api-keys', 'get', '--user-id', 'bob', '--api-key-id', key.id)).name, 'desk');
  ok(as('bob', 'users', 'api-keys', 'delete', '--user-id', 'bob', '--api-key-id', key.id, '--yes'));
  refused(as('bob', 'users', 'api-keys', 'get', '--user-id', 'bob', '--api-key-id', key.id), 'not_found');

  // Users: list, search, suspend (sign-in refused), delete, restore, purge.
  assert.deepEqual(ok(['users', 'list']).users.map((u) => u.id).sort(), ['alice', 'bob', 'carol', 'dave', 'root']);
  assert.deepEqual(ok(['users', 'search', '--name-contains', 'BOB']).users.map((u) => u.id), ['bob']);
  assert.equal(ok(['users', 'update', 'bob', '--state', 'suspended']).state, 'suspended');
  refused(as('bob2', 'login', '--url', url, '--tenant', 'acme', '--username', 'bob', '--password-stdin'), 'invalid_grant', { input: `${PW.bob}\n` });
  refused(as('bob', 'account', 'get'), 'token_revoked');
  ok(['users', 'update', 'bob', '--state', 'approved']);
  ok(['users', 'delete', 'bob', '--yes']);
  assert.deepEqual(ok(['users', 'search', '--deleted']).users.map((u) => u.id), ['bob']);
  assert.equal(ok(['users', 'restore', 'bob']).id, 'bob');
  ok(['users', 'delete', 'bob', '--yes']);
  assert.deepEqual(ok(['users', 'purge', 'bob', '--yes']), { purged: 'bob' });
  refused(['users', 'get', 'bob'], 'not_found');
  // A user may not manage users.
  refused(as('carol', 'users', 'list'), 'insufficient_rights');
});

test('organizations: update, roles, invitations, search, delete, restore, purge', async () => {
  assert.equal(ok(as('alice', 'organizations', 'update', 'platform', '--description', 'Core services')).description, 'Core services');
  const role = ok(as('alice', 'organizations', 'roles', 'create', '--organization-id', 'platform', '--role-id', 'auditor', '--right-organization-info', '--right-application-info'));
  assert.equal(role.id, 'auditor');
  assert.ok(Object.values(ok(as('alice', 'organizations', 'roles', 'list', '--organization-id', 'platform')))[0].some((r) => r.id === 'auditor'));
  assert.deepEqual(ok(as('alice', 'organizations', 'roles', 'update', '--organization-id', 'platform', '--role-id', 'auditor', '--rights', 'RIGHT_ORGANIZATION_INFO')).rights, ['RIGHT_ORGANIZATION_INFO']);
  ok(as('alice', 'organizations', 'members', 'set', '--organization-id', 'platform', '--user-id', 'carol', '--role', 'auditor'));
  // A changed membership ends carol's session: she signs in again.
  refused(as('carol', 'account', 'get'), 'token_revoked');
  login('carol', 'carol');
  // carol (auditor) may not manage members: 403 with the right named.
  refused(as('carol', 'organizations', 'members', 'set', '--organization-id', 'platform', '--user-id', 'alice', '--role', 'member'), 'insufficient_rights');

  const inv = ok(as('alice', 'organizations', 'invitations', 'create', '--organization-id', 'platform', '--email', 'dave@example.com', '--role', 'auditor'));
  const resent = ok(as('alice', 'organizations', 'invitations', 'resend', '--organization-id', 'platform', '--invitation-id', inv.id));
  assert.equal(resent.state, 'pending');
  assert.deepEqual(ok(as('alice', 'organizations', 'invitations', 'list', '--organization-id', 'platform')).invitations.filter((i) => i.state === 'pending').map((i) => i.id), [inv.id]);
  ok(as('alice', 'organizations', 'invitations', 'delete', '--organization-id', 'platform', '--invitation-id', inv.id, '--yes'));
  const t = ok(['users', 'invitations', 'create', '--email', 'erin@example.com']);
  assert.ok(ok(['users', 'invitations', 'list']).invitations.some((i) => i.id === t.id));
  ok(['users', 'invitations', 'delete', '--invitation-id', t.id, '--yes']);
  secrets.add(TOKEN.exec((await mailTo('dave@example.com')).text)[0]);

  assert.deepEqual(ok(['organizations', 'search', '--name-contains', 'platform']).organizations.map((o) => o.id), ['platform']);
  refused(as('alice', 'organizations', 'roles', 'delete', '--organization-id', 'platform', '--role-id', 'owner', '--yes'), 'role_reserved');
  ok(as('alice', 'organizations', 'roles', 'delete', '--organization-id', 'platform', '--role-id', 'auditor', '--yes'));
  ok(['organizations', 'create', 'scratch', '--name', 'Scratch', '--owner', 'alice']);
  ok(as('alice', 'organizations', 'delete', 'scratch', '--yes'));
  assert.deepEqual(ok(['organizations', 'search', '--deleted']).organizations.map((o) => o.id), ['scratch']);
  assert.equal(ok(['organizations', 'restore', 'scratch']).id, 'scratch');
  ok(['organizations', 'delete', 'scratch', '--yes']);
  assert.deepEqual(ok(['organizations', 'purge', 'scratch', '--yes']), { purged: 'scratch' });
  refused(['organizations', 'get', 'scratch'], 'not_found');
});

test('self-registration with approval, settings and the outbox', () => {
  login('carol', 'carol'); // her role was deleted, which ended her session
  refused(as('carol', 'account', 'organizations', 'register', 'carols', '--name', 'Carol Co'), 'registration_disabled');
  assert.equal(ok(['settings', 'set', '--org-registration-enabled', 'true']).org_registration_enabled, true);
  assert.equal(ok(['settings', 'get']).org_registration_auto_approve, false);
  assert.equal(ok(as('carol', 'account', 'organizations', 'register', 'carols', '--name', 'Carol Co')).state, 'pending');
  ok(as('carol', 'account', 'organizations', 'register', 'nope', '--name', 'Nope'));
  assert.equal(ok(['organizations', 'approve', 'carols']).state, 'approved');
  assert.equal(ok(['organizations', 'reject', 'nope', '--reason', 'duplicate']).state, 'rejected');
  refused(as('carol', 'organizations', 'approve', 'nope'), 'insufficient_rights');
  assert.ok(ok(['notifications', '--limit', '5']).notifications.length > 0);
  refused(as('carol', 'notifications'), 'insufficient_rights');
});

test('output: a table for people, --field-mask, JSON by default', () => {
  const table = cli(['organizations', 'list', '--output', 'table', '--field-mask', 'id,state']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /ID\s+.*STATE/);
  assert.match(table.stdout, /platform\s+.*approved/);
  assert.doesNotMatch(table.stdout, /NAME|Platform team/);
  const one = cli(['-o', 'table', 'users', 'get', 'alice']);
  assert.match(one.stdout, /FIELD\s+.*VALUE/);
  assert.match(one.stdout, /email\s+.*alice@acme\.example/);
  assert.deepEqual(ok(['users', 'get', 'alice', '--field-mask', 'id,admin']), { id: 'alice', admin: false });
  const typo = cli(['users', 'get', 'alice', '--field-mask', 'nmae']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /no field "nmae".*email/);
});

test('error paths: 404, a session expired here or at the server, usage errors', () => {
  refused(['organizations', 'get', 'nothing-here'], 'not_found');
  refused(['applications', 'get', '--application-id', 'nothing-here'], 'not_found');
  // The profile says the session ended: the CLI asks for a new login without calling.
  const file = path.join(config, 'profiles.json');
  const profiles = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...profiles, old: { ...profiles.alice, expires_at: 1 } }));
  const expired = refused(as('old', 'organizations', 'list'), 'token_expired');
  assert.match(expired.stderr, /orgwarden login/);
  // The server finds the token expired (clock skew, revocation): its code, and the same advice.
  const now = Math.floor(Date.now() / 1000);
  const stale = mintToken(jwk, 'alice', { base: BASE, iat: now - 7200, exp: now - 3600 });
  writeFileSync(file, JSON.stringify({ ...profiles, stale: { ...profiles.alice, token: stale } }));
  const server = refused(as('stale', 'organizations', 'list'), 'token_expired');
  assert.match(server.stderr, /orgwarden login/);
  // Usage errors: exit 2, nothing sent.
  assert.equal(cli(['users', 'update', 'alice', '--state', 'gone']).code, 2);
  assert.equal(cli(['organizations', 'roles', 'create', '--organization-id', 'platform', '--role-id', 'x']).code, 2);
  assert.equal(cli(['applications', 'collaborators', 'set', '--application-id', 'billing', '--right-application-info']).code, 2);
  assert.equal(cli(['users', 'delete', 'alice']).code, 2, 'no --yes and no terminal');
  assert.equal(cli(['invitations', 'accept', '--token-stdin'], { input: 'not a token\n' }).code, 2);
  assert.equal(cli(['tenants', 'create', 'x', '--url', url, '--name', 'X', '--admin-id', 'a', '--admin-email', 'a@x.example', '--admin-password-stdin'], { input: 'p\n', env: { ORGWARDEN_OPERATOR_KEY: '' } }).code, 2, 'no operator key');
});
