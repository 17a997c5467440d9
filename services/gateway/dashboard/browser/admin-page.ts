import { adminToken, api } from './api.js';
import type { DomElement } from './dom.js';
import { h, input } from './el.js';
import { NETWORK_NAMES, relativeTime } from './format.js';
import { pagedTable } from './paged-table.js';
// Types only (erased from the browser build): the dashboard reads what the admin API answers.
import type { AuditEntry } from '../../admin/audit-log.repository.js';
import type { DeadLetterSummary as DeadLetter } from '../../admin/dead-letter.repository.js';

const NETWORKS = ['activitypub', 'atproto', 'nostr', 'solid'] as const;

interface Settings {
  networks: Record<string, boolean>;
  blockedDomains: string[];
  allowedDomains: string[];
  defaultConsent: string;
}
/** Toggle networks and domains, browse the audit log and the dead letters (replay). Needs an admin or moderator token. */
export function adminPage(view: DomElement): void {
  if (!adminToken.get()) return signIn(view);
  const message = h('p', { id: 'admin-message', class: 'muted' });
  const say = (text: string, error = false) => {
    message.className = error ? 'error' : 'notice';
    message.textContent = text;
  };
  const forget = h('button', { type: 'button', class: 'secondary', id: 'admin-forget' }, 'Forget token');
  forget.addEventListener('click', () => {
    adminToken.clear();
    adminPage(view);
  });
  const settingsBox = h('div', { id: 'admin-settings' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(
    h('div', { class: 'row' }, h('h1', {}, 'Admin'), forget),
    h('p', { class: 'muted' }, 'The token is kept in this tab only (sessionStorage) and sent only to this gateway.'),
    message,
    settingsBox,
    h('h2', {}, 'Audit log'),
    pagedTable<AuditEntry>({
      id: 'audit-log',
      path: (before) => `/api/v1/admin/audit?limit=20${before ? `&before=${before}` : ''}`,
      headers: ['when', 'actor', 'action', 'target', 'detail'],
      row: (e) => [relativeTime(e.createdAt), e.actor, e.action, e.target ?? '—', h('code', {}, JSON.stringify(e.detail))],
      empty: 'No admin action yet.',
    }),
    h('h2', {}, 'Dead letters'),
    pagedTable<DeadLetter>({
      id: 'dead-letters',
      path: (before) => `/api/v1/admin/dead-letters?limit=20${before ? `&before=${before}` : ''}`,
      headers: ['id', 'source', 'topic', 'reason', 'when', 'replayed', ''],
      row: (d, reload) => [d.id, d.source, d.topic, d.reason, relativeTime(d.createdAt), d.replayedAt ? relativeTime(d.replayedAt) : 'no', replayButton(d, say, reload)],
      empty: 'No dead letters.',
    }),
  );
  void loadSettings(settingsBox, say);
}

function signIn(view: DomElement): void {
  const token = input({ type: 'password', id: 'admin-token', autocomplete: 'off', placeholder: 'pontis_…' });
  const error = h('p', { id: 'admin-signin-error' });
  const form = h('form', { class: 'inline', id: 'admin-signin' }, token, h('button', { type: 'submit' }, 'Use token'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      adminToken.set(token.value.trim());
      // Checked before the page is shown, so a wrong token gets its reason here, not on every panel.
      const r = await api<Settings>('/api/v1/admin/settings', { admin: true });
      if (r.ok) return adminPage(view);
      adminToken.clear();
      error.className = 'error';
      error.textContent = r.message;
    })();
  });
  view.replaceChildren(h('h1', {}, 'Admin'), h('p', {}, 'Paste an admin or moderator token (created with `pontis token create`). It is kept in this browser tab only.'), form, error);
  token.focus();
}

async function loadSettings(box: DomElement, say: (t: string, error?: boolean) => void): Promise<void> {
  const r = await api<Settings>('/api/v1/admin/settings', { admin: true });
  if (!r.ok) return box.replaceChildren(h('p', { class: 'error' }, r.message));
  renderSettings(box, r.body, say);
}

function renderSettings(box: DomElement, s: Settings, say: (t: string, error?: boolean) => void): void {
  const patch = async (change: Partial<Settings>, done: string) => {
    const r = await api<Settings>('/api/v1/admin/settings', { method: 'PATCH', body: change, admin: true });
    if (!r.ok) {
      say(r.message, true);
      return loadSettings(box, say);
    }
    say(done);
    renderSettings(box, r.body, say);
  };
  const toggles = NETWORKS.map((n) => {
    const box = input({ type: 'checkbox', id: `net-${n}` });
    box.checked = s.networks[n] !== false;
    box.addEventListener('change', () => {
      box.disabled = true;
      void patch({ networks: { [n]: box.checked } }, `${NETWORK_NAMES[n]} turned ${box.checked ? 'on' : 'off'}`);
    });
    return h('label', { class: 'toggle', for: `net-${n}` }, box, NETWORK_NAMES[n] ?? n);
  });
  box.replaceChildren(
    h('h2', {}, 'Networks'),
    h('div', { class: 'card' }, ...toggles),
    h('h2', {}, 'Domains'),
    h(
      'div',
      { class: 'grid' },
      domainList('blocked', 'Blocked domains ("*.example" blocks subdomains too)', s.blockedDomains, (list, done) => patch({ blockedDomains: list }, done)),
      domainList('allowed', 'Allowed domains (empty: every domain not blocked)', s.allowedDomains, (list, done) => patch({ allowedDomains: list }, done)),
    ),
  );
}

function domainList(kind: string, title: string, domains: string[], save: (list: string[], done: string) => Promise<void>): DomElement {
  const field = input({ type: 'text', id: `domain-${kind}-input`, placeholder: 'spam.example' });
  const form = h('form', { class: 'inline', id: `domain-${kind}-form` }, field, h('button', { type: 'submit' }, 'Add'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = field.value.trim().toLowerCase();
    if (d) void save([...domains.filter((x) => x !== d), d], `${d} added to the ${kind} domains`);
  });
  const items = domains.map((d) => {
    const remove = h('button', { type: 'button', class: 'secondary' }, 'Remove');
    remove.addEventListener('click', () => void save(domains.filter((x) => x !== d), `${d} removed from the ${kind} domains`));
    return h('li', { class: 'row' }, h('code', {}, d), remove);
  });
  return h('div', { class: 'card', id: `domains-${kind}` }, h('h3', {}, title), items.length ? h('ul', { class: 'plain' }, ...items) : h('p', { class: 'muted' }, 'none'), form);
}

function replayButton(d: DeadLetter, say: (t: string, error?: boolean) => void, reload: () => void): DomElement {
  const b = h('button', { type: 'button', 'data-replay': d.id }, d.replayedAt ? 'Replay again' : 'Replay');
  b.addEventListener('click', () => {
    b.setAttribute('disabled', '');
    void (async () => {
      const r = await api<{ replayedTo: string }>(`/api/v1/admin/dead-letters/${encodeURIComponent(d.id)}/replay`, { method: 'POST', body: d.replayedAt ? { force: true } : {}, admin: true });
      say(r.ok ? `dead letter ${d.id} replayed to ${r.body.replayedTo}` : r.message, !r.ok);
      reload();
    })();
  });
  return b;
}
