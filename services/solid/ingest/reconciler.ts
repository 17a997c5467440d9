import type { Bus } from '../../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { createLogger, rejectInput, type Logger } from '../../../libs/observability/index.js';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { folderUrl, profileEvent, removalEvent, toEvents, type Folder } from '../mapping/index.js';
import { PodRepository, type PodClient, type PodRow } from '../pod/index.js';
import { revokedReason } from '../publish/index.js';
import { refusalOf } from './refusal-of.js';

/** Reasons a resource is passed over that are not faults of the resource. */
const BENIGN = [/^unchanged$/, /^written by the bridge/, /owner’s own activity/, /is not bridged$/];

export interface ReconcileResult {
  published: number;
  removed: number;
  errors: number;
  revoked?: string;
}

/**
 * Compares a watched pod's outbox and inbox listings with what was seen before (URL → ETag) and
 * turns the difference into events: new and changed resources (fetched with If-None-Match, so an
 * unchanged one costs a 304), and removed ones. Webhooks only say "look again": notifications are
 * fire-and-forget and not recursive, so this diff is what makes sure nothing is missed, also
 * while the bridge was down. Per pod, runs never overlap in a process; across processes the
 * event ids are deterministic and the translator drops the second sighting.
 */
export class PodReconciler {
  private readonly repo: PodRepository;
  private readonly log: Logger;
  private readonly running = new Map<string, Promise<ReconcileResult>>();
  /** Pods that need another pass when the running one ends, and whether it may be a baseline. */
  private readonly again = new Map<string, boolean>();

  constructor(private readonly o: { repo?: PodRepository; ds: ConstructorParameters<typeof PodRepository>[0]; bus: Bus; client: PodClient; logger?: Logger }) {
    this.repo = o.repo ?? new PodRepository(o.ds);
    this.log = o.logger ?? createLogger('solid-reconciler');
  }

  /**
   * `baseline`: record what is there without publishing (linking a pod must not re-bridge its
   * whole history). A call while a run for the pod is going on runs once more after it.
   */
  async reconcile(pod: PodRow, opts: { baseline?: boolean } = {}): Promise<ReconcileResult> {
    const baseline = opts.baseline ?? false;
    const current = this.running.get(pod.id);
    if (current) {
      // The next pass records without bridging only if every request for it asked for that: a
      // notification during a link's baseline pass is a change to bridge, not to swallow.
      const asked = this.again.get(pod.id);
      this.again.set(pod.id, (asked ?? true) && baseline);
      return current;
    }
    const run = (async () => {
      let result = await this.once(pod, baseline);
      for (let next = this.again.get(pod.id); next !== undefined; next = this.again.get(pod.id)) {
        this.again.delete(pod.id);
        result = await this.once(pod, next);
      }
      return result;
    })().finally(() => this.running.delete(pod.id));
    this.running.set(pod.id, run);
    return run;
  }

  private async once(pod: PodRow, baseline: boolean): Promise<ReconcileResult> {
    const total: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    for (const folder of ['outbox', 'inbox'] as const) {
      try {
        const r = await this.folder(pod, folder, baseline);
        total.published += r.published;
        total.removed += r.removed;
        total.errors += r.errors;
      } catch (err) {
        if (err instanceof DeliveryError && (err.status === 401 || err.status === 403)) {
          const reason = revokedReason(pod, err.status);
          await this.repo.setAccess(pod.id, 'revoked', reason);
          this.log.warn('pod access revoked', { pod: pod.socialUrl, status: err.status });
          return { ...total, revoked: reason };
        }
        const reason = err instanceof DeliveryError ? err.describe() : String(err);
        await this.repo.setAccess(pod.id, 'error', reason);
        throw err;
      }
    }
    total.published += await this.profile(pod, baseline);
    await this.repo.reconciled(pod.id);
    return total;
  }

  /** The WebID profile (name, note, photo), compared by ETag like the containers' members. */
  private async profile(pod: PodRow, baseline: boolean): Promise<number> {
    const url = pod.webId.replace(/#.*$/, '');
    const prev = (await this.repo.resources(pod.id, 'profile')).get(url);
    let res;
    try {
      res = await this.o.client.get(url, 'application/ld+json', prev?.etag);
    } catch (err) {
      if (!(err instanceof DeliveryError) || err.kind === 'transient') throw err;
      await this.repo.saveResource(pod.id, 'profile', { url, etag: prev?.etag ?? null, kind: null, author: pod.webId, lastError: err.describe() });
      return 0;
    }
    if (res.status !== 200) return 0;
    const { event, ignored } = profileEvent(res.body, pod.webId, res.etag ?? undefined, new Date().toISOString());
    // The first sighting is the baseline of a newly linked pod, not a change.
    if (event && prev && !baseline) await this.publish([event]);
    await this.repo.saveResource(pod.id, 'profile', { url, etag: res.etag, kind: null, author: pod.webId, lastError: null });
    if (ignored && prev) this.log.debug('profile not bridged', { url, reason: ignored });
    return event && prev && !baseline ? 1 : 0;
  }

  private async folder(pod: PodRow, folder: Folder, baseline: boolean): Promise<ReconcileResult> {
    const out: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    const listing = await this.o.client.list(folderUrl(pod.socialUrl, folder));
    const known = await this.repo.resources(pod.id, folder);
    const present = new Set(listing.members.filter((m) => !m.endsWith('/')));
    for (const url of present) {
      const prev = known.get(url);
      let res;
      try {
        // Anything the pod has: JSON-LD when it can give it (Turtle converted), else as stored (a bad body is reported below).
        res = await this.o.client.get(url, 'application/ld+json, */*;q=0.1', prev?.etag);
      } catch (err) {
        if (!(err instanceof DeliveryError) || (err.kind === 'transient' && err.status !== 501)) throw err;
        // One unreadable resource (its own ACL, too large) is recorded; the others go on.
        await this.repo.saveResource(pod.id, folder, { url, etag: prev?.etag ?? null, kind: prev?.kind ?? null, author: prev?.author ?? null, lastError: err.describe() });
        out.errors++;
        rejectInput('solid', refusalOf(err.message));
        continue;
      }
      if (res.status === 304 || res.status === 404 || res.status === 410) continue;
      const mapped = toEvents(
        { url, folder, body: res.body, contentType: res.contentType ?? undefined, etag: res.etag ?? undefined, publiclyReadable: res.public.has('read') },
        { owner: { webId: pod.webId, socialUrl: pod.socialUrl }, previous: prev && !prev.lastError ? { etag: prev.etag } : undefined },
      );
      const fault = mapped.ignored && !BENIGN.some((b) => b.test(mapped.ignored!)) ? mapped.ignored : null;
      if (fault) {
        out.errors++;
        rejectInput('solid', refusalOf(fault));
        this.log.warn('pod resource not bridged', { url, reason: fault });
      }
      if (!baseline && mapped.events.length) {
        // Events first, then the record: a crash in between publishes them again (same ids).
        await this.publish(mapped.events);
        out.published += mapped.events.length;
      }
      await this.repo.saveResource(pod.id, folder, { url, etag: res.etag, kind: mapped.kind ?? null, author: mapped.events[0]?.actor.id ?? prev?.author ?? null, subject: mapped.events[0]?.subject?.id ?? null, lastError: fault });
    }
    for (const [url, prev] of known) {
      if (present.has(url)) continue;
      if (!baseline && prev.kind && prev.author && !prev.lastError) {
        await this.publish([removalEvent({ url, kind: prev.kind, author: prev.author, subject: prev.subject }, new Date().toISOString())]);
        out.removed++;
      }
      await this.repo.forgetResource(url);
    }
    return out;
  }

  private async publish(events: BridgeEvent[]): Promise<void> {
    // Keyed by the actor: one person's events stay in order.
    await this.o.bus.publish(TOPICS.events, events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
  }
}
