// The tenant's API, from the page's own origin. A refusal becomes an
// ApiError carrying the problem document's code and detail, which the
// pages show as they are; a 401 ends the session.
import { current, end, tenant } from './session.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, detail: string) {
    super(detail);
  }
}

export interface Page<T> {
  items: T[];
  total: number;
}

const base = `/t/${encodeURIComponent(tenant)}/api/v1`;
export const seg = encodeURIComponent;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = current();
  if (token) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(base + path, init);
  if (res.ok) return res;
  const problem = await res.json().catch(() => ({}));
  const code = String(problem.code ?? problem.error ?? 'http_error');
  const detail = String(problem.detail ?? problem.error_description ?? `The server answered ${res.status}.`);
  if (res.status === 401 && token) end('Your session has ended. Sign in again.');
  throw new ApiError(res.status, code, detail);
}

/** A JSON answer (null for 204). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(method, path, body);
  return res.status === 204 ? (null as T) : ((await res.json()) as T);
}

/** One page of a listing, `{field: [...]}` with X-Total-Count. */
export async function list<T>(path: string, field: string): Promise<Page<T>> {
  const res = await call('GET', path);
  const json = (await res.json()) as Record<string, T[]>;
  const items = json[field] ?? [];
  return { items, total: Number(res.headers.get('x-total-count') ?? items.length) };
}

/** The password grant: an access token. */
export async function signIn(username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'password', username, password }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, String(json.error ?? 'http_error'), String(json.error_description ?? 'Sign-in failed.'));
  return String(json.access_token);
}
