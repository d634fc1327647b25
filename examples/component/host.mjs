// Loads orgwarden's gateway component (world orgwarden:authz/library, as
// transpiled by scripts/build-component.sh) into a Node host. The host
// brings the `directory` import: five synchronous functions answering with
// the JSON documents of orgwarden's directory endpoint (docs/directory.md),
// from whatever store the gateway keeps. WASI comes from jco's preview2 shim.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as shim from '@bytecodealliance/preview2-shim';

const here = path.dirname(fileURLToPath(import.meta.url));
export const jsDir = path.resolve(here, '../../target/component/js');

const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/**
 * Instantiates the component with `directory`:
 * {epochs(tenant), grants(tenant, kind, id), apiKey(tenant, id),
 *  principal(tenant, user), jwks(url)}; each returns JSON text, or
 * `{tag: 'err', val: reason}` when the fact cannot be had (the decision then
 * fails closed); `jwks` returns undefined when it has no keys.
 * `wasi` replaces WASI interfaces by name (`'wasi:clocks/wall-clock'`: a
 * host with its own clock). Resolves to {gate, tokens, rights}.
 */
export async function loadAuthz(directory, { dir = jsDir, wasi = {} } = {}) {
  const { instantiate } = await import(path.join(dir, 'authz.js'));
  // The generated module names each import it destructures.
  const glue = await readFile(path.join(dir, 'authz.js'), 'utf8');
  const imports = {};
  for (const [, name] of glue.matchAll(/imports\['([^']+)'\]/g)) {
    if (name.startsWith('orgwarden:authz/directory')) {
      imports[name] = directory;
    } else {
      const [group, member] = name.replace(/^wasi:/, '').replace(/@.*$/, '').split('/');
      imports[name] = wasi[name.replace(/@.*$/, '')] ?? shim[camel(group)][camel(member)];
    }
  }
  const root = await instantiate((p) => readFile(path.join(dir, p)).then((b) => WebAssembly.compile(b)), imports);
  return { gate: root.gate, tokens: root.tokens, rights: root.rights };
}
