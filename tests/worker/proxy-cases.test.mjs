// The shared proxy case table (tests/cases/requests.json) through the built
// worker in workerd: the table's store loaded into the worker's real KV, its
// requests sent to the worker, and the identity checked where it lands, at a
// real local origin. The core answers the same table in tests/proxy_cases.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, rawRequest } from './harness.mjs';
import { table, headersFor, checkCase, answerOf } from '../cases/table.mjs';
import { startOrigin } from './origin.mjs';

let mf;
let origin;

before(async () => {
  origin = await startOrigin();
  mf = await startWorker({
    bindings: {
      SIGNING_KEYS: JSON.stringify(table.signing_jwks),
      PUBLIC_BASE_URL: table.base_url,
      ORIGIN: origin.url,
      ORGWARDEN_PROXY: table.config,
    },
  });
  const kv = await mf.getKVNamespace('ORGWARDEN');
  for (const { key, value, metadata } of table.kv) {
    await kv.put(key, value, metadata === undefined ? {} : { metadata });
  }
});
after(async () => { await mf?.dispose(); await origin?.close(); });

for (const round of ['cold', 'cached']) {
  test(`every case of the table, ${round}`, async () => {
    assert.ok(table.requests.length >= 30);
    for (const c of table.requests) {
      // Raw: the path reaches the worker exactly as the table spells it.
      const res = await rawRequest(mf, c.method, c.path, headersFor(c.credential));
      checkCase(c, answerOf(res));
    }
  });
}
