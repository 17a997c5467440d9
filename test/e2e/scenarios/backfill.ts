/**
 * Backfill (issue 7 item 5): a person posted before linking; they link with `backfill: 5` and their
 * last posts, plus the thread root their reply points at, appear on the other networks once each.
 * `backfill:nostr` checks the copies on Bluesky; `backfill:atproto`, `backfill:solid` and
 * `backfill:activitypub` (linked by a one-time code in a public post) on Nostr.
 */
import { createHash } from 'node:crypto';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { createRecord, findRecord, linkBluesky, POST, type Rec } from './atproto.js';
import { linkedNostrKey, publishNostr } from './nostr-person.js';
import { linkGrantAcl } from '../../../services/solid/pod/acl.js';
import { linkSolid, solidPut } from './solid.js';
import { linkedFediverseUser } from './activitypub.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The root and the four posts are on Nostr once each (after a pause in which a second copy would
 * land), and the reply's copy (texts[2]) points at the root's copy.
 */
async function checkOnceOnNostr(ctx: E2EContext, marker: string, rootText: string, texts: string[], isCopyOf = (content: string, text: string) => content.startsWith(text)): Promise<void> {
  const mine = async () => (await ctx.peer('nostr').query({ kinds: [1], since: nowSeconds() - 3_600, limit: 500 })).filter((e) => e.content.includes(marker));
  await ctx.waitFor(async () => ((await mine()).length >= 5 ? true : undefined), { what: 'five copies on Nostr', timeoutMs: 120_000 });
  await new Promise((r) => setTimeout(r, 2_000)); // a second copy, if any, would land now
  const copies = await mine();
  for (const text of [rootText, ...texts]) {
    const n = copies.filter((c) => isCopyOf(c.content, text)).length;
    check(n === 1, `"${text}" is on Nostr ${n} times, not once`);
  }
  const rootCopy = copies.find((c) => isCopyOf(c.content, rootText))!;
  const reply = copies.find((c) => isCopyOf(c.content, texts[2]!))!;
  check(reply.tags.some((t) => t[0] === 'e' && t[1] === rootCopy.id), `the reply's copy does not point at the root's copy ${rootCopy.id}: ${JSON.stringify(reply.tags)}`);
}

/** A note with a past `created_at`, as if written before the person linked. */
async function pastNote(ctx: E2EContext, sk: Uint8Array, content: string, secondsAgo: number, tags: string[][] = []): Promise<NostrEvent> {
  const ev = finalizeEvent({ kind: 1, created_at: nowSeconds() - secondsAgo, tags, content }, sk) as NostrEvent;
  const r = await ctx.peer('nostr').publish(ev);
  check(r.accepted, `relay refused a note: ${r.message}`);
  return ev;
}

/** NIP-98 link with a JSON body (the proof names its hash). */
async function linkWithBackfill(ctx: E2EContext, sk: Uint8Array, count: number): Promise<{ accountId: string; backfill?: { id: string } }> {
  const url = `${ctx.pontisUrl!}/api/v1/nostr/link`;
  const body = JSON.stringify({ backfill: count });
  const proof = finalizeEvent({ kind: 27235, created_at: nowSeconds(), tags: [['u', url], ['method', 'POST'], ['payload', createHash('sha256').update(body).digest('hex')]], content: '' }, sk);
  const res = await fetchT(url, { method: 'POST', headers: { authorization: `Nostr ${Buffer.from(JSON.stringify(proof)).toString('base64')}`, 'content-type': 'application/json' }, body });
  const text = await res.text();
  check(res.status === 200, `nostr link answered ${res.status}: ${text}`);
  return JSON.parse(text) as { accountId: string; backfill?: { id: string } };
}

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
    id: 'backfill:nostr',
    needs: ['nostr', 'atproto'],
    timeoutMs: 180_000,
    async run(ctx) {
      const marker = ctx.unique('bf');
      // Bob is bridged already; his post is the root Alice replied to.
      const bob = await linkedNostrKey(ctx);
      const root = await publishNostr(ctx, bob, 1, `bob's thread ${marker}`);
      const alice = generateSecretKey();
      const texts = ['first', 'second', 'reply', 'third'].map((w) => `alice ${w} ${marker}`);
      await pastNote(ctx, alice, texts[0]!, 400);
      await pastNote(ctx, alice, texts[1]!, 300);
      await pastNote(ctx, alice, texts[2]!, 200, [['e', root.id, '', 'root'], ['p', getPublicKey(bob)]]);
      await pastNote(ctx, alice, texts[3]!, 100);

      const linked = await linkWithBackfill(ctx, alice, 5);
      check(Boolean(linked.backfill?.id), `the link answered no backfill job: ${JSON.stringify(linked)}`);
      const jobUrl = `${ctx.pontisUrl!}/api/v1/accounts/${linked.accountId}/backfill/${linked.backfill!.id}`;
      // Done publishing, and the five copies on Bluesky (the other networks' peers are not started
      // here, so their deliveries stay queued and the job does not settle).
      let last: unknown;
      await ctx
        .waitFor(
          async () => {
            const j = (await (await fetchT(jobUrl)).json()) as { state: string; found: number };
            last = j;
            return j.state === 'done' && j.found === 5 && (await recordsWith(ctx, marker)).length >= 5 ? j : undefined;
          },
          { what: 'the backfill done and five copies on Bluesky', timeoutMs: 120_000 },
        )
        .catch((err: Error) => {
          throw new Error(`${err.message}; job: ${JSON.stringify(last)}`);
        });
      const copies = await recordsWith(ctx, marker);
      for (const text of [`bob's thread ${marker}`, ...texts]) {
        const n = copies.filter((c) => c.value.text === text || String(c.value.text).startsWith(text)).length;
        check(n === 1, `"${text}" is on Bluesky ${n} times, not once`);
      }
      const reply = copies.find((c) => String(c.value.text).includes(texts[2]!))!;
      const rootCopy = copies.find((c) => String(c.value.text).includes(`bob's thread ${marker}`))!;
      const parent = (reply.value.reply as { parent?: { uri?: string } } | undefined)?.parent?.uri;
      check(parent === rootCopy.uri, `the reply's copy points at ${parent}, not at the root's copy ${rootCopy.uri}`);
    },
  }),
  defineScenario({
    id: 'backfill:atproto',
    needs: ['nostr', 'atproto'],
    timeoutMs: 180_000,
    async run(ctx) {
      const marker = ctx.unique('bf');
      const pds = ctx.peer('atproto');
      // Bob is bridged already; his post is the root Alice replied to.
      const bob = await linkBluesky(ctx, 'bfbob');
      const rootText = `bob's thread ${marker}`;
      const root = await createRecord(bob.agent, bob.account.did, POST, { text: rootText });
      const handle = `${ctx.unique('bfalice').replace(/[^a-z0-9]/g, '').slice(0, 14)}.test`;
      const alice = await pds.createAccount({ handle, email: `${handle}@e2e.example`, password: 'e2e-app-password' });
      const agent = await pds.login(handle, 'e2e-app-password');
      const texts = ['first', 'second', 'reply', 'third'].map((w) => `alice ${w} ${marker}`);
      for (const [i, text] of texts.entries())
        await createRecord(agent, alice.did, POST, { text, createdAt: new Date(Date.now() - (4 - i) * 60_000).toISOString(), ...(i === 2 ? { reply: { root, parent: root } } : {}) });

      const res = await fetchT(`${ctx.pontisUrl}/api/v1/atproto/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: handle, appPassword: 'e2e-app-password', backfill: 5 }) });
      const body = await res.text();
      check(res.status === 200, `atproto link answered ${res.status}: ${body}`);
      const linked = JSON.parse(body) as { accountId: string; backfill?: { id: string } };
      check(Boolean(linked.backfill?.id), `the link answered no backfill job: ${body}`);
      await checkOnceOnNostr(ctx, marker, rootText, texts);
      const job = (await (await fetchT(`${ctx.pontisUrl}/api/v1/accounts/${linked.accountId}/backfill/${linked.backfill!.id}`)).json()) as { found: number };
      check(job.found === 5, `the job found ${job.found} posts, not 5`);
    },
  }),
  defineScenario({
    id: 'backfill:solid',
    needs: ['nostr', 'solid'],
    timeoutMs: 180_000,
    async run(ctx) {
      const marker = ctx.unique('bf');
      const bob = await linkSolid(ctx, 'bfbob');
      const rootText = `bob's thread ${marker}`;
      const root = await solidPut(bob, `root-${marker}`, { type: 'Note', attributedTo: bob.webId, content: rootText, mediaType: 'text/plain' });
      // Alice: her pod with the grant, four posts, then the link with backfill 5.
      const solid = ctx.peer('solid');
      const account = await solid.createAccount({ email: `${ctx.unique('bfalice')}@example.org`, password: 'correct horse battery staple' });
      const client = solid.client(account);
      const socialUrl = new URL('social/', account.podUrl).href;
      for (const path of ['social/', 'social/outbox/', 'social/inbox/']) {
        const res = await client.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
        check(res.ok, `creating ${path}: ${res.status}`);
      }
      const status = (await (await fetchT(`${ctx.pontisUrl}/api/v1/solid/status`)).json()) as { bridgeWebId: string };
      check((await client.fetch(`${socialUrl}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: linkGrantAcl(socialUrl, account.webId, status.bridgeWebId) })).ok, 'grant');
      const texts = ['first', 'second', 'reply', 'third'].map((w) => `alice ${w} ${marker}`);
      for (const [i, text] of texts.entries()) {
        const url = `${socialUrl}outbox/p${i}`;
        const note = { '@context': 'https://www.w3.org/ns/activitystreams', id: url, type: 'Note', attributedTo: account.webId, content: text, mediaType: 'text/plain', to: ['https://www.w3.org/ns/activitystreams#Public'], published: new Date(Date.now() - (4 - i) * 60_000).toISOString(), ...(i === 2 ? { inReplyTo: root } : {}) };
        check((await client.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify(note) })).ok, `PUT ${url}`);
      }
      const linked = await client.fetch(`${ctx.pontisUrl}/api/v1/solid/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webId: account.webId, backfill: 5 }) });
      const body = await linked.text();
      check(linked.status === 200, `link answered ${linked.status}: ${body}`);
      check(Boolean((JSON.parse(body) as { backfill?: unknown }).backfill), `the link answered no backfill job: ${body}`);
      await checkOnceOnNostr(ctx, marker, rootText, texts);
    },
  }),
  defineScenario({
    id: 'backfill:activitypub',
    needs: ['nostr', 'activitypub'],
    timeoutMs: 180_000,
    async run(ctx) {
      const marker = ctx.unique('bf');
      const ap = ctx.peer('activitypub');
      const bob = await linkedFediverseUser(ctx, 'bfbob');
      const rootText = `bob's thread ${marker}`;
      const root = (await ap.createNote(bob.name, { content: `<p>${rootText}</p>` })).noteId;
      const alice = await ap.createUser(ctx.unique('bfalice').replace(/[^a-z0-9_]/gi, '_'));
      const texts = ['first', 'second', 'reply', 'third'].map((w) => `alice ${w} ${marker}`);
      for (const [i, text] of texts.entries()) await ap.createNote(alice.name, { content: `<p>${text}</p>`, ...(i === 2 ? { inReplyTo: root } : {}) });
      // The one-time code in a public post proves the account is hers; that post is her newest, so the
      // last 5 are it and her four posts.
      const codeRes = await fetchT(`${ctx.pontisUrl}/api/v1/activitypub/link/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ actor: alice.id }) });
      const { code } = (await codeRes.json()) as { code: string };
      await ap.createNote(alice.name, { content: `<p>linking to Pontis: ${code}</p>` });
      const res = await fetchT(`${ctx.pontisUrl}/api/v1/activitypub/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ actor: alice.id, backfill: 5 }) });
      const body = await res.text();
      check(res.status === 200, `activitypub link answered ${res.status}: ${body}`);
      check(Boolean((JSON.parse(body) as { backfill?: unknown }).backfill), `the link answered no backfill job: ${body}`);
      await checkOnceOnNostr(ctx, marker, rootText, texts, (c, t) => c.includes(t));
    },
  }),
];
