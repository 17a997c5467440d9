/**
 * Ingest metrics in the shared registry. Labels are fixed small sets (never relay URLs, keys or
 * ids). Refused events and frames are counted in the shared
 * pontis_rejected_input_total{network="nostr", reason} (libs/observability/rejected-input.ts).
 */
import { Counter, Gauge } from 'prom-client';
import { registry } from '../../../libs/observability/index.js';

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
