import { api } from './api.js';
import { backfillView } from './backfill-view.js';
import type { BackfillJob } from '../../../../libs/backfill/index.js';
import { win, type DomElement } from './dom.js';
import { h, input, link, table } from './el.js';
import { errorMessage, NETWORK_NAMES, relativeTime } from './format.js';
import { objectUrl, profileUrl } from './native-links.js';
import { mirrorModeView } from './mirror-mode.js';
import { routeHash } from './route.js';

const NETWORKS = ['activitypub', 'atproto', 'nostr', 'solid'] as const;

interface Identity {
  network: string;
  nativeId: string;
  handle: string | null;
  kind: 'native' | 'bridged';
  verifiedAt: string | null;
}
interface ObjectIn {
  id: string;
  network: string;
  nativeId: string;
  url: string | null;
  createdAt: string;
  deletedAt: string | null;
  copies: { network: string; nativeId: string; url: string | null }[];
}
interface DeliveryOut {
  id: string;
  target: string;
  status: string;
  attempts: number;
  nativeId: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  updatedAt: string;
}
interface AccountDetail {
  id: string;
  consent: string;
  status: string;
  identities: Identity[] | null;
  hidden?: string;
  networks?: Record<string, { mirror: string; native: Identity[]; bridged: Identity[] }>;
  lastIn?: ObjectIn[];
  lastOut?: DeliveryOut[];
  failures?: DeliveryOut[];
  backfill?: BackfillJob[];
}
interface LookupItem {
  accountId: string;
  consent: string;
  status: string;
  matched: Identity | null;
}

/** Look anyone up by any handle or id, and show their mirror on the four networks. */
export function lookupPage(view: DomElement, params: Record<string, string>): void {
  const q = input({ type: 'text', id: 'lookup-q', name: 'q', autocomplete: 'off', placeholder: '@user@instance, name.bsky.social, npub1…, name@domain, https://pod.example/profile/card#me' });
  q.value = params.q ?? '';
  const results = h('section', { id: 'lookup-results' });
  const form = h('form', { class: 'inline', id: 'lookup-form' }, q, h('button', { type: 'submit' }, 'Look up'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = routeHash('lookup', { q: q.value.trim() });
    // The same hash fires no hashchange: show it directly.
    if (win.location.hash === next) void show(results, q.value.trim());
    else win.location.hash = next;
  });
  view.replaceChildren(
    h('h1', {}, 'Look up anyone'),
    h('p', { class: 'muted' }, 'A handle or id on any network: a fediverse handle, a Bluesky handle or DID, a Nostr npub, hex key or NIP-05 name, a fediverse actor URL or a Solid WebID.'),
    form,
    results,
  );
  if (params.q) void show(results, params.q);
  else q.focus();
}

async function show(results: DomElement, text: string): Promise<void> {
  if (!text) return;
  results.replaceChildren(h('p', { class: 'muted' }, 'Looking up…'));
  const found = await api<{ items: LookupItem[] }>(`/api/v1/accounts?q=${encodeURIComponent(text)}`);
  if (!found.ok) return results.replaceChildren(h('p', { class: 'error', id: 'lookup-error' }, found.message));
  if (!found.body.items.length) return results.replaceChildren(h('p', { class: 'notice', id: 'lookup-none' }, 'Nobody with that handle or id is known to this bridge.'));
  const sections: DomElement[] = [];
  for (const item of found.body.items) {
    const detail = await api<AccountDetail>(`/api/v1/accounts/${encodeURIComponent(item.accountId)}`);
    sections.push(detail.ok ? accountView(detail.body) : h('p', { class: 'error' }, errorMessage({ message: detail.message }, detail.status)));
  }
  results.replaceChildren(...sections);
}

function accountView(a: AccountDetail): DomElement {
  const head = h('div', { class: 'row' }, h('h2', {}, 'Account'), h('span', { class: `pill ${a.consent}` }, a.consent.replace('_', ' ')), h('span', { class: `pill ${a.status === 'active' ? 'ok' : 'bad'}` }, a.status), h('code', {}, a.id));
  if (!a.identities || !a.networks) return h('section', { class: 'account', 'data-account': a.id }, head, h('p', { class: 'notice' }, a.hidden ?? 'This person has not opted in to bridging.'));
  const lastIn = a.lastIn ?? [];
  const lastOut = a.lastOut ?? [];
  const cards = NETWORKS.map((n) => {
    const net = a.networks![n] ?? { mirror: 'on', native: [], bridged: [] };
    const latestIn = lastIn.find((o) => o.network === n);
    const latestOut = lastOut.find((d) => d.target === n);
    const ids = [...net.native, ...net.bridged];
    return h(
      'div',
      { class: `card net-${n}`, 'data-network': n },
      h('h3', {}, NETWORK_NAMES[n] ?? n),
      mirrorModeView(n, net),
      ids.length
        ? h('ul', { class: 'plain' }, ...ids.map((i) => h('li', {}, h('span', { class: `pill ${i.kind === 'native' ? 'ok' : ''}` }, i.kind), ' ', link(i.handle ?? i.nativeId, profileUrl(n, i.nativeId)), i.handle ? h('div', {}, h('code', {}, i.nativeId)) : null)))
        : h('p', { class: 'muted' }, 'no identity here yet'),
      h('p', { class: 'muted' }, `last in: ${latestIn ? relativeTime(latestIn.createdAt) : '—'} · last out: ${latestOut ? `${relativeTime(latestOut.updatedAt)} (${latestOut.status})` : '—'}`),
    );
  });
  return h(
    'section',
    { class: 'account', 'data-account': a.id },
    head,
    h('div', { class: 'grid' }, ...cards),
    backfillView(a.backfill),
    h('h2', {}, 'Last posts in'),
    lastIn.length ? table(['network', 'original', 'copies', 'when'], lastIn.map((o) => [o.network, link(o.deletedAt ? `${o.nativeId} (deleted)` : o.nativeId, objectUrl(o.network, o.nativeId, o.url)), h('ul', { class: 'plain' }, ...o.copies.map((c) => h('li', {}, `${c.network}: `, link(c.nativeId, objectUrl(c.network, c.nativeId, c.url))))), relativeTime(o.createdAt)])) : h('p', { class: 'muted' }, 'nothing yet'),
    h('h2', {}, 'Last deliveries out'),
    lastOut.length ? table(['to', 'status', 'attempts', 'native id', 'when'], lastOut.map((d) => [d.target, h('span', { class: `pill ${d.status}` }, d.status), String(d.attempts), d.nativeId ? link(d.nativeId, objectUrl(d.target, d.nativeId, null)) : '—', relativeTime(d.updatedAt)])) : h('p', { class: 'muted' }, 'nothing yet'),
    h('h2', {}, 'Failures'),
    a.failures?.length ? table(['to', 'status', 'reason', 'next retry'], a.failures.map((d) => [d.target, h('span', { class: `pill ${d.status}` }, d.status), d.lastError ?? '—', d.nextAttemptAt ? relativeTime(d.nextAttemptAt) : 'no further retry'])) : h('p', { class: 'muted' }, 'none'),
  );
}
