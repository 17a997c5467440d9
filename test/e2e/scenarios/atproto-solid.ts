/**
 * AT Protocol ⇄ Solid through a running Pontis: the dev-env PDS + PLC as Bluesky, the Community
 * Solid Server as the pods. A Solid person links their pod (grant + link, solid.ts), a Bluesky
 * person with an app password (atproto.ts). What the Bluesky person does shows up in their bridged
 * pod (public outbox) and, when it concerns the Solid person, as a notice in her own inbox; what
 * the Solid person puts in her outbox shows up as records in her bridged repo on the PDS.
 */
import sharp from 'sharp';
import { fetchT } from '../../../libs/harness/util.js';
import { bridgedPodName } from '../../../services/solid/identity/pod-names.js';
import { check, defineScenario, pairScenarios, type E2EContext, type Scenario } from '../scenario.js';
import { list } from './activitypub.js';
import { byText, checkCorrectionOnPds, checkPictureOnPds, createRecord, editPost, getRecord, linkBluesky, POST, servedPicture, waitRecord, xrpc, type Rec } from './atproto.js';
import { anonList, editedInPlace, inInbox, inOutbox, linkSolid, solidPut, text, type SolidPerson } from './solid.js';

type Bluesky = Awaited<ReturnType<typeof linkBluesky>>;

/**
 * One Solid person and one Bluesky person, both linked, made once per run and shared (setup is
 * the slow part), each following the other's bridged identity.
 */
interface Pair {
  solid: SolidPerson;
  /** The Solid person's bridged account on the PDS. */
  solidDid: string;
  bsky: Bluesky;
  /** The Bluesky person's bridged pod: its public outbox and its WebID. */
  bskyOutbox: string;
  bskyWebId: string;
}
let pairPromise: Promise<Pair> | undefined;

function pair(ctx: E2EContext): Promise<Pair> {
  pairPromise ??= (async () => {
    const [solid, bsky] = await Promise.all([linkSolid(ctx, 'solbsky'), linkBluesky(ctx, 'bskysol')]);
    // The first post of each creates their bridged identity on the other network.
    const solidHello = `pod hello ${ctx.unique('h')}`;
    const bskyHello = `bluesky hello ${ctx.unique('h')}`;
    const bskyOutbox = bridgedOutboxOf(ctx, bsky);
    const [copy] = await Promise.all([
      solidNote(ctx, solid, solidHello).then(() => waitRecord(ctx, POST, byText(solidHello), 'the Solid person’s first post on the PDS')),
      createRecord(bsky.agent, bsky.account.did, POST, { text: bskyHello }).then(() => inOutbox(ctx, bskyOutbox, (b) => text(b).includes(bskyHello), 'the Bluesky person’s first post in their bridged pod')),
    ]);
    const solidDid = copy.uri.split('/')[2]!;
    const bskyWebId = new URL('../../profile/card#me', bskyOutbox).href;
    await Promise.all([
      createRecord(bsky.agent, bsky.account.did, 'app.bsky.graph.follow', { subject: solidDid }),
      solidPut(solid, ctx.unique('follow'), { type: 'Follow', actor: solid.webId, object: bskyWebId }),
    ]);
    return { solid, solidDid, bsky, bskyOutbox, bskyWebId };
  })();
  pairPromise.catch(() => (pairPromise = undefined));
  return pairPromise;
}

/** The Bluesky person's bridged outbox: the pod is named from the handle they linked with (pod-names.ts). */
export const bridgedOutboxOf = (ctx: E2EContext, bsky: Bluesky) =>
  new URL(`${bridgedPodName({ network: 'atproto', nativeId: bsky.account.did, handle: bsky.account.handle })}/social/outbox/`, ctx.peer('solid').info!.baseUrl).href;

const solidNote = (ctx: E2EContext, p: SolidPerson, words: string, extra: Record<string, unknown> = {}) =>
  solidPut(p, ctx.unique('note'), { type: 'Note', attributedTo: p.webId, content: words, mediaType: 'text/plain', ...extra });

/** solid→atproto: a Solid post and its copy in the Solid person's bridged repo. */
async function solidPostOnBsky(ctx: E2EContext, p: Pair, words: string, extra: Record<string, unknown> = {}) {
  const url = await solidNote(ctx, p.solid, words, extra);
  const copy = await waitRecord(ctx, POST, byText(words), `the Bluesky copy of "${words}"`);
  check(copy.uri.startsWith(`at://${p.solidDid}/`), `copy ${copy.uri} is not in the bridged repo ${p.solidDid}`);
  return { url, copy };
}

/** atproto→solid: a Bluesky post and its copy in the Bluesky person's bridged pod. */
async function bskyPostInPod(ctx: E2EContext, p: Pair, words: string, extra: Record<string, unknown> = {}) {
  const post = await createRecord(p.bsky.agent, p.bsky.account.did, POST, { text: words, ...extra });
  const { url, body } = await inOutbox(ctx, p.bskyOutbox, (b) => b.type === 'Note' && text(b).includes(words), `the pod copy of "${words}"`);
  check(body.attributedTo === p.bskyWebId, `copy attributed to ${body.attributedTo}, expected ${p.bskyWebId}`);
  return { post, url, body };
}

const inRepo = (did: string, m: (r: Rec) => boolean) => (r: Rec) => r.uri.startsWith(`at://${did}/`) && m(r);


const both = ['atproto', 'solid'] as const;
const T = 150_000;

const scenario = pairScenarios(both, T, pair);

export const scenarios: Scenario[] = [
  // --- atproto → solid ------------------------------------------------------------------------
  scenario('post:atproto->solid', async (ctx, p) => {
    const words = `hello pods from bluesky ${ctx.unique('n')} 👨‍👩‍👧`;
    const { url, body } = await bskyPostInPod(ctx, p, words);
    check(text(body).includes(words), `the text did not arrive intact: ${text(body)}`);
    check(String(body.url?.href ?? '').includes(p.bsky.account.did) || String(body.url?.href ?? '').includes(p.bsky.account.handle), `no link back to the Bluesky post: ${JSON.stringify(body.url)}`);
    check(list(body.to).includes('https://www.w3.org/ns/activitystreams#Public') && (await fetchT(url, { headers: { accept: 'application/ld+json' } })).ok, `the copy ${url} is not public`);
  }),
  scenario('reply:atproto->solid', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `reply to me ${ctx.unique('n')}`);
    const ref = { uri: copy.uri, cid: copy.cid };
    const words = `a bluesky reply ${ctx.unique('n')}`;
    const { body } = await bskyPostInPod(ctx, p, words, { reply: { root: ref, parent: ref } });
    check(body.inReplyTo === url, `the pod copy replies to ${body.inReplyTo}, expected ${url}`);
    const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Create' && text(b.object ?? {}).includes(words), 'the reply in the Solid person’s inbox');
    check(notice.object.inReplyTo === url && notice.actor === p.bskyWebId, `notice ${JSON.stringify(notice).slice(0, 600)} is not a reply to ${url} by ${p.bskyWebId}`);
  }),
  scenario('like:atproto->solid', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `like me ${ctx.unique('n')}`);
    await createRecord(p.bsky.agent, p.bsky.account.did, 'app.bsky.feed.like', { subject: { uri: copy.uri, cid: copy.cid } });
    const like = await inInbox(ctx, p.solid, (b) => b.type === 'Like' && b.object === url, 'the like in the Solid person’s inbox');
    check(like.actor === p.bskyWebId, `Like by ${like.actor}, expected ${p.bskyWebId}`);
    await inOutbox(ctx, p.bskyOutbox, (b) => b.type === 'Like' && b.object === url, 'the like in the bridged pod');
  }),
  scenario('repost:atproto->solid', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `repost me ${ctx.unique('n')}`);
    await createRecord(p.bsky.agent, p.bsky.account.did, 'app.bsky.feed.repost', { subject: { uri: copy.uri, cid: copy.cid } });
    const announce = await inInbox(ctx, p.solid, (b) => b.type === 'Announce' && b.object === url, 'the repost in the Solid person’s inbox');
    check(announce.actor === p.bskyWebId, `Announce by ${announce.actor}, expected ${p.bskyWebId}`);
  }),
  scenario('delete:atproto->solid', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `bsky delete me ${ctx.unique('n')}`);
    await p.bsky.agent.com.atproto.repo.deleteRecord({ repo: p.bsky.account.did, collection: POST, rkey: post.uri.split('/').pop()! });
    // Gone = out of the public listing and no longer readable (401 for anyone: solid.ts, delete:nostr->solid).
    await ctx.waitFor(async () => !(await anonList(p.bskyOutbox)).includes(url) && [401, 404].includes((await fetchT(url, { headers: { accept: 'application/ld+json' } })).status), {
      what: `the pod copy ${url} to be removed`,
      timeoutMs: 60_000,
    });
  }),
  scenario('profile:atproto->solid', async (ctx, p) => {
    const name = `Bsky ${ctx.unique('n')}`;
    await p.bsky.agent.com.atproto.repo.putRecord({ repo: p.bsky.account.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName: name, description: 'from bluesky' } });
    const profile = new URL('../profile', p.bskyOutbox).href;
    await ctx.waitFor(
      async () => {
        const res = await fetchT(profile, { headers: { accept: 'application/ld+json' } });
        const body = res.ok ? ((await res.json()) as Record<string, unknown>) : {};
        return body.name === name && String(body.summary ?? '').includes('from bluesky');
      },
      { what: `the profile ${profile} in the bridged pod`, timeoutMs: 60_000 },
    );
  }),
  scenario('media:atproto->solid', async (ctx, p) => {
    const png = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#a37' } }).png().toBuffer();
    const { blob } = (await p.bsky.agent.com.atproto.repo.uploadBlob(png, { encoding: 'image/png' })).data;
    const words = `with a bird ${ctx.unique('n')}`;
    const { body } = await bskyPostInPod(ctx, p, words, { embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt: 'a bird on a bridge', aspectRatio: { width: 16, height: 12 } }] } });
    const image = list(body.attachment)[0];
    check(image?.name === 'a bird on a bridge' && image.mediaType === 'image/png', `no attachment with the alt text: ${JSON.stringify(body.attachment)}`);
    // The first url is the copy in the pod (docs/SOLID.md), serving the same bytes.
    const first = list(image.url)[0];
    const bytes = await fetchT(String(typeof first === 'string' ? first : first?.href));
    check(bytes.ok && Buffer.from(await bytes.arrayBuffer()).equals(png), `the attachment ${JSON.stringify(image.url)} does not serve the picture (${bytes.status})`);
  }),
  defineScenario({
    id: 'follow:atproto->solid',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      // The pair's Bluesky person followed the Solid person's bridged account while being set up.
      const p = await pair(ctx);
      const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Follow' && b.object === p.solid.webId, 'the Follow in the Solid person’s inbox');
      check(notice.actor === p.bskyWebId, `Follow by ${notice.actor}, expected ${p.bskyWebId}`);
      await inOutbox(ctx, p.bskyOutbox, (b) => b.type === 'Follow' && b.object === p.solid.webId, 'the Follow in the bridged pod');
    },
  }),
  scenario('mention:atproto->solid', async (ctx, p) => {
    const handle = (await xrpc<{ handle: string }>(ctx.peer('atproto'), 'com.atproto.repo.describeRepo', { repo: p.solidDid }))!.handle;
    const marker = ctx.unique('mention');
    const words = `hi @${handle} ${marker}`;
    const start = Buffer.byteLength('hi ');
    const { body } = await bskyPostInPod(ctx, p, words, { facets: [{ index: { byteStart: start, byteEnd: start + Buffer.byteLength(`@${handle}`) }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: p.solidDid }] }] });
    const mention = list(body.tag).find((t) => t.type === 'Mention');
    check(mention?.href === p.solid.webId, `the Mention names ${mention?.href}, expected ${p.solid.webId}: ${JSON.stringify(body.tag)}`);
  }),
  scenario('quote:atproto->solid', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `quote me ${ctx.unique('n')}`);
    const words = `quoting ${ctx.unique('n')}`;
    const { body } = await bskyPostInPod(ctx, p, words, { embed: { $type: 'app.bsky.embed.record', record: { uri: copy.uri, cid: copy.cid } } });
    const link = list(body.tag).find((t) => t.type === 'Link');
    check(link?.href === url && /misskey_quote/.test(String(link.rel)), `the object link ${JSON.stringify(body.tag)} does not quote ${url}`);
    check(text(body).includes(`RE: <a href="${url}"`), `no RE: fallback line: ${text(body)}`);
  }),
  scenario('content-warning:atproto->solid', async (ctx, p) => {
    const words = `bsky sensitive ${ctx.unique('n')}`;
    const { body } = await bskyPostInPod(ctx, p, words, { labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] } });
    check(typeof body.summary === 'string' && body.summary.includes('graphic-media'), `no content warning (summary): ${JSON.stringify(body).slice(0, 800)}`);
  }),

  scenario('edit:atproto->solid', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `bsky before the edit ${ctx.unique('n')}`);
    const edited = `bsky after the edit ${ctx.unique('n')}`;
    await editPost(p.bsky.agent, post.uri, edited);
    await editedInPlace(ctx, p.bskyOutbox, url, edited);
  }),

  // --- solid → atproto ------------------------------------------------------------------------
  scenario('post:solid->atproto', async (ctx, p) => {
    const words = `hello bluesky from a pod ${ctx.unique('n')} 👨‍👩‍👧`;
    const { copy } = await solidPostOnBsky(ctx, p, words);
    check(copy.value.text.includes(words), `the text did not arrive intact: ${copy.value.text}`);
    const repo = await xrpc<{ handle: string }>(ctx.peer('atproto'), 'com.atproto.repo.describeRepo', { repo: p.solidDid });
    check(/-solid\.test$/.test(repo?.handle ?? ''), `bridged handle ${repo?.handle} does not follow the scheme`);
  }),
  scenario('reply:solid->atproto', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `reply to this ${ctx.unique('n')}`);
    const words = `a pod reply ${ctx.unique('n')}`;
    await solidNote(ctx, p.solid, words, { inReplyTo: url });
    const reply = await waitRecord(ctx, POST, inRepo(p.solidDid, byText(words)), 'the reply on the PDS');
    check(reply.value.reply?.parent?.uri === post.uri && reply.value.reply?.parent?.cid === post.cid, `reply parent ${JSON.stringify(reply.value.reply)} is not ${post.uri}`);
    check(reply.value.reply?.root?.uri === post.uri, `reply root ${JSON.stringify(reply.value.reply?.root)} is not ${post.uri}`);
  }),
  scenario('like:solid->atproto', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `like this ${ctx.unique('n')}`);
    await solidPut(p.solid, ctx.unique('like'), { type: 'Like', actor: p.solid.webId, object: url });
    const like = await waitRecord(ctx, 'app.bsky.feed.like', (r) => r.value.subject?.uri === post.uri, 'the like on the PDS');
    check(like.uri.startsWith(`at://${p.solidDid}/`) && like.value.subject.cid === post.cid, `like ${JSON.stringify(like)} is not a strong ref by ${p.solidDid}`);
  }),
  scenario('repost:solid->atproto', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `repost this ${ctx.unique('n')}`);
    await solidPut(p.solid, ctx.unique('announce'), { type: 'Announce', actor: p.solid.webId, object: url });
    const repost = await waitRecord(ctx, 'app.bsky.feed.repost', (r) => r.value.subject?.uri === post.uri, 'the repost on the PDS');
    check(repost.uri.startsWith(`at://${p.solidDid}/`) && repost.value.subject.cid === post.cid, `repost ${JSON.stringify(repost)} is not a strong ref by ${p.solidDid}`);
  }),
  scenario('delete:solid->atproto', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `pod delete me ${ctx.unique('n')}`);
    const res = await p.solid.client.fetch(url, { method: 'DELETE' });
    check(res.ok, `DELETE ${res.status}`);
    await ctx.waitFor(async () => !(await getRecord(ctx, copy.uri)), { timeoutMs: 60_000, what: `the copy ${copy.uri} to be deleted` });
  }),
  scenario('profile:solid->atproto', async (ctx, p) => {
    const name = `Pod ${ctx.unique('n')}`;
    const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n_:p a solid:InsertDeletePatch; solid:inserts { <${p.solid.webId}> <http://xmlns.com/foaf/0.1/name> "${name}". }.`;
    const res = await p.solid.client.fetch(p.solid.webId.replace(/#.*$/, ''), { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch });
    check(res.ok, `PATCH profile: ${res.status}`);
    await ctx.waitFor(async () => (await getRecord(ctx, `at://${p.solidDid}/app.bsky.actor.profile/self`))?.value.displayName === name, { timeoutMs: 60_000, what: `the profile of ${p.solidDid} on the PDS` });
  }),
  scenario('media:solid->atproto', async (ctx, p) => {
    await servedPicture(async (img) => {
      const words = `a picture from a pod ${ctx.unique('n')}`;
      const { copy } = await solidPostOnBsky(ctx, p, words, { attachment: [{ type: 'Image', url: img, mediaType: 'image/png', name: 'a cat on a bridge' }] });
      await checkPictureOnPds(ctx, copy, p.solidDid, 'a cat on a bridge');
    });
  }),
  defineScenario({
    id: 'follow:solid->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      // The pair's Solid person put a Follow of the Bluesky person's bridged WebID in her outbox.
      const p = await pair(ctx);
      await waitRecord(ctx, 'app.bsky.graph.follow', inRepo(p.solidDid, (r) => r.value.subject === p.bsky.account.did), 'the follow on the PDS');
    },
  }),
  scenario('mention:solid->atproto', async (ctx, p) => {
    const words = `hello bluesky person ${ctx.unique('n')}`;
    await solidNote(ctx, p.solid, `@bob ${words}`, { tag: [{ type: 'Mention', href: p.bskyWebId, name: '@bob' }] });
    const copy = await waitRecord(ctx, POST, inRepo(p.solidDid, byText(words)), 'the mention on the PDS');
    const facet = (copy.value.facets ?? []).find((f: any) => f.features?.some((x: any) => x.$type === 'app.bsky.richtext.facet#mention'));
    check(facet?.features.find((x: any) => x.did)?.did === p.bsky.account.did, `mention facet ${JSON.stringify(copy.value.facets)} does not name ${p.bsky.account.did}`);
    const named = Buffer.from(copy.value.text).subarray(facet.index.byteStart, facet.index.byteEnd).toString();
    check(named.startsWith('@'), `the mention facet covers "${named}" in "${copy.value.text}"`);
  }),
  scenario('quote:solid->atproto', async (ctx, p) => {
    const { post, url } = await bskyPostInPod(ctx, p, `quote me ${ctx.unique('n')}`);
    const words = `my pod quote ${ctx.unique('n')}`;
    await solidNote(ctx, p.solid, `${words}\n\nRE: ${url}`, {
      tag: [{ type: 'Link', mediaType: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', rel: 'https://misskey-hub.net/ns#_misskey_quote', href: url, name: `RE: ${url}` }],
    });
    const copy = await waitRecord(ctx, POST, inRepo(p.solidDid, byText(words)), 'the quote on the PDS');
    const quoted = copy.value.embed?.record;
    check(quoted?.uri === post.uri && quoted?.cid === post.cid, `embed ${JSON.stringify(copy.value.embed)} does not quote ${post.uri}`);
    check(!copy.value.text.includes('RE:'), `the RE: fallback leaked into the text: ${copy.value.text}`);
  }),
  scenario('content-warning:solid->atproto', async (ctx, p) => {
    const words = `behind a warning ${ctx.unique('n')}`;
    const { copy } = await solidPostOnBsky(ctx, p, words, { summary: 'spoilers' });
    check(copy.value.text.startsWith('⚠️ spoilers'), `no warning in "${copy.value.text}"`);
    check(copy.value.labels?.values?.some((v: any) => v.val === 'graphic-media'), `no self-label: ${JSON.stringify(copy.value.labels)}`);
  }),
  scenario('edit:solid->atproto', async (ctx, p) => {
    const { url, copy } = await solidPostOnBsky(ctx, p, `before the edit ${ctx.unique('n')}`);
    const edited = `after the edit ${ctx.unique('n')}`;
    // PUT over the resource: a new ETag. The pod notifies the container only when a member is
    // added or removed, so an edit is found at the pod's next reconciliation (docs/SOLID.md): the
    // periodic one (5 min by default), or the one the next new member's notification triggers,
    // which is what a later post does here.
    await solidPut(p.solid, url.split('/').pop()!, { type: 'Note', attributedTo: p.solid.webId, content: edited, mediaType: 'text/plain', updated: new Date().toISOString() });
    await solidPostOnBsky(ctx, p, `after editing ${ctx.unique('n')}`);
    // The Bluesky app shows no edits: the new version is a correction replying to the copy (services/atproto/README.md).
    const correction = await waitRecord(ctx, POST, inRepo(p.solidDid, byText(edited)), 'the correction on the PDS');
    await checkCorrectionOnPds(ctx, correction, copy);
  }),
];
