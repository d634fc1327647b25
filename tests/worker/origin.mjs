// A real local origin API for the proxy tests and benchmarks: a Node HTTP
// server on 127.0.0.1 that answers with what it received, so tests can see
// exactly which headers and body bytes the worker forwarded.
import http from 'node:http';
import { createHash } from 'node:crypto';

/**
 * Starts the origin. Paths:
 * - `/jwks.json` serves `jwks` (an external issuer's keys), counting fetches;
 * - `…/stream-out` answers in three chunks 100 ms apart;
 * - `…/fail` answers 503 with its own body and header;
 * - `…/redirect` answers 302;
 * - anything else: 200 with {method, url, headers, bytes, sha256} of the request.
 */
export async function startOrigin({ jwks, port = 0 } = {}) {
  const state = { jwksFetches: 0, requests: 0, jwks };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    if (req.url === '/jwks.json') {
      state.jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state.jwks ?? { keys: [] }));
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk) => { bytes += chunk.length; hash.update(chunk); });
    req.on('end', () => {
      if (req.url.endsWith('/fail')) {
        res.writeHead(503, { 'content-type': 'text/plain', 'x-origin': 'yes' });
        res.end('origin says no');
        return;
      }
      if (req.url.endsWith('/redirect')) {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
        return;
      }
      if (req.url.endsWith('/stream-out')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const tick = () => {
          n += 1;
          res.write(`chunk ${n}\n`);
          if (n === 3) res.end(); else setTimeout(tick, 100);
        };
        tick();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes, sha256: hash.digest('hex') }));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
