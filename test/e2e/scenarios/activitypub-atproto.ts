/**
 * ActivityPub ⇄ AT Protocol through a running Pontis: the Fedify server as the fediverse, the
 * dev-env PDS + PLC as Bluesky. A fediverse person links by following the bridge's instance actor
 * (activitypub.ts), a Bluesky person with an app password (atproto.ts); what one does must show
 * up, converted, on the other network: fediverse activities as records on the PDS (in the
 * fediverse person's bridged repo), Bluesky records as activities at the Fedify server.
 */
import sharp from 'sharp';
import type { ActivityPubPeer, ApUser } from '../../../libs/harness/index.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, pairScenarios, type E2EContext, type Scenario } from '../scenario.js';
import { AP_JSON, linkedFediverseUser, list, noteOf, PUBLIC, receivedBy } from './activitypub.js';
import { byText, checkCorrectionOnPds, checkPictureOnPds, createRecord, editPost, getRecord, linkBluesky, POST, servedPicture, waitRecord, xrpc, type Rec } from './atproto.js';


type Bluesky = Awaited<ReturnType<typeof linkBluesky>>;

/**
 * One fediverse person and one Bluesky person, both linked, made once per run and shared (setup
 * is the slow part): the fediverse person follows the Bluesky person's bridged actor, so what the
 * Bluesky person posts reaches the Fedify server.
 */
export interface Pair {
  ap: ApUser;
  /** The fediverse person's bridged account on the PDS. */
  apDid: string;
  bsky: Bluesky;
  /** The Bluesky person's bridged actor, followed by `ap`. */
  bridgedActor: string;
}
let pairPromise: Promise<Pair> | undefined;

export function pair(ctx: E2EContext): Promise<Pair> {
  pairPromise ??= (async () => {
    const ap = ctx.peer('activitypub') as ActivityPubPeer;
    const [user, bsky] = await Promise.all([linkedFediverseUser(ctx, 'fedbsky'), linkBluesky(ctx, 'bskyfed')]);
    const bridgedActor = `${ctx.pontisUrl}/ap/users/${bsky.account.handle}`;
    // The first post of each creates their bridged identity on the other network.
    const apHello = `fediverse hello ${ctx.unique('h')}`;
    const [copy] = await Promise.all([
      ap.createNote(user.name, { content: `<p>${apHello}</p>` }).then(() => waitRecord(ctx, POST, byText(apHello), 'the fediverse person’s first post on the PDS')),
      createRecord(bsky.agent, bsky.account.did, POST, { text: `bluesky hello ${ctx.unique('h')}` }).then(() =>
        ctx.waitFor(async () => (await fetchT(bridgedActor, { headers: AP_JSON })).status === 200, { timeoutMs: 60_000, what: `the bridged actor ${bridgedActor}` }),
      ),
    ]);
    await ap.follow(user.name, bridgedActor);
    await ctx.waitFor(async () => (await ap.following(user.name)).some((f) => f.id === bridgedActor && f.accepted), { timeoutMs: 60_000, what: 'the bridged actor to accept the follow' });
    return { ap: user, apDid: copy.uri.split('/')[2]!, bsky, bridgedActor };
  })();
  pairPromise.catch(() => (pairPromise = undefined));
  return pairPromise;
}

const apPeer = (ctx: E2EContext) => ctx.peer('activitypub') as ActivityPubPeer;

/** Any activity from the fediverse person to the Bluesky person's bridged actor. */
const sendToBridged = (ctx: E2EContext, p: Pair, activity: Record<string, unknown>) => apPeer(ctx).send({ from: p.ap.name, to: p.bridgedActor, activity });

/** A public Create(Note) with any extra fields (summary, attachment, tag, …), sent to the bridged actor. */
async function apCreate(ctx: E2EContext, p: Pair, text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = `${p.ap.id}/notes/${ctx.unique('n')}`;
  await sendToBridged(ctx, p, { type: 'Create', to: [PUBLIC], object: { id, type: 'Note', attributedTo: p.ap.id, content: `<p>${text}</p>`, to: [PUBLIC], published: new Date().toISOString(), ...extra } });
  return id;
}

/** activitypub→atproto: a fediverse post and its copy on the PDS. */
export async function apPostOnBsky(ctx: E2EContext, p: Pair, text: string) {
  const { noteId } = await apPeer(ctx).createNote(p.ap.name, { content: `<p>${text}</p>` });
  const copy = await waitRecord(ctx, POST, byText(text), `the Bluesky copy of "${text}"`);
  check(copy.uri.startsWith(`at://${p.apDid}/`), `copy ${copy.uri} is not in the bridged repo ${p.apDid}`);
  return { noteId, copy };
}

/** atproto→activitypub: a Bluesky post and the Create the fediverse follower got. */
export async function bskyPostOnAp(ctx: E2EContext, p: Pair, text: string, extra: Record<string, unknown> = {}, marker = text) {
  const post = await createRecord(p.bsky.agent, p.bsky.account.did, POST, { text, ...extra });
  const create = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(marker), `the Create of "${marker}" at the fediverse server`);
  check(create.actor === p.bridgedActor, `Create from ${create.actor}, expected ${p.bridgedActor}`);
  return { post, create, objectId: create.objectId! };
}

const both = ['activitypub', 'atproto'] as const;
const T = 150_000;

const scenario = pairScenarios(both, T, pair);

export const scenarios: Scenario[] = [
  // --- activitypub → atproto ------------------------------------------------------------------
  scenario('post:activitypub->atproto', async (ctx, p) => {
    const text = `hello bluesky from the fediverse ${ctx.unique('n')} #pontis`;
    const { copy } = await apPostOnBsky(ctx, p, text);
    const repo = await xrpc<{ handle: string }>(ctx.peer('atproto'), 'com.atproto.repo.describeRepo', { repo: p.apDid });
    check(/-ap\.test$/.test(repo?.handle ?? ''), `bridged handle ${repo?.handle} does not follow the scheme`);
    const tag = (copy.value.facets ?? []).find((f: any) => f.features?.[0]?.tag === 'pontis');
    check(tag && Buffer.from(copy.value.text).subarray(tag.index.byteStart, tag.index.byteEnd).toString() === '#pontis', `tag facet wrong: ${JSON.stringify(copy.value.facets)}`);
  }),
  scenario('reply:activitypub->atproto', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `reply to me ${ctx.unique('n')}`);
    const text = `a fediverse reply ${ctx.unique('n')}`;
    await apPeer(ctx).createNote(p.ap.name, { content: `<p>${text}</p>`, inReplyTo: objectId, to: [p.bridgedActor] });
    const reply = await waitRecord(ctx, POST, byText(text), 'the reply on the PDS');
    check(reply.value.reply?.parent?.uri === post.uri && reply.value.reply?.parent?.cid === post.cid, `reply parent ${JSON.stringify(reply.value.reply)} is not ${post.uri}`);
    check(reply.value.reply?.root?.uri === post.uri, `reply root ${JSON.stringify(reply.value.reply?.root)} is not ${post.uri}`);
  }),
  scenario('like:activitypub->atproto', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `like me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Like', object: objectId });
    const like = await waitRecord(ctx, 'app.bsky.feed.like', (r) => r.value.subject?.uri === post.uri, 'the like on the PDS');
    check(like.uri.startsWith(`at://${p.apDid}/`) && like.value.subject.cid === post.cid, `like ${JSON.stringify(like)} is not a strong ref by ${p.apDid}`);
  }),
  scenario('repost:activitypub->atproto', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `boost me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Announce', object: objectId, to: [PUBLIC] });
    const repost = await waitRecord(ctx, 'app.bsky.feed.repost', (r) => r.value.subject?.uri === post.uri, 'the repost on the PDS');
    check(repost.uri.startsWith(`at://${p.apDid}/`) && repost.value.subject.cid === post.cid, `repost ${JSON.stringify(repost)} is not a strong ref by ${p.apDid}`);
  }),
  scenario('delete:activitypub->atproto', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `fedi delete me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Delete', object: { id: noteId, type: 'Tombstone' }, to: [PUBLIC] });
    await ctx.waitFor(async () => !(await getRecord(ctx, copy.uri)), { timeoutMs: 60_000, what: `the copy ${copy.uri} to be deleted` });
  }),
  defineScenario({
    id: 'follow:activitypub->atproto',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      // The pair's fediverse person followed the Bluesky person's bridged actor while being set up.
      const p = await pair(ctx);
      await waitRecord(ctx, 'app.bsky.graph.follow', (r) => r.uri.startsWith(`at://${p.apDid}/`) && r.value.subject === p.bsky.account.did, 'the follow on the PDS');
    },
  }),
  scenario('profile:activitypub->atproto', async (ctx, p) => {
    const name = `Fedi ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, { type: 'Update', to: [PUBLIC], object: { id: p.ap.id, type: 'Person', name, summary: '<p>from the <b>fediverse</b></p>', preferredUsername: p.ap.name, inbox: p.ap.inbox } });
    await ctx.waitFor(async () => {
      const rec = await xrpc<Rec>(ctx.peer('atproto'), 'com.atproto.repo.getRecord', { repo: p.apDid, collection: 'app.bsky.actor.profile', rkey: 'self' });
      return rec?.value.displayName === name && rec.value.description === 'from the fediverse';
    }, { timeoutMs: 60_000, what: `the profile of ${p.apDid} on the PDS` });
  }),
  scenario('mention:activitypub->atproto', async (ctx, p) => {
    const username = p.bridgedActor.split('/').pop()!;
    const marker = ctx.unique('mention');
    await sendToBridged(ctx, p, {
      type: 'Create',
      to: [PUBLIC, p.bridgedActor],
      object: {
        id: `${p.ap.id}/notes/${ctx.unique('n')}`, type: 'Note', attributedTo: p.ap.id, to: [PUBLIC, p.bridgedActor],
        content: `<p><span class="h-card"><a href="${p.bridgedActor}" class="u-url mention">@<span>${username}</span></a></span> hello ${marker}</p>`,
        tag: [{ type: 'Mention', href: p.bridgedActor, name: `@${username}@${new URL(p.bridgedActor).host}` }],
      },
    });
    const copy = await waitRecord(ctx, POST, byText(marker), 'the mention on the PDS');
    const facet = (copy.value.facets ?? []).find((f: any) => f.features?.some((x: any) => x.$type === 'app.bsky.richtext.facet#mention'));
    check(facet?.features.find((x: any) => x.did)?.did === p.bsky.account.did, `mention facet ${JSON.stringify(copy.value.facets)} does not name ${p.bsky.account.did}`);
    const named = Buffer.from(copy.value.text).subarray(facet.index.byteStart, facet.index.byteEnd).toString();
    check(named.startsWith('@'), `the mention facet covers "${named}" in "${copy.value.text}"`);
  }),
  scenario('quote:activitypub->atproto', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `quote this ${ctx.unique('n')}`);
    const text = `my quote ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, {
      // Fedify re-serializes what it sends from its vocabulary: `quoteUrl` (as:quoteUrl) survives, given its term.
      '@context': ['https://www.w3.org/ns/activitystreams', { quoteUrl: 'as:quoteUrl' }],
      type: 'Create',
      to: [PUBLIC],
      object: { id: `${p.ap.id}/notes/${ctx.unique('n')}`, type: 'Note', attributedTo: p.ap.id, to: [PUBLIC], content: `<p>${text}</p><p class="quote-inline">RE: <a href="${objectId}">${objectId}</a></p>`, quoteUrl: objectId },
    });
    const copy = await waitRecord(ctx, POST, byText(text), 'the quote on the PDS');
    const quoted = copy.value.embed?.record;
    check(quoted?.uri === post.uri && quoted?.cid === post.cid, `embed ${JSON.stringify(copy.value.embed)} does not quote ${post.uri}`);
    check(!copy.value.text.includes('RE:'), `the RE: fallback leaked into the text: ${copy.value.text}`);
  }),
  scenario('media:activitypub->atproto', async (ctx, p) => {
    await servedPicture(async (url) => {
      const text = `with a picture ${ctx.unique('n')}`;
      await apCreate(ctx, p, text, { attachment: [{ type: 'Document', mediaType: 'image/png', url, name: 'a cat on a bridge', width: 16, height: 12 }] });
      const copy = await waitRecord(ctx, POST, byText(text), 'the post with a picture on the PDS');
      await checkPictureOnPds(ctx, copy, p.apDid, 'a cat on a bridge');
    });
  }),
  scenario('content-warning:activitypub->atproto', async (ctx, p) => {
    const text = `behind a warning ${ctx.unique('n')}`;
    await apCreate(ctx, p, text, { summary: 'spoilers', sensitive: true });
    const copy = await waitRecord(ctx, POST, byText(text), 'the post with a warning on the PDS');
    check(copy.value.text.startsWith('⚠️ spoilers'), `no warning in "${copy.value.text}"`);
    check(copy.value.labels?.values?.some((v: any) => v.val === 'graphic-media'), `no self-label: ${JSON.stringify(copy.value.labels)}`);
  }),
  scenario('edit:activitypub->atproto', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `before the edit ${ctx.unique('n')}`);
    const edited = `after the edit ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, { type: 'Update', to: [PUBLIC], object: { id: noteId, type: 'Note', attributedTo: p.ap.id, content: `<p>${edited}</p>`, to: [PUBLIC], updated: new Date().toISOString() } });
    // The Bluesky app shows no edits: the new version is a correction replying to the copy (services/atproto/README.md).
    const correction = await waitRecord(ctx, POST, byText(edited), 'the correction on the PDS');
    await checkCorrectionOnPds(ctx, correction, copy);
  }),

  // --- atproto → activitypub ------------------------------------------------------------------
  scenario('post:atproto->activitypub', async (ctx, p) => {
    const marker = ctx.unique('n');
    const text = `hello fediverse from bluesky ${marker} 👨‍👩‍👧 #pontis`;
    const t = Buffer.byteLength(text.slice(0, text.indexOf('#pontis')));
    const { create } = await bskyPostOnAp(ctx, p, text, { facets: [{ index: { byteStart: t, byteEnd: t + 7 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'pontis' }] }] }, marker);
    const note = noteOf(create);
    check(String(note.content).includes(`${marker} 👨‍👩‍👧`), `the text did not arrive intact: ${note.content}`);
    check(list(note.tag).some((x) => x.type === 'Hashtag' && x.name === '#pontis'), `no Hashtag tag: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('reply:atproto->activitypub', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `reply to this ${ctx.unique('n')}`);
    const ref = { uri: copy.uri, cid: copy.cid };
    const marker = `a bluesky reply ${ctx.unique('n')}`;
    const { create } = await bskyPostOnAp(ctx, p, marker, { reply: { root: ref, parent: ref } });
    check(noteOf(create).inReplyTo === noteId, `the reply does not point at ${noteId}: ${JSON.stringify(noteOf(create)).slice(0, 800)}`);
  }),
  scenario('like:atproto->activitypub', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `like this ${ctx.unique('n')}`);
    await createRecord(p.bsky.agent, p.bsky.account.did, 'app.bsky.feed.like', { subject: { uri: copy.uri, cid: copy.cid } });
    const like = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Like' && a.objectId === noteId, 'the Like at the fediverse server');
    check(like.actor === p.bridgedActor, `Like from ${like.actor}, expected ${p.bridgedActor}`);
  }),
  scenario('repost:atproto->activitypub', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `repost this ${ctx.unique('n')}`);
    await createRecord(p.bsky.agent, p.bsky.account.did, 'app.bsky.feed.repost', { subject: { uri: copy.uri, cid: copy.cid } });
    const announce = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Announce' && a.objectId === noteId, 'the Announce at the fediverse server');
    check(announce.actor === p.bridgedActor, `Announce from ${announce.actor}, expected ${p.bridgedActor}`);
  }),
  scenario('delete:atproto->activitypub', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `bsky delete me ${ctx.unique('n')}`);
    await p.bsky.agent.com.atproto.repo.deleteRecord({ repo: p.bsky.account.did, collection: POST, rkey: post.uri.split('/').pop()! });
    await receivedBy(ctx, p.ap.name, (a) => a.type === 'Delete' && (a.objectId === objectId || JSON.stringify(a.json).includes(objectId)), 'the Delete at the fediverse server');
  }),
  scenario('follow:atproto->activitypub', async (ctx, p) => {
    await createRecord(p.bsky.agent, p.bsky.account.did, 'app.bsky.graph.follow', { subject: p.apDid });
    await ctx.waitFor(async () => (await apPeer(ctx).followers(p.ap.name)).some((f) => f.id === p.bridgedActor), { timeoutMs: 60_000, what: 'the bridged actor among the fediverse person’s followers' });
  }),
  scenario('profile:atproto->activitypub', async (ctx, p) => {
    const name = `Bsky ${ctx.unique('n')}`;
    await p.bsky.agent.com.atproto.repo.putRecord({ repo: p.bsky.account.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName: name, description: 'from bluesky' } });
    await receivedBy(ctx, p.ap.name, (a) => a.type === 'Update' && JSON.stringify(a.json).includes(name), 'the profile Update at the fediverse server');
    const actor = (await (await fetchT(p.bridgedActor, { headers: AP_JSON })).json()) as { name?: string; summary?: string };
    check(actor.name === name && (actor.summary ?? '').includes('from bluesky'), `actor is ${JSON.stringify({ name: actor.name, summary: actor.summary })}`);
  }),
  scenario('mention:atproto->activitypub', async (ctx, p) => {
    const handle = (await xrpc<{ handle: string }>(ctx.peer('atproto'), 'com.atproto.repo.describeRepo', { repo: p.apDid }))!.handle;
    const marker = ctx.unique('mention');
    const text = `hi @${handle} ${marker}`;
    const start = Buffer.byteLength('hi ');
    const { create } = await bskyPostOnAp(ctx, p, text, { facets: [{ index: { byteStart: start, byteEnd: start + Buffer.byteLength(`@${handle}`) }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: p.apDid }] }] }, marker);
    const note = noteOf(create);
    check(list(note.tag).some((t) => t.type === 'Mention' && t.href === p.ap.id), `no Mention of ${p.ap.id}: ${JSON.stringify(note).slice(0, 800)}`);
    check(String(note.content).includes(`href="${p.ap.id}"`), `the mention is not a link in ${note.content}`);
  }),
  scenario('quote:atproto->activitypub', async (ctx, p) => {
    const { noteId, copy } = await apPostOnBsky(ctx, p, `quote me ${ctx.unique('n')}`);
    const marker = `quoting ${ctx.unique('n')}`;
    const { create } = await bskyPostOnAp(ctx, p, marker, { embed: { $type: 'app.bsky.embed.record', record: { uri: copy.uri, cid: copy.cid } } });
    const note = noteOf(create);
    check(note.quote === noteId && note.quoteUrl === noteId, `the quote does not point at ${noteId}: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('media:atproto->activitypub', async (ctx, p) => {
    const png = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#a37' } }).png().toBuffer();
    const { blob } = (await p.bsky.agent.com.atproto.repo.uploadBlob(png, { encoding: 'image/png' })).data;
    const marker = `with a bird ${ctx.unique('n')}`;
    const { create } = await bskyPostOnAp(ctx, p, marker, { embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt: 'a bird on a bridge', aspectRatio: { width: 16, height: 12 } }] } });
    const image = list(noteOf(create).attachment)[0];
    check(image?.name === 'a bird on a bridge' && image.mediaType === 'image/png' && String(image.url).includes(blob.ref.toString()), `no attachment with the alt text and the blob: ${JSON.stringify(noteOf(create)).slice(0, 800)}`);
    const bytes = await fetchT(String(image.url));
    check(bytes.ok && Buffer.from(await bytes.arrayBuffer()).equals(png), `the attachment URL ${image.url} does not serve the picture (${bytes.status})`);
  }),
  scenario('content-warning:atproto->activitypub', async (ctx, p) => {
    const marker = `bsky sensitive ${ctx.unique('n')}`;
    const { create } = await bskyPostOnAp(ctx, p, marker, { labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] } });
    const note = noteOf(create);
    check(note.sensitive === true && typeof note.summary === 'string' && note.summary.length > 0, `no summary/sensitive: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('edit:atproto->activitypub', async (ctx, p) => {
    const { post, objectId } = await bskyPostOnAp(ctx, p, `bsky before the edit ${ctx.unique('n')}`);
    const edited = `bsky after the edit ${ctx.unique('n')}`;
    await editPost(p.bsky.agent, post.uri, edited);
    const update = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Update' && JSON.stringify(a.json).includes(edited), 'the Update at the fediverse server');
    check(update.objectId === objectId, `the Update is about ${update.objectId}, the post is ${objectId}`);
    check(update.actor === p.bridgedActor, `Update from ${update.actor}, expected ${p.bridgedActor}`);
    check(typeof noteOf(update).updated === 'string', `no updated time: ${JSON.stringify(noteOf(update)).slice(0, 800)}`);
  }),
];
