import { doc, type Child, type DomElement, type DomInput } from './dom.js';
import { safeHref } from './safe-href.js';

export type Props = Record<string, string | number | boolean | undefined | null>;

/**
 * Builds an element. Children that are strings become text nodes and attributes are set one by
 * one, never parsed as HTML: whatever a handle or an error message contains is shown as text.
 * `href` goes through safeHref, so a `javascript:` id from a remote server is not a link.
 */
export function h(tag: string, props: Props = {}, ...children: (Child | null | undefined | false)[]): DomElement {
  const e = doc.createElement(tag);
  setProps(e, props);
  e.append(...children.filter((c): c is Child => c !== null && c !== undefined && c !== false));
  return e;
}

export function setProps(e: DomElement, props: Props): void {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'href') {
      const href = safeHref(String(v));
      if (href) e.setAttribute('href', href);
      continue;
    }
    e.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
  }
}

/** A link when `url` is a safe http(s) URL, else the text alone. */
export function link(text: string, url: string | null | undefined): DomElement {
  const href = url ? safeHref(url) : null;
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text) : h('span', {}, text);
}

export function input(props: Props): DomInput {
  return h('input', props) as DomInput;
}

export const svgNs = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number>, ...children: Child[]): DomElement {
  const e = doc.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

export function table(headers: string[], rows: (DomElement | string)[][], props: Props = {}): DomElement {
  return h('table', props, h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}
