// The gateway component's library world (orgwarden:authz/library) in a real
// component host: transpiled by jco and run in Node with the preview2 shim.
// The shared tables give the expectations: tests/cases/requests.json for
// `gate.authorize` (its facts answered by the host's `directory` import
// from the table's `directory` section, exactly what the worker's directory
// endpoint serves for that store) and tests/cases/decisions.json for
// `tokens.verify` and `rights.rights-on`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAuthz } from '../../examples/component/host.mjs';
import { table, headersFor, checkCase, answerOf } from '../cases/table.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const decisions = JSON.parse(readFileSync(path.join(root, 'tests/cases/decisions.json'), 'utf8'));
const publicJwks = (jwks) => ({ keys: jwks.keys.map(({ d, ...k }) => k) });

/** A directory backed by the table; every call is recorded. */
function tableDirectory(facts = table.directory) {
  const calls = [];
  const at = (p) => {
    calls.push(p);
    if (!(p in facts)) return { tag: 'err', val: `no fact at ${p}` };
    return JSON.stringify(facts[p]);
  };
  const base = (t) => `/t/${t}/api/v1/directory`;
  return {
    calls,
    epochs: (t) => at(`${base(t)}/epochs`),
    grants: (t, kind, id) => at(`${base(t)}/grants/${kind}/${id}`),
    apiKey: (t, id) => at(`${base(t)}/api-keys/${id}`),
    principal: (t, u) => at(`${base(t)}/principals/${u}`),
    jwks: () => undefined,
  };
}

/** A clock fixed at `seconds`, as a host may give the component. */
const fixedClock = (seconds) => ({
  'wasi:clocks/wall-clock': { now: () => ({ seconds: BigInt(seconds), nanoseconds: 0 }), resolution: () => ({ seconds: 0n, nanoseconds: 1 }) },
});

async function configuredGate(directory = tableDirectory()) {
  const authz = await loadAuthz(directory);
  authz.gate.configure({ proxy: JSON.stringify(table.config), baseUrl: table.base_url, jwks: JSON.stringify(publicJwks(table.signing_jwks)) });
  return authz;
}

/** What the upstream receives when the host applies an allow. */
function applied(headers, allow) {
  const out = Object.fromEntries(Object.entries(headers).filter(([n]) => !allow.dropHeaders.includes(n)));
  for (const [n, v] of allow.setHeaders) out[n] = v;
  return { url: allow.path, headers: out };
}

function ask(gate, c) {
  const headers = headersFor(c.credential);
  const d = gate.authorize({ method: c.method, path: c.path, headers: Object.entries(headers) });
  if (d.tag === 'allow') return { status: 200, forwarded: applied(headers, d.val) };
  return { status: d.val.status, problem: JSON.parse(d.val.body), wwwAuthenticate: d.val.wwwAuthenticate, code: d.val.code };
}

test('gate.authorize answers every case of the shared request table, cold and cached', async () => {
  const directory = tableDirectory();
  const { gate } = await configuredGate(directory);
  assert.ok(table.requests.length >= 30);
  for (const round of ['cold', 'cached']) {
    const before = directory.calls.length;
    for (const c of table.requests) {
      const answer = ask(gate, c);
      if (answer.code) assert.equal(answer.code, answer.problem.code, c.name);
      checkCase(c, answer);
    }
    if (round === 'cached') assert.equal(directory.calls.length, before, 'the second round is answered from the cache');
  }
});

test('look-alike identity headers and hop-by-hop headers are dropped; the credential too', async () => {
  const { gate } = await configuredGate();
  const headers = [
    ['authorization', `Bearer ${table.tokens.carol.token}`],
    ['x-orgwarden-subject', 'root'], ['X_Orgwarden_Rights', 'RIGHT_ALL'], ['connection', 'x-hop'], ['x-hop', '1'], ['x-kept', 'yes'],
  ];
  const d = gate.authorize({ method: 'GET', path: '/apps/billing/devices', headers });
  assert.equal(d.tag, 'allow');
  for (const n of ['authorization', 'x-orgwarden-subject', 'x_orgwarden_rights', 'connection', 'x-hop']) {
    assert.ok(d.val.dropHeaders.includes(n), `${n} dropped: ${d.val.dropHeaders}`);
  }
  assert.ok(!d.val.dropHeaders.includes('x-kept'));
  assert.deepEqual(Object.fromEntries(d.val.setHeaders)['x-orgwarden-subject'], 'carol');
});

test('a directory that fails makes the decision fail closed: 503, never a pass', async () => {
  const { gate } = await configuredGate(tableDirectory({}));
  const c = table.requests.find((r) => r.expect.status === 200 && r.credential?.startsWith('token:carol'));
  const d = gate.authorize({ method: c.method, path: c.path, headers: Object.entries(headersFor(c.credential)) });
  assert.equal(d.tag, 'deny');
  assert.equal(d.val.status, 503);
  assert.equal(d.val.code, 'store_unavailable');
});

test('configure checks the proxy configuration with the worker\'s errors; unconfigured gates deny', async () => {
  const authz = await loadAuthz(tableDirectory());
  const d = authz.gate.authorize({ method: 'GET', path: '/apps/billing', headers: [] });
  assert.equal(d.tag, 'deny');
  assert.equal(d.val.status, 500);
  assert.equal(d.val.code, 'server_misconfigured');
  const bad = { routes: [{ methods: ['GET'], path: '/apps/{app}', entity: { kind: 'applications', id: '{nope}' }, rights: ['RIGHT_APPLICATION_INFO'] }] };
  assert.throws(() => authz.gate.configure({ proxy: JSON.stringify(bad), baseUrl: table.base_url, jwks: '{"keys":[]}' }),
    (e) => e.payload?.code === 'server_misconfigured' && /route|rule|\{nope\}/.test(e.payload.message));
  assert.throws(() => authz.gate.configure({ proxy: JSON.stringify(table.config), baseUrl: table.base_url, jwks: 'not json' }),
    (e) => typeof e.payload?.code === 'string');
});

test('tokens.verify and rights.rights-on answer every case of the shared decision table', async () => {
  const { tokens, rights } = await loadAuthz(tableDirectory(), { wasi: fixedClock(decisions.now) });
  const options = { issuer: decisions.issuer, audience: decisions.audience };
  const sorted = (a) => [...a].sort();
  for (const c of decisions.cases) {
    let code = 'ok';
    let claims;
    try {
      claims = tokens.verify(c.token, JSON.stringify(decisions.jwks), options);
    } catch (e) {
      code = e.payload.code;
    }
    assert.equal(code, c.expect.verify, c.name);
    if (code !== 'ok') continue;
    assert.equal(claims.iss, decisions.issuer, c.name);
    const grants = {
      users: Object.entries(c.grants.users ?? {}).map(([id, r]) => ({ id, rights: r })),
      organizations: Object.entries(c.grants.organizations ?? {}).map(([id, r]) => ({ id, rights: r })),
    };
    const held = rights.rightsOn(c.token, grants);
    assert.deepEqual(sorted(held), sorted(rights.expand(c.expect.rights)), c.name);
    const missing = rights.expand(c.required).filter((r) => !held.includes(r));
    assert.equal(missing.length === 0, c.expect.allowed, c.name);
    assert.deepEqual(sorted(missing), sorted(c.expect.missing), c.name);
  }
});

test('rights: the catalog, expansion, can', async () => {
  const { rights } = await loadAuthz(tableDirectory());
  const catalog = rights.catalog();
  assert.equal(catalog[0], 'RIGHT_USER_INFO');
  assert.ok(rights.expand(['RIGHT_APPLICATION_ALL']).includes('RIGHT_APPLICATION_DEVICES_READ'));
  assert.throws(() => rights.expand(['RIGHT_NOPE']), (e) => e.payload.code === 'unknown_right');
  const alice = table.tokens.alice.token;
  assert.equal(rights.can(alice, 'platform', 'RIGHT_ORGANIZATION_INFO'), true);
  assert.equal(rights.can(alice, 'partner', 'RIGHT_ORGANIZATION_INFO'), false);
});

test('the example gateway embeds the component: refusals answered, passes forwarded with the identity', async () => {
  const { startGateway } = await import('../../examples/component/gateway.mjs');
  const { startOrigin } = await import('../worker/origin.mjs');
  const { rawRequest } = await import('../worker/harness.mjs');
  const origin = await startOrigin();
  const g = await startGateway({
    origin: origin.url, proxy: table.config, baseUrl: table.base_url, jwks: publicJwks(table.signing_jwks), facts: table.directory,
  });
  try {
    const at = { ready: Promise.resolve(g.url) };
    for (const c of table.requests) {
      const res = await rawRequest(at, c.method, c.path, headersFor(c.credential));
      checkCase(c, answerOf(res));
    }
  } finally {
    await g.close();
    await origin.close();
  }
});
