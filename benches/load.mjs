// The load-run machinery the gateway benchmarks share: keep-alive GETs at
// a fixed concurrency for a fixed time after a discarded warm-up, latency
// quantiles, the server process's own CPU per request (from /proc: steadier
// than throughput on a 2-core machine that also runs the client and the
// origin), and cases run in rounds in rotating order with medians.
import http from 'node:http';
import { readFileSync } from 'node:fs';

export const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
export const fmt = (x, d = 1) => x.toFixed(d);

/** utime + stime of a process, in USER_HZ ticks (10 ms). */
function ticks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(x[11]) + Number(x[12]);
}

/** A load generator: `concurrency` clients for `seconds` each run. */
export function loader({ concurrency, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const get = (url, headers) => new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(url, { agent, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end();
  });
  /** Loads `url` (headers from `headersOf()` per request); the server is `pid`. */
  async function load(url, headersOf, pid) {
    const loop = async (end, out) => { while (performance.now() < end) out.push(await get(url, headersOf())); };
    await Promise.all(Array.from({ length: concurrency }, () => loop(performance.now() + 1000, [])));
    const lat = [];
    const cpu0 = ticks(pid);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, () => loop(t0 + seconds * 1000, lat)));
    const secs = (performance.now() - t0) / 1000;
    return { rps: lat.length / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), cpu: ((ticks(pid) - cpu0) * 10_000) / lat.length };
  }
  return { load, close: () => agent.destroy() };
}

/** Runs every case `rounds` times in rotating order; {name: [result…]}. */
export async function rounds(runs, count) {
  const results = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  const names = Object.keys(runs);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      results[name].push(await runs[name]());
    }
  }
  return results;
}

/** The median of `f` over a case's results. */
export const median = (rs, f) => quantile(rs.map(f), 0.5);
