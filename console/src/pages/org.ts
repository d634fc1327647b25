// One organization, with tabs: overview (name, description, delete;
// approval for tenant admins), members, roles, invitations and API keys.
// What the caller may do decides what is shown: the token read by the
// browser module when it carries this organization, the rights endpoint
// otherwise (pending organizations, tenant admins, large tokens).
import { api, list, seg } from '../api.js';
import { claims, expand, may } from '../authz.js';
import { button, errorBox, field, form, h, say, show, text } from '../dom.js';
import { current, who } from '../session.js';
import type { Organization } from '../types.js';
import { apiKeysTab, invitationsTab, membersTab, rolesTab } from './org-tabs.js';

export interface OrgContext {
  org: Organization;
  path: string;
  /** Whether the caller holds `right` in the organization. */
  allowed(right: string): boolean;
  /** The caller's rights in the organization, expanded. */
  held: string[];
  reload(): void;
}

const TABS: [string, string][] = [['overview', 'Overview'], ['members', 'Members'], ['roles', 'Roles'], ['invitations', 'Invitations'], ['api-keys', 'API keys']];

export async function orgPage(id: string, tab = 'overview'): Promise<void> {
  const path = `/admin/organizations/${seg(id)}`;
  const [org, rights] = await Promise.all([
    api<Organization>('GET', path),
    api<{ rights: string[] }>('GET', `${path}/rights`),
  ]);
  const token = current() ?? '';
  const seen = claims(token);
  const inToken = !!seen && seen.claims['orgs_incomplete'] !== true && seen.organizations.some((o) => o.id === id);
  const held = expand(rights.rights);
  const heldSet = new Set(held);
  const ctx: OrgContext = {
    org,
    path,
    held,
    allowed: (right) => (inToken ? may(token, id, right) : heldSet.has(right)),
    reload: () => void orgPage(id, tab),
  };
  const nav = h('nav', { 'aria-label': 'Organization', class: 'tabs' }, TABS.map(([t, label]) =>
    h('a', { href: `#/organizations/${seg(id)}/${t}`, 'aria-current': t === tab ? 'page' : undefined }, label)));
  const body = await ({
    overview,
    members: membersTab,
    roles: rolesTab,
    invitations: invitationsTab,
    'api-keys': apiKeysTab,
  } as Record<string, (c: OrgContext) => Promise<HTMLElement>>)[tab]?.(ctx) ?? errorBox('No such tab.');
  show(
    h('h1', {}, org.name || org.id),
    h('p', { class: 'meta' }, h('code', {}, org.id), ` · ${org.state}`),
    nav,
    body,
  );
}

async function overview(ctx: OrgContext): Promise<HTMLElement> {
  const { org, path } = ctx;
  const parts: (HTMLElement | null)[] = [h('h2', {}, 'Overview')];
  if (ctx.allowed('RIGHT_ORGANIZATION_SETTINGS_BASIC')) {
    parts.push(form('Edit the organization', [
      field('Name', h('input', { name: 'name', required: true, maxlength: '50', value: org.name })),
      field('Description', h('textarea', { name: 'description', maxlength: '2000' }, org.description)),
    ], 'Save', async (d) => {
      await api('PUT', path, { name: text(d, 'name'), description: text(d, 'description') });
      say('Saved.');
      ctx.reload();
    }));
  } else {
    parts.push(h('p', {}, org.description || 'No description.'));
  }
  if (org.state === 'pending' && who()?.admin) parts.push(approval(ctx));
  if (ctx.allowed('RIGHT_ORGANIZATION_DELETE')) {
    parts.push(h('h2', {}, 'Delete'), h('p', {}, 'A deleted organization can be restored by a tenant admin for a while.'),
      button('Delete organization', async () => {
        if (!confirm(`Delete organization ${org.id}?`)) return;
        await api('DELETE', path);
        say(`Organization ${org.id} deleted.`);
        location.hash = '#/';
      }, { class: 'danger' }));
  }
  return h('section', { 'aria-label': 'Overview' }, parts);
}

function approval(ctx: OrgContext): HTMLElement {
  const { path } = ctx;
  return h('div', {}, h('h2', {}, 'Approval'),
    button('Approve', async () => { await api('POST', `${path}/approve`); say('Approved.'); ctx.reload(); }),
    form('Reject', [field('Reason', h('input', { name: 'reason' }))], 'Reject', async (d) => {
      await api('POST', `${path}/reject`, { reason: text(d, 'reason') });
      say('Rejected.');
      ctx.reload();
    }));
}

/** Suggestions for a user ID field: the tenant's users, when the caller may list them. */
export async function userSuggestions(): Promise<HTMLDataListElement> {
  const dl = h('datalist', { id: 'user-suggestions' });
  try {
    const { items } = await list<{ id: string }>('/admin/users?limit=200', 'users');
    dl.append(...items.map((u) => h('option', { value: u.id })));
  } catch {
    // Only tenant admins list users; others type the ID.
  }
  return dl;
}

