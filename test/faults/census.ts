/**
 * Counts, on the peers themselves, the copies of every source event of the run: on the relay (by
 * marker, or by the NIP-48 proxy tag naming the original), in the bridged Bluesky repos (by marker,
 * likes and reposts by the copy they point at), in the bridged pods' outboxes (by marker) and in
 * the fediverse observer's inbox (Creates by marker, Announces by actor and object).
 */
import type { Network } from '../../libs/events/networks.js';
import type { ActivityPubPeer, AtprotoPeer, NostrRelayPeer } from '../../libs/harness/index.js';
import { POST } from '../e2e/scenarios/atproto.js';
import { noteOf } from '../e2e/scenarios/activitypub.js';
import type { SourceEvent } from './load.js';
import type { Bridged } from './people.js';
import { podOutbox, podRootOf, proxyOf, relayEvents, repoRecords } from './peer-reads.js';
import { markerSeq } from './verdict.js';

export interface Census {
  copies: Map<number, Partial<Record<Network, number>>>;
  strays: number;
  /** Resources listed in a bridged pod's public outbox that an anonymous reader is refused. */
  unreadableSolid: string[];
}

export interface CensusInput {
  events: SourceEvent[];
  bridged: Bridged[];
  runTag: string;
  sinceSeconds: number;
  relay: NostrRelayPeer;
  pds: AtprotoPeer;
  ap: ActivityPubPeer;
  observer: string;
}

export async function takeCensus(i: CensusInput): Promise<Census> {
  const copies = new Map<number, Partial<Record<Network, number>>>();
  let strays = 0;
  const bySeq = new Map(i.events.map((e) => [e.seq, e]));
  const byOriginal = new Map(i.events.map((e) => [e.originalId, e]));
  const add = (seq: number | undefined, target: Network) => {
    if (seq === undefined || !bySeq.has(seq)) {
      strays++;
      return;
    }
    const c = copies.get(seq) ?? {};
    c[target] = (c[target] ?? 0) + 1;
    copies.set(seq, c);
  };
  const ids = (n: Network) => i.bridged.filter((b) => b.person.network !== n).map((b) => ({ b, id: b.on[n]! }));

  // Nostr: posts and replies by marker; likes and reposts by the original their proxy tag names.
  for (const e of await relayEvents(i.relay, ids('nostr').map((x) => x.id), [1, 6, 7, 16], i.sinceSeconds)) {
    const seq = markerSeq(e.content, i.runTag);
    if (e.kind === 1) {
      if (seq !== undefined) add(seq, 'nostr');
      continue;
    }
    const original = proxyOf(e);
    const src = original ? byOriginal.get(original) : undefined;
    if (src) add(src.seq, 'nostr');
    // A repost's content may embed the reposted note (with its marker): never count that as the note.
    else strays++;
  }

  // Bluesky: posts by marker; a like or repost by a bridged Nostr person counts for the Nostr
  // action of that person on the post whose copy it points at.
  const copyUriToSeq = new Map<string, number>();
  const reactions: { liker: string; collection: string; subject: string }[] = [];
  for (const { b, id } of ids('atproto')) {
    for (const r of await repoRecords(i.pds, id, POST)) {
      const seq = markerSeq(String(r.value.text ?? ''), i.runTag);
      if (seq !== undefined) {
        add(seq, 'atproto');
        copyUriToSeq.set(r.uri, seq);
      }
    }
    if (b.person.network !== 'nostr') continue;
    for (const collection of ['app.bsky.feed.like', 'app.bsky.feed.repost']) {
      for (const r of await repoRecords(i.pds, id, collection)) reactions.push({ liker: b.person.name, collection, subject: String(r.value.subject?.uri ?? '') });
    }
  }
  const reactionIndex = new Map(i.events.filter((e) => e.subjectSeq !== undefined).map((e) => [`${e.person}|${e.kind}|${e.subjectSeq}`, e.seq]));
  for (const r of reactions) {
    const subjectSeq = copyUriToSeq.get(r.subject);
    const kind = r.collection.endsWith('like') ? 'like' : 'repost';
    add(subjectSeq === undefined ? undefined : reactionIndex.get(`${r.liker}|${kind}|${subjectSeq}`), 'atproto');
  }

  // Solid: every resource in every bridged pod's outbox, by marker.
  const unreadableSolid: string[] = [];
  for (const { id } of ids('solid')) {
    const { bodies, unreadable } = await podOutbox(podRootOf(id));
    unreadableSolid.push(...unreadable);
    for (const body of bodies) {
      const seq = markerSeq(String(body.content ?? body.name ?? ''), i.runTag);
      if (seq !== undefined) add(seq, 'solid');
    }
  }

  // The fediverse: distinct notes by marker; Announces by (bridged reposter, note copy).
  const received = await i.ap.received(i.observer);
  const notesSeen = new Set<string>();
  const noteToSeq = new Map<string, number>();
  for (const a of received.filter((x) => x.type === 'Create')) {
    const note = noteOf(a);
    const seq = markerSeq(String(note.content ?? ''), i.runTag);
    const noteId = a.objectId ?? String(note.id ?? '');
    if (seq === undefined || notesSeen.has(noteId)) continue;
    notesSeen.add(noteId);
    noteToSeq.set(noteId, seq);
    add(seq, 'activitypub');
  }
  const actorToPerson = new Map(i.bridged.map((b) => [b.on.activitypub, b.person.name]));
  const announcesSeen = new Set<string>();
  for (const a of received.filter((x) => x.type === 'Announce')) {
    if (!a.id || announcesSeen.has(a.id)) continue;
    announcesSeen.add(a.id);
    const subjectSeq = a.objectId ? noteToSeq.get(a.objectId) : undefined;
    const person = a.actor ? actorToPerson.get(a.actor) : undefined;
    add(subjectSeq === undefined || !person ? undefined : reactionIndex.get(`${person}|repost|${subjectSeq}`), 'activitypub');
  }
  return { copies, strays, unreadableSolid };
}
