// Cost of the password grant in the built worker (wasm in workerd, through
// Miniflare's API): PBKDF2-HMAC-SHA256 at the configured iteration count plus
// the grant's KV reads and the token signature. Run: node benches/worker-password.mjs
import { startWorker, newPrivateJwk } from '../tests/worker/harness.mjs';

const ITERATIONS = Number(process.env.PASSWORD_ITERATIONS ?? 100000);
const RUNS = Number(process.env.RUNS ?? 15);
const mf = await startWorker({
  bindings: {
    SIGNING_KEYS: JSON.stringify({ keys: [newPrivateJwk('bench')] }),
    OPERATOR_KEY: 'bench-operator-key',
    PASSWORD_ITERATIONS: String(ITERATIONS),
  },
});
try {
  const created = await mf.dispatchFetch('http://localhost/api/v1/tenants', {
    method: 'POST',
    headers: { authorization: 'Bearer bench-operator-key', 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bench', name: 'Bench', admin: { id: 'root', email: 'r@b.example', password: 'bench password 1' } }),
  });
  if (created.status !== 201) throw new Error(`tenant: ${created.status} ${await created.text()}`);
  const times = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const res = await mf.dispatchFetch('http://localhost/t/bench/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=root&password=bench+password+1',
    });
    await res.text();
    if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
    if (i >= 2) times.push(performance.now() - t0); // two warm-up runs
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`password grant, PBKDF2-HMAC-SHA256 x ${ITERATIONS} in wasm (workerd): median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms over ${RUNS} sign-ins`);
} finally {
  await mf.dispose();
}
