// Cost of the password grant in the built worker (in workerd, through
// Miniflare's API): PBKDF2-HMAC-SHA256 at the configured iteration count
// (WebCrypto's, native code) plus the grant's KV reads and the token
// signature. Wall time per sign-in, and workerd's CPU per sign-in read from
// /proc (utime + stime of every workerd process, before and after).
// Run: node benches/worker-password.mjs   (PASSWORD_ITERATIONS=100000 RUNS=15)
import { readFileSync, readdirSync } from 'node:fs';
import { startWorker, newPrivateJwk } from '../tests/worker/harness.mjs';

/** CPU seconds (user + system) of every workerd process. */
function workerdCpu() {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(workerd)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch { /* gone */ }
  }
  return total;
}

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
  let cpu0 = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    if (i === 2) cpu0 = workerdCpu();
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
  const cpu = ((workerdCpu() - cpu0) / RUNS) * 1000;
  console.log(`password grant, PBKDF2-HMAC-SHA256 x ${ITERATIONS} (WebCrypto in workerd): median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms wall; workerd CPU ${cpu.toFixed(1)} ms per sign-in over ${RUNS} sign-ins`);
} finally {
  await mf.dispose();
}
