import type { Bus } from '../../../libs/bus/index.js';
import { createLogger, rejectInput, type Logger } from '../../../libs/observability/index.js';
import type { DataSource } from 'typeorm';
import { PodRepository, type PodClient, type PodRow } from '../pod/index.js';
import { changeOf, type Change } from './notification.js';
import { PodReconciler, type ReconcileResult } from './reconciler.js';
import { WebhookSubscriber } from './webhook-subscriber.js';
import type { WebhookVerifier } from './webhook-verifier.js';

/** How long after a notification the second pass runs. */
const SETTLE_MS = 2_000;
/** A burst naming more members than this gets a full pass a moment later instead. */
const MAX_SETTLE_CHANGES = 1_000;

export interface SolidIngestOptions {
  ds: DataSource;
  bus: Bus;
  /** Pod HTTP as the bridge's WebID. */
  client: PodClient;
  verifier: WebhookVerifier;
  /** Public base URL of this Pontis: webhooks go to `<base>/api/v1/solid/webhook/<pod id>`. */
  publicUrl: string;
  /** How often every watched pod is reconciled (and its channels renewed when due). */
  reconcileIntervalMs: number;
  logger?: Logger;
}

export const WEBHOOK_PATH = 'api/v1/solid/webhook';

/**
 * Watches the pods people linked: a webhook channel per container says what changed (verified as
 * coming from the pod's server) and triggers a reconciliation of that; a periodic reconciliation
 * of every pod (the first at start) catches whatever a lost notification or a downtime missed.
 */
export class SolidIngest {
  readonly reconciler: PodReconciler;
  private readonly repo: PodRepository;
  private readonly subscriber: WebhookSubscriber;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  /** One more pass per pod shortly after a notification (see onWebhook): what it re-reads (undefined: everything). */
  private readonly settle = new Map<string, { timer: NodeJS.Timeout; changes?: Map<string, Change> }>();
  private pass?: Promise<void>;
  private lastPass: { at: string; pods: number; failed: number } | undefined;

  constructor(private readonly o: SolidIngestOptions) {
    this.repo = new PodRepository(o.ds);
    this.reconciler = new PodReconciler({ ds: o.ds, repo: this.repo, bus: o.bus, client: o.client });
    this.subscriber = new WebhookSubscriber(o.client, (pod) => this.webhookUrl(pod.id));
    this.log = o.logger ?? createLogger('solid-ingest');
  }

  webhookUrl(podId: string): string {
    return `${this.o.publicUrl.replace(/\/$/, '')}/${WEBHOOK_PATH}/${podId}`;
  }

  async start(): Promise<void> {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.reconcileIntervalMs);
    this.timer.unref();
  }

  /** One pass at a time; a pass that finished makes room for the next (also the first one). */
  private tick(): void {
    this.pass ??= this.reconcileAll()
      .catch((err: Error) => this.log.warn('reconciliation pass failed', { err: err.message }))
      .finally(() => (this.pass = undefined));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.settle.values()) clearTimeout(t.timer);
    this.settle.clear();
    await this.pass?.catch(() => undefined);
  }

  /** A newly linked pod: channels, and what is there now recorded without bridging it. */
  async watch(pod: PodRow): Promise<ReconcileResult> {
    await this.renewChannels(pod);
    return this.reconciler.reconcile(pod, { baseline: true });
  }

  /** One pass over every linked pod; one pod's failure never stops the others. */
  async reconcileAll(): Promise<void> {
    const pods = await this.repo.linked();
    let failed = 0;
    for (const pod of pods) {
      try {
        await this.renewChannels(pod);
        const r = await this.reconciler.reconcile(pod);
        if (r.revoked) failed++;
      } catch (err) {
        failed++;
        this.log.warn('pod reconciliation failed', { pod: pod.socialUrl, err: (err as Error).message });
      }
    }
    this.lastPass = { at: new Date().toISOString(), pods: pods.length, failed };
  }

  /**
   * A notification from a pod server. Answers the HTTP status: 202 accepted (reconciliation
   * runs in the background), 401 sender not verified, 404 no such watched pod. A notification
   * that names a member of the outbox or inbox (or the profile) is a pass over that alone; any
   * other, or one for a pod whose access was revoked (only a full pass says it is back), a full pass.
   */
  async onWebhook(podId: string, headers: { authorization?: string; dpop?: string }, body?: unknown): Promise<{ status: number; reason?: string }> {
    const arrived = Date.now();
    const pod = await this.repo.byId(podId);
    if (!pod || pod.mode !== 'linked') {
      rejectInput('solid', 'unknown_pod');
      return { status: 404, reason: 'no watched pod with this id' };
    }
    const verdict = await this.o.verifier.verify({ ...headers, url: this.webhookUrl(pod.id), storageUrl: pod.storageUrl });
    if (!verdict.ok) {
      rejectInput('solid', 'bad_webhook_token');
      this.log.warn('webhook refused', { pod: pod.socialUrl, reason: verdict.reason });
      return { status: 401, reason: verdict.reason };
    }
    const change = pod.access === 'revoked' ? undefined : changeOf(body, pod);
    if (change?.kind === 'resource') this.reconciler.notifiedAt.note(change.url, arrived);
    const run = (changes: Change[] | undefined) =>
      void (changes ? this.reconciler.reconcileChanges(pod, changes) : this.reconciler.reconcile(pod)).catch((err: Error) =>
        this.log.warn('reconciliation after webhook failed', { pod: pod.socialUrl, err: err.message }),
      );
    run(change && [change]);
    // A notification can arrive before the change shows in the container listing or the profile
    // (seen with Community Solid Server: a removed Follow or a patched profile still there on the
    // pass it triggered). One more pass a moment later catches it rather than the periodic one,
    // minutes away. Notifications in a burst share that one later pass, over what they named.
    const earlier = this.settle.get(pod.id);
    clearTimeout(earlier?.timer);
    let changes = earlier ? earlier.changes : new Map<string, Change>();
    if (changes && change && changes.size < MAX_SETTLE_CHANGES) changes.set(change.kind === 'profile' ? 'profile' : change.url, change);
    else changes = undefined;
    const later = setTimeout(() => {
      this.settle.delete(pod.id);
      run(changes && [...changes.values()]);
    }, SETTLE_MS);
    later.unref();
    this.settle.set(pod.id, { timer: later, changes });
    return { status: 202 };
  }

  private async renewChannels(pod: PodRow): Promise<void> {
    if (pod.access === 'revoked') return; // the next reconciliation says whether access is back
    try {
      const channels = await this.subscriber.ensure(pod);
      if (JSON.stringify(channels) !== JSON.stringify(pod.channels)) await this.repo.setChannels(pod.id, channels);
    } catch (err) {
      // Reconciliation still covers the pod: a pod without webhooks is only slower.
      this.log.warn('webhook subscription failed', { pod: pod.socialUrl, err: (err as Error).message });
    }
  }

  health(): { ok: boolean; detail: string } {
    const p = this.lastPass;
    return { ok: true, detail: p ? `${p.pods} linked pod(s), ${p.failed} failing, last reconciled ${p.at}` : 'first reconciliation pending' };
  }
}
