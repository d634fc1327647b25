// The shared proxy case table (tests/cases/requests.json) through the built
// worker in workerd: the table's store loaded into the worker's real KV, its
// requests sent to the worker, and the identity checked where it lands, at a
// real local origin. The core answers the same table in tests/proxy_cases.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startWorker, root, rawRequest } from './harness.mjs';
import { startOrigin } from './origin.mjs';

const table = JSON.parse(readFileSync(path.join(root, 'tests/cases/requests.json'), 'utf8'));
let mf;
let origin;

function headersFor(credential) {
  const headers = {};
  const add = (name, value) => { headers[name] = headers[name] ? `${headers[name]}, ${value}` : value; };
  const key = (name) => {
    const wrong = name.endsWith('!wrong');
    const text = table.keys[wrong ? name.slice(0, -6) : name];
    return wrong ? `${text.slice(0, -4)}AAAA` : text;
  };
  for (const part of credential ? credential.split('+') : []) {
    const i = part.indexOf(':');
    const [kind, arg] = [part.slice(0, i), part.slice(i + 1)];
    if (kind === 'token') add('authorization', `Bearer ${table.tokens[arg].token}`);
    else if (kind === 'bearer-key') add('authorization', `Bearer ${key(arg)}`);
    else if (kind === 'x-api-key') add('x-api-key', key(arg));
    else if (kind === 'raw') add('authorization', arg);
    else throw new Error(`unknown credential kind ${kind}`);
  }
  return headers;
}

/** Expanded rights, as the gate reports them, compared as sets of names. */
const ALL_PREFIX = /_ALL$/;

before(async () => {
  origin = await startOrigin();
  mf = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify(table.signing_jwks),
      PUBLIC_BASE_URL: table.base_url,
      ORIGIN: origin.url,
      ORGWARDEN_PROXY: table.config,
    },
  });
  const kv = await mf.getKVNamespace('ORGWARDEN');
  for (const { key, value, metadata } of table.kv) {
    await kv.put(key, value, metadata === undefined ? {} : { metadata });
  }
});
after(async () => { await mf?.dispose(); await origin?.close(); });

for (const round of ['cold', 'cached']) {
  test(`every case of the table, ${round}`, async () => {
    assert.ok(table.requests.length >= 30);
    for (const c of table.requests) {
      // Raw: the path reaches the worker exactly as the table spells it.
      const res = await rawRequest(mf, c.method, c.path, headersFor(c.credential));
      const body = res.body ?? res.text;
      const at = `${c.name}: ${JSON.stringify(body).slice(0, 300)}`;
      assert.equal(res.status, c.expect.status, at);
      if (c.expect.code) assert.equal(body.code, c.expect.code, at);
      if (c.expect.missing) assert.deepEqual(new Set(body.missing), new Set(c.expect.missing), at);
      if (res.status === 401) assert.match(res.headers['www-authenticate'], /error="invalid_token"/, at);
      if (res.status !== 200) continue;
      // What the origin received is what the rules read.
      assert.equal(body.url, c.expect.path ?? c.path, `${at}: the path the origin receives`);
      const h = body.headers;
      if (!c.expect.subject) {
        assert.ok(!Object.keys(h).some((n) => n.startsWith('x-orgwarden-')), at);
        continue;
      }
      assert.equal(h['x-orgwarden-subject'], c.expect.subject, at);
      assert.equal(h['x-orgwarden-tenant'], 'acme', at);
      assert.deepEqual(h['x-orgwarden-organizations'] ? h['x-orgwarden-organizations'].split(',') : [], c.expect.organizations, at);
      // The header lists rights expanded; the table may write them short (_ALL).
      const got = h['x-orgwarden-rights'].split(',');
      for (const right of c.expect.rights) {
        if (ALL_PREFIX.test(right)) {
          const kind = right === 'RIGHT_ALL' ? 'RIGHT_' : right.replace(/ALL$/, '');
          assert.ok(got.some((g) => g.startsWith(kind) && g !== right), `${at}: ${right} expanded`);
        } else {
          assert.ok(got.includes(right), `${at}: ${right}`);
        }
      }
      if (!c.expect.rights.some((r) => ALL_PREFIX.test(r))) assert.equal(got.length, c.expect.rights.length, at);
    }
  });
}
