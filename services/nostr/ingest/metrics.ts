/** Ingest metrics in the shared registry. Labels are fixed small sets (never relay URLs, keys or ids). */
import { Counter, Gauge } from 'prom-client';
import { registry } from '../../../libs/observability/index.js';

export const rejectedEvents = new Counter({
  name: 'pontis_nostr_ingest_rejected_total',
  help: 'Events or frames from relays refused before mapping',
  // malformed | bad_id | bad_signature | unrequested (matches no filter we sent) | bad_frame
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const ingestOutcomes = new Counter({
  name: 'pontis_nostr_ingest_events_total',
  help: 'Verified Nostr events by what ingest did with them',
  // published | ignored (mapper gave nothing) | duplicate | stale_list | relay_list
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const relaysConnected = new Gauge({
  name: 'pontis_nostr_relays_connected',
  help: 'Relays with an open connection',
  registers: [registry],
});

export const publishFailures = new Counter({
  name: 'pontis_nostr_ingest_publish_failures_total',
  help: 'Failed publishes to bridge.events.v1 (retried with backoff; the relay cursor waits)',
  registers: [registry],
});
