import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process. Label values are low-cardinality only: network, event type,
 * outcome, reason code — never handles or ids.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'pontis_' });

export const eventsIn = new Counter({
  name: 'pontis_events_in_total',
  help: 'Events read from bridge.events.v1',
  labelNames: ['network', 'type'] as const,
  registers: [registry],
});

export const eventsOutcome = new Counter({
  name: 'pontis_translator_outcomes_total',
  help: 'What the translator did with each event and target',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

export const commandsOut = new Counter({
  name: 'pontis_commands_out_total',
  help: 'Commands produced to bridge.outbound.<network>.v1',
  labelNames: ['target', 'type'] as const,
  registers: [registry],
});

export const deadLetters = new Counter({
  name: 'pontis_dead_letters_total',
  help: 'Messages sent to the dead-letter topic',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const pendingGauge = new Gauge({
  name: 'pontis_pending_events',
  help: 'Events held until what they point at is bridged',
  registers: [registry],
});

export const translateLatency = new Histogram({
  name: 'pontis_translate_batch_seconds',
  help: 'Time to translate and commit one batch',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const batchFailures = new Counter({
  name: 'pontis_batch_failures_total',
  help: 'Batches whose handler failed (transient: database or broker away); the bus offers them again',
  labelNames: ['consumer'] as const,
  registers: [registry],
});
