import { api } from './api.js';
import type { Child, DomElement } from './dom.js';
import { h, table } from './el.js';

/**
 * A table over a keyset-paged admin list ({items, nextCursor}): "Older" follows nextCursor,
 * "Newer" goes back through the cursors already seen. `reload()` re-reads the current page.
 */
export function pagedTable<T>(opts: { id: string; path: (before: string | undefined) => string; headers: string[]; row: (item: T, reload: () => void) => Child[]; empty: string }): DomElement {
  const box = h('div', { id: opts.id });
  const cursors: (string | undefined)[] = [undefined];
  const load = async () => {
    const before = cursors[cursors.length - 1];
    const r = await api<{ items: T[]; nextCursor: string | null }>(opts.path(before), { admin: true });
    if (!r.ok) return box.replaceChildren(h('p', { class: 'error' }, r.message));
    const newer = h('button', { class: 'secondary', type: 'button', 'data-page': 'newer' }, 'Newer');
    const older = h('button', { class: 'secondary', type: 'button', 'data-page': 'older' }, 'Older');
    if (cursors.length === 1) newer.setAttribute('disabled', '');
    if (!r.body.nextCursor) older.setAttribute('disabled', '');
    newer.addEventListener('click', () => {
      cursors.pop();
      void load();
    });
    older.addEventListener('click', () => {
      cursors.push(r.body.nextCursor!);
      void load();
    });
    const reload = () => void load();
    box.replaceChildren(
      r.body.items.length ? table(opts.headers, r.body.items.map((i) => opts.row(i, reload))) : h('p', { class: 'muted' }, opts.empty),
      h('div', { class: 'pager' }, newer, older, h('span', { class: 'muted' }, `page ${cursors.length}`)),
    );
  };
  void load();
  return box;
}
