/**
 * Mentions, quotes and follows between Nostr and Solid. A follow in a pod is an AS2 `Follow` in
 * the follower's outbox, with a notice in the followed person's inbox when the bridge may write
 * there (LDN). A pod has no quote property in AS2: the bridge
 * writes and reads FEP-e232 object links (a `Link` tag with the ActivityStreams media type and
 * Misskey's quote `rel`), plus a `RE: <url>` line for readers that know no object links
 * (docs/SOLID.md). Mentions are AS2 `Mention` tags naming the WebID.
 */
import { neventEncode, npubEncode } from 'nostr-tools/nip19';
import { check, defineScenario, type Scenario } from '../scenario.js';
import { bridgedOutbox, inInbox, inOutbox, linkNostr, linkSolid, NEEDS, nostrPostInPod, nostrPublish, onRelay, solidPostOnNostr, solidPut, T, text } from './solid.js';

const tags = (b: Record<string, any>): Record<string, any>[] => (Array.isArray(b.tag) ? b.tag : b.tag ? [b.tag] : []);

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'mention:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      // Alice's first post makes her bridged Nostr identity: the key Bob mentions.
      const { copy } = await solidPostOnNostr(ctx, alice, `mention me ${ctx.unique('w')}`);
      const words = `hello pod person ${ctx.unique('w')}`;
      await nostrPublish(ctx, bob, 1, `${words} nostr:${npubEncode(copy.pubkey)}`, [['p', copy.pubkey]]);
      const { body } = await inOutbox(ctx, bridgedOutbox(ctx, bob), (b) => b.type === 'Note' && text(b).includes(words), 'the mention in the bridged pod');
      const mention = tags(body).find((t) => t.type === 'Mention');
      check(mention?.href === alice.webId, `the Mention names ${mention?.href}, expected ${alice.webId}: ${JSON.stringify(body.tag)}`);
      check(!text(body).includes('npub1'), `the mention kept the raw npub: ${text(body)}`);
    },
  }),
  defineScenario({
    id: 'mention:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      // Bob's first note makes his bridged pod, whose WebID Alice mentions.
      await nostrPostInPod(ctx, bob, `mention me ${ctx.unique('w')}`);
      const bobWebId = new URL('../../profile/card#me', bridgedOutbox(ctx, bob)).href;
      const words = `hello nostr person ${ctx.unique('w')}`;
      await solidPut(alice, ctx.unique('mention'), { type: 'Note', attributedTo: alice.webId, content: `@bob ${words}`, mediaType: 'text/plain', tag: [{ type: 'Mention', href: bobWebId, name: '@bob' }] });
      const ev = await onRelay(ctx, { kinds: [1], '#p': [bob.pubkey] }, (e) => e.content.includes(words), 'the mention on the relay');
      check(ev.content.includes(`nostr:${npubEncode(bob.pubkey)}`), `mention not rendered as nostr:npub: ${ev.content}`);
    },
  }),
  defineScenario({
    id: 'quote:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const { note, url } = await nostrPostInPod(ctx, bob, `quote me ${ctx.unique('w')}`);
      const words = `my quote ${ctx.unique('w')}`;
      await nostrPublish(ctx, bob, 1, `${words}\nnostr:${neventEncode({ id: note.id, author: note.pubkey })}`, [['q', note.id, '', note.pubkey]]);
      const { body } = await inOutbox(ctx, bridgedOutbox(ctx, bob), (b) => b.type === 'Note' && text(b).includes(words), 'the quote in the bridged pod');
      const link = tags(body).find((t) => t.type === 'Link');
      check(link?.href === url, `the object link points at ${link?.href}, expected the pod copy ${url}: ${JSON.stringify(body.tag)}`);
      check(text(body).includes(`RE: <a href="${url}"`), `no RE: fallback line: ${text(body)}`);
    },
  }),
  defineScenario({
    id: 'quote:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const { url, copy } = await solidPostOnNostr(ctx, alice, `quote me ${ctx.unique('w')}`);
      const words = `my pod quote ${ctx.unique('w')}`;
      await solidPut(alice, ctx.unique('quote'), {
        type: 'Note', attributedTo: alice.webId, content: `${words}\n\nRE: ${url}`, mediaType: 'text/plain',
        tag: [{ type: 'Link', mediaType: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', href: url, name: `RE: ${url}` }],
      });
      const ev = await onRelay(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the quote on the relay');
      check(ev.tags.some((t) => t[0] === 'q' && t[1] === copy.id), `no q tag for ${copy.id}: ${JSON.stringify(ev.tags)}`);
      check(!ev.content.includes('RE: '), `the RE: fallback line was bridged as text: ${ev.content}`);
    },
  }),
  defineScenario({
    id: 'follow:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { copy } = await solidPostOnNostr(ctx, alice, `follow me ${ctx.unique('w')}`);
      await nostrPublish(ctx, bob, 3, '', [['p', copy.pubkey]]);
      const bobWebId = new URL('../../profile/card#me', bridgedOutbox(ctx, bob)).href;
      const notice = await inInbox(ctx, alice, (b) => b.type === 'Follow' && b.object === alice.webId, 'the Follow in alice’s inbox');
      check(notice.actor === bobWebId, `Follow by ${notice.actor}, expected bob's bridged WebID ${bobWebId}`);
      await inOutbox(ctx, bridgedOutbox(ctx, bob), (b) => b.type === 'Follow' && b.object === alice.webId, 'the Follow in bob’s bridged pod');
    },
  }),
  defineScenario({
    id: 'follow:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      await nostrPostInPod(ctx, bob, `follow me ${ctx.unique('w')}`);
      const { copy } = await solidPostOnNostr(ctx, alice, `i am alice ${ctx.unique('w')}`);
      const bobWebId = new URL('../../profile/card#me', bridgedOutbox(ctx, bob)).href;
      const follow = await solidPut(alice, ctx.unique('follow'), { type: 'Follow', actor: alice.webId, object: bobWebId });
      const list = await onRelay(ctx, { kinds: [3], authors: [copy.pubkey] }, (e) => e.tags.some((t) => t[0] === 'p' && t[1] === bob.pubkey), 'alice’s follow list with bob');
      check(list.pubkey === copy.pubkey, 'the follow list is not alice’s bridged identity’s');
      // Removing the Follow from the pod is the unfollow.
      const res = await alice.client.fetch(follow, { method: 'DELETE' });
      check(res.ok, `DELETE ${res.status}`);
      await onRelay(ctx, { kinds: [3], authors: [copy.pubkey] }, (e) => e.created_at >= list.created_at && e.id !== list.id && !e.tags.some((t) => t[0] === 'p' && t[1] === bob.pubkey), 'alice’s follow list without bob');
    },
  }),
];
