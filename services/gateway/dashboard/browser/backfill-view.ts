import type { BackfillJob } from '../../../../libs/backfill/index.js';
import type { DomElement } from './dom.js';
import { h, table } from './el.js';
import { NETWORK_NAMES, relativeTime } from './format.js';

/**
 * The person's backfills in the lookup view: per job the network it reads from, its state and the
 * counts the API computes from what the translator and adapters recorded (nothing is guessed here).
 * Nothing at all when the person never asked for one.
 */
export function backfillView(jobs: readonly BackfillJob[] | undefined): DomElement | null {
  if (!jobs?.length) return null;
  const state = (j: BackfillJob) => (j.state === 'done' && !j.settled ? 'done, copies on their way' : j.state);
  return h(
    'div',
    { class: 'backfill' },
    h('h2', {}, 'Backfill'),
    table(
      ['from', 'asked', 'state', 'found', 'queued', 'bridged', 'skipped', 'failed', 'started', 'finished'],
      jobs.map((j) => [
        NETWORK_NAMES[j.network] ?? j.network,
        `last ${j.count}`,
        h('span', { class: `pill ${j.state === 'failed' ? 'bad' : j.settled ? 'ok' : ''}`, title: j.error ?? '' }, state(j)),
        String(j.found),
        String(j.queued + j.pending),
        String(j.bridged),
        String(j.skipped),
        String(j.failed),
        j.startedAt ? relativeTime(j.startedAt) : '—',
        j.finishedAt ? relativeTime(j.finishedAt) : '—',
      ]),
      { 'data-section': 'backfill' },
    ),
    ...jobs.filter((j) => j.error).map((j) => h('p', { class: 'muted' }, `${NETWORK_NAMES[j.network] ?? j.network}: ${j.error}`)),
  );
}
