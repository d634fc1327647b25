// The tenant admin's pages: users (search, state, admin flag, delete,
// restore, purge), organizations waiting for approval, the tenant's
// settings, and the notification outbox.
import { api, list, seg } from '../api.js';
import { button, field, form, h, say, show, table, text } from '../dom.js';
import type { Notification, Organization, Settings, User } from '../types.js';

const STATES = ['requested', 'approved', 'rejected', 'flagged', 'suspended'];

export async function usersPage(query: URLSearchParams): Promise<void> {
  const q = query.get('q') ?? '';
  const deleted = query.get('deleted') === 'true';
  const params = new URLSearchParams({ limit: '1000' });
  if (q) params.set('name_contains', q);
  if (deleted) params.set('deleted', 'true');
  const { items, total } = await list<User>(`/admin/users?${params}`, 'users');
  const reload = () => void usersPage(query);
  const path = (u: User) => `/admin/users/${seg(u.id)}`;
  const live = (u: User) => {
    const state = h('select', { 'aria-label': `State of ${u.id}` }, STATES.map((s) => h('option', { value: s, selected: s === u.state }, s)));
    state.addEventListener('change', async () => {
      try { await api('PUT', path(u), { state: state.value }); say(`${u.id} is now ${state.value}.`); } catch (e) { say((e as Error).message, 'error'); }
    });
    const admin = h('input', { type: 'checkbox', 'aria-label': `${u.id} is a tenant admin`, checked: u.admin });
    admin.addEventListener('change', async () => {
      try { await api('PUT', path(u), { admin: admin.checked }); say(`${u.id} ${admin.checked ? 'is' : 'is no longer'} a tenant admin.`); } catch (e) { say((e as Error).message, 'error'); }
    });
    return [u.id, `${u.first_name} ${u.last_name}`.trim(), u.email, state, admin, button('Delete', { label: `Delete ${u.id}` }, async () => {
      if (!confirm(`Delete user ${u.id}?`)) return;
      await api('DELETE', path(u));
      say(`${u.id} deleted.`);
      reload();
    }, { class: 'danger' })];
  };
  const gone = (u: User) => [u.id, `${u.first_name} ${u.last_name}`.trim(), u.email, u.state, u.admin ? 'yes' : 'no', h('span', { class: 'actions' },
    button('Restore', { label: `Restore ${u.id}` }, async () => { await api('POST', `${path(u)}/restore`); say(`${u.id} restored.`); reload(); }),
    button('Purge', { label: `Purge ${u.id}` }, async () => {
      if (!confirm(`Purge user ${u.id}? This cannot be undone.`)) return;
      await api('DELETE', `${path(u)}/purge`);
      say(`${u.id} purged.`);
      reload();
    }, { class: 'danger' }))];
  const search = h('form', { role: 'search', 'aria-label': 'Search users' },
    field('Name contains', h('input', { name: 'q', type: 'search', value: q })),
    h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'deleted', name: 'deleted', value: 'true', checked: deleted }), h('label', { for: 'deleted' }, 'Deleted users')),
    h('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(search);
    location.hash = `#/admin/users?${new URLSearchParams({ q: text(d, 'q'), deleted: d.get('deleted') ? 'true' : 'false' })}`;
  });
  show(h('h1', {}, 'Users'), search,
    table(`${deleted ? 'Deleted users' : 'Users'} (${total})`, ['ID', 'Name', 'Email', 'State', 'Admin', 'Actions'], items.map(deleted ? gone : live)));
}

export async function pendingPage(): Promise<void> {
  const { items } = await list<Organization>('/admin/organizations?state=pending&limit=1000', 'organizations');
  const rows = items.map((o) => {
    const reason = h('input', { 'aria-label': `Reason to reject ${o.id}` });
    return [h('a', { href: `#/organizations/${seg(o.id)}` }, o.name), h('code', {}, o.id), h('span', { class: 'actions' },
      button('Approve', { label: `Approve ${o.id}` }, async () => { await api('POST', `/admin/organizations/${seg(o.id)}/approve`); say(`${o.id} approved.`); void pendingPage(); }),
      reason,
      button('Reject', { label: `Reject ${o.id}` }, async () => { await api('POST', `/admin/organizations/${seg(o.id)}/reject`, { reason: reason.value }); say(`${o.id} rejected.`); void pendingPage(); }, { class: 'danger' }))];
  });
  show(h('h1', {}, 'Pending organizations'),
    items.length === 0 ? h('p', {}, 'No organization is waiting for approval.') : table('Waiting for approval', ['Name', 'ID', 'Actions'], rows));
}

export async function settingsPage(): Promise<void> {
  const s = await api<Settings>('GET', '/admin/settings');
  const check = (name: keyof Settings, label: string) => h('div', { class: 'check' },
    h('input', { type: 'checkbox', id: name, name, checked: Boolean(s[name]) }), h('label', { for: name }, label));
  const num = (name: keyof Settings, label: string, min: number, max: number) =>
    field(label, h('input', { type: 'number', name, min: String(min), max: String(max), value: String(s[name]), required: true }));
  show(h('h1', {}, 'Settings'), form('Tenant settings', [
    check('org_registration_enabled', 'Users may register organizations'),
    check('org_registration_auto_approve', 'Registered organizations are approved at once'),
    num('token_ttl_seconds', 'Access token lifetime (seconds)', 60, 86400),
    num('invitation_ttl_hours', 'Invitation lifetime (hours)', 1, 720),
    num('restore_window_hours', 'Restore window (hours)', 1, 720),
  ], 'Save settings', async (d) => {
    await api('PUT', '/admin/settings', {
      org_registration_enabled: d.get('org_registration_enabled') !== null,
      org_registration_auto_approve: d.get('org_registration_auto_approve') !== null,
      token_ttl_seconds: Number(text(d, 'token_ttl_seconds')),
      invitation_ttl_hours: Number(text(d, 'invitation_ttl_hours')),
      restore_window_hours: Number(text(d, 'restore_window_hours')),
    });
    say('Settings saved.');
  }));
}

export async function outboxPage(): Promise<void> {
  const { items, total } = await list<Notification>('/admin/notifications?limit=100', 'notifications');
  show(h('h1', {}, 'Notification outbox'),
    table(`Latest notifications (${total} in all)`, ['When', 'Kind', 'To', 'Undelivered'],
      items.map((n) => [h('time', { datetime: n.created_at }, new Date(n.created_at).toLocaleString()), n.kind, n.to.join(', '), (n.undelivered ?? []).join(', ')])));
}
