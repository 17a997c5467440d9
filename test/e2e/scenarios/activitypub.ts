/**
 * The ActivityPub adapter inside a running Pontis, with the Fedify server as the fediverse and the
 * Nostr relay on the other side. A fediverse person links by following the bridge's instance actor
 * (`@pontis@<host>`); a Nostr person links with NIP-98 (as in nostr.ts).
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { npubEncode } from 'nostr-tools/nip19';
import type { ActivityPubPeer, ApUser } from '../../../libs/harness/index.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';

const AP_JSON = { accept: 'application/activity+json' };

async function linkedFediverseUser(ctx: E2EContext, name: string): Promise<ApUser> {
  const ap = ctx.peer('activitypub') as ActivityPubPeer;
  const user = await ap.createUser(ctx.unique(name).replace(/[^a-z0-9_]/gi, '_'));
  const instance = `${ctx.pontisUrl}/ap/users/pontis`;
  await ap.follow(user.name, instance);
  await ctx.waitFor(async () => (await ap.followers(user.name)).some((f) => f.id === instance), { timeoutMs: 20_000, what: 'the bridge to follow the fediverse user back' });
  return user;
}

async function linkedNostrKey(ctx: E2EContext): Promise<Uint8Array> {
  const sk = generateSecretKey();
  const url = `${ctx.pontisUrl}/api/v1/nostr/link`;
  const proof = finalizeEvent({ kind: 27235, created_at: Math.floor(Date.now() / 1000), tags: [['u', url], ['method', 'POST']], content: '' }, sk);
  const linked = await fetchT(url, { method: 'POST', headers: { authorization: `Nostr ${Buffer.from(JSON.stringify(proof)).toString('base64')}` } });
  check(linked.status === 200, `nostr link answered ${linked.status}: ${await linked.text()}`);
  return sk;
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'post:activitypub->nostr',
    needs: ['activitypub', 'nostr'],
    timeoutMs: 90_000,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const user = await linkedFediverseUser(ctx, 'apposter');
      const text = `hello from the fediverse ${ctx.unique('n')}`;
      await ap.createNote(user.name, { content: `<p>${text}</p>` });
      const found = await ctx.waitFor(
        async () => (await ctx.peer('nostr').query({ kinds: [1], limit: 50 })).find((e) => e.content.includes(text)),
        { timeoutMs: 60_000, what: 'the bridged note on the relay' },
      );
      check(found.tags.some((t) => t[0] === 'proxy' && t[2] === 'activitypub'), `no NIP-48 proxy tag: ${JSON.stringify(found.tags)}`);
    },
  }),
  defineScenario({
    id: 'post:nostr->activitypub',
    needs: ['activitypub', 'nostr'],
    timeoutMs: 120_000,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const relay = ctx.peer('nostr');
      const sk = await linkedNostrKey(ctx);
      const actor = `${ctx.pontisUrl}/ap/users/${npubEncode(getPublicKey(sk))}`;
      // The first note creates the bridged actor (no follower yet); a fediverse user then follows it.
      const first = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: `first ${ctx.unique('n')}` }, sk);
      check((await relay.publish(first)).accepted, 'relay refused the first note');
      await ctx.waitFor(async () => (await fetchT(actor, { headers: AP_JSON })).status === 200, { timeoutMs: 60_000, what: `the bridged actor ${actor}` });
      const follower = await ap.createUser(ctx.unique('apreader').replace(/[^a-z0-9_]/gi, '_'));
      await ap.follow(follower.name, actor);
      await ctx.waitFor(async () => (await ap.following(follower.name)).some((f) => f.id === actor && f.accepted), { timeoutMs: 20_000, what: 'the bridged actor to accept the follow' });
      const text = `hello from nostr ${ctx.unique('n')}`;
      const note = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000) + 1, tags: [], content: text }, sk);
      check((await relay.publish(note)).accepted, 'relay refused the note');
      const got = await ctx.waitFor(
        async () => (await ap.received(follower.name)).find((a) => a.type === 'Create' && JSON.stringify(a.json).includes(text)),
        { timeoutMs: 60_000, what: 'the bridged note at the fediverse server' },
      );
      check(got.actor === actor, `Create from ${got.actor}, expected ${actor}`);
    },
  }),
];
