// The example token inspector (examples/browser/) in a real headless Chromium
// from Debian, driven with playwright-core. Tokens are minted here with
// Node's own Ed25519 (an independent implementation) against the real clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ISS = 'https://api.example.com/t/acme';
const AUD = 'https://api.example.com';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const key = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const jwks = JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'page-key' }] });

function mint({ kid = 'page-key', signer = key.privateKey, ...claims } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'EdDSA', kid, typ: 'at+jwt' })}.${b64({
    iss: ISS, aud: AUD, sub: 'alice', tid: 'acme', jti: `j-${Math.random()}`, iat: now, exp: now + 900,
    orgs: { acme: { role: 'member', rights: ['RIGHT_ORGANIZATION_INFO', 'RIGHT_APPLICATION_ALL'] } },
    ...claims,
  })}`;
  return `${input}.${edSign(null, Buffer.from(input), signer).toString('base64url')}`;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
let server;
let browser;
let page;
let base;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    const allowed = ['examples/browser', 'pkg/web'].some((dir) => file.startsWith(path.join(root, dir) + path.sep));
    if (req.method !== 'GET' || !allowed) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}/examples/browser/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

async function submit(token, { withJwks = true } = {}) {
  const before = Number((await page.getAttribute('body', 'data-rendered')) ?? 0);
  await page.fill('#token', token);
  await page.fill('#jwks', withJwks ? jwks : '');
  await page.fill('#issuer', ISS);
  await page.fill('#audience', AUD);
  await page.click('#run');
  await page.waitForFunction((n) => Number(document.body.dataset.rendered ?? 0) > n, before);
  const v = page.locator('#verification');
  return { state: await v.getAttribute('data-state'), code: await v.getAttribute('data-code'), text: await v.textContent() };
}

test('a valid token: verified, organizations with role and rights, claims shown', async () => {
  const r = await submit(mint());
  assert.equal(r.state, 'valid');
  assert.match(r.text, /signed by key page-key/);
  const row = page.locator('#orgs tr[data-org="acme"]');
  assert.equal(await row.locator('td').nth(1).textContent(), 'member');
  assert.match(await row.locator('td').nth(2).textContent(), /RIGHT_APPLICATION_ALL/);
  assert.match(await row.locator('td').nth(3).textContent(), /RIGHT_APPLICATION_DEVICES_WRITE_KEYS/);
  assert.match(await page.textContent('#claims'), /"sub": "alice"/);
  assert.match(await page.textContent('#expiry'), /^Expires at \d{4}-\d\d-\d\dT/);
  await page.screenshot({ path: path.join(root, 'target/inspector-valid.png'), fullPage: true });
});

test('an expired token', async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await submit(mint({ iat: now - 3600, exp: now - 600 }));
  assert.equal(r.state, 'invalid');
  assert.equal(r.code, 'token_expired');
  assert.match(await page.textContent('#expiry'), /^Expired at/);
});

test('a tampered token', async () => {
  const [h, p, s] = mint().split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.orgs.acme.role = 'owner';
  const r = await submit(`${h}.${b64(claims)}.${s}`);
  assert.equal(r.state, 'invalid');
  assert.equal(r.code, 'token_bad_signature');
  // Inspection still shows what the token claims.
  assert.equal(await page.locator('#orgs tr[data-org="acme"] td').nth(1).textContent(), 'owner');
});

test('a token whose kid the JWKS does not hold', async () => {
  const r = await submit(mint({ kid: 'someone-else', signer: other.privateKey }));
  assert.equal(r.state, 'invalid');
  assert.equal(r.code, 'token_unknown_kid');
});

test('without a JWKS the page says it did not verify', async () => {
  const r = await submit(mint(), { withJwks: false });
  assert.equal(r.state, 'unverified');
});

test('garbage is reported with its code', async () => {
  await page.fill('#token', 'not-a-token');
  await page.click('#run');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /^token_malformed:/);
});

test('"can I?" answers yes and no', async () => {
  await submit(mint());
  await page.selectOption('#can-org', 'acme');
  await page.selectOption('#can-right', 'RIGHT_ORGANIZATION_INFO');
  await page.click('#can-ask');
  assert.equal(await page.getAttribute('#can-answer', 'data-answer'), 'yes');
  await page.selectOption('#can-right', 'RIGHT_ORGANIZATION_DELETE');
  await page.click('#can-ask');
  assert.equal(await page.getAttribute('#can-answer', 'data-answer'), 'no');
  assert.equal(await page.locator('#can-right option').count(), 63);
});

// The strict-Ed25519 vectors in the page itself: the module's strict checks,
// Chromium's WebCrypto (BoringSSL) for the equation, and the Rust path's
// verdicts (tests/cases/ed25519.json) to match, case by case. The vectors
// carry an external issuer's claims (no `tid`): a signature that verified
// shows as the claims' refusal, which is only reached after it.
test('strict Ed25519 in Chromium: every vector gets the Rust path\'s verdict', async () => {
  const vectors = JSON.parse(await readFile(path.join(root, 'tests/cases/ed25519.json'), 'utf8'));
  // A key whose bytes are no point on the curve (y = 2): loaded by its
  // encoding, it must verify nothing, whatever the engine makes of it.
  const noPoint = Buffer.alloc(32);
  noPoint[0] = 2;
  const [, payload, signature] = vectors.cases[0].token.split('.');
  const extra = [{
    name: 'a key that is no point',
    token: `${b64({ alg: 'EdDSA', kid: 'no-point' })}.${payload}.${signature}`,
    valid: false,
  }];
  const jwksWithNoPoint = { keys: [...vectors.jwks.keys, { kty: 'OKP', crv: 'Ed25519', kid: 'no-point', x: noPoint.toString('base64url') }] };
  const outcomes = await page.evaluate(async ({ cases, jwks, issuer, audience }) => {
    const { verify } = await import('/pkg/web/orgwarden.js');
    const out = [];
    for (const round of [1, 2]) {
      for (const c of cases) {
        out.push(await verify(c.token, jwks, { issuer, audience, now: 1800000000 })
          .then(() => ({ name: c.name, round, code: 'ok' }), (e) => ({ name: c.name, round, code: e.code, message: e.message })));
      }
    }
    return out;
  }, { cases: [...vectors.cases, ...extra], jwks: jwksWithNoPoint, issuer: vectors.issuer, audience: vectors.audience });
  const valid = new Map([...vectors.cases, ...extra].map((c) => [c.name, c.valid]));
  assert.equal(outcomes.length, 2 * valid.size);
  for (const o of outcomes) {
    if (valid.get(o.name)) {
      assert.equal(o.code, 'token_malformed', `${o.name} (round ${o.round})`);
      assert.match(o.message, /claims: missing field `tid`/, o.name);
    } else {
      assert.equal(o.code, 'token_bad_signature', `${o.name} (round ${o.round}): ${o.message}`);
    }
  }
});
