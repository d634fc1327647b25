// Starts the built worker (build/index.js) in workerd through Miniflare's API,
// with the bindings wrangler.toml declares: a real, in-memory KV namespace,
// the vars, and secrets made up per test run.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Miniflare } from 'miniflare';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const wranglerToml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
export const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wranglerToml)[1];

/** A fresh Ed25519 private JWK from Node's own crypto (an independent implementation). */
export function newPrivateJwk(kid) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return kid ? { ...jwk, kid } : jwk;
}

/** RFC 7638 thumbprint, computed independently of the Rust code. */
export function thumbprint(jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A Miniflare instance running the worker; `bindings` override the defaults. */
export async function startWorker({ bindings = {}, kvPersist = false } = {}) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(root, 'build/index.js'),
    modulesRoot: path.join(root, 'build'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate,
    kvNamespaces: ['ORGWARDEN'],
    kvPersist,
    bindings: { PUBLIC_BASE_URL: 'http://127.0.0.1:8787', ...bindings },
    host: '127.0.0.1',
  });
  await mf.ready;
  return mf;
}
