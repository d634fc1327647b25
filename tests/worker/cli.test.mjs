// The orgwarden CLI against the built worker in workerd: login (password
// from standard input, never an argument), organizations create, list,
// get, delete, logout, and the error paths with their exit codes. The
// profile lives in a temporary config directory, readable by its owner only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, newPrivateJwk, root } from './harness.mjs';

const OPERATOR_KEY = 'operator-secret-for-cli-tests-000001';
const PASSWORD = 'correct horse battery';
const bin = path.join(root, 'target/debug/orgwarden');
const config = mkdtempSync(path.join(tmpdir(), 'orgwarden-cli-'));
let mf;
let url;

/** Runs the CLI; `input` goes to its standard input. */
function cli(args, input = '') {
  const r = spawnSync(bin, args, { input, env: { ...process.env, ORGWARDEN_CONFIG_DIR: config }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: r.status === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : null };
}

before(async () => {
  mf = await startWorker({
    bindings: { SIGNING_KEYS: JSON.stringify({ keys: [newPrivateJwk('cli-key')] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '10000' },
  });
  url = String(await mf.ready).replace(/\/$/, '');
  const created = await mf.dispatchFetch('http://localhost/api/v1/tenants', {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } }),
  });
  assert.equal(created.status, 201);
});
after(async () => { await mf?.dispose(); });

test('login, then organizations create, list, get and delete, then logout', () => {
  const login = cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], `${PASSWORD}\n`);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.json.tenant, 'acme');
  const file = path.join(config, 'profiles.json');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the profile is readable by its owner only');
  assert.ok(!login.stdout.includes(PASSWORD));
  assert.ok(!readFileSync(file, 'utf8').includes(PASSWORD), 'the password is never kept');

  const made = cli(['organizations', 'create', 'platform', '--name', 'Platform team', '--description', 'Core']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.json.id, 'platform');
  assert.equal(made.json.description, 'Core');
  const listed = cli(['organizations', 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.json.organizations.map((o) => o.id), ['platform']);
  assert.equal(cli(['org', 'get', 'platform']).json.name, 'Platform team');

  // Nobody to ask: a destructive command needs --yes (usage, exit 2).
  const unconfirmed = cli(['organizations', 'delete', 'platform']);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /--yes/);
  assert.equal(cli(['organizations', 'delete', 'platform', '--yes']).code, 0);

  const gone = cli(['organizations', 'get', 'platform']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^orgwarden: not_found: /);

  assert.equal(cli(['logout']).json.logged_out, true);
  const after = cli(['organizations', 'list']);
  assert.equal(after.code, 1);
  assert.match(after.stderr, /not_logged_in/);
});

test('refusals: a wrong password, a taken ID, a bad ID, an unreachable deployment, usage errors', () => {
  const wrong = cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], 'not the password\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^orgwarden: invalid_grant: /);
  assert.ok(!wrong.stderr.includes('not the password'));
  assert.equal(cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], PASSWORD).code, 0);
  assert.equal(cli(['organizations', 'create', 'dup', '--name', 'D']).code, 0);
  const taken = cli(['organizations', 'create', 'dup', '--name', 'D']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /^orgwarden: id_taken: /);
  const bad = cli(['organizations', 'create', 'Not_An_Id', '--name', 'X']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^orgwarden: invalid_id: /);
  const down = cli(['--profile', 'nowhere', 'login', '--url', 'http://127.0.0.1:9', '--tenant', 'acme', '--username', 'root', '--password-stdin'], PASSWORD);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^orgwarden: unreachable: /);
  assert.equal(cli(['organizations', 'create', 'x']).code, 2, '--name is required');
  assert.equal(cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--api-key-stdin']).code, 2, 'a password or a key, not both');
});

test('an API key from the environment, never from an argument', async () => {
  assert.equal(cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], PASSWORD).code, 0);
  assert.equal(cli(['organizations', 'create', 'keyed', '--name', 'K']).code, 0);
  const token = JSON.parse(readFileSync(path.join(config, 'profiles.json'), 'utf8')).default.token;
  const res = await mf.dispatchFetch('http://localhost/t/acme/api/v1/admin/organizations/keyed/api-keys', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ci', rights: ['RIGHT_ORGANIZATION_INFO'] }),
  });
  const key = (await res.json()).key;
  const r = spawnSync(bin, ['--profile', 'ci', 'login', '--url', url, '--tenant', 'acme', '--api-key-env', 'ORGWARDEN_TEST_KEY'], {
    env: { ...process.env, ORGWARDEN_CONFIG_DIR: config, ORGWARDEN_TEST_KEY: key }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes(key));
  const got = cli(['--profile', 'ci', 'organizations', 'get', 'keyed']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.json.id, 'keyed');
  const wrongKey = spawnSync(bin, ['--profile', 'bad', 'login', '--url', url, '--tenant', 'acme', '--api-key-stdin'], {
    input: `${key.slice(0, -4)}AAAA\n`, env: { ...process.env, ORGWARDEN_CONFIG_DIR: config }, encoding: 'utf8',
  });
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stderr, /credential_invalid|key_invalid|invalid/);
});

test('organizations members: set by role or rights, list, the last-owner rule, delete', async () => {
  assert.equal(cli(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], PASSWORD).code, 0);
  const token = JSON.parse(readFileSync(path.join(config, 'profiles.json'), 'utf8')).default.token;
  const made = await mf.dispatchFetch('http://localhost/t/acme/api/v1/admin/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bob', email: 'bob@acme.example', password: 'bob-password-1' }),
  });
  assert.equal(made.status, 201);
  assert.equal(cli(['organizations', 'create', 'team', '--name', 'Team']).code, 0);
  const added = cli(['organizations', 'members', 'set', '--organization-id', 'team', '--user-id', 'bob', '--role', 'member']);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.json.role, 'member');
  // The Things Stack's shape: collaborators set with explicit rights.
  const changed = cli(['organizations', 'collaborators', 'set', '--organization-id', 'team', '--user-id', 'bob', '--rights', 'RIGHT_ORGANIZATION_INFO,RIGHT_ORGANIZATION_APPLICATIONS_LIST']);
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(changed.json.rights.slice().sort(), ['RIGHT_ORGANIZATION_APPLICATIONS_LIST', 'RIGHT_ORGANIZATION_INFO']);
  const listed = cli(['organizations', 'members', 'list', '--organization-id', 'team']);
  // A tenant admin's new organization has no owner until one is set.
  assert.deepEqual(listed.json.members.map((m) => m.user_id), ['bob']);
  const unknown = cli(['organizations', 'members', 'set', '--organization-id', 'team', '--user-id', 'bob', '--rights', 'RIGHT_NOPE']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^orgwarden: invalid_request: |unknown_right/);
  assert.equal(cli(['organizations', 'members', 'set', '--organization-id', 'team', '--user-id', 'bob']).code, 2, 'a role or rights');
  assert.equal(cli(['organizations', 'members', 'set', '--organization-id', 'team', '--user-id', 'bob', '--role', 'owner']).code, 0);
  const lastOwner = cli(['organizations', 'members', 'delete', '--organization-id', 'team', '--user-id', 'bob', '--yes']);
  assert.equal(lastOwner.code, 1);
  assert.match(lastOwner.stderr, /^orgwarden: organization_needs_owner: /);
  // Another owner, and then bob may go.
  assert.equal(cli(['organizations', 'members', 'set', '--organization-id', 'team', '--user-id', 'root', '--role', 'owner']).code, 0);
  assert.equal(cli(['organizations', 'members', 'delete', '--organization-id', 'team', '--user-id', 'bob', '--yes']).code, 0);
  assert.deepEqual(cli(['organizations', 'members', 'list', '--organization-id', 'team']).json.members.map((m) => m.user_id), ['root']);
});
