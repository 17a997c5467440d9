import { NETWORKS, type Network } from '../../../../libs/events/index.js';

/** One point of the dashboard's charts: what happened since the previous sample. */
export interface StatusSample {
  /** End of the interval (ISO 8601). */
  at: string;
  /** Seconds since the previous sample. */
  intervalSeconds: number;
  /** Events the translator decided in the interval (bridged, dropped, held or invalid). */
  eventsIn: number;
  /** Per target network: commands delivered, and commands that failed, in the interval. */
  delivered: Record<Network, number>;
  failed: Record<Network, number>;
  /** Per target network: age of its oldest undelivered command at the end of the interval. */
  lagSeconds: Record<Network, number>;
}

export interface DeliveryRow {
  target: string;
  delivered: number;
  failed: number;
  lag_seconds: number | null;
}

const zero = () => Object.fromEntries(NETWORKS.map((n) => [n, 0])) as Record<Network, number>;

/** Builds a sample from the sampler's query rows; rows for a network this build does not know are ignored. Pure. */
export function toSample(at: Date, intervalSeconds: number, eventsIn: number, rows: DeliveryRow[]): StatusSample {
  const sample: StatusSample = { at: at.toISOString(), intervalSeconds, eventsIn, delivered: zero(), failed: zero(), lagSeconds: zero() };
  for (const r of rows) {
    if (!(NETWORKS as readonly string[]).includes(r.target)) continue;
    const n = r.target as Network;
    sample.delivered[n] = Number(r.delivered) || 0;
    sample.failed[n] = Number(r.failed) || 0;
    sample.lagSeconds[n] = Math.max(0, Math.round(Number(r.lag_seconds) || 0));
  }
  return sample;
}
