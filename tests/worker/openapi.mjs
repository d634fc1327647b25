// Holds the worker's answers to docs/openapi.json: every response the worker
// tests receive is checked here (a documented status for the operation, a
// body that validates against its JSON Schema), and the operations exercised
// are recorded for tests/worker/openapi-coverage.mjs.
import { readFileSync, appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const doc = JSON.parse(readFileSync(path.join(root, 'docs/openapi.json'), 'utf8'));
export const COVERAGE_FILE = path.join(root, 'target/openapi-coverage.txt');

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });
const validators = new Map();
function validatorFor(schema) {
  const key = JSON.stringify(schema);
  if (!validators.has(key)) {
    // Component references resolve against the document registered above.
    const rewritten = JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/'));
    validators.set(key, ajv.compile(rewritten));
  }
  return validators.get(key);
}

const ENTITY_KINDS = '(?:applications|gateways|clients)';
const templates = Object.keys(doc.paths)
  .map((t) => ({
    template: t,
    regex: new RegExp(`^${t.replace(/\{kind\}/g, ENTITY_KINDS).replace(/\{[^}]+\}/g, '[^/]+')}$`),
    literal: t.replace(/\{[^}]+\}/g, '').length,
  }))
  .sort((a, b) => b.literal - a.literal);

export function findTemplate(pathname) {
  return templates.find((t) => t.regex.test(pathname))?.template;
}

/** Checks one exchange; throws with a precise message when the answer breaks the document. */
export async function check(method, url, response) {
  const pathname = new URL(url).pathname;
  const status = String(response.status);
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const text = await response.clone().text();
  const body = text && type.endsWith('json') ? JSON.parse(text) : null;
  const fail = (why) => { throw new Error(`OpenAPI: ${method} ${pathname} → ${status}: ${why}`); };
  const problem = () => {
    if (type !== 'application/problem+json') fail(`expected a problem document, got ${type || 'no content type'}`);
    const v = validatorFor({ $ref: '#/components/schemas/Problem' });
    if (!v(body)) fail(ajv.errorsText(v.errors));
  };
  const template = findTemplate(pathname);
  if (!template) {
    // Not the admin surface: the authorizing proxy's. Its own refusals are
    // problem documents; anything else is the origin's answer, passed through.
    if (type === 'application/problem+json') return problem();
    if (status === '404') fail('a 404 of the proxy is a problem document');
    return undefined;
  }
  const operation = doc.paths[template][method.toLowerCase()];
  if (!operation) {
    if (method === 'HEAD') return undefined;
    if (status !== '405') fail(`undocumented method on ${template} must answer 405`);
    if (!response.headers.get('allow')) fail('405 without Allow');
    return problem();
  }
  mkdirSync(path.dirname(COVERAGE_FILE), { recursive: true });
  appendFileSync(COVERAGE_FILE, `${method} ${template}\n`);
  const documented = operation.responses[status];
  if (!documented) fail(`status not documented for ${method} ${template} (documented: ${Object.keys(operation.responses).join(', ')})`);
  const content = documented.content;
  if (!content) {
    if (text) fail('documented without a body, but one came');
    return undefined;
  }
  if (!content[type]) fail(`content type ${type} not documented (documented: ${Object.keys(content).join(', ')})`);
  const v = validatorFor(content[type].schema);
  if (!v(body)) fail(`body does not validate: ${ajv.errorsText(v.errors)} — ${text.slice(0, 300)}`);
  return undefined;
}
