// The organization's tabs that manage people and credentials. Each action
// is offered only when the caller holds its right; the API's refusal (the
// last-owner rule, a right the caller cannot grant) is shown as it says it.
import { api, list, seg } from '../api.js';
import { button, field, form, h, say, table, text } from '../dom.js';
import { rightsPicker } from '../rights.js';
import type { ApiKey, CreatedKey, Invitation, Member, Role } from '../types.js';
import { userSuggestions, type OrgContext } from './org.js';

const ORG_KINDS = ['organization', 'application', 'gateway', 'client'];

async function roles(ctx: OrgContext): Promise<Role[]> {
  return (await api<{ roles: Role[] }>('GET', `${ctx.path}/roles`)).roles;
}

function roleSelect(all: Role[], selected: string | null, label: string): HTMLSelectElement {
  return h('select', { name: 'role', 'aria-label': label }, all.map((r) =>
    h('option', { value: r.id, selected: r.id === selected }, r.builtin ? r.id : `${r.id} (custom)`)));
}

export async function membersTab(ctx: OrgContext): Promise<HTMLElement> {
  const manage = ctx.allowed('RIGHT_ORGANIZATION_SETTINGS_MEMBERS');
  const [{ items }, all] = await Promise.all([list<Member>(`${ctx.path}/members?limit=1000`, 'members'), roles(ctx)]);
  const rows = items.map((m) => {
    if (!manage) return [m.user_id, m.role ?? 'custom rights', String(m.rights.length)];
    const select = roleSelect(all, m.role, `Role of ${m.user_id}`);
    select.addEventListener('change', async () => {
      try {
        await api('PUT', `${ctx.path}/members/${seg(m.user_id)}`, { role: select.value });
        say(`${m.user_id} is now ${select.value}.`);
      } catch (e) {
        say((e as Error).message, 'error');
        select.value = m.role ?? '';
      }
    });
    return [m.user_id, select, String(m.rights.length), button('Remove', { label: `Remove ${m.user_id}` }, async () => {
      if (!confirm(`Remove ${m.user_id} from ${ctx.org.id}?`)) return;
      await api('DELETE', `${ctx.path}/members/${seg(m.user_id)}`);
      say(`${m.user_id} removed.`);
      ctx.reload();
    }, { class: 'danger' })];
  });
  const headers = manage ? ['User', 'Role', 'Rights', 'Actions'] : ['User', 'Role', 'Rights'];
  const parts: HTMLElement[] = [h('h2', {}, 'Members'), table('Members', headers, rows)];
  if (manage) {
    parts.push(h('h3', {}, 'Add a member'), await userSuggestions(), form('Add a member', [
      field('User ID', h('input', { name: 'user_id', required: true, list: 'user-suggestions', autocapitalize: 'none' })),
      field('Role', roleSelect(all, 'member', 'Role')),
    ], 'Add member', async (d) => {
      await api('POST', `${ctx.path}/members`, { user_id: text(d, 'user_id'), role: text(d, 'role') });
      say(`${text(d, 'user_id')} added.`);
      ctx.reload();
    }));
  }
  return h('section', { 'aria-label': 'Members' }, parts);
}

export async function rolesTab(ctx: OrgContext): Promise<HTMLElement> {
  const manage = ctx.allowed('RIGHT_ORGANIZATION_SETTINGS_MEMBERS');
  const all = await roles(ctx);
  const rows = all.map((r) => [r.id, r.builtin ? 'built-in' : 'custom', h('span', { class: 'rights-list' }, r.rights.join(', ')),
    manage && !r.builtin ? button('Delete', { label: `Delete role ${r.id}` }, async () => {
      if (!confirm(`Delete role ${r.id}?`)) return;
      await api('DELETE', `${ctx.path}/roles/${seg(r.id)}`);
      say(`Role ${r.id} deleted.`);
      ctx.reload();
    }, { class: 'danger' }) : '']);
  const parts: HTMLElement[] = [h('h2', {}, 'Roles'), table('Roles', ['Role', 'Kind', 'Rights', 'Actions'], rows)];
  if (manage) {
    const picker = rightsPicker('Rights of the role', ORG_KINDS, ctx.held);
    parts.push(h('h3', {}, 'New custom role'), form('New custom role', [
      field('Role ID', h('input', { name: 'id', required: true, autocapitalize: 'none' })),
      picker.element,
    ], 'Create role', async (d) => {
      await api('POST', `${ctx.path}/roles`, { id: text(d, 'id'), rights: picker.chosen() });
      say(`Role ${text(d, 'id')} created.`);
      ctx.reload();
    }));
  }
  return h('section', { 'aria-label': 'Roles' }, parts);
}

export async function invitationsTab(ctx: OrgContext): Promise<HTMLElement> {
  const manage = ctx.allowed('RIGHT_ORGANIZATION_SETTINGS_MEMBERS');
  if (!manage) return h('section', { 'aria-label': 'Invitations' }, h('h2', {}, 'Invitations'), h('p', {}, 'Only those who manage members see and send invitations.'));
  const [{ items }, all] = await Promise.all([list<Invitation>(`${ctx.path}/invitations?limit=1000`, 'invitations'), roles(ctx)]);
  const act = (i: Invitation) => i.state !== 'pending' ? '' : h('span', { class: 'actions' },
    button('Resend', { label: `Resend to ${i.email}` }, async () => {
      await api('POST', `${ctx.path}/invitations/${seg(i.id)}/resend`);
      say(`Sent again to ${i.email}.`);
      ctx.reload();
    }),
    button('Revoke', { label: `Revoke ${i.email}` }, async () => {
      await api('DELETE', `${ctx.path}/invitations/${seg(i.id)}`);
      say(`Invitation to ${i.email} revoked.`);
      ctx.reload();
    }, { class: 'danger' }));
  return h('section', { 'aria-label': 'Invitations' },
    h('h2', {}, 'Invitations'),
    table('Invitations', ['Email', 'Role', 'State', 'Expires', 'Actions'],
      items.map((i) => [i.email, i.role ?? '', i.state, h('time', { datetime: i.expires_at }, new Date(i.expires_at).toLocaleString()), act(i)])),
    h('h3', {}, 'Invite someone'),
    form('Invite someone', [
      field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })),
      field('Role', roleSelect(all, 'member', 'Role')),
      field('First name', h('input', { name: 'first_name' })),
    ], 'Send invitation', async (d) => {
      await api('POST', `${ctx.path}/invitations`, { email: text(d, 'email'), role: text(d, 'role'), first_name: text(d, 'first_name') });
      say(`Invitation sent to ${text(d, 'email')}.`);
      ctx.reload();
    }));
}

export async function apiKeysTab(ctx: OrgContext): Promise<HTMLElement> {
  const manage = ctx.allowed('RIGHT_ORGANIZATION_SETTINGS_API_KEYS');
  if (!manage) return h('section', { 'aria-label': 'API keys' }, h('h2', {}, 'API keys'), h('p', {}, 'You may not manage this organization\'s API keys.'));
  const { items } = await list<ApiKey>(`${ctx.path}/api-keys?limit=1000`, 'api_keys');
  const shown = h('div', { 'aria-live': 'polite' });
  const edit = (k: ApiKey) => button('Edit', { label: `Edit ${k.name}` }, async () => {
    const picker = rightsPicker(`Rights of ${k.name}`, ORG_KINDS, ctx.held, k.rights);
    shown.replaceChildren(form(`Edit ${k.name}`, [field('Name', h('input', { name: 'name', required: true, value: k.name })), picker.element], 'Save key', async (d) => {
      await api('PUT', `${ctx.path}/api-keys/${seg(k.id)}`, { name: text(d, 'name'), rights: picker.chosen() });
      say(`Key ${text(d, 'name')} saved.`);
      ctx.reload();
    }));
  });
  const del = (k: ApiKey) => button('Delete', { label: `Delete ${k.name}` }, async () => {
    if (!confirm(`Delete API key ${k.name}? It stops working at once.`)) return;
    await api('DELETE', `${ctx.path}/api-keys/${seg(k.id)}`);
    say(`Key ${k.name} deleted.`);
    ctx.reload();
  }, { class: 'danger' });
  const picker = rightsPicker('Rights of the key (only rights you hold)', ORG_KINDS, ctx.held);
  return h('section', { 'aria-label': 'API keys' },
    h('h2', {}, 'API keys'),
    table('API keys', ['Name', 'ID', 'Rights', 'Actions'], items.map((k) => [k.name, h('code', {}, k.id), String(k.rights.length), h('span', { class: 'actions' }, edit(k), del(k))])),
    shown,
    h('h3', {}, 'New API key'),
    form('New API key', [field('Name', h('input', { name: 'name', required: true, maxlength: '50' })), picker.element], 'Create key', async (d, f) => {
      const k = await api<CreatedKey>('POST', `${ctx.path}/api-keys`, { name: text(d, 'name'), rights: picker.chosen() });
      f.reset();
      shown.replaceChildren(secretOnce(k, ctx));
    }));
}

/** A new key, shown this once, with a copy button. */
function secretOnce(k: CreatedKey, ctx: OrgContext): HTMLElement {
  const out = h('output', { class: 'secret', 'aria-label': `The key ${k.name}` }, k.key);
  return h('div', { class: 'once', role: 'alert' },
    h('p', {}, h('strong', {}, `Key ${k.name} created. `), 'Copy it now: it is not shown again.'),
    out,
    h('span', { class: 'actions' },
      button('Copy key', async () => {
        await navigator.clipboard.writeText(k.key);
        say('Key copied.');
      }),
      button('Done', async () => ctx.reload())));
}
