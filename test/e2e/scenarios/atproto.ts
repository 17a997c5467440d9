/**
 * AT Protocol ⇄ Nostr through a running Pontis, against the real dev-env PDS + PLC and the real
 * relay. Nostr people link with a NIP-98 proof, Bluesky people with an app password
 * (POST /api/v1/atproto/link); what they do on their network must show up, converted, on the other.
 * Bridged Bluesky accounts are found on the PDS (listRepos + listRecords), bridged Nostr
 * identities on the relay (by the unique text they carry).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtpAgent } from '@atproto/api';
import sharp from 'sharp';
import { neventEncode, npubEncode } from 'nostr-tools/nip19';
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import { CORRECTION_PREFIX } from '../../../libs/adapter/edit-fallback.js';
import type { AtprotoAccount, AtprotoPeer } from '../../../libs/harness/index.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { correctionOnRelay, linkedNostrKey, nostrArticle, publishNostr } from './nostr-person.js';

export const POST = 'app.bsky.feed.post';
export type Rec = { uri: string; cid: string; value: Record<string, any> };
type NostrEvent = ReturnType<typeof finalizeEvent>;

// --- Nostr side -----------------------------------------------------------------------------

// --- Bluesky side ---------------------------------------------------------------------------

/** A new Bluesky account, linked with an app password (into the account of `accountToken` when given). */
export async function linkBluesky(ctx: E2EContext, name: string, o: { accountToken?: string } = {}): Promise<{ account: AtprotoAccount; agent: AtpAgent; accountId: string }> {
  const pds = ctx.peer('atproto');
  const handle = `${ctx.unique(name).replace(/[^a-z0-9]/gi, '').slice(0, 14).toLowerCase()}.test`;
  const account = await pds.createAccount({ handle, email: `${handle}@e2e.example`, password: 'e2e-app-password' });
  const res = await fetchT(`${ctx.pontisUrl}/api/v1/atproto/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.accountToken ? { 'pontis-account': o.accountToken } : {}) },
    body: JSON.stringify({ identifier: handle, appPassword: 'e2e-app-password' }),
  });
  const body = await res.text();
  check(res.status === 200, `atproto link answered ${res.status}: ${body}`);
  // The firehose watch list refreshes on link; give the socket a moment to see the next commit as watched.
  await new Promise((r) => setTimeout(r, 300));
  return { account, agent: await pds.login(handle, 'e2e-app-password'), accountId: (JSON.parse(body) as { accountId: string }).accountId };
}

export async function createRecord(agent: AtpAgent, did: string, collection: string, record: Record<string, unknown>): Promise<{ uri: string; cid: string }> {
  return (await agent.com.atproto.repo.createRecord({ repo: did, collection, record: { $type: collection, createdAt: new Date().toISOString(), ...record } })).data;
}

export async function xrpc<T>(pds: AtprotoPeer, nsid: string, params: Record<string, string>): Promise<T | undefined> {
  const q = new URLSearchParams(params).toString();
  const res = await fetchT(`${pds.info!.pdsUrl}/xrpc/${nsid}?${q}`);
  return res.ok ? ((await res.json()) as T) : undefined;
}

/** A record on the PDS whose JSON satisfies `match`, in any repo (bridged accounts included). */
export async function findRecord(pds: AtprotoPeer, collection: string, match: (r: Rec) => boolean): Promise<Rec | undefined> {
  const repos = (await xrpc<{ repos: { did: string }[] }>(pds, 'com.atproto.sync.listRepos', { limit: '1000' }))?.repos ?? [];
  // Newest repos first: the record a scenario waits for is almost always in a repo it just caused
  // (a full run leaves dozens of accounts behind, and reading them all per poll is slow).
  for (const { did } of repos.reverse()) {
    const recs = (await xrpc<{ records: Rec[] }>(pds, 'com.atproto.repo.listRecords', { repo: did, collection, limit: '100' }))?.records ?? [];
    const hit = recs.find(match);
    if (hit) return hit;
  }
  return undefined;
}

/** One record by its at:// URI, straight from the PDS. */
export const getRecord = (ctx: E2EContext, uri: string) => {
  const [, , repo, collection, rkey] = uri.split('/');
  return xrpc<Rec>(ctx.peer('atproto'), 'com.atproto.repo.getRecord', { repo: repo!, collection: collection!, rkey: rkey! });
};
/** The record's one picture: an images embed with `alt`, its blob served by the PDS from `did`'s repo. */
export async function checkPictureOnPds(ctx: E2EContext, copy: Rec, did: string, alt: string): Promise<void> {
  const image = copy.value.embed?.images?.[0];
  check(copy.value.embed?.$type === 'app.bsky.embed.images' && image?.alt === alt, `embed ${JSON.stringify(copy.value.embed)} has no image with the alt text`);
  const blob = await fetchT(`${ctx.peer('atproto').info!.pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${image.image.ref.$link}`);
  check(blob.ok && (await blob.arrayBuffer()).byteLength > 0, `the blob ${image.image.ref.$link} is not on the PDS (${blob.status})`);
}

/**
 * An edit as some Bluesky clients make it: `putRecord` over the post's own rkey with new text (the
 * firehose shows an `update` op); `createdAt` and everything else kept.
 */
export async function editPost(agent: AtpAgent, uri: string, text: string): Promise<void> {
  const [, , repo, collection, rkey] = uri.split('/');
  const current = (await agent.com.atproto.repo.getRecord({ repo: repo!, collection: collection!, rkey: rkey! })).data;
  await agent.com.atproto.repo.putRecord({ repo: repo!, collection: collection!, rkey: rkey!, swapRecord: current.cid, record: { ...(current.value as Record<string, unknown>), text } });
}

/**
 * The edit fallback on Bluesky (services/atproto/README.md): a new record in the copy's repo, led by
 * the correction line, replying to the copy (strong refs), the copy itself left as it was.
 */
export async function checkCorrectionOnPds(ctx: E2EContext, correction: Rec, copy: Rec): Promise<void> {
  const repo = copy.uri.split('/')[2];
  check(correction.uri.startsWith(`at://${repo}/`) && correction.uri !== copy.uri, `correction ${correction.uri} is not a new record in ${repo}`);
  check(correction.value.text.startsWith(CORRECTION_PREFIX), `no correction line in "${correction.value.text}"`);
  const reply = correction.value.reply;
  check(reply?.parent?.uri === copy.uri && reply.parent.cid === copy.cid && reply.root?.uri === (copy.value.reply?.root?.uri ?? copy.uri), `correction ${JSON.stringify(reply)} does not reply to ${copy.uri}`);
  check((await getRecord(ctx, copy.uri))?.cid === copy.cid, `the copy ${copy.uri} was rewritten`);
}

export const byText = (text: string) => (r: Rec) => typeof r.value.text === 'string' && r.value.text.includes(text);
export const waitRecord = (ctx: E2EContext, collection: string, match: (r: Rec) => boolean, what: string) =>
  ctx.waitFor(() => findRecord(ctx.peer('atproto'), collection, match), { what, timeoutMs: 60_000 });
export const waitNostr = (ctx: E2EContext, filter: Record<string, unknown>, match: (e: NostrEvent) => boolean, what: string) =>
  ctx.waitFor(async () => (await ctx.peer('nostr').query({ limit: 200, ...filter } as never)).find((e) => match(e as NostrEvent)) as NostrEvent | undefined, { what, timeoutMs: 30_000 });

/** nostr→atproto: a linked Nostr person's note bridged to a new PDS account. */
async function nostrPostBridged(ctx: E2EContext, text: string, tags: string[][] = []) {
  const sk = await linkedNostrKey(ctx);
  const note = await publishNostr(ctx, sk, 1, text, tags);
  const copy = await waitRecord(ctx, POST, byText(text), `the Bluesky copy of "${text}"`);
  return { sk, note, copy, did: copy.uri.split('/')[2]! };
}

/** atproto→nostr: a linked Bluesky person's post bridged to a Nostr identity. */
async function blueskyPostBridged(ctx: E2EContext, name: string, text: string, extra: Record<string, unknown> = {}) {
  const bob = await linkBluesky(ctx, name);
  const post = await createRecord(bob.agent, bob.account.did, POST, { text, ...extra });
  const copy = await waitNostr(ctx, { kinds: [1] }, (e) => e.content.includes(text), `the Nostr copy of "${text}"`);
  return { ...bob, post, copy };
}

/** A real picture served on loopback for as long as `use` runs (Pontis in the harness may fetch private addresses). */
export async function servedPicture<T>(use: (url: string, bytes: Buffer) => Promise<T>): Promise<T> {
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toBuffer();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/picture.png`, bytes);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const both = ['atproto', 'nostr'] as const;
const T = 90_000;

export const scenarios: Scenario[] = [
  // --- nostr → atproto ------------------------------------------------------------------------
  defineScenario({
    id: 'post:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const text = `hello bluesky ${ctx.unique('n2a')} #pontis`;
      const { copy } = await nostrPostBridged(ctx, text, [['t', 'pontis']]);
      const handle = await xrpc<{ handle: string }>(ctx.peer('atproto'), 'com.atproto.repo.describeRepo', { repo: copy.uri.split('/')[2]! });
      check(/-nostr\.test$/.test(handle?.handle ?? ''), `bridged handle ${handle?.handle} does not follow the scheme`);
      const tag = (copy.value.facets ?? []).find((f: any) => f.features?.[0]?.tag === 'pontis');
      check(tag && Buffer.from(copy.value.text).subarray(tag.index.byteStart, tag.index.byteEnd).toString() === '#pontis', `tag facet wrong: ${JSON.stringify(copy.value.facets)}`);
    },
  }),
  defineScenario({
    id: 'reply:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const { sk, note, copy } = await nostrPostBridged(ctx, `thread root ${ctx.unique('r')}`);
      const text = `a reply ${ctx.unique('r')}`;
      await publishNostr(ctx, sk, 1, text, [['e', note.id, '', 'root'], ['p', note.pubkey]]);
      const reply = await waitRecord(ctx, POST, byText(text), 'the Bluesky reply');
      check(reply.value.reply?.parent?.uri === copy.uri && reply.value.reply?.parent?.cid === copy.cid, `reply parent ${JSON.stringify(reply.value.reply)} is not ${copy.uri}`);
      check(reply.value.reply?.root?.uri === copy.uri, 'reply root wrong');
    },
  }),
  defineScenario({
    id: 'like:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const { sk, note, copy, did } = await nostrPostBridged(ctx, `like me ${ctx.unique('l')}`);
      await publishNostr(ctx, sk, 7, '+', [['e', note.id], ['p', note.pubkey]]);
      const like = await waitRecord(ctx, 'app.bsky.feed.like', (r) => r.value.subject?.uri === copy.uri, 'the Bluesky like');
      check(like.uri.includes(did) && like.value.subject.cid === copy.cid, 'like is not a strong ref by the bridged account');
    },
  }),
  defineScenario({
    id: 'repost:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const { sk, note, copy } = await nostrPostBridged(ctx, `repost me ${ctx.unique('rp')}`);
      await publishNostr(ctx, sk, 6, JSON.stringify(note), [['e', note.id], ['p', note.pubkey]]);
      await waitRecord(ctx, 'app.bsky.feed.repost', (r) => r.value.subject?.uri === copy.uri && r.value.subject?.cid === copy.cid, 'the Bluesky repost');
    },
  }),
  defineScenario({
    id: 'content-warning:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const text = `behind a warning ${ctx.unique('cw')}`;
      const { copy } = await nostrPostBridged(ctx, text, [['content-warning', 'film plot']]);
      check(copy.value.text.startsWith('⚠️ film plot'), `no warning in "${copy.value.text}"`);
      check(copy.value.labels?.values?.some((v: any) => v.val === 'graphic-media'), 'no self-label');
    },
  }),
  defineScenario({
    id: 'delete:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const { sk, note, copy, did } = await nostrPostBridged(ctx, `delete me ${ctx.unique('d')}`);
      await publishNostr(ctx, sk, 5, '', [['e', note.id], ['k', '1']]);
      const rkey = copy.uri.split('/').pop()!;
      await ctx.waitFor(async () => !(await xrpc(ctx.peer('atproto'), 'com.atproto.repo.getRecord', { repo: did, collection: POST, rkey })), {
        what: `the Bluesky copy ${copy.uri} to be deleted`,
        timeoutMs: 60_000,
      });
    },
  }),
  defineScenario({
    id: 'profile:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const { sk, did } = await nostrPostBridged(ctx, `before profile ${ctx.unique('p')}`);
      const name = `Nostr ${ctx.unique('name')}`.slice(0, 40);
      await publishNostr(ctx, sk, 0, JSON.stringify({ name, display_name: name, about: 'bridged bio' }));
      await ctx.waitFor(async () => {
        const p = await xrpc<Rec>(ctx.peer('atproto'), 'com.atproto.repo.getRecord', { repo: did, collection: 'app.bsky.actor.profile', rkey: 'self' });
        return p?.value.displayName === name && p.value.description === 'bridged bio';
      }, { what: 'the Bluesky profile', timeoutMs: 30_000 });
    },
  }),
  defineScenario({
    id: 'follow:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const b = await nostrPostBridged(ctx, `followee ${ctx.unique('fe')}`);
      const a = await nostrPostBridged(ctx, `follower ${ctx.unique('fr')}`);
      await publishNostr(ctx, a.sk, 3, '', [['p', getPublicKey(b.sk)]]);
      await waitRecord(ctx, 'app.bsky.graph.follow', (r) => r.uri.includes(a.did) && r.value.subject === b.did, 'the Bluesky follow');
    },
  }),

  defineScenario({
    id: 'mention:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const b = await nostrPostBridged(ctx, `to be mentioned ${ctx.unique('m')}`);
      const sk = await linkedNostrKey(ctx);
      const marker = ctx.unique('mention');
      await publishNostr(ctx, sk, 1, `hello nostr:${npubEncode(getPublicKey(b.sk))} ${marker}`, [['p', getPublicKey(b.sk)]]);
      const copy = await waitRecord(ctx, POST, byText(marker), 'the Bluesky copy with a mention');
      const mention = (copy.value.facets ?? []).flatMap((f: any) => f.features).find((x: any) => x.$type === 'app.bsky.richtext.facet#mention');
      check(mention?.did === b.did, `mention facet ${JSON.stringify(copy.value.facets)} does not name ${b.did}`);
    },
  }),
  defineScenario({
    id: 'quote:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const b = await nostrPostBridged(ctx, `to be quoted ${ctx.unique('q')}`);
      const marker = ctx.unique('quote');
      await publishNostr(ctx, b.sk, 1, `quoting myself ${marker} nostr:${neventEncode({ id: b.note.id })}`, [['q', b.note.id]]);
      const copy = await waitRecord(ctx, POST, byText(marker), 'the Bluesky quote');
      const quoted = copy.value.embed?.record;
      check(quoted?.uri === b.copy.uri && quoted?.cid === b.copy.cid, `embed ${JSON.stringify(copy.value.embed)} does not quote ${b.copy.uri}`);
    },
  }),

  defineScenario({
    id: 'edit:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      // A NIP-23 article is the editable Nostr note (as in edit:nostr->activitypub): a new version, same `d`.
      const article = nostrArticle(ctx, await linkedNostrKey(ctx));
      const before = `article before the edit ${ctx.unique('e')}`;
      await article.publish(before);
      const copy = await waitRecord(ctx, POST, byText(before), 'the Bluesky copy of the article');
      const after = `article after the edit ${ctx.unique('e')}`;
      await article.publish(after);
      // The Bluesky app shows no edits: the new version is a correction replying to the copy.
      const correction = await waitRecord(ctx, POST, byText(after), 'the correction on the PDS');
      await checkCorrectionOnPds(ctx, correction, copy);
    },
  }),

  // --- atproto → nostr ------------------------------------------------------------------------
  defineScenario({
    id: 'post:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const text = `hello nostr ${ctx.unique('a2n')} 👨‍👩‍👧 #pontis`;
      const t = Buffer.byteLength(text.slice(0, text.indexOf('#pontis')));
      const { copy } = await blueskyPostBridged(ctx, 'poster', text, { facets: [{ index: { byteStart: t, byteEnd: t + 7 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'pontis' }] }] });
      check(copy.tags.some((tag) => tag[0] === 't' && tag[1] === 'pontis'), `no t tag: ${JSON.stringify(copy.tags)}`);
    },
  }),
  defineScenario({
    id: 'reply:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const root = await blueskyPostBridged(ctx, 'replier', `bsky root ${ctx.unique('r')}`);
      const text = `bsky reply ${ctx.unique('r')}`;
      await createRecord(root.agent, root.account.did, POST, { text, reply: { root: root.post, parent: root.post } });
      const reply = await waitNostr(ctx, { kinds: [1] }, (e) => e.content.includes(text), 'the Nostr reply');
      check(reply.tags.some((tag) => tag[0] === 'e' && tag[1] === root.copy.id), `reply does not point at ${root.copy.id}: ${JSON.stringify(reply.tags)}`);
    },
  }),
  defineScenario({
    id: 'like:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'liker', `bsky like ${ctx.unique('l')}`);
      await createRecord(p.agent, p.account.did, 'app.bsky.feed.like', { subject: p.post });
      await waitNostr(ctx, { kinds: [7] }, (e) => e.tags.some((tag) => tag[0] === 'e' && tag[1] === p.copy.id), 'the Nostr reaction');
    },
  }),
  defineScenario({
    id: 'repost:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'reposter', `bsky repost ${ctx.unique('rp')}`);
      await createRecord(p.agent, p.account.did, 'app.bsky.feed.repost', { subject: p.post });
      await waitNostr(ctx, { kinds: [6, 16] }, (e) => e.tags.some((tag) => tag[0] === 'e' && tag[1] === p.copy.id), 'the Nostr repost');
    },
  }),
  defineScenario({
    id: 'content-warning:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'warner', `bsky sensitive ${ctx.unique('cw')}`, { labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] } });
      check(p.copy.tags.some((tag) => tag[0] === 'content-warning'), `no content-warning tag: ${JSON.stringify(p.copy.tags)}`);
    },
  }),
  defineScenario({
    id: 'delete:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'deleter', `bsky delete ${ctx.unique('d')}`);
      await p.agent.com.atproto.repo.deleteRecord({ repo: p.account.did, collection: POST, rkey: p.post.uri.split('/').pop()! });
      // The relay honours NIP-09 itself: the copy stops being served (the kind 5 may not be either).
      await ctx.waitFor(async () => {
        const relay = ctx.peer('nostr');
        const gone = (await relay.query({ ids: [p.copy.id] })).length === 0;
        const deletion = (await relay.query({ kinds: [5], authors: [p.copy.pubkey] })).some((e) => e.tags.some((tag) => tag[0] === 'e' && tag[1] === p.copy.id));
        return gone || deletion;
      }, { what: 'the Nostr deletion', timeoutMs: 30_000 });
    },
  }),
  defineScenario({
    id: 'profile:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'profiler', `bsky before profile ${ctx.unique('p')}`);
      const name = `Bsky ${ctx.unique('name')}`.slice(0, 40);
      await p.agent.com.atproto.repo.putRecord({ repo: p.account.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName: name, description: 'from bluesky' } });
      await waitNostr(ctx, { kinds: [0], authors: [p.copy.pubkey] }, (e) => e.content.includes(name), 'the Nostr profile');
    },
  }),
  defineScenario({
    id: 'follow:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const carol = await blueskyPostBridged(ctx, 'followee', `bsky followee ${ctx.unique('fe')}`);
      const bob = await blueskyPostBridged(ctx, 'follower', `bsky follower ${ctx.unique('fr')}`);
      await createRecord(bob.agent, bob.account.did, 'app.bsky.graph.follow', { subject: carol.account.did });
      await waitNostr(ctx, { kinds: [3], authors: [bob.copy.pubkey] }, (e) => e.tags.some((tag) => tag[0] === 'p' && tag[1] === carol.copy.pubkey), 'the Nostr contact list');
    },
  }),
  defineScenario({
    id: 'mention:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const carol = await blueskyPostBridged(ctx, 'mentioned', `bsky mentioned ${ctx.unique('m')}`);
      const bob = await linkBluesky(ctx, 'mentioner');
      const text = `hi @${carol.account.handle} ${ctx.unique('m')}`;
      const start = Buffer.byteLength('hi ');
      await createRecord(bob.agent, bob.account.did, POST, { text, facets: [{ index: { byteStart: start, byteEnd: start + Buffer.byteLength(`@${carol.account.handle}`) }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: carol.account.did }] }] });
      const copy = await waitNostr(ctx, { kinds: [1] }, (e) => e.content.includes(text.split(' ').pop()!), 'the Nostr mention');
      check(copy.tags.some((tag) => tag[0] === 'p' && tag[1] === carol.copy.pubkey), `no p tag for the mentioned person: ${JSON.stringify(copy.tags)}`);
    },
  }),
  defineScenario({
    id: 'quote:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'quoter', `bsky quoted ${ctx.unique('q')}`);
      const marker = ctx.unique('quote');
      await createRecord(p.agent, p.account.did, POST, { text: `quoting ${marker}`, embed: { $type: 'app.bsky.embed.record', record: p.post } });
      const copy = await waitNostr(ctx, { kinds: [1] }, (e) => e.content.includes(marker), 'the Nostr quote');
      check(copy.tags.some((tag) => tag[0] === 'q' && tag[1] === p.copy.id), `no q tag for ${p.copy.id}: ${JSON.stringify(copy.tags)}`);
    },
  }),
  defineScenario({
    id: 'media:nostr->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      await servedPicture(async (url) => {
        const words = `a picture for bluesky ${ctx.unique('m')}`;
        const alt = `a red square ${ctx.unique('alt')}`;
        const sk = await linkedNostrKey(ctx);
        await publishNostr(ctx, sk, 1, `${words} ${url}`, [['imeta', `url ${url}`, 'm image/png', `alt ${alt}`]]);
        const copy = await waitRecord(ctx, POST, byText(words), `the Bluesky copy of "${words}"`);
        const embed = copy.value.embed as { $type?: string; images?: { alt?: string; image?: { mimeType?: string; size?: number } }[] } | undefined;
        check(embed?.$type === 'app.bsky.embed.images', `no images embed: ${JSON.stringify(copy.value)}`);
        const img = embed!.images?.[0];
        check(img?.alt === alt, `alt text lost: ${JSON.stringify(embed)}`);
        check(typeof img?.image?.mimeType === 'string' && img.image.mimeType.startsWith('image/') && (img.image.size ?? 0) > 0, `no uploaded blob: ${JSON.stringify(img)}`);
        check(!String(copy.value.text).includes(url), `the picture URL stayed in the text: ${copy.value.text}`);
      });
    },
  }),
  defineScenario({
    id: 'media:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkBluesky(ctx, 'painter');
      const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
      const blob = (await bob.agent.uploadBlob(bytes, { encoding: 'image/png' })).data.blob;
      const words = `a picture from bluesky ${ctx.unique('m')}`;
      const alt = `a blue square ${ctx.unique('alt')}`;
      await createRecord(bob.agent, bob.account.did, POST, { text: words, embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt, aspectRatio: { width: 32, height: 32 } }] } });
      const copy = await waitNostr(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the Nostr copy of the picture post');
      const imeta = copy.tags.find((t) => t[0] === 'imeta');
      check(imeta !== undefined, `no imeta tag: ${JSON.stringify(copy.tags)}`);
      const url = imeta!.find((v) => v.startsWith('url '))?.slice(4) ?? '';
      check(imeta!.includes(`alt ${alt}`), `alt text lost: ${JSON.stringify(imeta)}`);
      check(copy.content.includes(url), `NIP-92: the media URL must appear in the content: ${copy.content}`);
      // The URL must serve the very picture that was posted.
      const res = await fetchT(url);
      check(res.ok && Buffer.from(await res.arrayBuffer()).equals(bytes), `the imeta URL ${url} does not serve the picture (${res.status})`);
    },
  }),
  defineScenario({
    id: 'edit:atproto->nostr',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      const p = await blueskyPostBridged(ctx, 'editor', `bsky before the edit ${ctx.unique('e')}`);
      const edited = `bsky after the edit ${ctx.unique('e')}`;
      await editPost(p.agent, p.post.uri, edited);
      await correctionOnRelay(ctx, p.copy, edited);
    },
  }),
];
