/**
 * One person on two networks (account mirroring, issue 7): a Nostr key linked first, then the
 * person's own Bluesky account linked into the same Pontis account with the token the first link
 * answered. What they post on Nostr is written into their own Bluesky repo (we hold their app
 * password), once; what they post on Bluesky reaches Nostr through their bridged identity (we
 * hold no key of theirs), once; neither comes back as a second copy.
 */
import { getPublicKey } from 'nostr-tools/pure';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { createRecord, findRecord, linkBluesky, POST, type Rec } from './atproto.js';
import { linkNostrKey, publishNostr } from './nostr-person.js';

const NEEDS = ['atproto', 'nostr'] as const;

async function person(ctx: E2EContext) {
  const nostr = await linkNostrKey(ctx);
  const bsky = await linkBluesky(ctx, 'mirror', { accountToken: nostr.accountToken });
  check(bsky.accountId === nostr.accountId, `the Bluesky account went into account ${bsky.accountId}, not ${nostr.accountId}`);
  return { nostr, bsky };
}

/** Every record on the PDS (any repo) whose text carries `marker`. */
async function recordsWith(ctx: E2EContext, marker: string): Promise<Rec[]> {
  const out: Rec[] = [];
  await findRecord(ctx.peer('atproto'), POST, (r) => {
    if (typeof r.value.text === 'string' && r.value.text.includes(marker)) out.push(r);
    return false;
  });
  return out;
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'mirror:nostr->atproto',
    needs: [...NEEDS],
    timeoutMs: 120_000,
    async run(ctx) {
      const { nostr, bsky } = await person(ctx);
      const marker = ctx.unique('mirror');
      await publishNostr(ctx, nostr.sk, 1, `written once on nostr ${marker}`);
      const mine = await ctx.waitFor(async () => (await recordsWith(ctx, marker)).find((r) => r.uri.startsWith(`at://${bsky.account.did}/`)), { what: 'the note in the person’s own Bluesky repo', timeoutMs: 60_000 });
      check(mine !== undefined, 'unreachable');
      // Give a second copy (a bridged account, or the record coming back through the firehose) time to show.
      await new Promise((r) => setTimeout(r, 5_000));
      const all = await recordsWith(ctx, marker);
      check(all.length === 1, `${all.length} copies on the PDS: ${all.map((r) => r.uri).join(', ')}`);
      const onRelay = (await ctx.peer('nostr').query({ kinds: [1], limit: 500 })).filter((e) => e.content.includes(marker));
      check(onRelay.length === 1 && onRelay[0]!.pubkey === getPublicKey(nostr.sk), `the note came back to Nostr: ${onRelay.length} notes carry it`);
    },
  }),
  defineScenario({
    id: 'mirror:atproto->nostr',
    needs: [...NEEDS],
    timeoutMs: 120_000,
    async run(ctx) {
      const { nostr, bsky } = await person(ctx);
      const marker = ctx.unique('mirror');
      await createRecord(bsky.agent, bsky.account.did, POST, { text: `written once on bluesky ${marker}` });
      const copy = await ctx.waitFor(async () => (await ctx.peer('nostr').query({ kinds: [1], limit: 500 })).find((e) => e.content.includes(marker)), { what: 'the post on the relay', timeoutMs: 60_000 });
      check(copy.pubkey !== getPublicKey(nostr.sk), 'published as the person’s own key, which the bridge does not hold');
      check(copy.tags.some((t) => t[0] === 'proxy' && t[2] === 'atproto'), `no NIP-48 proxy tag: ${JSON.stringify(copy.tags)}`);
      await new Promise((r) => setTimeout(r, 5_000));
      const notes = (await ctx.peer('nostr').query({ kinds: [1], limit: 500 })).filter((e) => e.content.includes(marker));
      check(notes.length === 1, `${notes.length} notes carry it on the relay`);
      check((await recordsWith(ctx, marker)).length === 1, 'the post was copied back into Bluesky');
    },
  }),
];
