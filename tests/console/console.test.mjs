// The console in Debian's headless Chromium (playwright-core), served by the
// built worker in workerd with its local KV, Durable Object, queue and email:
// the three source stories done by clicking, what a member does not see, an
// expired session, an accessibility check of every page (axe-core), and the
// Content-Security-Policy at work. The README's screenshots are taken here
// (ORGWARDEN_WRITE_SCREENSHOTS=1 node --test tests/console/ rewrites them).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startWorker, newPrivateJwk, mintToken, root } from '../worker/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OPERATOR_KEY = 'operator-key-for-the-console-tests-01';
const BASE = 'http://127.0.0.1:8787';
const PASSWORD = 'a-long-password-1';
const TOKEN = /OWI\.[A-Z2-7]{16}\.[A-Z2-7]{52}/;
// The README's pictures: rewritten with ORGWARDEN_WRITE_SCREENSHOTS=1, else kept under target/.
const shots = path.join(root, process.env.ORGWARDEN_WRITE_SCREENSHOTS ? 'docs/screenshots' : 'target/screenshots');
const axeSource = readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
const jwk = newPrivateJwk('console');
let mf;
let url;
let browser;
const audited = new Set();
const pages = [];

async function api(method, p, { as, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (as) headers.authorization = `Bearer ${as}`;
  const res = await fetch(`${url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const rootToken = () => mintToken(jwk, 'root', { base: BASE, adm: true });

async function mailTo(to) {
  const end = Date.now() + 15_000;
  for (;;) {
    const found = mf.emails.sent.find((e) => e.to.includes(to));
    if (found) return TOKEN.exec(found.text)[0];
    if (Date.now() > end) throw new Error(`no email to ${to}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A new browser tab (its own sessionStorage) on the console. */
async function tab({ bypassCSP = false } = {}) {
  const context = await browser.newContext({ bypassCSP, viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  pages.push(page);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => d.accept());
  return page;
}
const portal = (hash = '') => `${url}/t/acme/portal/${hash}`;

async function signIn(page, user, password = PASSWORD) {
  await page.goto(portal('#/signin'));
  await page.getByLabel('User ID').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My organizations' }).waitFor();
}
async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}
const heading = (page, name) => page.getByRole('heading', { name, exact: true }).waitFor();

/** axe-core on the page as it is now: no serious or critical violation. */
async function audit(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `accessibility of ${name}`);
  audited.add(name);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/setup.sh installs it)`);
  assert.ok(existsSync(path.join(root, 'console/dist/portal/app.js')), 'scripts/build-console.sh builds the console');
  mf = await startWorker({
    bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '10000', PUBLIC_BASE_URL: BASE },
    validate: false,
  });
  url = String(await mf.ready).replace(/\/$/, '');
  const made = await api('POST', '/api/v1/tenants', { as: OPERATOR_KEY, body: { id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  for (const id of ['alice', 'bob', 'carol', 'erin']) {
    assert.equal((await api('POST', '/t/acme/api/v1/admin/users', { as: rootToken(), body: { id, email: `${id}@acme.example`, password: PASSWORD } })).status, 201);
  }
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterEach(async (t) => {
  // A failing story leaves pictures of every tab it had open.
  if (t.passed === false || process.env.CONSOLE_SHOTS) {
    for (const [i, p] of pages.entries()) await p.screenshot({ path: path.join(root, `target/console-${i}.png`), fullPage: true }).catch(() => {});
  }
  for (const p of pages.splice(0)) await p.context().close();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

test("The Things Stack's story: create an organization, add a collaborator, an API key seen once, delete", async () => {
  const page = await tab({ bypassCSP: true });
  await page.goto(portal());
  await heading(page, 'Sign in');
  await audit(page, 'sign-in');
  await signIn(page, 'alice');
  await page.getByRole('link', { name: 'New organization' }).click();
  await heading(page, 'Create an organization');
  await audit(page, 'new organization');
  await page.getByLabel('ID', { exact: true }).fill('platform');
  await page.getByLabel('Name').fill('Platform team');
  await page.getByLabel('Description').fill('Core services');
  await page.getByRole('button', { name: 'Create' }).click();
  await heading(page, 'Platform team');
  await audit(page, 'organization overview');
  await page.screenshot({ path: path.join(shots, 'organization.png') });

  await page.getByRole('link', { name: 'Members' }).click();
  await heading(page, 'Add a member');
  await page.getByLabel('User ID').fill('bob');
  await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByRole('cell', { name: 'bob', exact: true }).waitFor();
  await audit(page, 'members');
  await page.screenshot({ path: path.join(shots, 'members.png') });
  // The last-owner rule: alice cannot step down while she is the only owner.
  await page.getByRole('combobox', { name: 'Role of alice' }).selectOption('member');
  await page.getByRole('status').filter({ hasText: /must keep at least one member/ }).waitFor();

  await page.getByRole('link', { name: 'API keys' }).click();
  await heading(page, 'New API key');
  await page.getByLabel('Name', { exact: true }).fill('ci');
  await page.getByRole('checkbox', { name: 'RIGHT_ORGANIZATION_INFO', exact: true }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.locator('output.secret').textContent();
  assert.match(secret, /^OWK\.[A-Z2-7]{16}\.[A-Z2-7]{52}$/);
  await audit(page, 'API keys');
  await page.screenshot({ path: path.join(shots, 'api-key.png') });
  const check = await api('GET', '/t/acme/api/v1/admin/organizations/platform', { as: secret });
  assert.equal(check.status, 200, 'the key shown works');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('cell', { name: 'ci', exact: true }).waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the key is not shown again');

  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Delete organization' }).click();
  await heading(page, 'My organizations');
  assert.equal((await api('GET', '/t/acme/api/v1/admin/organizations/platform', { as: rootToken() })).status, 404);
  assert.deepEqual(page.errors, []);
});

test("Tyk's story: register an organization, a tenant admin approves, invite a teammate who sees the shared application", async () => {
  const admin = await tab({ bypassCSP: true });
  await signIn(admin, 'root');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await heading(admin, 'Settings');
  await audit(admin, 'settings');
  await admin.getByLabel('Users may register organizations').check();
  await admin.getByRole('button', { name: 'Save settings' }).click();
  await admin.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();

  const carol = await tab({ bypassCSP: true });
  await signIn(carol, 'carol');
  await carol.getByRole('link', { name: 'New organization' }).click();
  await heading(carol, 'Register an organization');
  await carol.getByText(/A tenant admin approves/).waitFor();
  await carol.getByLabel('ID', { exact: true }).fill('carol-co');
  await carol.getByLabel('Name').fill('Carol Co');
  await carol.getByRole('button', { name: 'Register' }).click();
  await heading(carol, 'Carol Co');
  await carol.getByText('carol-co · pending').waitFor();

  await admin.getByRole('link', { name: 'Pending' }).click();
  await heading(admin, 'Pending organizations');
  await audit(admin, 'pending organizations');
  await admin.screenshot({ path: path.join(shots, 'pending.png') });
  await admin.getByRole('button', { name: 'Approve carol-co' }).click();
  await admin.getByText('No organization is waiting for approval.').waitFor();

  // Approval changed carol's organizations: her next token carries carol-co.
  await signIn(carol, 'carol');
  await carol.getByRole('link', { name: 'Applications' }).click();
  await heading(carol, 'Applications');
  await carol.getByLabel('ID', { exact: true }).fill('shared-app');
  await carol.getByLabel('Name').fill('Shared app');
  await carol.getByLabel('Owner').selectOption('carol-co');
  await carol.getByRole('button', { name: 'Create application' }).click();
  await heading(carol, 'Shared app');
  await audit(carol, 'application');
  await carol.goto(portal('#/organizations/carol-co/invitations'));
  await heading(carol, 'Invite someone');
  await carol.getByLabel('Email').fill('dave@example.com');
  await carol.getByRole('combobox', { name: 'Role', exact: true }).selectOption('member');
  await carol.getByRole('button', { name: 'Send invitation' }).click();
  await carol.getByRole('cell', { name: 'dave@example.com', exact: true }).waitFor();
  await audit(carol, 'invitations');

  const token = await mailTo('dave@example.com');
  const dave = await tab({ bypassCSP: true });
  await dave.goto(portal(`#/invitations/${token}`));
  await heading(dave, 'Accept the invitation');
  await audit(dave, 'accept an invitation');
  await dave.getByLabel('User ID').fill('dave');
  await dave.getByLabel('Password').fill(PASSWORD);
  await dave.getByRole('button', { name: 'Register and join' }).click();
  await heading(dave, 'Invitation accepted');
  await signIn(dave, 'dave');
  await dave.getByRole('link', { name: 'Applications' }).click();
  await dave.getByRole('link', { name: 'Shared app' }).waitFor();

  // dave is a member: he sees the members, and no way to manage them.
  await dave.goto(portal('#/organizations/carol-co/members'));
  await dave.getByRole('cell', { name: 'carol', exact: true }).waitFor();
  assert.equal(await dave.getByRole('heading', { name: 'Add a member' }).count(), 0);
  assert.equal(await dave.getByRole('button', { name: /^Remove / }).count(), 0);
  assert.equal(await dave.getByRole('combobox', { name: /^Role of / }).count(), 0);
  await dave.goto(portal('#/organizations/carol-co/invitations'));
  await dave.getByText('Only those who manage members see and send invitations.').waitFor();
  await dave.goto(portal('#/organizations/carol-co/api-keys'));
  await dave.getByText("You may not manage this organization's API keys.").waitFor();
  assert.equal(await dave.getByRole('button', { name: 'Delete organization' }).count(), 0);
  for (const p of [admin, carol, dave]) assert.deepEqual(p.errors, []);
});

test('A tenant IdP story: a custom role, an invitation with it, accepted, seen in my organizations', async () => {
  const erin = await tab({ bypassCSP: true });
  await signIn(erin, 'erin');
  await erin.getByRole('link', { name: 'New organization' }).click();
  // Registration is on (the previous story): erin registers, and the admin approves.
  await erin.getByLabel('ID', { exact: true }).fill('idp-org');
  await erin.getByLabel('Name').fill('IdP org');
  await erin.getByRole('button', { name: /Create|Register/ }).click();
  await heading(erin, 'IdP org');
  assert.equal((await api('POST', '/t/acme/api/v1/admin/organizations/idp-org/approve', { as: rootToken() })).status, 200);
  await signIn(erin, 'erin');
  await erin.goto(portal('#/organizations/idp-org/roles'));
  await heading(erin, 'New custom role');
  await erin.getByLabel('Role ID').fill('auditor');
  await erin.getByRole('checkbox', { name: 'RIGHT_ORGANIZATION_INFO', exact: true }).check();
  await erin.getByText(/^Grants \d+ rights? when expanded\.$/).waitFor();
  await erin.getByRole('button', { name: 'Create role' }).click();
  await erin.getByRole('cell', { name: 'auditor', exact: true }).waitFor();
  await audit(erin, 'roles');
  await erin.screenshot({ path: path.join(shots, 'roles.png') });

  await erin.getByRole('link', { name: 'Invitations' }).click();
  await heading(erin, 'Invite someone');
  await erin.getByLabel('Email').fill('frank@example.com');
  await erin.getByRole('combobox', { name: 'Role', exact: true }).selectOption('auditor');
  await erin.getByRole('button', { name: 'Send invitation' }).click();
  await erin.getByRole('cell', { name: 'auditor', exact: true }).waitFor();

  const frank = await tab({ bypassCSP: true });
  await frank.goto(portal(`#/invitations/${await mailTo('frank@example.com')}`));
  await frank.getByLabel('User ID').fill('frank');
  await frank.getByLabel('Password').fill(PASSWORD);
  await frank.getByRole('button', { name: 'Register and join' }).click();
  await heading(frank, 'Invitation accepted');
  await signIn(frank, 'frank');
  const row = frank.getByRole('row').filter({ hasText: 'IdP org' });
  await row.getByRole('cell', { name: 'auditor', exact: true }).waitFor();
  await audit(frank, 'my organizations');
  await frank.screenshot({ path: path.join(shots, 'my-organizations.png') });
});

test("the tenant admin's pages: organizations, users, outbox", async () => {
  const admin = await tab({ bypassCSP: true });
  await signIn(admin, 'root');
  await admin.getByRole('link', { name: 'Organizations', exact: true }).click();
  await heading(admin, 'Organizations');
  await admin.getByLabel('Name contains').fill('IdP');
  await admin.getByRole('button', { name: 'Search' }).click();
  await admin.getByRole('table', { name: /\(1 in all\)$/ }).waitFor();
  await admin.getByRole('link', { name: 'IdP org' }).waitFor();
  assert.equal(await admin.getByRole('link', { name: 'Carol Co' }).count(), 0);
  await audit(admin, 'organizations');
  await admin.getByRole('link', { name: 'Users' }).click();
  await heading(admin, 'Users');
  await admin.getByRole('combobox', { name: 'State of bob' }).selectOption('suspended');
  await admin.getByRole('status').filter({ hasText: 'bob is now suspended.' }).waitFor();
  await audit(admin, 'users');
  await admin.screenshot({ path: path.join(shots, 'users.png') });
  await admin.getByRole('button', { name: 'Delete bob' }).click();
  await admin.getByLabel('Deleted users').check();
  await admin.getByRole('button', { name: 'Search' }).click();
  await admin.getByRole('button', { name: 'Restore bob' }).click();
  await admin.getByRole('status').filter({ hasText: 'bob restored.' }).waitFor();
  await admin.getByRole('link', { name: 'Outbox' }).click();
  await admin.getByRole('cell', { name: 'invitation' }).first().waitFor();
  await audit(admin, 'outbox');
  assert.deepEqual(admin.errors, []);
});

test('an expired session returns to sign-in, saying so', async () => {
  const page = await tab();
  await page.goto(portal('#/signin'));
  const now = Math.floor(Date.now() / 1000);
  const stale = mintToken(jwk, 'alice', { base: BASE, iat: now - 3600, exp: now - 60 });
  await page.evaluate((t) => sessionStorage.setItem('orgwarden.session', t), stale);
  await page.goto(portal('#/organizations'));
  await page.reload();
  await heading(page, 'Sign in');
  await page.getByText('Your session has expired. Sign in again.').waitFor();
  // A token the server refuses (here: revoked by a change) ends the session too.
  await signIn(page, 'alice');
  await api('PUT', '/t/acme/api/v1/admin/users/alice', { as: rootToken(), body: { state: 'suspended' } });
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await heading(page, 'Sign in');
  await page.getByText('Your session has ended. Sign in again.').waitFor();
  await api('PUT', '/t/acme/api/v1/admin/users/alice', { as: rootToken(), body: { state: 'approved' } });
});

test('the Content-Security-Policy blocks inline script, and every page passed the accessibility check', async () => {
  const page = await tab();
  const violations = [];
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  const res = await page.goto(portal('#/signin'));
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers()['x-frame-options'], 'DENY');
  await heading(page, 'Sign in');
  const ran = await page.evaluate(async () => {
    document.addEventListener('securitypolicyviolation', (e) => globalThis.reportViolation(e.violatedDirective));
    const s = document.createElement('script');
    s.textContent = 'globalThis.inlineRan = true';
    document.head.append(s);
    const img = document.createElement('img');
    img.src = 'https://example.com/x.png';
    document.body.append(img);
    await new Promise((r) => setTimeout(r, 200));
    return globalThis.inlineRan === true;
  });
  assert.equal(ran, false, 'inline script must not run');
  assert.ok(violations.some((v) => v.startsWith('script-src')), JSON.stringify(violations));
  assert.ok(violations.some((v) => v.startsWith('img-src')), JSON.stringify(violations));
  // Only the console's own files are served.
  assert.equal((await fetch(portal('nope.js'))).status, 404);
  for (const name of ['sign-in', 'new organization', 'organization overview', 'members', 'API keys', 'settings', 'pending organizations',
    'application', 'invitations', 'accept an invitation', 'roles', 'my organizations', 'organizations', 'users', 'outbox']) {
    assert.ok(audited.has(name), `${name} was audited`);
  }
});
