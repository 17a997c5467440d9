/**
 * What the status API said during the run: the largest lag per network (`lagSeconds`, the oldest
 * undelivered command) and translator consumer lag, the failures it showed while a peer was down
 * (reason and next retry), and afterwards which deliveries needed more than one attempt and why.
 */
import type { Network } from '../../libs/events/networks.js';
import { fetchT } from '../../libs/harness/util.js';
import type { Bridged } from './people.js';

interface NetworkStatus {
  lagSeconds: number;
  outboundBacklog: number | null;
  deliveries: Record<string, number>;
}
export interface BridgeStatus {
  networks: Record<Network, NetworkStatus>;
  events: { in: number; bridged: number; held: number; dropped: number; invalid: number };
  consumerLag: { translator: number | null };
  deadLetters: { total: number; recent: { reason: string }[] };
}

interface DeliveryView {
  eventId: string;
  target: Network;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OutageEvidence {
  network: Network;
  /** First failure the account status API showed for a delivery to the down peer. */
  seenAtMs: number;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

export interface DelayedSummary {
  /** Deliveries that needed more than one attempt, per target, with the most common reasons. */
  perTarget: Partial<Record<Network, { retried: number; maxAttempts: number; reasons: Record<string, number> }>>;
  /** Longest time from a ledger row's creation to its delivery, per target (ms). */
  maxDeliveryMs: Partial<Record<Network, number>>;
}

export class StatusWatch {
  readonly maxLagSeconds: Partial<Record<Network, number>> = {};
  maxTranslatorLag = 0;
  samples = 0;
  readonly outageEvidence: OutageEvidence[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly base: string,
    private readonly t0: number,
  ) {}

  async status(): Promise<BridgeStatus> {
    const res = await fetchT(`${this.base}/api/v1/status`, { timeoutMs: 15_000 });
    if (!res.ok) throw new Error(`status: HTTP ${res.status}`);
    return (await res.json()) as BridgeStatus;
  }

  start(everyMs = 2_000): void {
    const tick = async () => {
      try {
        const s = await this.status();
        this.samples++;
        for (const [n, v] of Object.entries(s.networks) as [Network, NetworkStatus][]) this.maxLagSeconds[n] = Math.max(this.maxLagSeconds[n] ?? 0, v.lagSeconds);
        this.maxTranslatorLag = Math.max(this.maxTranslatorLag, s.consumerLag.translator ?? 0);
      } catch {
        // The gateway or the database is down for a moment (a fault): the next sample counts.
      }
      this.timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** While `network`'s peer is down: the first failure any account shows for a delivery there. */
  async watchOutage(network: Network, bridged: Bridged[]): Promise<void> {
    if (this.outageEvidence.some((e) => e.network === network)) return;
    for (const b of bridged.filter((x) => x.person.network !== network)) {
      const page = await this.deliveries(b.accountId, `target=${network}&status=failures&limit=5`);
      const d = page[0];
      if (d) {
        this.outageEvidence.push({ network, seenAtMs: Date.now() - this.t0, status: d.status, attempts: d.attempts, lastError: d.lastError, nextAttemptAt: d.nextAttemptAt });
        return;
      }
    }
  }

  /** After the run: every account's deliveries, summarised by target. */
  async delayed(bridged: Bridged[]): Promise<DelayedSummary> {
    const out: DelayedSummary = { perTarget: {}, maxDeliveryMs: {} };
    for (const b of bridged) {
      let before: string | undefined;
      for (;;) {
        const page = await this.deliveries(b.accountId, `limit=200${before ? `&before=${encodeURIComponent(before)}` : ''}`, true);
        for (const d of page) {
          if (d.status === 'delivered') out.maxDeliveryMs[d.target] = Math.max(out.maxDeliveryMs[d.target] ?? 0, Date.parse(d.updatedAt) - Date.parse(d.createdAt));
          if (d.attempts > 1 || d.lastError) {
            const t = (out.perTarget[d.target] ??= { retried: 0, maxAttempts: 0, reasons: {} });
            t.retried++;
            t.maxAttempts = Math.max(t.maxAttempts, d.attempts);
            const why = (d.lastError ?? 'no reason recorded').replace(/\d+/g, 'N').slice(0, 120);
            t.reasons[why] = (t.reasons[why] ?? 0) + 1;
          }
        }
        before = this.nextBefore;
        if (!before || !page.length) break;
      }
    }
    return out;
  }

  private nextBefore: string | undefined;
  private async deliveries(accountId: string, query: string, paged = false): Promise<DeliveryView[]> {
    const res = await fetchT(`${this.base}/api/v1/accounts/${accountId}/deliveries?${query}`, { timeoutMs: 30_000 });
    if (!res.ok) throw new Error(`deliveries of ${accountId}: HTTP ${res.status}`);
    const body = (await res.json()) as { items: DeliveryView[]; nextCursor: string | null };
    if (paged) this.nextBefore = body.nextCursor ?? undefined;
    return body.items;
  }
}
