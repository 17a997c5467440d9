import type { Bus } from '../../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { createLogger, rejectInput, type Logger } from '../../../libs/observability/index.js';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { runInLanes } from '../../../libs/adapter/lane-scheduler.js';
import { Lru } from '../../../libs/collections/index.js';
import { folderUrl, profileEvent, removalEvent, toEvents, type Folder } from '../mapping/index.js';
import { PodRepository, type PodClient, type PodRow, type ResourceRow } from '../pod/index.js';
import type { Change } from './notification.js';
import { revokedReason } from '../publish/index.js';
import { refusalOf } from './refusal-of.js';
import { NotifiedAt, PassTiming } from './ingest-timing.js';
import { versionTimes } from './listed-times.js';
import { MemberReads } from './member-reads.js';

/** Reasons a resource is passed over that are not faults of the resource. */
const BENIGN = [/^unchanged$/, /^written by the bridge/, /owner’s own activity/, /is not bridged$/];
/** Members whose listed modification time is remembered (a few MB at most; a forgotten one costs a 304). */
const MAX_REMEMBERED = 100_000;
/**
 * Members of one pod read at once. One after another, each read waited out the pod server's
 * whole queue (350 ms-2.5 s a GET on a busy Community Solid Server), and notifications waited up
 * to 25 s behind the pass (docs/BENCHMARKS.md, latency). Distinct members do not depend on each
 * other here: the translator holds an event whose target it has not seen yet.
 */
const READS_AT_ONCE = 6;
/** A notified member whose read failed for a reason that may pass: tried again after 1, 2, 4 s. */
const MEMBER_READ_ATTEMPTS = 4;


/** What the next pass of a pod has to look at: everything (`full`, baseline or not), or named members and/or the profile. */
interface Pending {
  full?: boolean;
  resources: Map<string, Folder>;
  profile: boolean;
}

export interface ReconcileResult {
  published: number;
  removed: number;
  errors: number;
  revoked?: string;
}

/**
 * Compares a watched pod's outbox and inbox listings with what was seen before (URL → ETag) and
 * turns the difference into events: new and changed resources (fetched with If-None-Match, so an
 * unchanged one costs a 304), and removed ones. Webhooks say what changed: a notification that
 * names a member is a read of that member alone (one conditional GET, beside any pass: see
 * reconcileChanges); one we cannot place is a full pass. Notifications are fire-and-forget and
 * not recursive, so full passes (periodic, at start, after a link) make sure nothing is missed,
 * also while the bridge was down; a full pass GETs only members whose `dc:modified` in the
 * listing moved since they were last read. Per pod, passes never overlap in a process and a
 * notified member is never read twice at once; the ETag comparison makes a second sighting a
 * 304. Where two reads of one member still overlap (a full pass beside a notified read, or two
 * processes), the event ids are deterministic and the translator drops the second sighting.
 */
export class PodReconciler {
  private readonly repo: PodRepository;
  private readonly log: Logger;
  private readonly running = new Map<string, Promise<ReconcileResult>>();
  /** Per pod, what the next pass has to look at once the running one ends. */
  private readonly again = new Map<string, Pending>();
  /** URL → the listing's `dc:modified` when it was last read (full passes skip it while unchanged). */
  private readonly readAt = new Lru<string>(MAX_REMEMBERED);
  /** When a notification named a member (SolidIngest notes it), for the timing of its pass. */
  readonly notifiedAt = new NotifiedAt();
  /**
   * Per pod, the running pass: what it does (a baseline pass holds notified reads back, see
   * reconcileChanges) and its timing. Passes of one pod never overlap, of two pods may.
   */
  private readonly passes = new Map<string, { want: Pending; timing: PassTiming }>();
  /** Per pod, the members notifications named, read beside the passes (member-reads.ts). */
  private readonly members = new Map<string, { pod: PodRow; reads: MemberReads<Folder> }>();

  constructor(private readonly o: { repo?: PodRepository; ds: ConstructorParameters<typeof PodRepository>[0]; bus: Bus; client: PodClient; logger?: Logger }) {
    this.repo = o.repo ?? new PodRepository(o.ds);
    this.log = o.logger ?? createLogger('solid-reconciler');
  }

  /**
   * A full pass. `baseline`: record what is there without publishing (linking a pod must not
   * re-bridge its whole history). A call while a pass for the pod is going on runs once more after it.
   */
  reconcile(pod: PodRow, opts: { baseline?: boolean } = {}): Promise<ReconcileResult> {
    return this.request(pod, { full: opts.baseline ?? false, resources: new Map(), profile: false });
  }

  /**
   * What notifications named: each member is read on its own (a conditional GET), a few at a time,
   * also while a pass of the pod runs; the profile by a pass. While a link's baseline pass runs,
   * everything named waits for it and makes the next pass one that bridges.
   */
  async reconcileChanges(pod: PodRow, changes: Change[]): Promise<void> {
    const resources = new Map<string, Folder>();
    for (const c of changes) if (c.kind === 'resource') resources.set(c.url, c.folder);
    const profile = changes.some((c) => c.kind === 'profile');
    if (this.passes.get(pod.id)?.want.full === true) {
      await this.request(pod, { resources, profile });
      return;
    }
    const reads = this.memberReads(pod);
    await Promise.all([
      ...[...resources].map(([url, folder]) => reads.add(url, folder)),
      ...(profile ? [this.request(pod, { resources: new Map(), profile: true })] : []),
    ]);
  }

  private memberReads(pod: PodRow): MemberReads<Folder> {
    const had = this.members.get(pod.id);
    if (had) {
      had.pod = pod; // the newest row (its access may have changed)
      return had.reads;
    }
    const entry: { pod: PodRow; reads: MemberReads<Folder> } = {
      pod,
      reads: new MemberReads<Folder>((url, folder): Promise<void> => this.readMember(entry.pod, url, folder), {
        atOnce: READS_AT_ONCE,
        maxAttempts: MEMBER_READ_ATTEMPTS,
        retryMs: (attempt) => 1_000 * 2 ** (attempt - 1),
        retryable: (err) => err instanceof DeliveryError && err.kind === 'transient',
        onGiveUp: (url, err) => {
          const reason = err instanceof DeliveryError ? err.describe() : String(err);
          this.log.warn('notified member not read; the next notification or full pass tries again', { pod: entry.pod.socialUrl, url, err: reason });
          void this.repo.setAccess(entry.pod.id, 'error', reason).catch(() => undefined);
        },
      }),
    };
    this.members.set(pod.id, entry);
    return entry.reads;
  }

  /** One notified member, outside any pass: its own timing (the ingest histogram), its own record. */
  private async readMember(pod: PodRow, url: string, folder: Folder): Promise<void> {
    const known = await this.repo.resourcesAt(pod.id, folder, [url]);
    await this.resource(pod, folder, url, known.get(url), false, undefined, new PassTiming());
  }

  private request(pod: PodRow, want: Pending): Promise<ReconcileResult> {
    const current = this.running.get(pod.id);
    if (current) {
      this.again.set(pod.id, merge(this.again.get(pod.id), want));
      return current;
    }
    const run = (async () => {
      let result = await this.pass(pod, want);
      for (let next = this.again.get(pod.id); next !== undefined; next = this.again.get(pod.id)) {
        this.again.delete(pod.id);
        result = await this.pass(pod, next);
      }
      return result;
    })().finally(() => this.running.delete(pod.id));
    this.running.set(pod.id, run);
    return run;
  }

  /** A full pass covers whatever was named besides. */
  private async pass(pod: PodRow, p: Pending): Promise<ReconcileResult> {
    const started = Date.now();
    const t = new PassTiming();
    this.passes.set(pod.id, { want: p, timing: t });
    const result = await (p.full !== undefined ? this.once(pod, p.full) : this.changed(pod, p.resources, p.profile)).finally(() => this.passes.delete(pod.id));
    if (t.resources)
      this.log.info('pod pass', { pod: pod.id, full: p.full !== undefined, ms: Date.now() - started, resources: t.resources, notified: t.notified, queuedMaxMs: t.queuedMaxMs, readMs: t.readMs, publishMs: t.publishMs });
    return result;
  }

  private async changed(pod: PodRow, resources: Map<string, Folder>, profile: boolean): Promise<ReconcileResult> {
    const total: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    try {
      for (const folder of ['outbox', 'inbox'] as const) {
        const urls = [...resources].filter(([, f]) => f === folder).map(([u]) => u);
        if (!urls.length) continue;
        const known = await this.repo.resourcesAt(pod.id, folder, urls);
        await this.each(pod, urls, async (url) => add(total, await this.resource(pod, folder, url, known.get(url), false, undefined)));
      }
      if (profile) total.published += await this.profile(pod, false);
    } catch (err) {
      return this.failed(pod, err, total);
    }
    return total;
  }

  private async once(pod: PodRow, baseline: boolean): Promise<ReconcileResult> {
    const total: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    for (const folder of ['outbox', 'inbox'] as const) {
      try {
        add(total, await this.folder(pod, folder, baseline));
      } catch (err) {
        return this.failed(pod, err, total);
      }
    }
    total.published += await this.profile(pod, baseline);
    await this.repo.reconciled(pod.id);
    return total;
  }

  /** The pod refused us (recorded as revoked, the pass ends) or failed otherwise (recorded, thrown). */
  private async failed(pod: PodRow, err: unknown, total: ReconcileResult): Promise<ReconcileResult> {
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
    const versions = versionTimes(listing.modified);
    await this.each(pod, [...present], async (url) => {
      const prev = known.get(url);
      const modified = versions.get(url);
      // Read before at this very modification time, and recorded without a fault: nothing to ask.
      if (prev && !prev.lastError && modified && this.readAt.peek(url) === modified) return;
      add(out, await this.resource(pod, folder, url, prev, baseline, modified));
    });
    for (const [url, prev] of known) {
      if (present.has(url)) continue;
      add(out, await this.gone(pod, url, prev, baseline));
    }
    return out;
  }

  /**
   * One member: a conditional GET against the ETag on record, then events for what changed, or a
   * removal when the pod says it is gone. `modified`: the listing's time for it, remembered once read.
   */
  private async resource(
    pod: PodRow,
    folder: Folder,
    url: string,
    prev: ResourceRow | undefined,
    baseline: boolean,
    modified: string | undefined,
    timing = this.passes.get(pod.id)?.timing,
  ): Promise<ReconcileResult> {
    const out: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    const stamp = { notifiedAt: this.notifiedAt.take(url), startedAt: Date.now(), readAt: 0, publishedAt: undefined as number | undefined };
    let res;
    try {
      // Anything the pod has: JSON-LD when it can give it (Turtle converted), else as stored (a bad body is reported below).
      res = await this.o.client.get(url, 'application/ld+json, */*;q=0.1', prev?.etag);
      stamp.readAt = Date.now();
    } catch (err) {
      if (!(err instanceof DeliveryError) || (err.kind === 'transient' && err.status !== 501)) throw err;
      // One unreadable resource (its own ACL, too large) is recorded; the others go on.
      await this.repo.saveResource(pod.id, folder, { url, etag: prev?.etag ?? null, kind: prev?.kind ?? null, author: prev?.author ?? null, lastError: err.describe() });
      this.readAt.delete(url);
      out.errors++;
      rejectInput('solid', refusalOf(err.message));
      return out;
    }
    if (res.status === 404 || res.status === 410) return prev ? this.gone(pod, url, prev, baseline) : out;
    if (res.status === 304) {
      if (modified) this.readAt.set(url, modified);
      return out;
    }
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
      stamp.publishedAt = Date.now();
      out.published += mapped.events.length;
    }
    timing?.add(stamp);
    await this.repo.saveResource(pod.id, folder, { url, etag: res.etag, kind: mapped.kind ?? null, author: mapped.events[0]?.actor.id ?? prev?.author ?? null, subject: mapped.events[0]?.subject?.id ?? null, lastError: fault });
    if (modified && !fault) this.readAt.set(url, modified);
    else this.readAt.delete(url);
    return out;
  }

  /** `work` for each member, READS_AT_ONCE at a time; the first failure stops the rest and is thrown once all have stopped. */
  private async each(pod: PodRow, urls: string[], work: (url: string) => Promise<void>): Promise<void> {
    const failed = await runInLanes(
      urls.map((url) => ({ account: pod.id, lane: url })),
      ({ lane }) => work(lane),
      { total: READS_AT_ONCE, perAccount: READS_AT_ONCE },
    );
    if (failed) throw failed.error;
  }

  /** A member no longer there: its removal as an event (once: the record goes with it). */
  private async gone(pod: PodRow, url: string, prev: ResourceRow, baseline: boolean): Promise<ReconcileResult> {
    const out: ReconcileResult = { published: 0, removed: 0, errors: 0 };
    if (!baseline && prev.kind && prev.author && !prev.lastError) {
      await this.publish([removalEvent({ url, kind: prev.kind, author: prev.author, subject: prev.subject }, new Date().toISOString())]);
      out.removed++;
    }
    await this.repo.forgetResource(url);
    this.readAt.delete(url);
    return out;
  }

  private async publish(events: BridgeEvent[]): Promise<void> {
    // Keyed by the actor: one person's events stay in order.
    await this.o.bus.publish(TOPICS.events, events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
  }
}

/**
 * Requests that arrive during a pass share the next one. It records without bridging only if
 * every full request asked for that and no notification named a change: a notification during a
 * link's baseline pass is a change to bridge, not to swallow.
 */
function merge(a: Pending | undefined, b: Pending): Pending {
  if (!a) return b;
  const named = a.resources.size > 0 || a.profile || b.resources.size > 0 || b.profile;
  const full = a.full === undefined ? b.full : b.full === undefined ? a.full : a.full && b.full;
  return {
    full: full === undefined ? undefined : full && !named,
    resources: new Map([...a.resources, ...b.resources]),
    profile: a.profile || b.profile,
  };
}

function add(total: ReconcileResult, r: ReconcileResult): void {
  total.published += r.published;
  total.removed += r.removed;
  total.errors += r.errors;
}
