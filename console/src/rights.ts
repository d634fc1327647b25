// A rights picker from the browser module's catalog: only the rights the
// caller may grant are offered, each `_ALL` right says what it stands for,
// and the chosen set is shown expanded as the edge will read it.
import { expand, rightsCatalog } from './authz.js';
import { h, uid } from './dom.js';

export interface Picker {
  element: HTMLElement;
  chosen(): string[];
}

/** Checkboxes for `kinds` of rights, limited to `grantable` when given. */
export function rightsPicker(legend: string, kinds: string[], grantable: string[] | null, initial: string[] = []): Picker {
  const allowed = grantable ? new Set(expand(grantable)) : null;
  const entries = rightsCatalog().filter((r) => !r.pseudo || r.name.endsWith('_ALL'))
    .filter((r) => r.kind !== null && kinds.includes(r.kind))
    .filter((r) => !allowed || r.implies.concat(r.name).every((n) => allowed.has(n)));
  const summary = h('p', { class: 'hint', 'aria-live': 'polite' });
  const boxes = entries.map((r) => {
    const id = uid('right');
    const box = h('input', { type: 'checkbox', id, name: 'rights', value: r.name, checked: initial.includes(r.name) });
    const note = r.implies.length > 0 ? h('span', { class: 'implies' }, ` — stands for ${r.implies.length} rights: ${r.implies.map(short).join(', ')}`) : null;
    return h('div', { class: 'check' }, box, h('label', { for: id }, h('code', {}, r.name), note));
  });
  const chosen = () => boxes.map((b) => b.querySelector('input') as HTMLInputElement).filter((i) => i.checked).map((i) => i.value);
  const update = () => {
    const all = expand(chosen());
    summary.textContent = all.length === 0 ? 'No rights chosen.' : `Grants ${all.length} rights when expanded.`;
  };
  const element = h('fieldset', { class: 'rights', onchange: update }, h('legend', {}, legend),
    entries.length === 0 ? h('p', {}, 'You hold no rights you could grant here.') : boxes, summary);
  update();
  return { element, chosen };
}

const short = (name: string): string => name.replace(/^RIGHT_/, '').toLowerCase().replace(/_/g, ' ');
