/**
 * Moderation across networks with the real peers: a Nostr person's mute list (their block) keeps a
 * fediverse person's replies to them off Nostr, and a report made on one network about a bridged
 * proxy reaches the reported person's home server (a kind 1984 by the bridge key; a Flag from the
 * instance actor). That the bridge's moderators see the report in `GET /api/v1/admin/reports` is
 * shown by services/activitypub/flag-report.int.test.ts (the same Fedify peer, the real translator)
 * and services/gateway/admin/admin-reports.int.test.ts: the e2e Pontis runs on an embedded
 * database no admin token can be minted in while it runs.
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { npubEncode } from 'nostr-tools/nip19';
import type { ActivityPubPeer, ApUser } from '../../../libs/harness/index.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { AP_JSON, linkedFediverseUser } from './activitypub.js';
import { linkedNostrKey, publishNostr } from './nostr-person.js';

const nowS = () => Math.floor(Date.now() / 1000);

/** A linked fediverse person and a linked Nostr person; the fediverse one follows the Nostr one's bridged actor. */
async function people(ctx: E2EContext): Promise<{ ap: ApUser; sk: Uint8Array; pk: string; bridgedActor: string }> {
  const ap = ctx.peer('activitypub') as ActivityPubPeer;
  const user = await linkedFediverseUser(ctx, 'mod');
  const sk = await linkedNostrKey(ctx);
  const pk = getPublicKey(sk);
  const bridgedActor = `${ctx.pontisUrl}/ap/users/${npubEncode(pk)}`;
  await publishNostr(ctx, sk, 1, `hello ${ctx.unique('n')}`);
  await ctx.waitFor(async () => (await fetchT(bridgedActor, { headers: AP_JSON })).status === 200, { timeoutMs: 60_000, what: `the bridged actor ${bridgedActor}` });
  await ap.follow(user.name, bridgedActor);
  await ctx.waitFor(async () => (await ap.following(user.name)).some((f) => f.id === bridgedActor && f.accepted), { timeoutMs: 20_000, what: 'the bridged actor to accept the follow' });
  return { ap: user, sk, pk, bridgedActor };
}

/** A fediverse post bridged to Nostr: the fediverse person's Nostr proxy is its author. */
async function fediverseProxyOnNostr(ctx: E2EContext, user: ApUser): Promise<string> {
  const text = `fedi hello ${ctx.unique('n')}`;
  await (ctx.peer('activitypub') as ActivityPubPeer).createNote(user.name, { content: `<p>${text}</p>` });
  const copy = await ctx.waitFor(async () => (await ctx.peer('nostr').query({ kinds: [1], limit: 200 })).find((e) => e.content.includes(text)), { timeoutMs: 60_000, what: 'the fediverse post on Nostr' });
  return copy.pubkey;
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'block:nostr->activitypub',
    needs: ['activitypub', 'nostr'],
    timeoutMs: 240_000,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const relay = ctx.peer('nostr');
      const p = await people(ctx);
      const proxy = await fediverseProxyOnNostr(ctx, p.ap);
      // The Nostr person's note, as the fediverse person sees it.
      const noteText = `reply to me ${ctx.unique('n')}`;
      const note = await publishNostr(ctx, p.sk, 1, noteText);
      const create = await ctx.waitFor(async () => (await ap.received(p.ap.name)).find((a) => a.type === 'Create' && JSON.stringify(a.json).includes(noteText)), { timeoutMs: 60_000, what: 'the Nostr note at the fediverse server' });
      const repliesOnNostr = async (marker: string) => (await relay.query({ kinds: [1], '#e': [note.id] })).filter((e) => e.content.includes(marker));

      // Before the block the fediverse person's reply reaches Nostr under the note (the check below can fail).
      const first = `first reply ${ctx.unique('n')}`;
      await ap.createNote(p.ap.name, { content: `<p>${first}</p>`, inReplyTo: create.objectId!, to: [p.bridgedActor] });
      await ctx.waitFor(async () => (await repliesOnNostr(first)).length > 0, { timeoutMs: 60_000, what: 'the first reply on Nostr' });

      // The Nostr person mutes the fediverse person's proxy (NIP-51 kind 10000: how Nostr people block).
      check((await relay.publish(finalizeEvent({ kind: 10000, created_at: nowS(), tags: [['p', proxy]], content: '' }, p.sk))).accepted, 'relay refused the mute list');
      // The block reaches the Nostr person's proxy on the fediverse: a Block of the fediverse person.
      await ctx.waitFor(async () => (await ap.received(p.ap.name)).find((a) => a.type === 'Block' && a.actor === p.bridgedActor), { timeoutMs: 60_000, what: 'the Block at the fediverse server' });

      const second = `second reply ${ctx.unique('n')}`;
      await ap.createNote(p.ap.name, { content: `<p>${second}</p>`, inReplyTo: create.objectId!, to: [p.bridgedActor] });
      // Same author, same partition: once a later post of theirs is on Nostr, the reply was decided.
      await fediverseProxyOnNostr(ctx, p.ap);
      check((await repliesOnNostr(second)).length === 0, 'the reply of a blocked person reached the Nostr person who blocked them');
    },
  }),
  defineScenario({
    id: 'report:activitypub',
    needs: ['activitypub', 'nostr'],
    timeoutMs: 180_000,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const p = await people(ctx);
      const mod = await ap.createUser(ctx.unique('flagger'));
      const reason = `spam ${ctx.unique('r')}`;
      // A fediverse moderator reports the Nostr person's proxy (a Flag, as Mastodon sends one).
      await ap.send({ from: mod.name, to: p.bridgedActor, activity: { type: 'Flag', content: reason, object: [p.bridgedActor] } });
      // Forwarded to the person's home network: a NIP-56 report by the bridge's key, not the reporter's.
      const fwd = await ctx.waitFor(async () => (await ctx.peer('nostr').query({ kinds: [1984], '#p': [p.pk] })).find((e) => e.content.includes(reason)), { timeoutMs: 60_000, what: 'the kind 1984 on Nostr' });
      check(fwd.content.startsWith('Reported on activitypub through the Pontis bridge'), `content: ${fwd.content}`);
      check(fwd.pubkey !== p.pk && !fwd.content.includes(mod.id), 'the forwarded report names the reporter');
      check(fwd.tags.some((t) => t[0] === 'p' && t[1] === p.pk && t[2] === 'spam'), `tags: ${JSON.stringify(fwd.tags)}`);
    },
  }),
  defineScenario({
    id: 'report:nostr',
    needs: ['activitypub', 'nostr'],
    timeoutMs: 180_000,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const user = await linkedFediverseUser(ctx, 'reported');
      const proxy = await fediverseProxyOnNostr(ctx, user);
      const reason = `impersonation ${ctx.unique('r')}`;
      const reporter = generateSecretKey();
      // Anyone on Nostr reports the fediverse person's proxy (NIP-56).
      await publishNostr(ctx, reporter, 1984, reason, [['p', proxy, 'impersonation']]);
      const flag = await ctx.waitFor(async () => (await ap.received('*')).find((a) => a.type === 'Flag' && JSON.stringify(a.json).includes(reason)), { timeoutMs: 90_000, what: 'the Flag at the fediverse server' });
      check(flag.actor === `${ctx.pontisUrl}/ap/users/pontis`, `sent by ${flag.actor}, not the instance actor`);
      check(JSON.stringify(flag.json).includes(user.id), `the Flag does not name the reported person: ${JSON.stringify(flag.json).slice(0, 400)}`);
      check(!JSON.stringify(flag.json).includes(getPublicKey(reporter)), 'the forwarded report names the reporter');
    },
  }),
];
