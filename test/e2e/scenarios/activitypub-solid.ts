/**
 * ActivityPub ⇄ Solid through a running Pontis: the Fedify server as the fediverse, Community Solid
 * Server as the pods. A fediverse person links by following the bridge's instance actor
 * (activitypub.ts), a Solid person by granting the bridge on their pod and linking (solid.ts).
 * Fediverse activities must show up as AS2 resources in the fediverse person's bridged pod (and
 * notices in the Solid person's inbox); what the Solid person writes into their pod, as activities
 * at the Fedify server. How each feature looks in a pod: docs/SOLID.md.
 */
import { fetchT } from '../../../libs/harness/util.js';
import { AS2_LINK_MEDIA_TYPE, QUOTE_REL } from '../../../services/solid/mapping/as2.js';
import { check, defineScenario, pairScenarios, type Scenario } from '../scenario.js';
import { AP_JSON, list, PUBLIC, receivedBy } from './activitypub.js';
import { apCreate, apPeer, apPostInPod, inApPod, pair, sendToBridged, solidPostOnAp } from './activitypub-solid-pair.js';
import { servedPicture } from './atproto.js';
import { anonList, editedInPlace, inInbox, inOutbox, solidPut, text } from './solid.js';

const AS2 = 'https://www.w3.org/ns/activitystreams';
const LD = { accept: 'application/ld+json' };
const both = ['activitypub', 'solid'] as const;
const T = 150_000;

const scenario = pairScenarios(both, T, pair);

export const scenarios: Scenario[] = [
  // --- activitypub → solid --------------------------------------------------------------------
  scenario('post:activitypub->solid', async (ctx, p) => {
    const { noteId, body } = await apPostInPod(ctx, p, `hello pods from the fediverse ${ctx.unique('n')}`);
    check(body['@context'] === AS2, `not AS2-only JSON-LD: ${JSON.stringify(body['@context'])}`);
    check(body.attributedTo === p.apWebId, `attributed to ${body.attributedTo}, expected the bridged WebID ${p.apWebId}`);
    check(body.url?.rel === 'canonical' && body.url?.href === noteId, `no canonical link back to ${noteId}: ${JSON.stringify(body.url)}`);
  }),
  scenario('reply:activitypub->solid', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `reply to me ${ctx.unique('n')}`);
    const words = `a fediverse reply ${ctx.unique('n')}`;
    await apPeer(ctx).createNote(p.ap.name, { content: `<p>${words}</p>`, inReplyTo: objectId, to: [p.bridgedActor] });
    const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Create' && text(b.object ?? {}).includes(words), 'the reply in the Solid person’s inbox');
    check(notice.actor === p.apWebId, `the notice is by ${notice.actor}, expected ${p.apWebId}`);
    check(notice.object.inReplyTo === url, `inReplyTo ${notice.object.inReplyTo}, expected ${url}`);
    const { body } = await inApPod(ctx, p, words, 'the reply in the bridged pod');
    check(body.inReplyTo === url, `the copy replies to ${body.inReplyTo}, expected ${url}`);
  }),
  scenario('like:activitypub->solid', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `like me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Like', object: objectId });
    const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Like' && b.object === url, 'the like in the Solid person’s inbox');
    check(notice.actor === p.apWebId, `the like is by ${notice.actor}, expected ${p.apWebId}`);
    await inOutbox(ctx, p.apOutbox, (b) => b.type === 'Like' && b.object === url, 'the like in the bridged pod');
  }),
  scenario('repost:activitypub->solid', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `boost me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Announce', object: objectId, to: [PUBLIC] });
    const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Announce' && b.object === url, 'the repost in the Solid person’s inbox');
    check(notice.actor === p.apWebId, `the repost is by ${notice.actor}, expected ${p.apWebId}`);
    await inOutbox(ctx, p.apOutbox, (b) => b.type === 'Announce' && b.object === url, 'the repost in the bridged pod');
  }),
  scenario('delete:activitypub->solid', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `fedi delete me ${ctx.unique('n')}`);
    await sendToBridged(ctx, p, { type: 'Delete', object: { id: noteId, type: 'Tombstone' }, to: [PUBLIC] });
    // Gone = out of the public listing and no longer readable (401 or 404: see delete:nostr->solid).
    await ctx.waitFor(async () => !(await anonList(p.apOutbox)).includes(url) && [401, 404].includes((await fetchT(url, { headers: LD })).status), {
      what: `the pod copy ${url} to be removed`,
      timeoutMs: 60_000,
    });
  }),
  scenario('profile:activitypub->solid', async (ctx, p) => {
    const name = `Fedi ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, { type: 'Update', to: [PUBLIC], object: { id: p.ap.id, type: 'Person', name, summary: '<p>from the <b>fediverse</b></p>', preferredUsername: p.ap.name, inbox: p.ap.inbox } });
    const profile = new URL('../profile', p.apOutbox).href;
    const body = await ctx.waitFor(
      async () => {
        const res = await fetchT(profile, { headers: LD });
        const b = res.ok ? ((await res.json()) as Record<string, any>) : undefined;
        return b?.name === name ? b : undefined;
      },
      { what: `the profile ${profile} in the bridged pod`, timeoutMs: 60_000 },
    );
    check(String(body.summary ?? '').includes('fediverse'), `summary is ${JSON.stringify(body.summary)}`);
    check(list(body.url).some((u) => u.rel === 'canonical' && u.href === p.ap.id), `no canonical link to ${p.ap.id}: ${JSON.stringify(body.url)}`);
  }),
  scenario('media:activitypub->solid', async (ctx, p) => {
    await servedPicture(async (picture, bytes) => {
      const words = `with a picture ${ctx.unique('n')}`;
      const alt = `a cat on a bridge ${ctx.unique('alt')}`;
      await apCreate(ctx, p, `<p>${words}</p>`, { attachment: [{ type: 'Document', mediaType: 'image/png', url: picture, name: alt, width: 64, height: 48 }] });
      const { body } = await inApPod(ctx, p, words, 'the post with a picture in the bridged pod');
      const image = list(body.attachment)[0];
      check(image?.type === 'Image' && image.name === alt && image.mediaType === 'image/png', `no image with the alt text: ${JSON.stringify(body.attachment)}`);
      // The binary is copied into the pod (social/media/), the origin kept as the canonical link.
      const [copy, origin] = list(image.url);
      check(typeof copy === 'string' && copy.startsWith(new URL('../media/', p.apOutbox).href), `the picture was not copied into the pod: ${JSON.stringify(image.url)}`);
      check(origin?.rel === 'canonical' && origin.href === picture, `no canonical link to ${picture}: ${JSON.stringify(image.url)}`);
      const served = await fetchT(copy);
      check(served.ok && Buffer.from(await served.arrayBuffer()).equals(bytes), `the pod does not serve the picture at ${copy} (${served.status})`);
    });
  }),
  defineScenario({
    id: 'follow:activitypub->solid',
    needs: [...both],
    timeoutMs: T,
    async run(ctx) {
      // The pair's fediverse person followed the Solid person's bridged actor while being set up.
      const p = await pair(ctx);
      await inOutbox(ctx, p.apOutbox, (b) => b.type === 'Follow' && b.object === p.solid.webId, 'the Follow in the bridged pod');
      const notice = await inInbox(ctx, p.solid, (b) => b.type === 'Follow' && b.object === p.solid.webId, 'the Follow in the Solid person’s inbox');
      check(notice.actor === p.apWebId, `Follow by ${notice.actor}, expected the bridged WebID ${p.apWebId}`);
    },
  }),
  scenario('mention:activitypub->solid', async (ctx, p) => {
    const username = p.bridgedActor.split('/').pop()!;
    const words = `hello pod person ${ctx.unique('n')}`;
    await apCreate(ctx, p, `<p><span class="h-card"><a href="${p.bridgedActor}" class="u-url mention">@<span>${username}</span></a></span> ${words}</p>`, {
      to: [PUBLIC, p.bridgedActor],
      tag: [{ type: 'Mention', href: p.bridgedActor, name: `@${username}@${new URL(p.bridgedActor).host}` }],
    });
    const { body } = await inApPod(ctx, p, words, 'the mention in the bridged pod');
    const mention = list(body.tag).find((t) => t.type === 'Mention');
    check(mention?.href === p.solid.webId, `the Mention names ${mention?.href}, expected ${p.solid.webId}: ${JSON.stringify(body.tag)}`);
  }),
  scenario('quote:activitypub->solid', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `quote this ${ctx.unique('n')}`);
    const words = `my quote ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, {
      // Fedify re-serializes what it sends from its vocabulary: `quoteUrl` (as:quoteUrl) survives, given its term.
      '@context': [AS2, { quoteUrl: 'as:quoteUrl' }],
      type: 'Create',
      to: [PUBLIC],
      object: { id: `${p.ap.id}/notes/${ctx.unique('n')}`, type: 'Note', attributedTo: p.ap.id, to: [PUBLIC], content: `<p>${words}</p><p class="quote-inline">RE: <a href="${objectId}">${objectId}</a></p>`, quoteUrl: objectId },
    });
    const { body } = await inApPod(ctx, p, words, 'the quote in the bridged pod');
    const link = list(body.tag).find((t) => t.type === 'Link');
    check(link?.href === url && link.rel === QUOTE_REL && link.mediaType === AS2_LINK_MEDIA_TYPE, `the object link is ${JSON.stringify(link)}, expected the Solid original ${url}`);
    check(text(body).includes(`RE: <a href="${url}"`), `no RE: line for the original: ${text(body)}`);
    check(!text(body).includes(objectId), `the fediverse RE: line (the bridged copy ${objectId}) stayed in the text: ${text(body)}`);
  }),
  scenario('content-warning:activitypub->solid', async (ctx, p) => {
    const words = `behind a warning ${ctx.unique('n')}`;
    await apCreate(ctx, p, `<p>${words}</p>`, { summary: 'spoilers', sensitive: true });
    const { body } = await inApPod(ctx, p, words, 'the post with a warning in the bridged pod');
    check(body.summary === 'spoilers', `summary is ${JSON.stringify(body.summary)}`);
  }),
  scenario('edit:activitypub->solid', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `before the edit ${ctx.unique('n')}`);
    const edited = `after the edit ${ctx.unique('n')}`;
    await sendToBridged(ctx, p, { type: 'Update', to: [PUBLIC], object: { id: noteId, type: 'Note', attributedTo: p.ap.id, content: `<p>${edited}</p>`, to: [PUBLIC], updated: new Date().toISOString() } });
    // A pod resource is edited in place: the same copy, new text, `updated` set.
    await editedInPlace(ctx, p.apOutbox, url, edited);
  }),

  // --- solid → activitypub --------------------------------------------------------------------
  scenario('post:solid->activitypub', async (ctx, p) => {
    const words = `hello fediverse from a pod ${ctx.unique('n')}`;
    const { url, note } = await solidPostOnAp(ctx, p, words);
    check(String(note.content).includes(words), `the text did not arrive: ${note.content}`);
    check(JSON.stringify(note.url ?? '').includes(url), `no link back to the pod original ${url}: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('reply:solid->activitypub', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `reply to this ${ctx.unique('n')}`);
    const { note } = await solidPostOnAp(ctx, p, `a pod reply ${ctx.unique('n')}`, { inReplyTo: url });
    check(note.inReplyTo === noteId, `the reply does not point at ${noteId}: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('like:solid->activitypub', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `like this ${ctx.unique('n')}`);
    await solidPut(p.solid, ctx.unique('like'), { type: 'Like', actor: p.solid.webId, object: url });
    const like = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Like' && a.objectId === noteId, 'the Like at the fediverse server');
    check(like.actor === p.bridgedActor, `Like from ${like.actor}, expected ${p.bridgedActor}`);
  }),
  scenario('repost:solid->activitypub', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `repost this ${ctx.unique('n')}`);
    await solidPut(p.solid, ctx.unique('announce'), { type: 'Announce', actor: p.solid.webId, object: url });
    const announce = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Announce' && a.objectId === noteId, 'the Announce at the fediverse server');
    check(announce.actor === p.bridgedActor, `Announce from ${announce.actor}, expected ${p.bridgedActor}`);
  }),
  scenario('delete:solid->activitypub', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `pod delete me ${ctx.unique('n')}`);
    const res = await p.solid.client.fetch(url, { method: 'DELETE' });
    check(res.ok, `DELETE ${res.status}`);
    await receivedBy(ctx, p.ap.name, (a) => a.type === 'Delete' && (a.objectId === objectId || JSON.stringify(a.json).includes(objectId)), 'the Delete at the fediverse server');
  }),
  scenario('profile:solid->activitypub', async (ctx, p) => {
    const name = `Pod Person ${ctx.unique('n')}`;
    const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n_:p a solid:InsertDeletePatch; solid:inserts { <${p.solid.webId}> <http://xmlns.com/foaf/0.1/name> "${name}". }.`;
    const res = await p.solid.client.fetch(p.solid.webId.replace(/#.*$/, ''), { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch });
    check(res.ok, `PATCH profile: ${res.status}`);
    await receivedBy(ctx, p.ap.name, (a) => a.type === 'Update' && JSON.stringify(a.json).includes(name), 'the profile Update at the fediverse server');
    const actor = (await (await fetchT(p.bridgedActor, { headers: AP_JSON })).json()) as { name?: string };
    check(actor.name === name, `actor name is ${actor.name}`);
  }),
  scenario('media:solid->activitypub', async (ctx, p) => {
    const img = `https://media.example/${ctx.unique('img')}.png`;
    const alt = `a pod picture ${ctx.unique('alt')}`;
    const { note } = await solidPostOnAp(ctx, p, `a picture from a pod ${ctx.unique('n')}`, { attachment: [{ type: 'Image', url: img, mediaType: 'image/png', name: alt }] });
    const image = list(note.attachment)[0];
    check(image?.name === alt && image.mediaType === 'image/png' && JSON.stringify(image.url).includes(img), `no attachment with the alt text: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('follow:solid->activitypub', async (ctx, p) => {
    await solidPut(p.solid, ctx.unique('follow'), { type: 'Follow', actor: p.solid.webId, object: p.apWebId });
    await ctx.waitFor(async () => (await apPeer(ctx).followers(p.ap.name)).some((f) => f.id === p.bridgedActor), { timeoutMs: 60_000, what: 'the bridged actor among the fediverse person’s followers' });
  }),
  scenario('mention:solid->activitypub', async (ctx, p) => {
    const words = `hello fediverse person ${ctx.unique('n')}`;
    // Found by `words`: the mention itself arrives as a link.
    const { note } = await solidPostOnAp(ctx, p, words, { content: `@${p.ap.name} ${words}`, tag: [{ type: 'Mention', href: p.apWebId, name: `@${p.ap.name}` }] });
    check(list(note.tag).some((t) => t.type === 'Mention' && t.href === p.ap.id), `no Mention of ${p.ap.id}: ${JSON.stringify(note).slice(0, 800)}`);
    check(String(note.content).includes(`href="${p.ap.id}"`), `the mention is not a link in ${note.content}`);
  }),
  scenario('quote:solid->activitypub', async (ctx, p) => {
    const { noteId, url } = await apPostInPod(ctx, p, `quote me ${ctx.unique('n')}`);
    const words = `my pod quote ${ctx.unique('n')}`;
    // Its text ends with the `RE: <url>` line for readers without object links (docs/SOLID.md).
    const { note } = await solidPostOnAp(ctx, p, words, {
      content: `${words}\n\nRE: ${url}`,
      tag: [{ type: 'Link', mediaType: AS2_LINK_MEDIA_TYPE, rel: QUOTE_REL, href: url, name: `RE: ${url}` }],
    });
    check(note.quote === noteId && note.quoteUrl === noteId, `the quote does not point at ${noteId}: ${JSON.stringify(note).slice(0, 800)}`);
    check(!String(note.content).includes(url), `the pod copy's RE: line stayed in the text: ${note.content}`);
  }),
  scenario('content-warning:solid->activitypub', async (ctx, p) => {
    const { note } = await solidPostOnAp(ctx, p, `pod behind a warning ${ctx.unique('n')}`, { summary: 'spoilers' });
    check(note.summary === 'spoilers' && note.sensitive === true, `no summary/sensitive: ${JSON.stringify(note).slice(0, 800)}`);
  }),
  scenario('edit:solid->activitypub', async (ctx, p) => {
    const { url, objectId } = await solidPostOnAp(ctx, p, `pod before the edit ${ctx.unique('n')}`);
    const edited = `pod after the edit ${ctx.unique('n')}`;
    // Solid apps edit a resource in place: PUT over it. A change inside a member notifies no
    // container channel; the periodic reconciliation finds it (ETag), every 20 s under the harness.
    await solidPut(p.solid, url.split('/').pop()!, { type: 'Note', attributedTo: p.solid.webId, content: edited, mediaType: 'text/plain', updated: new Date().toISOString() });
    const update = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Update' && JSON.stringify(a.json).includes(edited), 'the Update at the fediverse server');
    check(update.objectId === objectId, `the Update is about ${update.objectId}, the post is ${objectId}`);
  }),
];
