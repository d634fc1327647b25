// The console's entry: loads the browser module, draws the navigation for
// who is signed in, and routes on the URL's fragment.
import { ApiError } from './api.js';
import { load } from './authz.js';
import { errorBox, h, say, show } from './dom.js';
import { appPage, appsPage } from './pages/apps.js';
import { outboxPage, pendingPage, settingsPage, usersPage } from './pages/admin.js';
import { orgPage } from './pages/org.js';
import { myOrgsPage, newOrgPage, orgListPage } from './pages/orgs.js';
import { acceptPage, signinPage } from './pages/signin.js';
import { current, end, schedule, tenant, who } from './session.js';

type Route = [RegExp, (m: RegExpMatchArray, q: URLSearchParams) => Promise<void>, boolean];

// [pattern, page, needs a session]
const ROUTES: Route[] = [
  [/^\/signin$/, () => signinPage(), false],
  [/^\/invitations\/([A-Za-z0-9.]+)$/, (m) => acceptPage(m[1] ?? ''), false],
  [/^\/?$/, () => myOrgsPage(), true],
  [/^\/organizations$/, (_, q) => orgListPage(q), true],
  [/^\/organizations\/new$/, () => newOrgPage(), true],
  [/^\/organizations\/([^/]+)(?:\/([a-z-]+))?$/, (m) => orgPage(decodeURIComponent(m[1] ?? ''), m[2]), true],
  [/^\/applications$/, () => appsPage(), true],
  [/^\/applications\/([^/]+)$/, (m) => appPage(decodeURIComponent(m[1] ?? '')), true],
  [/^\/admin\/users$/, (_, q) => usersPage(q), true],
  [/^\/admin\/pending$/, () => pendingPage(), true],
  [/^\/admin\/settings$/, () => settingsPage(), true],
  [/^\/admin\/outbox$/, () => outboxPage(), true],
];

function navigation(): void {
  const bar = document.getElementById('bar');
  if (!bar) return;
  const me = who();
  const link = (href: string, label: string) => {
    const here = location.hash === href || (href !== '#/' && location.hash.startsWith(href));
    return h('li', {}, h('a', { href, 'aria-current': here ? 'page' : undefined }, label));
  };
  bar.replaceChildren(...[
    h('p', { class: 'brand' }, `orgwarden · ${tenant}`),
    me ? h('nav', { 'aria-label': 'Main' }, h('ul', {},
      link('#/', 'My organizations'),
      link('#/organizations', 'Organizations'),
      link('#/applications', 'Applications'),
      me.admin ? [link('#/admin/users', 'Users'), link('#/admin/pending', 'Pending'), link('#/admin/settings', 'Settings'), link('#/admin/outbox', 'Outbox')] : [],
    )) : null,
    me ? h('p', { class: 'me' }, `Signed in as ${me.user} `, h('button', { type: 'button', onclick: () => end(null) }, 'Sign out')) : null,
  ].filter((e): e is HTMLElement => e !== null));
}

async function route(): Promise<void> {
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const found = ROUTES.map(([re, page, auth]) => [path.match(re), page, auth] as const).find(([m]) => m);
  if (!found) {
    location.hash = '#/';
    return;
  }
  const [m, page, auth] = found;
  if (auth && !current()) {
    location.hash = '#/signin';
    return;
  }
  navigation();
  // An error belongs to the page it happened on; a confirmation ("deleted") may follow the user.
  if (document.getElementById('status')?.dataset['kind'] === 'error') say('');
  try {
    await page(m as RegExpMatchArray, new URLSearchParams(query));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // the session ended; sign-in shows why
    const message = e instanceof Error ? e.message : String(e);
    show(h('h1', {}, 'Something went wrong'), errorBox(e instanceof ApiError ? `${message} (${e.code})` : message));
    say(message, 'error');
  }
}

window.addEventListener('hashchange', () => void route());
// The skip link moves focus without touching the fragment the router reads.
document.querySelector('[data-skip]')?.addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main')?.focus();
});
await load();
schedule();
await route();
