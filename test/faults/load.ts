/**
 * The load generator: people post, reply, like and repost on their own networks, through the
 * peers' own APIs, a few at a time. Every post and reply carries a marker (`fx<run>e<seq>z`) so
 * its copies can be counted on the other peers; likes and reposts are counted by what they point
 * at. An action the peer refused (it is down) is not an event: it is counted as refused, not sent.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import type { NostrEvent } from '../../libs/harness/index.js';
import { errorMessage } from '../../libs/harness/util.js';
import type { E2EContext, Network } from '../e2e/scenario.js';
import { createRecord, POST } from '../e2e/scenarios/atproto.js';
import { solidPut } from '../e2e/scenarios/solid.js';
import { pickAction, type ActionKind } from './mix.js';
import type { Person } from './people.js';

export interface SourceEvent {
  seq: number;
  network: Network;
  kind: ActionKind;
  person: string;
  /** The original's id on its network (event id, at:// URI, note URL, resource URL). */
  originalId: string;
  /** Posts and replies: the marker in their text. */
  marker?: string;
  /** Likes and reposts: the seq of the post they point at. */
  subjectSeq?: number;
  atMs: number;
}

interface Posted {
  seq: number;
  id: string;
  cid?: string;
  author: Person;
  nostrEvent?: NostrEvent;
}

export class LoadGenerator {
  readonly events: SourceEvent[] = [];
  refused = 0;
  readonly refusals: Record<string, number> = {};
  private seq = 0;
  private readonly posted: Partial<Record<Network, Posted[]>> = {};
  private readonly liked = new Set<string>();

  constructor(
    private readonly ctx: E2EContext,
    private readonly people: Person[],
    private readonly runTag: string,
    private readonly random: () => number,
    /** Networks whose peer is down right now: no one posts there. */
    private readonly down: () => ReadonlySet<Network>,
  ) {}

  /** A first post per person (not counted): it makes their bridged identities on the other networks. */
  async hello(author: Person): Promise<void> {
    await this.write(author, `hello from ${author.name}`, undefined);
  }

  /**
   * Sends until `count` events were accepted by their peers, `concurrency` at a time, no faster
   * than `count` over `minDurationMs` (so the faults fall inside the stream, not after it).
   */
  async run(count: number, concurrency: number, minDurationMs: number): Promise<void> {
    const t0 = Date.now();
    const worker = async () => {
      while (this.events.length + this.inFlight < count) {
        const due = t0 + ((this.events.length + this.inFlight) * minDurationMs) / count;
        if (due > Date.now()) {
          await new Promise((r) => setTimeout(r, due - Date.now()));
          continue; // another worker may have taken the last slot meanwhile
        }
        this.inFlight++;
        try {
          await this.one();
        } finally {
          this.inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  private inFlight = 0;

  private async one(): Promise<void> {
    const down = this.down();
    const candidates = this.people.filter((p) => !down.has(p.network));
    if (!candidates.length) {
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    const author = candidates[Math.floor(this.random() * candidates.length)]!;
    const mine = this.posted[author.network] ?? [];
    // Likes and reposts go to someone else's post on the same network, once per person and post.
    const others = mine.filter((p) => p.author !== author && !this.liked.has(`${author.name}>${p.seq}`));
    const kind = pickAction(this.random(), author.network, mine.length > 0, others.length > 0);
    const seq = ++this.seq;
    const marker = `fx${this.runTag}e${seq}z`;
    const text = `${kind} ${seq} from ${author.name} ${marker}`;
    try {
      if (kind === 'post' || kind === 'reply') {
        const parent = kind === 'reply' ? mine[Math.floor(this.random() * mine.length)] : undefined;
        const p = await this.write(author, text, parent);
        (this.posted[author.network] ??= []).push({ seq, ...p, author });
        this.events.push({ seq, network: author.network, kind, person: author.name, originalId: p.id, marker, atMs: Date.now() });
      } else {
        const subject = others[Math.floor(this.random() * others.length)]!;
        this.liked.add(`${author.name}>${subject.seq}`);
        const id = await this.react(author, kind, subject);
        this.events.push({ seq, network: author.network, kind, person: author.name, originalId: id, subjectSeq: subject.seq, atMs: Date.now() });
      }
    } catch (err) {
      this.refused++;
      const why = `${author.network}: ${errorMessage(err).slice(0, 80)}`;
      this.refusals[why] = (this.refusals[why] ?? 0) + 1;
    }
  }

  private async write(author: Person, text: string, parent: Posted | undefined): Promise<{ id: string; cid?: string; nostrEvent?: NostrEvent }> {
    switch (author.network) {
      case 'nostr': {
        const tags = parent ? [['e', parent.id, '', 'root'], ['p', parent.nostrEvent!.pubkey]] : [];
        const ev = await this.publishNostr(author.sk, 1, text, tags);
        return { id: ev.id, nostrEvent: ev };
      }
      case 'atproto': {
        const reply = parent ? { reply: { root: { uri: parent.id, cid: parent.cid }, parent: { uri: parent.id, cid: parent.cid } } } : {};
        const r = await createRecord(author.agent, author.nativeId, POST, { text, ...reply });
        return { id: r.uri, cid: r.cid };
      }
      case 'activitypub': {
        const r = await this.ctx.peer('activitypub').createNote(author.user.name, { content: `<p>${text}</p>`, ...(parent ? { inReplyTo: parent.id } : {}) });
        return { id: r.noteId };
      }
      case 'solid': {
        const url = await solidPut(author.solid, this.ctx.unique('note'), { type: 'Note', attributedTo: author.nativeId, content: text, mediaType: 'text/plain', ...(parent ? { inReplyTo: parent.id } : {}) });
        return { id: url };
      }
    }
  }

  private async react(author: Person, kind: ActionKind, subject: Posted): Promise<string> {
    if (author.network === 'nostr') {
      const ev = subject.nostrEvent!;
      const tags = [['e', ev.id], ['p', ev.pubkey]];
      return (await this.publishNostr(author.sk, kind === 'like' ? 7 : 6, kind === 'like' ? '+' : '', tags)).id;
    }
    if (author.network === 'atproto') {
      const collection = kind === 'like' ? 'app.bsky.feed.like' : 'app.bsky.feed.repost';
      return (await createRecord(author.agent, author.nativeId, collection, { subject: { uri: subject.id, cid: subject.cid } })).uri;
    }
    throw new Error(`no ${kind} on ${author.network} in this run`);
  }

  private async publishNostr(sk: Uint8Array, kind: number, content: string, tags: string[][]): Promise<NostrEvent> {
    const ev = finalizeEvent({ kind, created_at: Math.floor(Date.now() / 1000), tags, content }, sk) as NostrEvent;
    const r = await this.ctx.peer('nostr').publish(ev);
    if (!r.accepted) throw new Error(`relay refused kind ${kind}: ${r.message}`);
    return ev;
  }
}
