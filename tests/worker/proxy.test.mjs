// The authorizing proxy through the built worker in workerd (Miniflare), with
// its real KV and a real local origin: every rights path, each refusal code,
// header hygiene, streaming both ways, origin failures, revocation, metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { startWorker, newPrivateJwk, mintToken } from './harness.mjs';
import { startOrigin } from './origin.mjs';

const BASE = 'http://127.0.0.1:8787';
const OPERATOR_KEY = 'operator-secret-for-proxy-tests-0123';
const PASSWORD = 'correct horse battery';
const jwk = newPrivateJwk('proxy-key');
const idpJwk = newPrivateJwk('idp-static');
const idpUrlJwk = newPrivateJwk('idp-url-1');
const IDP = 'https://idp.example';
const IDP_URL = 'https://idp-url.example';

const ROUTES = [
  { methods: ['GET'], path: '/apps/{app}/**', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_INFO'] },
  { methods: ['GET'], path: '/apps/{app}/devices', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_DEVICES_READ'] },
  { methods: ['PUT', 'POST'], path: '/apps/{app}/devices/{dev}', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_DEVICES_WRITE'] },
  { methods: ['POST'], path: '/apps/{app}/uplink', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE'] },
  { methods: ['GET'], path: '/t/{tenant}/apps/{app}/**', tenant: '{tenant}', entity: { kind: 'applications', id: '{app}' }, rights: ['RIGHT_APPLICATION_INFO'] },
  { methods: ['GET'], path: '/status', public: true },
];

let origin;
let mf;
const tokens = {};
let orgKey;

function config(extra = {}) {
  return {
    tenant: 'acme',
    routes: ROUTES,
    issuers: [
      { issuer: IDP, audience: 'https://api.example', tenant: 'acme', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: idpJwk.x, kid: idpJwk.kid }] } },
      { issuer: IDP_URL, audience: 'https://api.example', tenant: 'acme', jwks_uri: `${origin.url}/jwks.json` },
    ],
    ...extra,
  };
}

function bindings(extra = {}) {
  return {
    SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
    OPERATOR_KEY,
    PUBLIC_BASE_URL: BASE,
    PASSWORD_ITERATIONS: '10000',
    ORIGIN: origin.url,
    ORGWARDEN_PROXY: config(),
    ...extra,
  };
}

async function admin(method, path, bearer, body) {
  const init = { method, headers: { authorization: `Bearer ${bearer}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await mf.dispatchFetch(`http://localhost${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signIn(username) {
  const res = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

/** A proxied request; `who` is a token, `{key}` for X-API-Key, or headers. */
async function call(method, path, { bearer, headers = {}, body, worker = mf } = {}) {
  const init = { method, headers: { ...headers } };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) init.body = body;
  if (body instanceof ReadableStream) init.duplex = 'half';
  init.redirect = 'manual';
  const res = await worker.dispatchFetch(`http://localhost${path}`, init);
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
}

function externalToken(key, iss, sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })}.${b64({ iss, sub, aud: 'https://api.example', iat: now, exp: now + 600, ...extra })}`;
  return `${input}.${edSign(null, Buffer.from(input), createPrivateKey({ key, format: 'jwk' })).toString('base64url')}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  origin = await startOrigin({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: idpUrlJwk.x, kid: idpUrlJwk.kid }] } });
  mf = await startWorker({ bindings: bindings() });
  const created = await admin('POST', '/api/v1/tenants', OPERATOR_KEY, {
    id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  tokens.root = await signIn('root');
  for (const id of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    assert.equal((await admin('POST', '/t/acme/api/v1/admin/users', tokens.root, { id, password: PASSWORD })).status, 201);
  }
  tokens.alice = await signIn('alice');
  const A = '/t/acme/api/v1/admin';
  assert.equal((await admin('POST', `${A}/organizations`, tokens.alice, { id: 'platform', name: 'Platform' })).status, 201);
  for (const id of ['bob', 'dave', 'erin']) {
    assert.equal((await admin('POST', `${A}/organizations/platform/members`, tokens.alice, { user_id: id, role: 'member' })).status, 201);
  }
  assert.equal((await admin('POST', `${A}/organizations/platform/roles`, tokens.alice, { id: 'viewer', rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ'] })).status, 201);
  assert.equal((await admin('PUT', `${A}/organizations/platform/members/erin`, tokens.alice, { role: 'viewer' })).status, 200);
  assert.equal((await admin('POST', `${A}/applications`, tokens.alice, { id: 'billing', name: 'Billing', organization_id: 'platform' })).status, 201);
  assert.equal((await admin('PUT', `${A}/applications/billing/collaborators`, tokens.alice, { user_id: 'carol', rights: ['RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ'] })).status, 200);
  const key = await admin('POST', `${A}/organizations/platform/api-keys`, tokens.alice, { name: 'reader', rights: ['RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_DEVICES_READ'] });
  assert.equal(key.status, 201);
  orgKey = key.body.key;
  // Signing in right after revoking changes (erin's role): the token endpoint
  // waits out the revocation's second rather than issue a token born revoked.
  for (const id of ['bob', 'carol', 'dave', 'erin']) tokens[id] = await signIn(id);
});
after(async () => { await mf?.dispose(); await origin?.close(); });

test('no rule matches: 404, never a pass', async () => {
  for (const [method, path] of [['GET', '/nothing'], ['DELETE', '/apps/billing'], ['GET', '/static/..;/admin']]) {
    const r = await call(method, path, { bearer: tokens.root });
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.equal(r.body.code, 'route_not_found');
  }
  assert.equal(origin.state.requests, 0, 'nothing reached the origin');
});

/** A raw HTTP/1.1 request to the worker's own port: Fetch clients drop `Connection`. */
async function rawGet(path, headers) {
  const url = new URL(path, await mf.ready);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a public route passes without a credential, and spoofed identity headers never reach the origin', async () => {
  const r = await rawGet('/status?x=1', {
    'x-orgwarden-subject': 'root',
    'X-Orgwarden-Rights': 'RIGHT_ALL',
    connection: 'keep-alive, x-hop, x-orgwarden-tenant',
    'x-hop': 'secret',
    'x-orgwarden-tenant': 'globex',
    'x-kept': 'yes',
  });
  assert.equal(r.status, 200);
  assert.equal(r.body.url, '/status?x=1');
  assert.equal(r.body.headers['x-kept'], 'yes');
  for (const h of Object.keys(r.body.headers)) {
    assert.ok(!h.startsWith('x-orgwarden-'), h);
    assert.notEqual(h, 'x-hop', 'a header named in Connection is dropped');
  }
});

test('direct path: a user collaborator gets what it was granted, and the origin hears who it is', async () => {
  const r = await call('GET', '/apps/billing/devices?page=2', { bearer: tokens.carol, headers: { 'x-orgwarden-subject': 'root', 'x-request-id': 'r1' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.url, '/apps/billing/devices?page=2');
  const h = r.body.headers;
  assert.equal(h['x-orgwarden-subject'], 'carol');
  assert.equal(h['x-orgwarden-tenant'], 'acme');
  assert.equal(h['x-orgwarden-rights'], 'RIGHT_APPLICATION_INFO,RIGHT_APPLICATION_DEVICES_READ');
  assert.equal(h['x-orgwarden-organizations'], '');
  assert.equal(h['x-request-id'], 'r1');
  assert.equal(h.authorization, undefined, 'the credential is not forwarded by default');
  const denied = await call('PUT', '/apps/billing/devices/d1', { bearer: tokens.carol, body: '{}' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, 'insufficient_rights');
  assert.deepEqual(denied.body.missing, ['RIGHT_APPLICATION_DEVICES_WRITE']);
  assert.match(denied.body.detail, /RIGHT_APPLICATION_DEVICES_WRITE/);
});

test('organization path: member rights ∩ the organization\'s rights on the app', async () => {
  const r = await call('PUT', '/apps/billing/devices/d1', { bearer: tokens.bob, body: JSON.stringify({ name: 'sensor' }), headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.method, 'PUT');
  assert.equal(r.body.bytes, 17);
  assert.equal(r.body.headers['x-orgwarden-organizations'], 'platform');
  assert.ok(r.body.headers['x-orgwarden-rights'].includes('RIGHT_APPLICATION_DEVICES_WRITE'));
  // erin's custom role holds only INFO and DEVICES_READ.
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.erin })).status, 200);
  const erin = await call('PUT', '/apps/billing/devices/d1', { bearer: tokens.erin, body: '{}' });
  assert.deepEqual(erin.body.missing, ['RIGHT_APPLICATION_DEVICES_WRITE']);
  // Nobody in the org has rights on an app the org is not a collaborator of.
  const other = await call('GET', '/apps/payroll/devices', { bearer: tokens.bob });
  assert.equal(other.status, 403);
  assert.deepEqual(other.body.missing, ['RIGHT_APPLICATION_DEVICES_READ']);
});

test('API keys: directly (Bearer or X-API-Key) and through client_credentials, within their ceiling', async () => {
  const viaBearer = await call('GET', '/apps/billing/devices', { bearer: orgKey });
  assert.equal(viaBearer.status, 200, JSON.stringify(viaBearer.body));
  assert.match(viaBearer.body.headers['x-orgwarden-subject'], /^apikey:[A-Z2-7]{16}$/);
  assert.equal(viaBearer.body.headers['x-orgwarden-organizations'], 'platform');
  assert.equal(viaBearer.body.headers['x-orgwarden-rights'], 'RIGHT_APPLICATION_INFO,RIGHT_APPLICATION_DEVICES_READ');
  assert.equal((await call('GET', '/apps/billing/devices', { headers: { 'x-api-key': orgKey } })).status, 200);
  const over = await call('PUT', '/apps/billing/devices/d1', { headers: { 'x-api-key': orgKey }, body: '{}' });
  assert.equal(over.status, 403, 'the key is the ceiling, though the org holds APPLICATION_ALL');
  assert.deepEqual(over.body.missing, ['RIGHT_APPLICATION_DEVICES_WRITE']);
  const issued = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: orgKey }).toString(),
  });
  const keyToken = (await issued.json()).access_token;
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: keyToken })).status, 200);
  const wrong = await call('GET', '/apps/billing/devices', { bearer: `${orgKey.slice(0, -4)}AAAA` });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'credential_invalid');
  assert.ok(!JSON.stringify(wrong.body).includes(orgKey.slice(21)), 'no secret in the answer');
});

test('tenant admins pass on any entity of their tenant, and only theirs', async () => {
  const r = await call('PUT', '/apps/payroll/devices/d9', { bearer: tokens.root, body: 'x' });
  assert.equal(r.status, 200);
  assert.equal(r.body.headers['x-orgwarden-subject'], 'root');
  const viaPath = await call('GET', '/t/acme/apps/billing/info', { bearer: tokens.carol });
  assert.equal(viaPath.status, 200, 'the tenant comes from the path here');
  const otherTenant = await call('GET', '/t/globex/apps/billing/info', { bearer: tokens.root });
  assert.equal(otherTenant.status, 401);
  assert.equal(otherTenant.body.code, 'token_wrong_issuer');
});

test('each credential failure: 401 with WWW-Authenticate and its own code', async () => {
  const now = Math.floor(Date.now() / 1000);
  const [h, p, s] = tokens.carol.split('.');
  const forged = JSON.parse(Buffer.from(p, 'base64url'));
  forged.sub = 'root';
  const cases = [
    [{}, 'credential_missing'],
    [{ headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 'credential_malformed'],
    [{ bearer: 'not-a-token' }, 'token_malformed'],
    [{ bearer: `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}` }, 'token_bad_signature'],
    [{ bearer: mintToken(jwk, 'carol', { base: BASE, iat: now - 4000, exp: now - 3000 }) }, 'token_expired'],
    [{ bearer: mintToken(jwk, 'carol', { base: BASE, nbf: now + 3000 }) }, 'token_not_yet_valid'],
    [{ bearer: mintToken(jwk, 'carol', { base: 'https://elsewhere.example' }) }, 'token_wrong_issuer'],
    [{ bearer: mintToken(jwk, 'carol', { base: BASE, aud: 'https://other.example' }) }, 'token_wrong_audience'],
    [{ bearer: mintToken(newPrivateJwk('stranger'), 'carol', { base: BASE }) }, 'token_unknown_kid'],
    [{ bearer: `${Buffer.from('{"alg":"none","kid":"proxy-key"}').toString('base64url')}.${p}.` }, 'token_alg_not_allowed'],
    [{ bearer: 'a'.repeat(9000) }, 'token_too_large'],
  ];
  for (const [opts, code] of cases) {
    const r = await call('GET', '/apps/billing/devices', opts);
    assert.equal(r.status, 401, `${code}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, code);
    const www = r.headers.get('www-authenticate');
    assert.match(www, /^Bearer realm="orgwarden", error="invalid_token", error_description="[^"]+"$/, code);
  }
});

test('two different credentials are refused; the same one twice is one', async () => {
  const two = await call('GET', '/apps/billing/devices', { bearer: tokens.carol, headers: { 'x-api-key': orgKey } });
  assert.equal(two.status, 400);
  assert.equal(two.body.code, 'credential_conflict');
  assert.match(two.headers.get('www-authenticate'), /error="invalid_request"/);
  const joined = await call('GET', '/apps/billing/devices', { headers: { authorization: `Bearer ${tokens.carol}, Bearer ${tokens.bob}` } });
  assert.equal(joined.body.code, 'credential_conflict');
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: orgKey, headers: { 'x-api-key': orgKey } })).status, 200);
});

test('bodies stream to the origin and back; origin errors pass through', async () => {
  const size = 3 * 1024 * 1024 + 17;
  const payload = Buffer.alloc(size, 7);
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent >= size) { controller.close(); return; }
      const n = Math.min(64 * 1024, size - sent);
      controller.enqueue(payload.subarray(sent, sent + n));
      sent += n;
    },
  });
  const up = await call('POST', '/apps/billing/uplink', { bearer: tokens.bob, body: stream, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.equal(up.body.bytes, size);
  assert.equal(up.body.sha256, createHash('sha256').update(payload).digest('hex'));
  const down = await call('GET', '/apps/billing/stream-out', { bearer: tokens.bob });
  assert.equal(down.body, 'chunk 1\nchunk 2\nchunk 3\n');
  const failed = await call('GET', '/apps/billing/fail', { bearer: tokens.bob });
  assert.equal(failed.status, 503);
  assert.equal(failed.body, 'origin says no');
  assert.equal(failed.headers.get('x-origin'), 'yes');
  const redirect = await call('GET', '/apps/billing/redirect', { bearer: tokens.bob });
  assert.equal(redirect.status, 302, 'redirects are the client\'s to follow');
  assert.equal(redirect.headers.get('location'), '/elsewhere');
});

test('external issuers: a static JWKS and a JWKS URL fetched at most once per 30 s', async () => {
  const stat = await call('GET', '/apps/billing/devices', { bearer: externalToken(idpJwk, IDP, 'carol') });
  assert.equal(stat.status, 200, JSON.stringify(stat.body));
  assert.equal(stat.body.headers['x-orgwarden-subject'], 'carol');
  const viaUrl = await call('GET', '/apps/billing/devices', { bearer: externalToken(idpUrlJwk, IDP_URL, 'bob') });
  assert.equal(viaUrl.status, 200, JSON.stringify(viaUrl.body));
  assert.equal(viaUrl.body.headers['x-orgwarden-organizations'], 'platform', 'memberships come from the store');
  // Fetched once: on the first unknown kid of the run (in the 401 test above).
  assert.equal(origin.state.jwksFetches, 1);
  // A rotated key at the IdP, seen within 30 s of the last fetch: not fetched again.
  const rotated = newPrivateJwk('idp-url-2');
  origin.state.jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: rotated.x, kid: rotated.kid }] };
  const tooSoon = await call('GET', '/apps/billing/devices', { bearer: externalToken(rotated, IDP_URL, 'bob') });
  assert.equal(tooSoon.body.code, 'token_unknown_kid');
  assert.equal(origin.state.jwksFetches, 1, 'no second fetch within 30 s');
  // An external token cannot grant rights: its claims beyond sub are ignored.
  const claimsIgnored = await call('PUT', '/apps/billing/devices/d1', { bearer: externalToken(idpJwk, IDP, 'carol', { adm: true, orgs: { platform: { rights: ['RIGHT_ALL'] } } }), body: '{}' });
  assert.equal(claimsIgnored.status, 403);
  const unknownUser = await call('GET', '/apps/billing/devices', { bearer: externalToken(idpJwk, IDP, 'nobody') });
  assert.equal(unknownUser.body.code, 'token_revoked');
});

test('revocation: member removal, role change, suspension and key deletion stop old credentials', async () => {
  const A = '/t/acme/api/v1/admin';
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.dave })).status, 200);
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.erin })).status, 200);
  assert.equal((await admin('DELETE', `${A}/organizations/platform/members/dave`, tokens.alice)).status, 204);
  const dave = await call('GET', '/apps/billing/devices', { bearer: tokens.dave });
  assert.equal(dave.status, 401, JSON.stringify(dave.body));
  assert.equal(dave.body.code, 'token_revoked');
  // A custom role edit revokes every token carrying the organization.
  assert.equal((await admin('PUT', `${A}/organizations/platform/roles/viewer`, tokens.alice, { rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_INFO'] })).status, 200);
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.erin })).body.code, 'token_revoked');
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.carol })).status, 200, 'carol is no member: untouched');
  // Suspension.
  assert.equal((await admin('PUT', `${A}/users/carol`, tokens.root, { state: 'suspended' })).status, 200);
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.carol })).body.code, 'token_revoked');
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: externalToken(idpJwk, IDP, 'carol') })).body.code, 'token_revoked');
  // Key deletion.
  const keyId = orgKey.split('.')[1];
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: orgKey })).status, 200);
  assert.equal((await admin('DELETE', `${A}/organizations/platform/api-keys/${keyId}`, tokens.alice)).status, 204);
  assert.equal((await call('GET', '/apps/billing/devices', { bearer: orgKey })).body.code, 'credential_invalid');
  // Signing in again right away works, with the new rights.
  tokens.erin = await signIn('erin');
  const erin = await call('GET', '/apps/billing/devices', { bearer: tokens.erin });
  assert.equal(erin.status, 403);
  assert.deepEqual(erin.body.missing, ['RIGHT_APPLICATION_DEVICES_READ']);
});

test('another isolate\'s revocation reaches this one within the cache TTL', async () => {
  // A second worker on the same KV data stands for another location; its
  // cache TTL is 1 s. The epoch is written straight into KV, as the admin
  // API elsewhere would.
  const other = await startWorker({ bindings: bindings({ ORGWARDEN_PROXY: config({ cache: { ttl_seconds: 1 } }) }) });
  try {
    const kv = await mf.getKVNamespace('ORGWARDEN');
    const otherKv = await other.getKVNamespace('ORGWARDEN');
    for (const { name, metadata } of (await kv.list({ prefix: 't/acme/' })).keys) {
      await otherKv.put(name, await kv.get(name), { metadata });
    }
    // bob's earlier token carried platform when its role changed: sign in again.
    tokens.bob = await signIn('bob');
    const first = await call('GET', '/apps/billing/devices', { bearer: tokens.bob, worker: other });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const epoch = String(Math.floor(Date.now() / 1000) + 1);
    await otherKv.put('t/acme/rv/u/bob', epoch, { metadata: epoch });
    assert.equal((await call('GET', '/apps/billing/devices', { bearer: tokens.bob, worker: other })).status, 200, 'cached epochs: still passes');
    await sleep(1100);
    const r = await call('GET', '/apps/billing/devices', { bearer: tokens.bob, worker: other });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'token_revoked');
  } finally {
    await other.dispose();
  }
});

test('metrics: operator only, counting decisions, caches and KV reads', async () => {
  const refused = await mf.dispatchFetch('http://localhost/api/v1/metrics', { headers: { authorization: `Bearer ${tokens.root}` } });
  assert.equal(refused.status, 401);
  const res = await mf.dispatchFetch('http://localhost/api/v1/metrics', { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
  assert.equal(res.status, 200);
  const m = await res.json();
  assert.match(m.isolate, /^[0-9a-f]{16}$/);
  assert.ok(m.proxy.allowed > 10);
  assert.ok(m.proxy.public >= 1);
  assert.ok(m.proxy.denied.insufficient_rights >= 3);
  assert.ok(m.proxy.denied.token_revoked >= 2);
  assert.ok(m.proxy.denied.route_not_found >= 3);
  assert.ok(m.proxy.token_cache.hits > 0 && m.proxy.token_cache.misses > 0);
  assert.ok(m.proxy.grants_cache.hits > 0);
  assert.ok(m.proxy.fact_fetches > 0);
  assert.equal(m.proxy.jwks_fetches, 1);
});

test('debug: Server-Timing on answers; origin down: 502; bad configuration: 500 naming the rule', async () => {
  const down = await startWorker({ bindings: bindings({ ORIGIN: 'http://127.0.0.1:9', ORGWARDEN_PROXY: config({ debug: true }) }) });
  try {
    const r = await call('GET', '/apps/billing/devices', { bearer: tokens.root, worker: down });
    assert.equal(r.status, 502);
    assert.equal(r.body.code, 'origin_unreachable');
    assert.match(r.headers.get('server-timing'), /^decide;dur=\d+\.\d, facts;desc="fetched \d+", token;desc="verified"/);
  } finally {
    await down.dispose();
  }
  // Durations to one decimal; the origin's time once it answered.
  const up = await startWorker({ bindings: bindings({ ORGWARDEN_PROXY: config({ debug: true }) }) });
  try {
    const r = await call('GET', '/apps/billing/devices', { bearer: tokens.root, worker: up });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('server-timing'), /^decide;dur=\d+\.\d, facts;desc="fetched \d+", token;desc="verified", origin;dur=\d+\.\d$/);
  } finally {
    await up.dispose();
  }
  const bad = await startWorker({ bindings: bindings({ ORGWARDEN_PROXY: JSON.stringify({ tenant: 'acme', routes: [{ methods: ['GET'], path: '/a/**/b', public: true }] }) }) });
  try {
    const r = await call('GET', '/a/x/b', { worker: bad });
    assert.equal(r.status, 500);
    assert.equal(r.body.code, 'server_misconfigured');
    assert.match(r.body.detail, /rule 1 \(\/a\/\*\*\/b\): \*\* may only end a pattern/);
  } finally {
    await bad.dispose();
  }
});
