// A few DOM helpers instead of a framework: elements built from data, and
// the accessible pieces every page uses (labelled fields, a live status
// region, focus moved to a page's heading when it changes).

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | EventListener | undefined>;

/** An element: attributes (`on…` are listeners, booleans toggle) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

let ids = 0;
/** A unique element ID, for labels and descriptions. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled input (or select or textarea) with an optional hint. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid('f');
  const parts: Child[] = [h('label', { for: control.id }, label), control];
  if (hint) {
    const hintId = uid('hint');
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

/** Says something in the page's live region (read out by screen readers). */
let sayTimer: number | undefined;
export function say(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.dataset['kind'] = kind;
  window.clearTimeout(sayTimer);
  if (text) sayTimer = window.setTimeout(() => say(''), kind === 'error' ? 15_000 : 6_000);
}

/** An error shown where the action was, and announced. */
export function errorBox(message: string): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, message);
}

/** Replaces the main region's content and moves focus to its heading. */
export function show(...content: Child[]): void {
  const main = document.getElementById('main');
  if (!main) return;
  main.replaceChildren(...content.filter((c): c is Node | string => !!c));
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

/** A table with a caption and a header row. */
export function table(caption: string, headers: string[], rows: Child[][]): HTMLElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: headers.length }, 'None yet.'))
      : rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
  );
}

/** A form whose submit runs `action`; errors appear in the form. */
export function form(
  label: string,
  children: Child[],
  submit: string,
  action: (data: FormData, form: HTMLFormElement) => Promise<void>,
): HTMLFormElement {
  const problem = h('div', { class: 'problem' });
  const button = h('button', { type: 'submit' }, submit);
  const f = h('form', { 'aria-label': label }, children, problem, button);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.replaceChildren();
    button.disabled = true;
    try {
      await action(new FormData(f), f);
    } catch (err) {
      problem.replaceChildren(errorBox(err instanceof Error ? err.message : String(err)));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

type Action = () => Promise<void>;

/**
 * A button that runs `action`, reporting a failure in the live region. In a
 * table row, `{ label }` names what it acts on for assistive technology
 * (`Remove bob`) while the row shows the short verb.
 */
export function button(text: string, a: Action | { label: string }, b?: Action | Attrs, c: Attrs = {}): HTMLButtonElement {
  const [label, action, attrs] = typeof a === 'function' ? [undefined, a, (b ?? {}) as Attrs] : [a.label, b as Action, c];
  const el = h('button', { type: 'button', 'aria-label': label, ...attrs }, text);
  el.addEventListener('click', async () => {
    el.disabled = true;
    try {
      await action();
    } catch (err) {
      say(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      el.disabled = false;
    }
  });
  return el;
}

/** The value of a form field as text. */
export const text = (data: FormData, name: string): string => String(data.get(name) ?? '').trim();
