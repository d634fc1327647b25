// A gateway that embeds orgwarden's component (library world): an HTTP
// server on 127.0.0.1 that asks `gate.authorize` about every request,
// answers refusals itself, and forwards what passes to an origin with the
// verdict's header changes. Its facts come from a JSON file in the
// directory endpoint's documents, keyed by directory path (the shape of
// tests/cases/requests.json's `directory` section); a real gateway would
// keep that copy in sync from its own store or from orgwarden.
//
//   node examples/component/gateway.mjs   (PORT=8791 ORIGIN=http://127.0.0.1:8788
//     CASES=tests/cases/requests.json: its config, keys and facts)
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadAuthz } from './host.mjs';

/** A directory answering from `facts` ({"/t/acme/api/v1/directory/epochs": {...}, ...}). */
export function fileDirectory(facts) {
  const at = (p) => (p in facts ? JSON.stringify(facts[p]) : { tag: 'err', val: `no fact at ${p}` });
  const base = (t) => `/t/${t}/api/v1/directory`;
  return {
    epochs: (t) => at(`${base(t)}/epochs`),
    grants: (t, kind, id) => at(`${base(t)}/grants/${kind}/${id}`),
    apiKey: (t, id) => at(`${base(t)}/api-keys/${id}`),
    principal: (t, u) => at(`${base(t)}/principals/${u}`),
    jwks: () => undefined,
  };
}

/** Starts the gateway; resolves to {url, close()}. */
export async function startGateway({ origin, proxy, baseUrl, jwks, facts, port = 0 }) {
  const { gate } = await loadAuthz(fileDirectory(facts));
  gate.configure({ proxy: JSON.stringify(proxy), baseUrl, jwks: JSON.stringify(jwks) });
  const server = http.createServer((req, res) => {
    const [path, query] = req.url.split(/\?(.*)/s);
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
    const d = gate.authorize({ method: req.method, path, headers });
    if (d.tag === 'deny') {
      const h = { 'content-type': 'application/problem+json' };
      if (d.val.wwwAuthenticate) h['www-authenticate'] = d.val.wwwAuthenticate;
      res.writeHead(d.val.status, h).end(d.val.body);
      return;
    }
    const out = {};
    for (const [n, v] of headers) if (!d.val.dropHeaders.includes(n)) out[n] = out[n] ? `${out[n]}, ${v}` : v;
    for (const [n, v] of d.val.setHeaders) out[n] = v;
    delete out.host;
    const upstream = http.request(new URL(d.val.path + (query !== undefined ? `?${query}` : ''), origin), { method: req.method, headers: out }, (ures) => {
      res.writeHead(ures.statusCode, ures.headers);
      ures.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502, { 'content-type': 'application/problem+json' })
      .end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, code: 'origin_unreachable' })));
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cases = JSON.parse(readFileSync(process.env.CASES ?? new URL('../../tests/cases/requests.json', import.meta.url), 'utf8'));
  const g = await startGateway({
    origin: process.env.ORIGIN ?? 'http://127.0.0.1:8788',
    proxy: cases.config,
    baseUrl: cases.base_url,
    jwks: { keys: cases.signing_jwks.keys.map(({ d, ...k }) => k) },
    facts: cases.directory,
    port: Number(process.env.PORT ?? 8791),
  });
  console.log(`gateway embedding orgwarden's component on ${g.url}`);
}
