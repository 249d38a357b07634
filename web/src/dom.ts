// Builds DOM nodes without HTML strings: text always goes through textContent, so data from
// devices can never become markup, and nothing here needs an inline style or script, which the
// platform's Content-Security-Policy forbids.

export type Child = Node | string | number | null | undefined | false | Child[];

type Listener = (event: Event) => void;
export interface Props {
  class?: string | (string | false | null | undefined)[];
  [key: string]: unknown;
}

// Set as DOM properties rather than attributes so that they reflect the live state.
const kProperties = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'multiple', 'required']);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
      } else if (key === 'style') {
        throw new Error('style attributes are not allowed by the CSP; use a class');
      } else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value as Listener);
      } else if (kProperties.has(key)) {
        (el as unknown as Record<string, unknown>)[key] = value;
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value as Record<string, string>);
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function badge(status: string | null | undefined): HTMLSpanElement {
  const s = (status ?? 'unknown').toLowerCase();
  const tone =
    s === 'online' || s === 'active' || s === 'success' || s === 'completed' || s === 'delivered'
      ? 'ok'
      : s === 'offline' || s === 'failed' || s === 'error' || s === 'rejected' || s === 'timeout' || s === 'timed_out' || s === 'halted' || s === 'expired'
        ? 'bad'
        : s === 'unknown' || s === 'stopped' || s === 'cancelled'
          ? 'muted'
          : 'busy';
  const text = s === 'active' ? 'online' : s.replace(/_/g, ' ');
  return h('span', { class: ['badge', `badge-${tone}`], 'data-status': s }, text);
}

export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('small', null, hint) : null);
}

export function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h('tr', { class: 'empty' }, h('td', { colspan: columns }, text));
}
