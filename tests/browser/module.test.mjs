// The browser module's API under Node's test runner: the package's `web`
// build, instantiated from its own wasm file, held to the shared case table
// (tests/cases/decisions.json) and to the API's own contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mod = await import(path.join(root, 'pkg/web/orgwarden.js'));
mod.initSync({ module: readFileSync(path.join(root, 'pkg/web/orgwarden_bg.wasm')) });
const { inspect, verify, rightsOn, can, expandRights, catalog } = mod;

const table = JSON.parse(readFileSync(path.join(root, 'tests/cases/decisions.json'), 'utf8'));
const options = { issuer: table.issuer, audience: table.audience, now: table.now };
const sorted = (a) => [...a].sort();

function codeOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, 'throws an Error');
    assert.equal(e.name, 'OrgwardenError');
    assert.equal(typeof e.code, 'string');
    assert.ok(e.message.length > 0);
    return e.code;
  }
  return 'ok';
}

for (const c of table.cases) {
  test(`case: ${c.name}`, () => {
    const code = codeOf(() => verify(c.token, table.jwks, options));
    assert.equal(code, c.expect.verify);
    if (code !== 'ok') return;
    const rights = rightsOn(c.token, c.grants);
    assert.deepEqual(sorted(rights), sorted(expandRights(c.expect.rights)));
    const required = expandRights(c.required);
    const missing = required.filter((r) => !rights.includes(r));
    assert.equal(missing.length === 0, c.expect.allowed);
    assert.deepEqual(sorted(missing), sorted(c.expect.missing));
  });
}

const member = table.cases[0];

test('verify returns the claims, kid and expiry; the JWKS may be text or an object', () => {
  const v = verify(member.token, JSON.stringify(table.jwks), options);
  assert.equal(v.valid, true);
  assert.equal(v.kid, 'cases-2026');
  assert.equal(v.claims.sub, 'alice');
  assert.equal(v.expires_at, new Date(v.claims.exp * 1000).toISOString());
  assert.deepEqual(verify(member.token, table.jwks, options), v);
});

test('verify uses the clock unless told otherwise, and honours leeway', () => {
  // Without `now` the page's clock decides: whatever today is, the answer is
  // the one the table's times give for it.
  const today = Math.floor(Date.now() / 1000);
  const expected = today + 60 < member.claims.iat ? 'token_not_yet_valid'
    : today - 60 >= member.claims.exp ? 'token_expired' : 'ok';
  assert.equal(codeOf(() => verify(member.token, table.jwks, { issuer: table.issuer, audience: table.audience })), expected);
  const late = { ...options, now: member.claims.exp + 120 };
  assert.equal(codeOf(() => verify(member.token, table.jwks, late)), 'token_expired');
  assert.equal(codeOf(() => verify(member.token, table.jwks, { ...late, leeway: 300 })), 'ok');
});

test('bad arguments are refused with codes', () => {
  assert.equal(codeOf(() => verify(member.token, '{"keys":[]}', options)), 'jwks_empty');
  assert.equal(codeOf(() => verify(member.token, 'not json', options)), 'jwk_malformed');
  assert.equal(codeOf(() => verify(member.token, table.jwks, { issuer: 'x' })), 'invalid_argument');
  assert.equal(codeOf(() => verify(member.token, table.jwks, { ...options, extra: 1 })), 'invalid_argument');
  assert.equal(codeOf(() => verify('a.b', table.jwks, options)), 'token_malformed');
  assert.equal(codeOf(() => rightsOn(member.token, { organizations: { acme: ['RIGHT_NOPE'] } })), 'invalid_argument');
  assert.equal(codeOf(() => expandRights(['RIGHT_NOPE'])), 'unknown_right');
  assert.equal(codeOf(() => can(member.token, 'acme', 'RIGHT_NOPE')), 'unknown_right');
  assert.equal(codeOf(() => can(member.token, 'Not An Org', 'RIGHT_ORGANIZATION_INFO')), 'invalid_id');
  assert.equal(codeOf(() => inspect('garbage')), 'token_malformed');
});

test('inspect shows everything and verifies nothing', () => {
  const tampered = table.cases.find((c) => c.mutate === 'payload');
  const view = inspect(tampered.token);
  assert.equal(view.verified, false);
  assert.equal(view.claims.sub, 'mallory', 'an unverified view shows what the token says');
  assert.deepEqual(view.header, { alg: 'EdDSA', kid: 'cases-2026', typ: 'at+jwt' });
  assert.equal(view.expired, false);
  assert.equal(view.expires_at, '2027-01-15T08:14:00.000Z');
  const [acme] = inspect(member.token).organizations;
  assert.equal(acme.id, 'acme');
  assert.equal(acme.role, 'member');
  assert.ok(acme.rights.includes('RIGHT_APPLICATION_ALL'));
  assert.ok(acme.expanded.includes('RIGHT_APPLICATION_DEVICES_WRITE_KEYS'));
  assert.equal(inspect(member.token).shape_error, null);
});

test('can answers for organizations in the token', () => {
  assert.equal(can(member.token, 'acme', 'RIGHT_ORGANIZATION_INFO'), true);
  assert.equal(can(member.token, 'acme', 'RIGHT_APPLICATION_DELETE'), true);
  assert.equal(can(member.token, 'acme', 'RIGHT_ORGANIZATION_SETTINGS_MEMBERS'), false);
  assert.equal(can(member.token, 'beta', 'RIGHT_ORGANIZATION_INFO'), false);
});

test('expandRights and catalog describe the rules', () => {
  assert.deepEqual(expandRights(['RIGHT_GATEWAY_LINK']), ['RIGHT_GATEWAY_INFO', 'RIGHT_GATEWAY_LINK']);
  assert.equal(expandRights(['RIGHT_ALL']).length, 63);
  const all = catalog();
  assert.equal(all.length, 63);
  assert.deepEqual(all.find((r) => r.name === 'RIGHT_APPLICATION_LINK'), {
    name: 'RIGHT_APPLICATION_LINK', number: 27, kind: 'application', pseudo: false,
    implies: ['RIGHT_APPLICATION_INFO', 'RIGHT_APPLICATION_TRAFFIC_READ', 'RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE'],
  });
});

test('the package ships TypeScript types for every export', () => {
  const dts = readFileSync(path.join(root, 'pkg/web/orgwarden.d.ts'), 'utf8');
  for (const sig of [
    'export function inspect(token: string): Inspection;',
    'export function verify(token: string, jwks: string | { keys: object[] }, options: VerifyOptions): Verification;',
    'export function rightsOn(token: string, grants: Grants): RightName[];',
    'export function can(token: string, orgId: string, right: string): boolean;',
    'export function expandRights(rights: RightName[]): RightName[];',
    'export function catalog(): CatalogEntry[];',
    'export interface OrgwardenError extends Error { code: string }',
  ]) {
    assert.ok(dts.includes(sig), `missing: ${sig}`);
  }
  const pkg = JSON.parse(readFileSync(path.join(root, 'pkg/package.json'), 'utf8'));
  assert.equal(pkg.exports['.'].types, './bundler/orgwarden.d.ts');
  assert.equal(pkg.exports['./web'].default, './web/orgwarden.js');
});

test('the module stays small: wasm + glue at most 120 KiB gzip', () => {
  const gz = ['orgwarden_bg.wasm', 'orgwarden.js']
    .map((f) => gzipSync(readFileSync(path.join(root, 'pkg/web', f)), { level: 9 }).length)
    .reduce((a, b) => a + b, 0);
  assert.ok(gz <= 120 * 1024, `${gz} bytes gzip`);
});
