// The worker's wasm module, as scripts/build-worker.sh leaves it, held to the
// size bound of docs/performance.md (issue 16): at most 400 KiB gzip, and
// shipped without its function names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { root } from './harness.mjs';

const wasm = readFileSync(path.join(root, 'build/worker/index.wasm'));

test('the worker module stays small: at most 400 KiB gzip', () => {
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= 400 * 1024, `${gz} bytes gzip`);
});

test('the worker module ships without a name section', () => {
  const module = new WebAssembly.Module(wasm);
  assert.deepEqual(WebAssembly.Module.customSections(module, 'name'), []);
});
