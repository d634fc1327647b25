// The signed-in session: the access token, in memory and in this tab's
// sessionStorage (gone when the tab closes; never a cookie another origin
// could send, never in a URL). It ends at the token's expiry or at the
// first 401, and the page returns to sign-in saying why.
import { claims } from './authz.js';

const KEY = 'orgwarden.session';
let token: string | null = sessionStorage.getItem(KEY);
let endTimer: number | undefined;

/** The tenant, from the page's path: /t/{tenant}/portal/. */
export const tenant: string = decodeURIComponent(location.pathname.split('/')[2] ?? '');

/** Why the last session ended, for the sign-in page. */
export let ended: string | null = null;

export function current(): string | null {
  if (token && expired(token)) end('Your session has expired. Sign in again.');
  return token;
}

function expired(t: string): boolean {
  const exp = claims(t)?.claims['exp'];
  return typeof exp !== 'number' || exp * 1000 <= Date.now();
}

/** Starts a session with a new token. */
export function start(t: string): void {
  token = t;
  ended = null;
  sessionStorage.setItem(KEY, t);
  schedule();
}

/** Ends the session (sign-out, expiry, a refused token) and goes to sign-in. */
export function end(why: string | null): void {
  token = null;
  ended = why;
  sessionStorage.removeItem(KEY);
  window.clearTimeout(endTimer);
  if (!location.hash.startsWith('#/signin') && !location.hash.startsWith('#/invitations/')) {
    location.hash = '#/signin';
  }
}

/** Signs out when the token expires, even when the page sits idle. */
export function schedule(): void {
  window.clearTimeout(endTimer);
  const exp = token ? claims(token)?.claims['exp'] : undefined;
  if (typeof exp === 'number') {
    const ms = Math.min(exp * 1000 - Date.now(), 2 ** 31 - 1);
    endTimer = window.setTimeout(() => end('Your session has expired. Sign in again.'), Math.max(ms, 0));
  }
}

/** The signed-in user's ID, and whether a tenant admin. */
export function who(): { user: string; admin: boolean } | null {
  const t = current();
  const c = t ? claims(t) : null;
  if (!c) return null;
  return { user: String(c.claims['sub'] ?? ''), admin: c.admin };
}
