// A small way to build elements: h('button', { type: 'button', onclick }, 'Save'). Text is always set as
// text, never parsed as HTML.

/** What an element may contain: nodes, text, and nothing (null, undefined, false are skipped). */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Attributes: strings and numbers set, true sets an empty attribute, false and undefined leave it out,
 * on… functions become listeners, and value/checked/disabled set the property. */
export type Attrs = Record<string, string | number | boolean | undefined | null | ((e: never) => void)>;

const properties = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'open']);

/** h makes an element with attributes and children (a custom element, such as a Fluent one, too). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: `${string}-${string}`, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') {
      el.addEventListener(name.replace(/^on/, ''), v as EventListener);
    } else if (properties.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = v;
      if (v === true) el.setAttribute(name, '');
    } else {
      el.setAttribute(name, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** append adds children to el. */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** replace empties el and puts children in it. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** when formats an RFC 3339 time in the user's locale; '' for none. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

let ids = 0;

/** uid is an id unique on the page, for label/for and aria-describedby. */
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`;
}
