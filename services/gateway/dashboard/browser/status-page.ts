import { api } from './api.js';
import { chartView } from './chart-view.js';
import type { DomElement } from './dom.js';
import { h, table } from './el.js';
import { clock, NETWORK_NAMES, percent, relativeTime } from './format.js';

const NETWORKS = ['activitypub', 'atproto', 'nostr', 'solid'] as const;
type PerNetwork = Record<string, number>;

interface NetworkStatus {
  enabled: boolean;
  connected: boolean;
  adapter: { running: boolean; detail: string };
  outboundBacklog: number | null;
  lagSeconds: number;
  errorRate: number | null;
  lastDeliveredAt: string | null;
  deliveries: Record<string, number>;
}
interface BridgeStatus {
  generatedAt: string;
  networks: Record<string, NetworkStatus>;
  accounts: { total: number; optedIn: number; identities: { native: number; bridged: number } };
  events: { in: number; bridged: number; dropped: number; invalid: number; held: number };
  deadLetters: { total: number };
}
interface Sample {
  at: string;
  eventsIn: number;
  delivered: PerNetwork;
  failed: PerNetwork;
  lagSeconds: PerNetwork;
}

/** Per network: connected, lag and error rate, with charts of events and lag over time. Refreshes itself every 15 s. */
export function statusPage(view: DomElement): () => void {
  const body = h('div', { id: 'status-body' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(h('h1', {}, 'Networks'), body);
  const load = async () => {
    const [status, history] = await Promise.all([api<BridgeStatus>('/api/v1/status'), api<{ samples: Sample[] }>('/api/v1/status/history')]);
    if (!status.ok) return body.replaceChildren(h('p', { class: 'error' }, status.message));
    const s = status.body;
    const samples = history.ok ? history.body.samples : [];
    const labels = samples.map((p) => clock(p.at));
    const perNet = (pick: (p: Sample) => PerNetwork) => NETWORKS.map((n) => ({ name: n, values: samples.map((p) => pick(p)[n] ?? 0) }));
    body.replaceChildren(
      h(
        'div',
        { class: 'grid' },
        h('div', { class: 'card' }, h('h3', {}, 'Accounts'), `${s.accounts.optedIn} opted in of ${s.accounts.total}`, h('div', { class: 'muted' }, `${s.accounts.identities.native} native and ${s.accounts.identities.bridged} bridged identities`)),
        h('div', { class: 'card' }, h('h3', {}, 'Events'), `${s.events.in} in, ${s.events.bridged} bridged`, h('div', { class: 'muted' }, `${s.events.dropped} dropped, ${s.events.invalid} invalid, ${s.events.held} held`)),
        h('div', { class: 'card' }, h('h3', {}, 'Dead letters'), String(s.deadLetters.total), h('div', { class: 'muted' }, 'replay them in Admin')),
      ),
      h('h2', {}, 'Per network'),
      table(
        ['network', 'connected', 'enabled', 'lag', 'error rate (1 h)', 'backlog', 'last delivered', 'deliveries'],
        NETWORKS.map((n) => {
          const x = s.networks[n]!;
          return [
            NETWORK_NAMES[n] ?? n,
            h('span', { title: x.adapter.detail }, h('span', { class: `light ${x.connected ? 'on' : ''}` }), x.connected ? 'connected' : 'not connected'),
            h('span', { class: `pill ${x.enabled ? 'ok' : 'bad'}` }, x.enabled ? 'on' : 'off'),
            `${x.lagSeconds} s`,
            percent(x.errorRate),
            x.outboundBacklog === null ? '—' : String(x.outboundBacklog),
            relativeTime(x.lastDeliveredAt),
            Object.entries(x.deliveries).map(([k, v]) => `${k} ${v}`).join(', ') || '—',
          ];
        }),
        { id: 'network-table' },
      ),
      h('h2', {}, 'Over time'),
      h(
        'div',
        { class: 'charts' },
        chartView('Events in and deliveries per 15 s', [{ name: 'in', values: samples.map((p) => p.eventsIn) }, ...perNet((p) => p.delivered)], labels, 'chart-events'),
        chartView('Lag per network (s)', perNet((p) => p.lagSeconds), labels, 'chart-lag'),
        chartView('Failures per 15 s', perNet((p) => p.failed), labels, 'chart-failures'),
      ),
      h('p', { class: 'muted' }, `as of ${relativeTime(s.generatedAt)}; refreshes every 15 s`),
    );
  };
  void load();
  const timer = setInterval(() => void load(), 15_000);
  return () => clearInterval(timer);
}
