// Sign-in (the password grant) and accepting an invitation from its link:
// signed in, the user joins; otherwise the page registers a new account
// with the invitation and joins in one call.
import { api, seg, signIn } from '../api.js';
import { field, form, h, show, text } from '../dom.js';
import { current, ended, start } from '../session.js';
import type { Member, User } from '../types.js';

const input = (name: string, attrs: Record<string, string | boolean> = {}) =>
  h('input', { name, required: true, ...attrs });

export async function signinPage(): Promise<void> {
  show(
    h('h1', {}, 'Sign in'),
    ended ? h('p', { class: 'notice', role: 'status' }, ended) : null,
    form('Sign in', [
      field('User ID', input('username', { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' })),
      field('Password', input('password', { type: 'password', autocomplete: 'current-password' })),
    ], 'Sign in', async (d) => {
      start(await signIn(text(d, 'username'), String(d.get('password') ?? '')));
      location.hash = '#/';
    }),
  );
}

interface Accepted { user: User; membership?: Member & { organization_id?: string } }

export async function acceptPage(token: string): Promise<void> {
  const path = `/invitations/${seg(token)}/accept`;
  const done = (a: Accepted) => {
    const where = a.membership ? 'You have joined the organization.' : 'Your account is ready.';
    show(h('h1', {}, 'Invitation accepted'), h('p', {}, `${where} `, current()
      ? h('a', { href: '#/' }, 'Go to my organizations')
      : h('a', { href: '#/signin' }, `Sign in as ${a.user.id}`)));
  };
  if (current()) {
    show(h('h1', {}, 'Accept the invitation'),
      h('p', {}, 'Join with the account you are signed in with.'),
      form('Accept the invitation', [], 'Accept', async () => done(await api<Accepted>('POST', path))));
    return;
  }
  show(
    h('h1', {}, 'Accept the invitation'),
    h('p', {}, 'Create your account to join. Already have one? ', h('a', { href: '#/signin' }, 'Sign in first'), ', then open the link again.'),
    form('Register and join', [
      field('User ID', input('id', { autocomplete: 'username', autocapitalize: 'none', pattern: '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?' }), 'Lowercase letters, digits and dashes.'),
      field('First name', input('first_name', { required: false, autocomplete: 'given-name' })),
      field('Last name', input('last_name', { required: false, autocomplete: 'family-name' })),
      field('Password', input('password', { type: 'password', autocomplete: 'new-password', minlength: '8' }), 'At least 8 characters.'),
    ], 'Register and join', async (d) => {
      const body: Record<string, string> = { id: text(d, 'id'), password: String(d.get('password') ?? '') };
      for (const n of ['first_name', 'last_name']) if (text(d, n)) body[n] = text(d, n);
      done(await api<Accepted>('POST', path, body));
    }),
  );
}
