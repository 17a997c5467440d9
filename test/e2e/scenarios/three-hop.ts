/**
 * Three-hop threads: a post on a first network, a reply on a second network to the post's copy
 * there, and a reply on a third network to that reply's copy there. On every network, each reply's
 * copy must point at the right parent copy and at the thread's root copy, where the network has a
 * root: AT Protocol `reply.root`, NIP-10 `root` marker, a pod Note's AS2 `context`. The fediverse
 * walks threads by `inReplyTo`; Pontis' copies there carry the root as `context` when it is known,
 * which is how a fediverse reply to a reply's copy finds its root (services/activitypub/mapping/thread-root.ts).
 */
import { getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type Scenario } from '../scenario.js';
import { AP_JSON, noteOf, pair as apNostrPair, receivedBy } from './activitypub.js';
import { pair as apBskyPair } from './activitypub-atproto.js';
import { apPeer, apPostInPod, pair as apSolidPair } from './activitypub-solid-pair.js';
import { bridgedOutboxOf } from './atproto-solid.js';
import { byText, createRecord, linkBluesky, POST, waitRecord, type Rec } from './atproto.js';
import { linkedNostrKey, nostrCopyOf, publishNostr } from './nostr-person.js';
import { bridgedOutbox, inOutbox, linkSolid, solidPostOnNostr, solidPut, text } from './solid.js';

const T = 240_000;

/** Where a note's NIP-10 marked `e` tags point (a direct reply to the root carries only `root`). */
function nip10(ev: NostrEvent): { root?: string; parent?: string } {
  const marked = (m: string) => ev.tags.find((t) => t[0] === 'e' && t[3] === m)?.[1];
  const root = marked('root');
  return { root, parent: marked('reply') ?? root };
}

function checkNip10(ev: NostrEvent, root: string, parent: string, what: string): void {
  const got = nip10(ev);
  check(got.root === root && got.parent === parent, `${what}: root ${got.root}, parent ${got.parent}; expected root ${root}, parent ${parent} (${JSON.stringify(ev.tags)})`);
}

/** A pod Note names its parent (`inReplyTo`) and its thread root (`context`). */
function checkPodReply(body: Record<string, any>, root: string, parent: string, what: string): void {
  check(body.inReplyTo === parent && body.context === root, `${what}: inReplyTo ${body.inReplyTo}, context ${body.context}; expected ${parent} in the thread of ${root}`);
}

function checkAtReply(rec: Rec, root: { uri: string; cid: string }, parent: { uri: string; cid: string }, what: string): void {
  const reply = rec.value.reply;
  check(
    reply?.root?.uri === root.uri && reply.root.cid === root.cid && reply.parent?.uri === parent.uri && reply.parent.cid === parent.cid,
    `${what}: reply ${JSON.stringify(reply)}; expected root ${root.uri}, parent ${parent.uri}`,
  );
}

/** The fediverse walks threads by `inReplyTo`; `context` (the root) is there when Pontis knew it, and then must be right. */
function checkApReply(note: Record<string, any>, root: string, parent: string, what: string): void {
  check(note.inReplyTo === parent && (note.context === undefined || note.context === root), `${what}: inReplyTo ${note.inReplyTo}, context ${note.context}; expected ${parent} in the thread of ${root}`);
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'thread:nostr->atproto->activitypub',
    needs: ['nostr', 'atproto', 'activitypub'],
    timeoutMs: T,
    async run(ctx) {
      // The fediverse person follows the Bluesky person's bridged actor (the pair's setup).
      const p = await apBskyPair(ctx);
      const sk = await linkedNostrKey(ctx);
      // Hop one: a note on Nostr, and its copy on the PDS.
      const rootWords = `a thread starts on nostr ${ctx.unique('t')}`;
      const root = await publishNostr(ctx, sk, 1, rootWords);
      const rootOnBsky = await waitRecord(ctx, POST, byText(rootWords), 'the Nostr note on the PDS');
      const rootRef = { uri: rootOnBsky.uri, cid: rootOnBsky.cid };
      // Hop two: the Bluesky person replies to that copy.
      const hop2Words = `hop two from bluesky ${ctx.unique('t')}`;
      const hop2 = await createRecord(p.bsky.agent, p.bsky.account.did, POST, { text: hop2Words, reply: { root: rootRef, parent: rootRef } });
      // Hop three: the fediverse person replies to hop two's copy on the fediverse.
      const hop2OnAp = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(hop2Words), 'hop two at the fediverse server');
      const hop3Words = `hop three from the fediverse ${ctx.unique('t')}`;
      const { noteId: hop3 } = await apPeer(ctx).createNote(p.ap.name, { content: `<p>${hop3Words}</p>`, inReplyTo: hop2OnAp.objectId!, to: [p.bridgedActor] });

      // Fediverse: hop two's copy replies to the Nostr note's copy (a bridged note Pontis serves).
      const rootOnAp = String(noteOf(hop2OnAp).inReplyTo);
      const rootDoc = (await (await fetchT(rootOnAp, { headers: AP_JSON })).json()) as Record<string, unknown>;
      check(String(rootDoc.content ?? '').includes(rootWords), `hop two replies to ${rootOnAp}, which is not the Nostr note's copy: ${JSON.stringify(rootDoc).slice(0, 400)}`);
      checkApReply(noteOf(hop2OnAp), rootOnAp, rootOnAp, 'hop two on the fediverse');
      // Bluesky: hop three's copy replies to hop two, in the thread of the Nostr note's copy.
      const hop3OnBsky = await waitRecord(ctx, POST, byText(hop3Words), 'hop three on the PDS');
      checkAtReply(hop3OnBsky, rootRef, hop2, 'hop three on Bluesky');
      // Nostr: hop two's copy replies to the note; hop three's to hop two's copy, the note as root.
      const hop2OnNostr = await nostrCopyOf(ctx, hop2.uri, { what: 'hop two on the relay', timeoutMs: 60_000 });
      checkNip10(hop2OnNostr, root.id, root.id, 'hop two on Nostr');
      const hop3OnNostr = await nostrCopyOf(ctx, hop3, { what: 'hop three on the relay', timeoutMs: 60_000 });
      checkNip10(hop3OnNostr, root.id, hop2OnNostr.id, 'hop three on Nostr');
    },
  }),
  defineScenario({
    id: 'thread:activitypub->solid->nostr',
    needs: ['activitypub', 'solid', 'nostr'],
    timeoutMs: T,
    async run(ctx) {
      // One fediverse person follows the Solid person's bridged actor, another the Nostr person's.
      const p = await apSolidPair(ctx);
      const n = await apNostrPair(ctx);
      // Hop one: a fediverse post, and its copy in the bridged pod.
      const rootWords = `a thread starts on the fediverse ${ctx.unique('t')}`;
      const { noteId: root, url: rootInPod } = await apPostInPod(ctx, p, rootWords);
      // Hop two: the Solid person replies to that copy in her pod.
      const hop2Words = `hop two from a pod ${ctx.unique('t')}`;
      const hop2 = await solidPut(p.solid, ctx.unique('reply'), { type: 'Note', attributedTo: p.solid.webId, content: hop2Words, mediaType: 'text/plain', inReplyTo: rootInPod });
      // Hop three: the Nostr person replies to hop two's copy on Nostr, marked as a NIP-10 client does.
      const rootOnNostr = await nostrCopyOf(ctx, root, { what: 'the fediverse post on the relay', timeoutMs: 60_000 });
      const hop2OnNostr = await nostrCopyOf(ctx, hop2, { what: 'hop two on the relay', timeoutMs: 60_000 });
      const hop3Words = `hop three from nostr ${ctx.unique('t')}`;
      const hop3 = await publishNostr(ctx, n.sk, 1, hop3Words, [['e', rootOnNostr.id, '', 'root'], ['e', hop2OnNostr.id, '', 'reply'], ['p', hop2OnNostr.pubkey]]);

      // Nostr: hop two's copy replies to the post's copy (its root too).
      checkNip10(hop2OnNostr, rootOnNostr.id, rootOnNostr.id, 'hop two on Nostr');
      // Solid: hop three's copy (in the Nostr person's bridged pod) replies to hop two, in the post's thread.
      const { body: hop3InPod } = await inOutbox(ctx, bridgedOutbox(ctx, { sk: n.sk, pubkey: n.pk }), (b) => b.type === 'Note' && text(b).includes(hop3Words), 'hop three in the bridged pod');
      checkPodReply(hop3InPod, rootInPod, hop2, 'hop three in the pod');
      // Fediverse: hop two's copy replies to the post; hop three's copy to hop two's copy.
      const hop2OnAp = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(hop2Words), 'hop two at the fediverse server');
      checkApReply(noteOf(hop2OnAp), root, root, 'hop two on the fediverse');
      const hop3OnAp = await receivedBy(ctx, n.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(hop3Words), 'hop three at the fediverse server');
      checkApReply(noteOf(hop3OnAp), root, hop2OnAp.objectId!, 'hop three on the fediverse');
      check(hop3.id !== hop2OnNostr.id, 'hop three is its own note');
    },
  }),
  defineScenario({
    id: 'thread:solid->nostr->atproto',
    needs: ['solid', 'nostr', 'atproto'],
    timeoutMs: T,
    async run(ctx) {
      const [alice, sk, bob] = await Promise.all([linkSolid(ctx, 'hopsolid'), linkedNostrKey(ctx), linkBluesky(ctx, 'hopbsky')]);
      // Hop one: a post in a pod, and its copies on Nostr and on the PDS.
      const rootWords = `a thread starts in a pod ${ctx.unique('t')}`;
      const { url: root, copy: rootOnNostr } = await solidPostOnNostr(ctx, alice, rootWords);
      const rootOnBsky = await waitRecord(ctx, POST, byText(rootWords), 'the pod post on the PDS');
      const rootRef = { uri: rootOnBsky.uri, cid: rootOnBsky.cid };
      // Hop two: a Nostr reply to the post's copy there.
      const hop2Words = `hop two from nostr ${ctx.unique('t')}`;
      const hop2 = await publishNostr(ctx, sk, 1, hop2Words, [['e', rootOnNostr.id, '', 'root'], ['p', rootOnNostr.pubkey]]);
      // Hop three: a Bluesky reply to hop two's copy on the PDS, in the thread of the post's copy.
      const hop2OnBsky = await waitRecord(ctx, POST, byText(hop2Words), 'hop two on the PDS');
      const hop2Ref = { uri: hop2OnBsky.uri, cid: hop2OnBsky.cid };
      const hop3Words = `hop three from bluesky ${ctx.unique('t')}`;
      const hop3 = await createRecord(bob.agent, bob.account.did, POST, { text: hop3Words, reply: { root: rootRef, parent: hop2Ref } });

      // Bluesky: hop two's copy replies to the post's copy, its root too.
      checkAtReply(hop2OnBsky, rootRef, rootRef, 'hop two on Bluesky');
      // Nostr: hop three's copy replies to hop two, with the post's copy as root.
      const hop3OnNostr = await nostrCopyOf(ctx, hop3.uri, { what: 'hop three on the relay', timeoutMs: 60_000 });
      checkNip10(hop3OnNostr, rootOnNostr.id, hop2.id, 'hop three on Nostr');
      // Solid: hop two's copy (the Nostr person's bridged pod) replies to the post; hop three's copy
      // (the Bluesky person's bridged pod) to hop two's copy, in the post's thread.
      const { url: hop2InPod, body: hop2Body } = await inOutbox(ctx, bridgedOutbox(ctx, { sk, pubkey: getPublicKey(sk) }), (b) => b.type === 'Note' && text(b).includes(hop2Words), 'hop two in the bridged pod');
      checkPodReply(hop2Body, root, root, 'hop two in the pod');
      const { body: hop3Body } = await inOutbox(ctx, bridgedOutboxOf(ctx, bob), (b) => b.type === 'Note' && text(b).includes(hop3Words), 'hop three in the bridged pod');
      checkPodReply(hop3Body, root, hop2InPod, 'hop three in the pod');
    },
  }),
];
