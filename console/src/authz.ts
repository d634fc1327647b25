// The browser module (@orgwarden/browser, the same Rust rules as the edge,
// compiled to WebAssembly): what the signed-in token says and what it may
// do, so the page shows only the actions the API would allow. A hint only:
// the API decides again on every call, and its refusals are shown as they are.
import init, { can, catalog, expandRights, inspect } from '../../pkg/web/orgwarden.js';
import type { CatalogEntry, Inspection } from '../../pkg/web/orgwarden.js';

let ready: Promise<unknown> | null = null;

/** Loads the module once (its wasm sits beside the page). */
export function load(): Promise<unknown> {
  ready ??= init({ module_or_path: new URL('orgwarden_bg.wasm', document.baseURI) });
  return ready;
}

/** The token's claims and organizations, unverified. */
export function claims(token: string): Inspection | null {
  try {
    return inspect(token);
  } catch {
    return null;
  }
}

/** Whether the token holds `right` in organization `org`. */
export function may(token: string, org: string, right: string): boolean {
  try {
    return can(token, org, right);
  } catch {
    return false;
  }
}

/** Every right of the catalog, for the rights pickers. */
export function rightsCatalog(): CatalogEntry[] {
  return catalog();
}

/** Rights with everything they imply (`RIGHT_APPLICATION_ALL` → each application right). */
export function expand(rights: string[]): string[] {
  try {
    return expandRights(rights);
  } catch {
    return rights;
  }
}
