// Edge hardening, tried as an attacker would against the built worker in
// workerd with a recording origin: what the origin receives is what the rules
// read (paths, look-alike and override headers), bodies are limited while
// they are read, sign-in timing tells nothing, and nobody can make another
// user's tokens unusable by adding them to organizations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startWorker, newPrivateJwk, rawRequest } from './harness.mjs';
import { startOrigin } from './origin.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-secret-for-hardening-tests-01';
const PASSWORD = 'correct horse battery';
const A = '/t/acme/api/v1/admin';
const jwk = newPrivateJwk('hardening-key');

const ROUTES = [
  { methods: ['GET'], path: '/apps/{app}/**', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_INFO'] },
  { methods: ['GET'], path: '/apps/{app}/devices', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_DEVICES_READ'] },
  { methods: ['GET'], path: '/static/**', public: true },
];

let origin;
let mf;
const tokens = {};

async function api(method, path, bearer, body) {
  const init = { method, headers: {} };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function token(username, extra = {}, worker = mf) {
  const res = await worker.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD, ...extra }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

async function signIn(username, extra) {
  const r = await token(username, extra);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
}

const claimsOf = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());

before(async () => {
  origin = await startOrigin();
  mf = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      OPERATOR_KEY,
      PUBLIC_BASE_URL: BASE,
      PASSWORD_ITERATIONS: '10000',
      ORIGIN: origin.url,
      ORGWARDEN_PROXY: { tenant: 'acme', routes: ROUTES },
    },
  });
  const created = await api('POST', '/api/v1/tenants', OPERATOR_KEY, {
    id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  tokens.root = await signIn('root');
  for (const id of ['carol', 'mallory', 'victim']) {
    assert.equal((await api('POST', `${A}/users`, tokens.root, { id, email: `${id}@acme.example`, password: PASSWORD })).status, 201);
    tokens[id] = await signIn(id);
  }
  assert.equal((await api('POST', `${A}/applications`, tokens.root, { id: 'billing', name: 'Billing' })).status, 201);
  assert.equal((await api('PUT', `${A}/applications/billing/collaborators`, tokens.root, { user_id: 'carol', rights: ['RIGHT_APPLICATION_INFO'] })).status, 200);
});
after(async () => { await mf?.dispose(); await origin?.close(); });

test('look-alike identity headers, method and URL overrides never reach the origin', async () => {
  const sneaky = {
    x_orgwarden_subject: 'root',
    'X_Orgwarden_Rights': 'RIGHT_ALL',
    'x-orgwarden_tenant': 'globex',
    'X-HTTP-Method-Override': 'DELETE',
    'X-HTTP-Method': 'DELETE',
    'X-Method-Override': 'DELETE',
    x_http_method_override: 'DELETE',
    'X-Original-URL': '/admin/users',
    'X-Rewrite-URL': '/admin/users',
    connection: 'keep-alive, X_Hop',
    'x-hop': 'secret',
    'x-kept': 'yes',
  };
  for (const [path, bearer] of [['/static/app.js', null], ['/apps/billing/info', tokens.carol]]) {
    const headers = { ...sneaky };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const r = await rawRequest(mf, 'GET', path, headers);
    assert.equal(r.status, 200, r.text);
    const got = r.body.headers;
    assert.equal(r.body.method, 'GET');
    assert.equal(got['x-kept'], 'yes');
    for (const name of Object.keys(got)) {
      const folded = name.toLowerCase().replaceAll('_', '-');
      assert.ok(!/^x-(http-)?method(-override)?$|^x-original-url$|^x-rewrite-url$|^x-hop$/.test(folded), `${path}: ${name} forwarded`);
      if (folded.startsWith('x-orgwarden-')) assert.equal(name, folded, `${path}: look-alike ${name} forwarded`);
    }
    if (bearer) {
      assert.equal(got['x-orgwarden-subject'], 'carol');
      assert.equal(got['x-orgwarden-rights'], 'RIGHT_APPLICATION_INFO');
    } else {
      assert.ok(!Object.keys(got).some((n) => n.toLowerCase().replaceAll('_', '-').startsWith('x-orgwarden-')), path);
    }
  }
});

test('the origin receives exactly the canonical path the rules read', async () => {
  const r = await rawRequest(mf, 'GET', '/apps//billing/./x/../info%2ejson?q=%2F', { authorization: `Bearer ${tokens.carol}` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.url, '/apps/billing/info.json?q=%2F', 'canonical path, query untouched');
  for (const [path, code] of [
    ['/apps/billing/DEVICES', 'path_ambiguous'],
    ['/apps/billing/devices;x=1', 'path_parameters'],
    ['/apps/billing/devices%2F', 'path_encoded_separator'],
    ['/static/..%2Fadmin%2Fusers', 'path_encoded_separator'],
  ]) {
    const d = await rawRequest(mf, 'GET', path, { authorization: `Bearer ${tokens.carol}` });
    assert.equal(d.status, 400, `${path}: ${d.text}`);
    assert.equal(d.body.code, code, path);
    assert.equal(d.headers['content-type'], 'application/problem+json');
  }
});

/**
 * Sends a chunked body that never ends: only a reader that stops at the limit
 * answers. The server closes the connection after answering while bytes are
 * still coming, so the client may see a reset right after the status line:
 * the status is kept, and the problem document when it arrived whole.
 */
function endlessChunkedPost(path, contentType) {
  return new Promise((resolve, reject) => {
    mf.ready.then((base) => {
      const u = new URL(base);
      let status = null;
      let text = '';
      const finish = () => {
        clearInterval(timer);
        req.destroy();
        let body = null;
        try { body = JSON.parse(text); } catch { /* cut short by the reset */ }
        if (status === null) reject(new Error(`${path}: no answer`)); else resolve({ status, body });
      };
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path, headers: { 'content-type': contentType, authorization: `Bearer ${tokens.root}`, 'transfer-encoding': 'chunked' } }, (res) => {
        status = res.statusCode;
        clearInterval(timer);
        res.on('data', (c) => { text += c; });
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      });
      req.on('error', (e) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') finish(); else { clearInterval(timer); reject(e); }
      });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent > 8 * 1024 * 1024) { clearInterval(timer); return; }
        req.write(chunk);
        sent += chunk.length;
      }, 5);
    }, reject);
  });
}

test('bodies are limited while they are read: an endless chunked body gets 413 at 64 KiB', async () => {
  for (const [path, type] of [[`${A}/organizations`, 'application/json'], ['/t/acme/api/v1/auth/token', 'application/x-www-form-urlencoded']]) {
    const started = Date.now();
    const r = await endlessChunkedPost(path, type);
    assert.equal(r.status, 413, `${path}: ${JSON.stringify(r.body)}`);
    if (r.body) assert.equal(r.body.code, 'body_too_large');
    assert.ok(Date.now() - started < 5000, `${path}: answered while the body was still coming`);
  }
  // Nothing was created.
  assert.equal((await api('GET', `${A}/organizations`, tokens.root)).body.organizations.length, 0);
});

test('others cannot make a user\'s tokens unusable by adding them to organizations', async () => {
  const many = ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ', 'RIGHT_APPLICATION_DEVICES_WRITE',
    'RIGHT_APPLICATION_TRAFFIC_READ', 'RIGHT_APPLICATION_TRAFFIC_UP_WRITE', 'RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE', 'RIGHT_APPLICATION_SETTINGS_BASIC',
    'RIGHT_GATEWAY_INFO', 'RIGHT_GATEWAY_SETTINGS_BASIC', 'RIGHT_GATEWAY_TRAFFIC_READ', 'RIGHT_CLIENT_INFO'];
  // The victim's own organization first, then sixty that others add it to.
  assert.equal((await api('POST', `${A}/organizations`, tokens.victim, { id: 'victim-team', name: 'Mine' })).status, 201);
  for (let i = 0; i < 60; i += 1) {
    const id = `spam-${String(i).padStart(2, '0')}`;
    assert.equal((await api('POST', `${A}/organizations`, tokens.mallory, { id, name: id })).status, 201);
    assert.equal((await api('POST', `${A}/organizations/${id}/members`, tokens.mallory, { user_id: 'victim', rights: many })).status, 201);
    if (i < 3) assert.equal((await api('POST', `${A}/organizations/${id}/members`, tokens.mallory, { user_id: 'root', rights: many })).status, 201);
  }
  const t = await signIn('victim');
  assert.ok(t.length <= 4096, `a token within the budget: ${t.length} bytes`);
  const claims = claimsOf(t);
  assert.equal(claims.orgs_incomplete, true, 'the token says it is incomplete');
  assert.ok(claims.orgs['victim-team'], 'the oldest membership is kept');
  assert.deepEqual(claims.orgs['victim-team'], { role: 'owner' }, 'built-in roles in the compact form');
  // The token works at the admin API and at the proxy, also for an organization it left out.
  assert.equal((await api('GET', '/t/acme/api/v1/account/organizations', t)).body.organizations.length, 61);
  const missing = Object.keys(claims.orgs).includes('spam-59') ? null : 'spam-59';
  assert.ok(missing, 'the newest spam membership did not fit');
  assert.equal((await api('POST', `${A}/applications`, tokens.mallory, { id: 'spam-app', name: 'S', organization_id: missing })).status, 201);
  const r = await rawRequest(mf, 'GET', '/apps/spam-app/devices', { authorization: `Bearer ${t}` });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.headers['x-orgwarden-organizations'].split(',').includes(missing));
  // The tenant admin keeps working too.
  const rootToken = await signIn('root');
  assert.equal((await api('GET', `${A}/users`, rootToken)).status, 200);

  // An organization-scoped token: that membership only.
  const scoped = claimsOf(await signIn('victim', { organization: 'victim-team' }));
  assert.deepEqual(Object.keys(scoped.orgs), ['victim-team']);
  assert.equal(scoped.org_id, 'victim-team');
  assert.equal(scoped.orgs_incomplete, undefined);
  const refused = await token('victim', { organization: 'billing-team' });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, 'invalid_request');
  // RFC 6749 section 3.2: parameters the server does not know are ignored.
  assert.equal((await token('victim', { resource: 'https://api.example' })).status, 200);

  // A member can always leave, except the last owner.
  assert.equal((await api('DELETE', `${A}/organizations/spam-00/members/victim`, t)).status, 204);
  const left = await api('DELETE', `${A}/organizations/spam-01/members/mallory`, tokens.mallory);
  assert.equal(left.status, 409);
  assert.equal(left.body.code, 'organization_needs_owner');
  const after = claimsOf(await signIn('victim'));
  assert.equal(after.orgs['spam-00'], undefined);
});

test('a sign-in takes as long for an unknown user as for a known one', async () => {
  const slow = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      OPERATOR_KEY,
      PUBLIC_BASE_URL: BASE,
      PASSWORD_ITERATIONS: '100000',
      ORGWARDEN_PROXY: { routes: [] },
    },
  });
  try {
    const init = { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } }) };
    assert.equal((await slow.dispatchFetch('http://localhost/api/v1/tenants', init)).status, 201);
    const time = async (username, password) => {
      const started = process.hrtime.bigint();
      const r = await slow.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
      });
      await r.text();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const known = [];
    const unknown = [];
    for (let i = 0; i < 7; i += 1) {
      known.push(await time('root', 'wrong password here'));
      unknown.push(await time(`nobody-${i}`, 'wrong password here'));
    }
    const [k, u] = [median(known), median(unknown)];
    assert.ok(u > 0.5 * k && u < 2 * k, `known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
  } finally {
    await slow.dispose();
  }
});
