// Applications the caller may see, created for one of its organizations,
// and one application's collaborators: users and organizations with
// rights, as The Things Stack's console shows them.
import { api, list, seg } from '../api.js';
import { button, field, form, h, say, show, table, text } from '../dom.js';
import { rightsPicker } from '../rights.js';
import type { Collaborator, Entity, MyMembership } from '../types.js';

export async function appsPage(): Promise<void> {
  const [{ items }, mine] = await Promise.all([
    list<Entity>('/admin/applications?limit=1000', 'applications'),
    api<{ organizations: MyMembership[] }>('GET', '/account/organizations'),
  ]);
  const owners = mine.organizations.filter((m) => m.organization.state === 'approved');
  show(
    h('h1', {}, 'Applications'),
    items.length === 0 ? h('p', {}, 'No applications you can see yet.')
      : table('Applications', ['Name', 'ID', 'Description'], items.map((a) => [
        h('a', { href: `#/applications/${seg(a.id)}` }, a.name || a.id), h('code', {}, a.id), a.description])),
    h('h2', {}, 'New application'),
    form('New application', [
      field('ID', h('input', { name: 'id', required: true, autocapitalize: 'none' })),
      field('Name', h('input', { name: 'name', required: true, maxlength: '50' })),
      field('Owner', h('select', { name: 'organization_id' }, h('option', { value: '' }, 'Me'),
        owners.map((m) => h('option', { value: m.organization.id }, m.organization.name)))),
    ], 'Create application', async (d) => {
      const body: Record<string, string> = { id: text(d, 'id'), name: text(d, 'name') };
      if (text(d, 'organization_id')) body['organization_id'] = text(d, 'organization_id');
      const app = await api<Entity>('POST', '/admin/applications', body);
      location.hash = `#/applications/${seg(app.id)}`;
    }),
  );
}

export async function appPage(id: string): Promise<void> {
  const path = `/admin/applications/${seg(id)}`;
  const [app, rights, collaborators] = await Promise.all([
    api<Entity>('GET', path),
    api<{ rights: string[] }>('GET', `${path}/rights`),
    api<{ collaborators: Collaborator[] }>('GET', `${path}/collaborators`),
  ]);
  const manage = rights.rights.includes('RIGHT_APPLICATION_SETTINGS_COLLABORATORS');
  const reload = () => void appPage(id);
  const who = (c: Collaborator) => (c.user_id ? `user ${c.user_id}` : `organization ${c.organization_id}`);
  const rows = collaborators.collaborators.map((c) => [who(c), h('span', { class: 'rights-list' }, c.rights.join(', ')),
    manage ? button('Remove', { label: `Remove ${who(c)}` }, async () => {
      if (!confirm(`Remove ${who(c)}?`)) return;
      const [kind, cid] = c.user_id ? ['user', c.user_id] : ['organization', c.organization_id ?? ''];
      await api('DELETE', `${path}/collaborators/${kind}/${seg(cid)}`);
      say(`${who(c)} removed.`);
      reload();
    }, { class: 'danger' }) : '']);
  const picker = rightsPicker('Rights on the application', ['application'], rights.rights);
  show(
    h('h1', {}, app.name || app.id),
    h('p', { class: 'meta' }, h('code', {}, app.id), app.description ? ` · ${app.description}` : ''),
    h('p', {}, `Your rights here: ${rights.rights.length}.`),
    table('Collaborators', ['Collaborator', 'Rights', 'Actions'], rows),
    manage ? h('div', {}, h('h2', {}, 'Add a collaborator'), form('Add a collaborator', [
      field('Kind', h('select', { name: 'kind' }, h('option', { value: 'user_id' }, 'User'), h('option', { value: 'organization_id' }, 'Organization'))),
      field('ID', h('input', { name: 'id', required: true, autocapitalize: 'none' })),
      picker.element,
    ], 'Set collaborator', async (d) => {
      await api('PUT', `${path}/collaborators`, { [text(d, 'kind')]: text(d, 'id'), rights: picker.chosen() });
      say(`${text(d, 'id')} added.`);
      reload();
    })) : null,
  );
}
