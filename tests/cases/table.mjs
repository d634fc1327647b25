// The shared proxy case table (tests/cases/requests.json) for the
// JavaScript-driven targets: the credential headers a case stands for, and
// one check of an answer against its expectation, so that the worker, the
// gateway component (library and middleware) and the Envoy filter are held
// to exactly the same thing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const table = JSON.parse(readFileSync(fileURLToPath(new URL('./requests.json', import.meta.url)), 'utf8'));

/** The request headers of a case's `credential` (lower-case names; repeats joined). */
export function headersFor(credential) {
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

const ALL_SUFFIX = /_ALL$/;

/**
 * Holds one answer to a case's expectation. `answer`: {status, problem (the
 * parsed problem document of a refusal), wwwAuthenticate, forwarded: {url,
 * headers} (what the upstream received, names lower case)}.
 */
export function checkCase(c, { status, problem, wwwAuthenticate, forwarded }) {
  const at = `${c.name}: ${JSON.stringify(problem ?? forwarded ?? null).slice(0, 300)}`;
  assert.equal(status, c.expect.status, at);
  if (c.expect.code) assert.equal(problem?.code, c.expect.code, at);
  if (c.expect.missing) assert.deepEqual(new Set(problem.missing), new Set(c.expect.missing), at);
  if (status === 401) assert.match(wwwAuthenticate ?? '', /error="invalid_token"/, at);
  if (status !== 200) return;
  // What the upstream received is what the rules read.
  assert.equal(forwarded.url, c.expect.path ?? c.path, `${at}: the path the upstream receives`);
  const h = forwarded.headers;
  if (!c.expect.subject) {
    assert.ok(!Object.keys(h).some((n) => n.startsWith('x-orgwarden-')), at);
    return;
  }
  assert.equal(h['x-orgwarden-subject'], c.expect.subject, at);
  assert.equal(h['x-orgwarden-tenant'], 'acme', at);
  assert.deepEqual(h['x-orgwarden-organizations'] ? h['x-orgwarden-organizations'].split(',') : [], c.expect.organizations, at);
  // The header lists rights expanded; the table may write them short (_ALL).
  const got = h['x-orgwarden-rights'].split(',');
  for (const right of c.expect.rights) {
    if (ALL_SUFFIX.test(right)) {
      const kind = right === 'RIGHT_ALL' ? 'RIGHT_' : right.replace(/ALL$/, '');
      assert.ok(got.some((g) => g.startsWith(kind) && g !== right), `${at}: ${right} expanded`);
    } else {
      assert.ok(got.includes(right), `${at}: ${right}`);
    }
  }
  if (!c.expect.rights.some((r) => ALL_SUFFIX.test(r))) assert.equal(got.length, c.expect.rights.length, at);
}

/**
 * The answer to a case as an HTTP client saw it, in front of the recording
 * origin (tests/worker/origin.mjs echoes {url, headers}): what [`checkCase`]
 * takes. `res` is a raw response {status, headers, body (parsed JSON), text}.
 */
export function answerOf(res) {
  const body = res.body ?? res.text;
  const passed = res.status === 200;
  return {
    status: res.status,
    problem: passed ? null : body,
    wwwAuthenticate: res.headers['www-authenticate'],
    forwarded: passed ? { url: body.url, headers: body.headers } : null,
  };
}
