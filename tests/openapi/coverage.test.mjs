// After the worker tests (scripts/test.sh runs this file on its own, second):
// every operation of docs/openapi.json was exercised, and its answers were
// validated by the harness, which recorded each operation it checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { doc, COVERAGE_FILE } from '../worker/openapi.mjs';

test('every documented operation was answered by the worker and validated', () => {
  assert.ok(existsSync(COVERAGE_FILE), 'run the worker tests first: they record what they validated');
  const seen = new Set(readFileSync(COVERAGE_FILE, 'utf8').split('\n').filter(Boolean));
  const all = Object.entries(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${template}`));
  const missing = all.filter((op) => !seen.has(op));
  assert.deepEqual(missing, [], `operations no test exercised (${missing.length} of ${all.length})`);
  assert.ok(all.length >= 48);
});
