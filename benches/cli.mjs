// The CLI's start-up and a listing against the local worker (issue 14):
// wall time of whole processes, as a person or a script sees them, of the
// release binary. `orgwarden --help` (parse, render, exit) and
// `orgwarden organizations list` (profile read, one HTTP call to the built
// worker in workerd, JSON out) with ORGS organizations in the tenant, beside
// the same call made with fetch from Node (the server's share).
// Run: node benches/cli.mjs   (RUNS=200 ORGS=100; builds the binary when missing)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, newPrivateJwk, root } from '../tests/worker/harness.mjs';

const RUNS = Number(process.env.RUNS ?? 200);
const ORGS = Number(process.env.ORGS ?? 100);
const OPERATOR_KEY = 'operator-key-for-the-cli-bench-00001';
const PASSWORD = 'correct horse battery';
const bin = path.join(root, 'target/release/orgwarden');
if (!existsSync(bin)) spawnSync('cargo', ['build', '--release', '--features', 'cli'], { cwd: root, stdio: 'inherit' });
console.log(`binary: ${(statSync(bin).size / 1024 / 1024).toFixed(1)} MiB`);

const config = mkdtempSync(path.join(tmpdir(), 'orgwarden-cli-bench-'));
const env = { ...process.env, ORGWARDEN_CONFIG_DIR: config, ORGWARDEN_OPERATOR_KEY: OPERATOR_KEY };
const run = (args, input = '') => {
  const t = performance.now();
  const r = spawnSync(bin, args, { input, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return ms;
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(s.length * q))];
  return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms (${s.length} runs)`;
};

const mf = await startWorker({
  bindings: { SIGNING_KEYS: JSON.stringify({ keys: [newPrivateJwk('bench')] }), OPERATOR_KEY, PASSWORD_ITERATIONS: '10000' },
  validate: false,
});
const url = String(await mf.ready).replace(/\/$/, '');
try {
  run(['tenants', 'create', 'acme', '--url', url, '--name', 'Acme', '--admin-id', 'root', '--admin-email', 'root@acme.example', '--admin-password-stdin'], `${PASSWORD}\n`);
  run(['login', '--url', url, '--tenant', 'acme', '--username', 'root', '--password-stdin'], `${PASSWORD}\n`);
  for (let i = 0; i < ORGS; i++) run(['organizations', 'create', `org-${i}`, '--name', `Organization ${i}`]);

  for (let i = 0; i < 10; i++) run(['--help']); // warm the page cache
  const help = Array.from({ length: RUNS }, () => run(['--help']));
  console.log(`orgwarden --help: ${stats(help)}`);
  for (let i = 0; i < 10; i++) run(['organizations', 'list']);
  const list = Array.from({ length: RUNS }, () => run(['organizations', 'list']));
  console.log(`orgwarden organizations list (${ORGS} organizations, local worker): ${stats(list)}`);
  // The same call from Node's fetch: what the server and loopback cost, so
  // the difference is the CLI's own (process start, profile, TLS-less HTTP, JSON).
  const token = JSON.parse(readFileSync(path.join(config, 'profiles.json'), 'utf8')).default.token;
  const direct = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await (await fetch(`${url}/t/acme/api/v1/admin/organizations?limit=100&page=1`, { headers: { authorization: `Bearer ${token}` } })).text();
    direct.push(performance.now() - t);
  }
  console.log(`… the same call with fetch from Node: ${stats(direct)}`);
  const table = Array.from({ length: Math.ceil(RUNS / 4) }, () => run(['organizations', 'list', '-o', 'table']));
  console.log(`… with -o table: ${stats(table)}`);
} finally {
  await mf.dispose();
}
