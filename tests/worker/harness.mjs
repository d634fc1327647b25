// Starts the built worker (build/index.js) in workerd through Miniflare's API,
// with the bindings wrangler.toml declares: a real, in-memory KV namespace,
// the tenants' Durable Objects on SQLite, the vars, and secrets made up per
// test run.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { generateKeyPairSync, createHash, createPrivateKey, sign as edSign, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Miniflare, Log, LogLevel } from 'miniflare';
import { check } from './openapi.mjs';

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

/**
 * Emails the worker sent through its `send_email` binding, as Miniflare's
 * local simulation reports them (a log line naming From, To, Subject and the
 * files holding the bodies): {from, to, subject, text, html}.
 */
class EmailLog extends Log {
  constructor() {
    // WARN: at INFO Miniflare also logs every request, reading each body to
    // its end first (an endless upload would never be answered). The email
    // lines still arrive here: the loopback logs them by level.
    super(LogLevel.WARN);
    this.sent = [];
    this.waiters = [];
  }

  logWithLevel(level, message) {
    if (message.includes('send_email binding called with MessageBuilder')) {
      // eslint-disable-next-line no-control-regex
      const plain = message.replace(/\x1b\[[0-9;]*m/g, '');
      const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(plain)?.[1];
      const text = field('Text');
      const html = field('HTML');
      this.sent.push({
        from: field('From'),
        to: field('To'),
        subject: field('Subject'),
        text: text ? readFileSync(text, 'utf8') : undefined,
        html: html ? readFileSync(html, 'utf8') : undefined,
      });
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    if (level <= LogLevel.WARN || process.env.WORKER_LOG) super.logWithLevel(level, message);
  }

  /** Resolves once `count` emails were sent, or rejects after `ms`. */
  async waitFor(count, ms = 10_000) {
    const end = Date.now() + ms;
    while (this.sent.length < count) {
      if (Date.now() > end) throw new Error(`${this.sent.length} of ${count} emails after ${ms} ms`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.sent;
  }
}

/** The queues and the email binding wrangler.toml declares, for Miniflare. */
export const NOTIFY_OPTIONS = {
  queueProducers: { NOTIFICATIONS: { queueName: 'orgwarden-notifications' } },
  queueConsumers: {
    'orgwarden-notifications': { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 8, deadLetterQueue: 'orgwarden-notifications-dead' },
    'orgwarden-notifications-dead': { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 8 },
  },
  email: { send_email: [{ name: 'SEND_EMAIL' }] },
};

/** A Miniflare instance running the worker; `bindings` override the defaults. */
export async function startWorker({ bindings = {}, kvPersist = false, durableObjectsPersist = false, validate = true, notify = {}, assets = true, miniflare = {} } = {}) {
  const emails = new EmailLog();
  const mf = new Miniflare({
    log: emails,
    ...NOTIFY_OPTIONS,
    ...notify,
    modules: true,
    scriptPath: path.join(root, 'build/index.js'),
    modulesRoot: path.join(root, 'build'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate,
    kvNamespaces: ['ORGWARDEN'],
    kvPersist,
    durableObjects: { TENANTS: { className: 'TenantWriter', useSQLite: true } },
    durableObjectsPersist,
    // The console's files, served by the worker first (wrangler.toml's [assets]).
    assets: assets ? {
      directory: path.join(root, 'console/dist'),
      binding: 'ASSETS',
      routerConfig: { invoke_user_worker_ahead_of_assets: true, has_user_worker: true },
      assetConfig: { html_handling: 'none', not_found_handling: 'none' },
    } : undefined,
    // Failed sign-ins are throttled per isolate (docs/tokens.md); the tests
    // that fail on purpose many times are not about that, so the bound is wide
    // unless a test sets its own.
    bindings: { PUBLIC_BASE_URL: 'http://127.0.0.1:8787', NOTIFY_FROM: 'noreply@orgwarden.example', SIGNIN_FAILURES_PER_USER: '1000', SIGNIN_FAILURES_PER_ADDRESS: '1000', ...bindings },
    host: '127.0.0.1',
    ...miniflare,
  });
  await mf.ready;
  mf.emails = emails;
  if (!validate) return mf;
  // Every answer is held to docs/openapi.json.
  const dispatch = mf.dispatchFetch.bind(mf);
  mf.dispatchFetch = async (url, init = {}) => {
    const response = await dispatch(url, init);
    await check(init.method ?? 'GET', String(url), response);
    return response;
  };
  return mf;
}

/**
 * An access token of the worker's kind, signed here with Node's Ed25519: the
 * tests hold the worker's private key, so they can act as any user.
 */
export function mintToken(privateJwk, sub, { base, tenant = 'acme', kid = privateJwk.kid, signer, ...claims } = {}) {
  const key = signer ?? createPrivateKey({ key: privateJwk, format: 'jwk' });
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  // Overrides left undefined keep the defaults.
  const given = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  // iat one second ahead (within every verifier's leeway): a token minted right
  // after a revoking change counts as issued after it, as the token endpoint
  // ensures by never issuing in a revocation's second (docs/store.md).
  const body = { iss: `${base}/t/${tenant}`, aud: base, sub, tid: tenant, jti: randomUUID(), iat: now + 1, exp: now + 900, ...given };
  const input = `${b64({ alg: 'EdDSA', kid, typ: 'at+jwt' })}.${b64(body)}`;
  return `${input}.${edSign(null, Buffer.from(input), key).toString('base64url')}`;
}

/**
 * A raw HTTP/1.1 request to the worker's own port, the path sent byte for
 * byte as given (Fetch clients resolve dot segments and drop `Connection`):
 * what an attacker's client sends. Answers {status, headers, text, body}.
 */
export async function rawRequest(mf, method, path, headers = {}, body) {
  const base = new URL(await mf.ready);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').includes('json') && text ? JSON.parse(text) : undefined;
        resolve({ status: res.statusCode, headers: res.headers, text, body: json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
