// The flows' figures on the built worker in workerd (Miniflare: the tenant's
// Durable Object, the notification queue and its consumer, the local email
// binding) with a local webhook receiver:
// - invitation create latency (through the tenant's object);
// - accept latency, signed in, and registering a new person (which hashes
//   its password at the edge: PBKDF2 at the configured iterations);
// - notification end-to-end delay: from sending the create to the webhook
//   receiver holding the signed delivery.
// Sequential requests, RUNS of each. Run: node benches/worker-flows.mjs   (RUNS=100)
import { startWorker, newPrivateJwk, mintToken } from '../tests/worker/harness.mjs';
import { startReceiver, newSecret } from '../tests/worker/webhook.mjs';

const RUNS = Number(process.env.RUNS ?? 100);
const BASE = 'http://127.0.0.1:8787';
const PASSWORD = 'correct horse battery';
const jwk = newPrivateJwk('bench');
const secret = newSecret();
const token = (sub, adm = false) => mintToken(jwk, sub, { base: BASE, adm: adm || undefined, exp: Math.floor(Date.now() / 1000) + 3600 });
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p99 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const show = (xs) => `median ${median(xs).toFixed(1)} ms, p99 ${p99(xs).toFixed(1)} ms`;
const TOKEN = /OWI\.[A-Z2-7]{16}\.[A-Z2-7]{52}/;

const receiver = await startReceiver(secret);
const mf = await startWorker({
  validate: false,
  bindings: { SIGNING_KEYS: JSON.stringify({ keys: [jwk] }), PUBLIC_BASE_URL: BASE, NOTIFY_WEBHOOK_URL: receiver.url, NOTIFY_WEBHOOK_SECRET: secret },
});

async function call(method, path, as, body) {
  const init = { method, headers: {} };
  if (as) init.headers.authorization = `Bearer ${as}`;
  if (body) { init.body = JSON.stringify(body); init.headers['content-type'] = 'application/json'; }
  const t = performance.now();
  const res = await mf.dispatchFetch(`http://localhost${path}`, init);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { ms: performance.now() - t, body: JSON.parse(text) };
}

try {
  const ROOT = token('root', true);
  await call('POST', '/t/acme/api/v1/admin/users', ROOT, { id: 'owner', email: 'o@b.example' });
  await call('POST', '/t/acme/api/v1/admin/organizations', token('owner'), { id: 'team', name: 'Team' });
  const create = [];
  const delay = [];
  const acceptSignedIn = [];
  const acceptRegistering = [];
  for (let i = 0; i < RUNS; i++) {
    const email = `u${i}@example.com`;
    const signedIn = i % 2 === 0;
    if (signedIn) await call('POST', '/t/acme/api/v1/admin/users', ROOT, { id: `u${i}`, email });
    const sent = performance.now();
    const r = await call('POST', '/t/acme/api/v1/admin/organizations/team/invitations', token('owner'), { email, role: 'member' });
    create.push(r.ms);
    const hook = await receiver.waitFor((d) => d.data.invitation_id === r.body.id);
    delay.push(hook.at - (performance.timeOrigin + sent));
    const t = TOKEN.exec(hook.data.link)[0];
    if (signedIn) {
      acceptSignedIn.push((await call('POST', `/t/acme/api/v1/invitations/${t}/accept`, token(`u${i}`))).ms);
    } else {
      acceptRegistering.push((await call('POST', `/t/acme/api/v1/invitations/${t}/accept`, null, { id: `u${i}`, password: PASSWORD })).ms);
    }
  }
  console.log(`${RUNS} invitations, sequential, through the tenant's Durable Object:`);
  console.log(`  create invitation:                      ${show(create)}`);
  console.log(`  accept, signed in:                      ${show(acceptSignedIn)}`);
  console.log(`  accept, registering (PBKDF2 at the edge): ${show(acceptRegistering)}`);
  console.log(`  notification, create sent → webhook received: ${show(delay)}`);
  console.log(`  emails sent: ${mf.emails.sent.length}, webhook attempts: ${receiver.attempts.length}, bad signatures: ${receiver.bad}`);
} finally {
  await mf.dispose();
  await receiver.close();
}
