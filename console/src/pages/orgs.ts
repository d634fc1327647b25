// My organizations (the account's view, with the role in each), the
// organization list with search and paging, and creating one, or
// registering one for approval when the tenant's settings ask for that.
import { api, list } from '../api.js';
import { field, form, h, show, table, text } from '../dom.js';
import { who } from '../session.js';
import type { MyMembership, Organization, Settings } from '../types.js';

const orgLink = (o: Organization) => h('a', { href: `#/organizations/${encodeURIComponent(o.id)}` }, o.name || o.id);

export async function myOrgsPage(): Promise<void> {
  const { organizations } = await api<{ organizations: MyMembership[] }>('GET', '/account/organizations');
  show(
    h('h1', {}, 'My organizations'),
    organizations.length === 0
      ? h('p', {}, 'You are not a member of any organization yet.')
      : table('Organizations you belong to', ['Organization', 'ID', 'Role', 'State'],
        organizations.map((m) => [orgLink(m.organization), h('code', {}, m.organization.id), m.role ?? 'custom rights', m.organization.state])),
    h('p', {}, h('a', { href: '#/organizations/new', class: 'action' }, 'New organization')),
  );
}

const PAGE = 20;

export async function orgListPage(query: URLSearchParams): Promise<void> {
  const q = query.get('q') ?? '';
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const params = new URLSearchParams({ limit: String(PAGE), page: String(page) });
  if (q) params.set('name_contains', q);
  const { items, total } = await list<Organization>(`/admin/organizations?${params}`, 'organizations');
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const to = (p: number) => `#/organizations?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) })}`;
  const search = h('form', { role: 'search', 'aria-label': 'Search organizations' },
    field('Name contains', h('input', { name: 'q', type: 'search', value: q })),
    h('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/organizations?${new URLSearchParams({ q: text(new FormData(search), 'q') })}`;
  });
  show(
    h('h1', {}, 'Organizations'),
    search,
    table(`Organizations, page ${page} of ${pages} (${total} in all)`, ['Name', 'ID', 'State'],
      items.map((o) => [orgLink(o), h('code', {}, o.id), o.state])),
    h('nav', { 'aria-label': 'Pages', class: 'pager' },
      page > 1 ? h('a', { href: to(page - 1), rel: 'prev' }, 'Previous page') : null,
      page < pages ? h('a', { href: to(page + 1), rel: 'next' }, 'Next page') : null),
    h('p', {}, h('a', { href: '#/organizations/new', class: 'action' }, 'New organization')),
  );
}

export async function newOrgPage(): Promise<void> {
  const settings = await api<Settings>('GET', '/admin/settings');
  // Tyk's developer portal: with registration on, a user registers an
  // organization for a tenant admin to approve; an admin creates it.
  const register = settings.org_registration_enabled && !who()?.admin;
  const pending = register && !settings.org_registration_auto_approve;
  show(
    h('h1', {}, register ? 'Register an organization' : 'Create an organization'),
    pending ? h('p', { class: 'notice' }, 'A tenant admin approves new organizations; until then only you see it.') : null,
    form(register ? 'Register an organization' : 'Create an organization', [
      field('ID', h('input', { name: 'id', required: true, autocapitalize: 'none', pattern: '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?' }), 'Lowercase letters, digits and dashes; it cannot change.'),
      field('Name', h('input', { name: 'name', required: true, maxlength: '50' })),
      field('Description', h('textarea', { name: 'description', maxlength: '2000' })),
    ], register ? 'Register' : 'Create', async (d) => {
      const body: Record<string, string> = { id: text(d, 'id'), name: text(d, 'name'), description: text(d, 'description') };
      // A tenant admin's organization has no owner unless named: the creator owns it, as anyone's does.
      const me = who();
      if (!register && me?.admin) body['owner'] = me.user;
      const org = await api<Organization>('POST', register ? '/account/organizations' : '/admin/organizations', body);
      location.hash = `#/organizations/${encodeURIComponent(org.id)}`;
    }),
  );
}
