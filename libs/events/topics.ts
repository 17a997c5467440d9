import { NETWORKS, type Network } from './networks.js';

/** Kafka topic names. Versioned: a breaking change to a payload is a new topic. */
export const TOPICS = {
  /** Normalized events from every adapter, keyed by source account. */
  events: 'bridge.events.v1',
  /** Adapters report here when a bridged copy exists on their network (releases held events). */
  receipts: 'bridge.receipts.v1',
  /** Anything that could not be validated or delivered, with the reason in headers and body. */
  deadLetter: 'bridge.deadletter.v1',
} as const;

/** Commands whose delivery failed transiently, waiting for their next attempt (the adapter re-drives them). */
export function parkedTopic(network: Network): string {
  return `bridge.outbound.${network}.parked.v1`;
}

/** Commands for one network's adapter, keyed by target identity. */
export function outboundTopic(network: Network): string {
  return `bridge.outbound.${network}.v1`;
}

/** The topics every deployment needs, created by whichever service starts first. */
export function coreTopics(): string[] {
  return [TOPICS.events, TOPICS.receipts, TOPICS.deadLetter, ...NETWORKS.map(outboundTopic)];
}
