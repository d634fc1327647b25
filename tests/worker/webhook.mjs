// A local webhook receiver for the notification tests: a Node HTTP server on
// 127.0.0.1 that checks each delivery's Standard Webhooks signature with
// Node's own HMAC (an implementation independent of the worker's), records
// it, and can be told to fail the next deliveries.
import http from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh `whsec_` secret. */
export function newSecret() {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether `headers` sign `body` under `secret` (the specification's check). */
export function verify(secret, headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  if (!id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return String(headers['webhook-signature'] ?? '').split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    const got = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/**
 * Starts the receiver. `state.fail` is how many deliveries to answer 503
 * before accepting; `state.deliveries` holds every accepted one as
 * {id, timestamp, type, data, attempts}, `state.attempts` every attempt.
 */
export async function startReceiver(secret) {
  const state = { fail: 0, failAlways: false, deliveries: [], attempts: [], bad: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const ok = verify(secret, req.headers, body);
      state.attempts.push({ id: req.headers['webhook-id'], at: Date.now(), ok });
      if (!ok) {
        state.bad += 1;
        res.writeHead(401).end();
        return;
      }
      if (state.failAlways || state.fail > 0) {
        state.fail = Math.max(0, state.fail - 1);
        res.writeHead(503).end('down');
        return;
      }
      const parsed = JSON.parse(body);
      state.deliveries.push({ id: req.headers['webhook-id'], at: Date.now(), ...parsed });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/hooks`;
  state.close = () => new Promise((resolve) => server.close(resolve));
  /** Resolves with the first delivery matching `pred`, or rejects after `ms`. */
  state.waitFor = async (pred, ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const found = state.deliveries.find(pred);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no matching webhook after ${ms} ms (${state.deliveries.length} received)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return state;
}
