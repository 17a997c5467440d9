/**
 * A reply to a post whose author is not bridged (services/translator/parent-rule.ts): the parent
 * can never have a copy on the fediverse, so the reply arrives there as a post of its own that
 * links the parent where it can be read. A Bluesky parent names its author (the DID in its at://
 * URI): the reply goes at once. A Nostr parent names its author only when the reply's `e` tag
 * carries the pubkey (NIP-10, as Amethyst writes it): then the reply goes at once; otherwise it
 * waits the short PONTIS_UNSEEN_PARENT_WAIT_MS the e2e run sets (test/e2e/run.ts), then goes.
 */
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { neventEncode } from 'nostr-tools/nip19';
import type { ActivityPubPeer } from '../../../libs/harness/index.js';
import { check, pairScenarios, type Scenario } from '../scenario.js';
import { pair as nostrPair, receivedBy } from './activitypub.js';
import { pair as bskyPair } from './activitypub-atproto.js';
import { createRecord, POST } from './atproto.js';

/** The Create at the fediverse server carries the text, no inReplyTo, and a link to `href`. */
function checkLinkedPost(json: Record<string, unknown>, href: string): void {
  const note = (json.object ?? {}) as Record<string, unknown>;
  check(!note.inReplyTo, `the post claims to reply to ${String(note.inReplyTo)}, a post the fediverse cannot have`);
  check(String(note.content ?? '').includes(`href="${href}"`), `no link to the parent ${href} in: ${String(note.content).slice(0, 600)}`);
}

const withBluesky = pairScenarios(['activitypub', 'atproto'], 180_000, bskyPair);
const withNostr = pairScenarios(['activitypub', 'nostr'], 180_000, nostrPair);

export const scenarios: Scenario[] = [
  withBluesky('reply-to-unbridged:atproto->activitypub', async (ctx, p) => {
    // Someone on Bluesky who never linked: the bridge does not carry their posts.
    const pds = ctx.peer('atproto');
    const handle = `${ctx.unique('stranger').replace(/[^a-z0-9]/gi, '').slice(0, 14).toLowerCase()}.test`;
    const stranger = await pds.createAccount({ handle, email: `${handle}@e2e.example`, password: 'e2e-stranger' });
    const strangerAgent = await pds.login(handle, 'e2e-stranger');
    const parent = await createRecord(strangerAgent, stranger.did, POST, { text: `not bridged ${ctx.unique('p')}` });
    const text = `a reply to someone not bridged ${ctx.unique('r')}`;
    const ref = { uri: parent.uri, cid: parent.cid };
    await createRecord(p.bsky.agent, p.bsky.account.did, POST, { text, reply: { root: ref, parent: ref } });
    const got = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(text), 'the reply at the fediverse server');
    checkLinkedPost(got.json, `https://bsky.app/profile/${stranger.did}/post/${parent.uri.split('/').pop()}`);
  }),
  withNostr('reply-to-unbridged:nostr->activitypub', async (ctx, p) => {
    const relay = ctx.peer('nostr');
    const now = () => Math.floor(Date.now() / 1000);
    const parent = finalizeEvent({ kind: 1, created_at: now(), tags: [], content: `not bridged ${ctx.unique('p')}` }, generateSecretKey());
    check((await relay.publish(parent)).accepted, 'relay refused the stranger’s note');
    // One reply names the parent's author in its e tag (goes at once), one does not (waits).
    const named = `a nostr reply naming the author of its parent ${ctx.unique('n')}`;
    const text = `a nostr reply to someone not bridged ${ctx.unique('r')}`;
    for (const [content, eTag] of [[named, ['e', parent.id, '', 'root', parent.pubkey]], [text, ['e', parent.id, '', 'root']]] as const) {
      const reply = finalizeEvent({ kind: 1, created_at: now(), tags: [[...eTag], ['p', parent.pubkey]], content }, p.sk);
      check((await relay.publish(reply)).accepted, 'relay refused the reply');
    }
    const ap = ctx.peer('activitypub') as ActivityPubPeer;
    const createsOf = async (t: string) => (await ap.received(p.ap.name)).filter((a) => a.type === 'Create' && JSON.stringify(a.json).includes(t));
    const first = await ctx.waitFor(async () => (await createsOf(named))[0], { timeoutMs: 150_000, what: 'the reply naming the author at the fediverse server' });
    checkLinkedPost(first.json, `https://njump.me/${neventEncode({ id: parent.id, author: parent.pubkey })}`);
    // The other waits (10 s here) and the translator's sweep (every 15 s) come before its delivery.
    const got = await ctx.waitFor(async () => (await createsOf(text))[0], { timeoutMs: 150_000, what: 'the reply at the fediverse server' });
    checkLinkedPost(got.json, `https://njump.me/${neventEncode({ id: parent.id })}`);
    for (const t of [named, text]) check((await createsOf(t)).length === 1, 'a reply arrived more than once');
  }),
];
