/** AT Protocol adapter metrics in the shared registry. Labels are fixed small sets (never DIDs or handles). */
import { Counter, Gauge } from 'prom-client';
import { registry } from '../../libs/observability/index.js';

/** createSession calls: should stay near the number of identities (sessions are cached and refreshed). */
export const atprotoSessionLogins = new Counter({
  name: 'pontis_atproto_session_logins_total',
  help: 'createSession calls made by the AT Protocol adapter',
  registers: [registry],
});

export const atprotoFirehoseEvents = new Counter({
  name: 'pontis_atproto_firehose_events_total',
  help: 'Firehose events by what ingest did with them',
  // published | unwatched | echo | ignored (mapper gave nothing) | identity | account
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Refused firehose input is counted in the shared pontis_rejected_input_total{network="atproto", reason} (libs/observability/rejected-input.ts). */

/** Watched firehose events queued for the bus; at the ingest's bound the socket stops being read (backpressure). */
export const atprotoFirehoseQueued = new Gauge({
  name: 'pontis_atproto_firehose_queued',
  help: 'Firehose events waiting for the bus (bounded: at the limit the socket is paused)',
  registers: [registry],
});
