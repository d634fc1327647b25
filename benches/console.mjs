// The console's figures (issue 15): its size over the wire (gzip), and the
// time to first render of the organizations page in headless Chromium
// against the built worker in workerd, with ORGS organizations in the
// tenant: from navigation start to the table on screen (the page's own
// clock), over RUNS fresh page loads of a signed-in tab.
// Run: node benches/console.mjs   (RUNS=30 ORGS=100; after scripts/build-worker.sh)
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startWorker, newPrivateJwk, mintToken, root } from '../tests/worker/harness.mjs';

const RUNS = Number(process.env.RUNS ?? 30);
const ORGS = Number(process.env.ORGS ?? 100);
const BASE = 'http://127.0.0.1:8787';
const dist = path.join(root, 'console/dist/portal');
let own = 0;
for (const f of readdirSync(dist)) {
  const gz = gzipSync(readFileSync(path.join(dist, f)), { level: 9 }).length;
  if (!f.endsWith('.wasm')) own += gz;
  console.log(`${f}: ${gz} bytes gzip`);
}
console.log(`console without the browser module: ${own} bytes gzip (${(own / 1024).toFixed(1)} KiB; budget 150 KiB)`);

const jwk = newPrivateJwk('bench');
const mf = await startWorker({ bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE, OPERATOR_KEY: 'bench-operator-key-000000000000001' }, validate: false });
const url = String(await mf.ready).replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  await fetch(`${url}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench-operator-key-000000000000001', 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acme', name: 'Acme', admin: { id: 'root', email: 'root@acme.example', password: 'correct horse battery' } }),
  });
  const rootToken = mintToken(jwk, 'root', { base: BASE, adm: true, exp: Math.floor(Date.now() / 1000) + 3600 });
  for (let i = 0; i < ORGS; i++) {
    await fetch(`${url}/t/acme/api/v1/admin/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: `org-${i}`, name: `Organization ${i}` }),
    });
  }
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${url}/t/acme/portal/#/signin`);
  await page.evaluate((t) => sessionStorage.setItem('orgwarden.session', t), rootToken);
  const times = [];
  for (let i = 0; i < RUNS + 3; i++) {
    await page.goto('about:blank');
    await page.goto(`${url}/t/acme/portal/#/organizations`);
    const ms = await page.waitForFunction(() => document.querySelector('main table tbody tr td a') && performance.now());
    if (i >= 3) times.push(await ms.jsonValue()); // the first loads warm the caches
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))].toFixed(0);
  console.log(`first render of #/organizations (${ORGS} organizations, page of 20): median ${at(0.5)} ms, p90 ${at(0.9)} ms (${times.length} loads)`);
} finally {
  await browser.close();
  await mf.dispose();
}
