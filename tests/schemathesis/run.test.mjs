// Schemathesis (PyPI, installed into .venv by scripts/setup.sh) against the
// built worker in workerd: every check, every phase, the stateful one
// included, driven by docs/openapi.json. Run by scripts/test.sh after the
// other worker tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startWorker, newPrivateJwk, root } from '../worker/harness.mjs';

const OPERATOR_KEY = 'operator-secret-for-schemathesis-0123456';
const DIRECTORY_KEY = 'directory-key-for-schemathesis-0123456';
const PASSWORD = 'correct horse battery';
const jwk = newPrivateJwk('st-key');
let mf;

before(async () => {
  mf = await startWorker({
    validate: false,
    bindings: {
      SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      OPERATOR_KEY,
      DIRECTORY_KEY,
      PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
      PASSWORD_ITERATIONS: '10000',
      ORGWARDEN_PROXY: { tenant: 'acme', routes: [] },
    },
  });
});
after(async () => { await mf?.dispose(); });

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: path.join(root, 'tests/schemathesis'), env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('Schemathesis finds nothing, and its stateful phase creates resources', { timeout: 600_000 }, async () => {
  const base = new URL(await mf.ready).origin;
  const created = await mf.dispatchFetch('http://localhost/api/v1/tenants', {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: PASSWORD } }),
  });
  assert.equal(created.status, 201);
  const signedIn = await mf.dispatchFetch('http://localhost/t/acme/api/v1/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: 'root', password: PASSWORD }).toString(),
  });
  const token = (await signedIn.json()).access_token;
  const bin = path.join(root, '.venv/bin/schemathesis');
  assert.ok(existsSync(bin), 'scripts/setup.sh installs Schemathesis into .venv');
  const { code, out } = await run(bin, [
    '--config-file', 'schemathesis.toml', '--no-color', 'run', path.join(root, 'docs/openapi.json'),
    // Every check but ST302, whose reason is in schemathesis.toml.
    '--checks', 'all', '--exclude-checks', 'ensure_resource_availability', '--phases', 'examples,coverage,fuzzing,stateful', '--report', 'ndjson', '--report-dir', path.join(root, 'target/schemathesis'),
  ], { ST_BASE_URL: base, ST_TOKEN: token, ST_OPERATOR_KEY: OPERATOR_KEY, ST_DIRECTORY_KEY: DIRECTORY_KEY, SCHEMATHESIS_HOOKS: path.join(root, 'tests/schemathesis/hooks.py') });
  assert.equal(code, 0, 'Schemathesis found failures (see its output above)');
  // The stateful phase followed links from created resources.
  const scenarios = /Scenarios:\s+(\d+)/.exec(out);
  assert.ok(scenarios && Number(scenarios[1]) > 0, 'the stateful phase ran scenarios');
  const links = /API Links:\s+(\d+) covered/.exec(out);
  assert.ok(links && Number(links[1]) >= 10, `links were followed: ${links?.[0]}`);
});
