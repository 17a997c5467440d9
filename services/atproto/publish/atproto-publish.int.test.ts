import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { npubEncode } from 'nostr-tools/nip19';
import sharp from 'sharp';
import { DeliveryError, OutboundRunner } from '../../../libs/adapter/index.js';
import { commandFor, Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { outboundTopic, parkedTopic, TOPICS, type BridgeEvent, type MappedRef, type OutboundCommand, type Receipt } from '../../../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../../../libs/harness/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { registry } from '../../../libs/observability/index.js';
import { KeyStore, parseMasterKey, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { PdsAccounts } from '../identity/pds-accounts.js';
import { PdsDirectory } from '../identity/pds-directory.js';
import { SessionPool } from '../identity/session-pool.js';
import { AtprotoAccountLinker } from '../identity/account-linker.js';
import { createIdResolver } from '../identity/id-resolver.js';
import { AtprotoDeliverer } from './atproto-deliverer.js';
import { setLongTextMode } from '../identity/preferences.js';

// A real PDS + PLC (@atproto/dev-env, child process) that requires invite codes; Postgres; the in-process bus.

const NOSTR_ALICE = 'a1'.repeat(32);
const T0 = Date.parse('2026-11-26T06:00:00Z');
let n = 0;
const at = () => new Date(T0 + ++n * 1000).toISOString();

function post(text: string, extra: Partial<NonNullable<BridgeEvent['object']>> = {}): BridgeEvent {
  const id = randomBytes(32).toString('hex');
  const occurredAt = at();
  return {
    v: 1, id: `nostr:${id}`, type: 'post.created', occurredAt, source: { network: 'nostr', id },
    actor: { network: 'nostr', id: NOSTR_ALICE, handle: 'alice@nostr.example' },
    object: { kind: 'note', text, facets: [], attachments: [], sensitive: false, visibility: 'public', publishedAt: occurredAt, url: `https://njump.me/${id}`, ...extra },
    trace: { origin: 'nostr', hops: 0 },
  };
}
function act(type: BridgeEvent['type'], extra: Partial<BridgeEvent>): BridgeEvent {
  const id = randomBytes(32).toString('hex');
  return { v: 1, id: `nostr:${id}`, type, occurredAt: at(), source: { network: 'nostr', id }, actor: { network: 'nostr', id: NOSTR_ALICE }, trace: { origin: 'nostr', hops: 0 }, ...extra };
}
const atRef = (uri: string, cid?: string): MappedRef => ({ network: 'atproto', id: uri, ...(cid ? { cid } : {}), original: false });

describe('AT Protocol publishing (real PDS + PLC)', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: AtprotoPeer;
  let keys: KeyStore;
  let deliverer: AtprotoDeliverer;
  let accounts: PdsAccounts;
  let sessions: SessionPool;
  let account: string;
  let bob: AtprotoAccount;
  let pdsUrl: string;
  let images: Server;
  let imageBase: string;
  let mp4: Buffer;

  const deliver = (cmd: OutboundCommand) => deliverer.deliver(cmd);
  const record = async (uri: string): Promise<{ cid: string; value: Record<string, any> } | undefined> => {
    const [, , did, collection, rkey] = uri.split('/');
    const res = await fetch(`${pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${did}&collection=${collection}&rkey=${rkey}`);
    return res.ok ? ((await res.json()) as { cid: string; value: Record<string, any> }) : undefined;
  };
  const list = async (did: string, collection: string): Promise<unknown[]> =>
    ((await (await fetch(`${pdsUrl}/xrpc/com.atproto.repo.listRecords?repo=${did}&collection=${collection}`)).json()) as { records: unknown[] }).records;
  const logins = async () => (await registry.getSingleMetricAsString('pontis_atproto_session_logins_total')).match(/total (\d+)/)?.[1];

  before(async () => {
    s = await createTestStore();
    peer = new AtprotoPeer({ inviteRequired: true });
    const info = await peer.start();
    pdsUrl = info.pdsUrl;
    keys = new KeyStore(s.ds, new SecretBox([{ version: 1, key: parseMasterKey(randomBytes(32).toString('base64')) }]));
    sessions = new SessionPool(keys);
    accounts = new PdsAccounts({ ds: s.ds, keys, sessions, pdsUrl, adminPassword: info.adminPassword, handleDomain: '.test', plcUrl: info.plcUrl });
    deliverer = new AtprotoDeliverer({ ds: s.ds, accounts, sessions, directory: new PdsDirectory(pdsUrl, info.plcUrl, true), guard: new AddressGuard({ allowPrivate: true }) });
    account = await seedAccount(s.ds, [{ network: 'nostr', id: NOSTR_ALICE, handle: 'alice@nostr.example', kind: 'native' }]);
    bob = await peer.createAccount({ handle: 'bob-native.test', email: 'bob@example.com', password: 'bob-pass-123' });
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3080f0' } }).png().toBuffer();
    const big = await sharp(randomBytes(1500 * 1500 * 3), { raw: { width: 1500, height: 1500, channels: 3 } }).png().toBuffer(); // noise: ~6.7 MB PNG
    // An ISO media file as far as anyone sniffing it can tell (ftyp isom + an mdat box); no encoder here to make a playable one.
    const box = (type: string, body: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(8 + body.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, body]);
    };
    mp4 = Buffer.concat([box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'latin1')])), box('mdat', randomBytes(32 * 1024))]);
    images = createServer((req, res) => {
      if (req.url === '/avatar.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      if (req.url === '/big.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(big);
      if (req.url === '/clip.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4' }).end(mp4);
      if (req.url === '/clip.webm') return void res.writeHead(200, { 'content-type': 'video/webm' }).end(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81]));
      if (req.url === '/huge.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.concat([mp4, randomBytes(6 * 1024 * 1024)]));
      if (req.url === '/not-an-image.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end('<html>nope</html>');
      if (req.url === '/article') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><head><meta property="og:title" content="An article"><meta property="og:description" content="About bridges"><meta property="og:image" content="/avatar.png"></head></html>');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageBase = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
  });

  after(async () => {
    images?.close();
    await peer?.stop();
    await s?.drop();
  });

  let first: { uri: string; cid: string };
  let second: { uri: string; cid: string };
  let me: string;

  it('provisions a bridged account with an admin-minted invite on first use, handle by the scheme', async () => {
    const loginsBefore = await logins();
    const r = await deliver(commandFor(post('hello from nostr #pontis https://example.com'), 'atproto', account));
    assert.ok(r.ref?.id.startsWith('at://did:plc:'), JSON.stringify(r));
    first = { uri: r.ref!.id, cid: r.ref!.cid! };
    const [row] = await s.ds.query(`SELECT native_id, handle FROM identities WHERE account_id = $1 AND network = 'atproto' AND kind = 'bridged'`, [account]);
    me = row.native_id;
    assert.match(me, /^did:plc:/);
    assert.equal(row.handle, 'alice-nostr.test');
    const rec = await record(first.uri);
    assert.equal(rec!.cid, first.cid);
    assert.equal(rec!.value.text, 'hello from nostr #pontis https://example.com');
    assert.equal(rec!.value.facets.length, 2);
    assert.equal(await logins(), loginsBefore, 'createAccount gave the session: no createSession');
    const identityId = (await s.ds.query(`SELECT id FROM identities WHERE native_id = $1`, [me]))[0].id;
    const pw = await keys.get(identityId, 'atproto.password');
    assert.ok(pw && pw.length >= 24, 'password kept, encrypted');
    // The DID document points back at the original, through a PLC update signed with our rotation key.
    const doc = (await (await fetch(`${peer.info!.plcUrl}/${me}/data`)).json()) as { alsoKnownAs: string[]; rotationKeys: string[] };
    assert.deepEqual(doc.alsoKnownAs, ['at://alice-nostr.test', `nostr:${npubEncode(NOSTR_ALICE)}`]);
    assert.equal(doc.rotationKeys[0], await keys.getPublicKey(identityId, 'atproto.rotation'), 'our key rotates first');
  });

  it('a replayed command writes nothing new (rkey from the command id)', async () => {
    const ev = post('once only');
    const cmd = commandFor(ev, 'atproto', account);
    const a = await deliver(cmd);
    const b = await deliver(cmd);
    assert.deepEqual(a.ref, b.ref);
    const texts = (await list(me, 'app.bsky.feed.post')).map((r) => (r as { value: { text: string } }).value.text);
    assert.equal(texts.filter((t) => t === 'once only').length, 1);
  });

  it('a thread of three: replies carry root and parent strong refs (CIDs looked up when missing)', async () => {
    const r2 = await deliver(commandFor(post('second'), 'atproto', account, { refs: { replyTo: atRef(first.uri), threadRoot: atRef(first.uri) } }));
    second = { uri: r2.ref!.id, cid: r2.ref!.cid! };
    const r3 = await deliver(commandFor(post('third'), 'atproto', account, { refs: { replyTo: atRef(second.uri, second.cid), threadRoot: atRef(first.uri) } }));
    const rec = await record(r3.ref!.id);
    assert.deepEqual(rec!.value.reply, { root: { uri: first.uri, cid: first.cid }, parent: { uri: second.uri, cid: second.cid } });
    assert.deepEqual((await record(second.uri))!.value.reply.parent, { uri: first.uri, cid: first.cid });
  });

  it('long text as a self-reply thread when the account chose it; deleting it deletes every part', async () => {
    await setLongTextMode(s.ds, account, 'thread');
    try {
      const text = `${Array.from({ length: 130 }, (_, i) => `part${i}`).join(' ')} 👩‍❤️‍👨 #pontis`;
      const cmd = commandFor(post(text, { url: 'https://njump.me/note1long' }), 'atproto', account);
      const r = await deliver(cmd);
      const parts = (await list(me, 'app.bsky.feed.post')) as Array<{ uri: string; cid: string; value: Record<string, any> }>;
      const head = parts.find((p) => p.uri === r.ref!.id)!;
      assert.ok(head, 'the receipt names the first part');
      // Walk the chain from the head: each part's parent is the one before, the root is the head.
      const chain = [head];
      for (;;) {
        const next = parts.find((p) => p.value.reply?.parent?.uri === chain.at(-1)!.uri);
        if (!next) break;
        assert.deepEqual(next.value.reply.parent, { uri: chain.at(-1)!.uri, cid: chain.at(-1)!.cid });
        assert.deepEqual(next.value.reply.root, { uri: head.uri, cid: head.cid });
        chain.push(next);
      }
      assert.ok(chain.length >= 3, `${chain.length} parts`);
      assert.equal(chain.map((p) => p.value.text).join(' '), text, 'every word, in order, no link tail');
      assert.ok(chain.at(-1)!.value.facets?.some((f: any) => f.features[0].tag === 'pontis'), 'the tag facet in its own part');
      const mapped: { object_key: string; native_id: string }[] = await s.ds.query(`SELECT object_key, native_id FROM object_map WHERE network = 'atproto' AND native_id = ANY($1)`, [chain.map((p) => p.uri)]);
      assert.equal(mapped.find((m) => m.native_id === head.uri)?.object_key, cmd.objectKey, 'the object map records the first part as the copy');
      assert.equal(new Set(mapped.map((m) => m.object_key)).size, chain.length, 'the other parts only as our own records (echo), apart from the post');
      // A replay writes nothing twice.
      await deliver(cmd);
      assert.equal((await list(me, 'app.bsky.feed.post')).length, parts.length);
      const del = act('post.deleted', {});
      await deliver(commandFor(del, 'atproto', account, { objectKey: cmd.objectKey, refs: { target: atRef(head.uri, head.cid) } }));
      for (const p of chain) assert.equal(await record(p.uri), undefined, `${p.uri} deleted`);
    } finally {
      await setLongTextMode(s.ds, account, 'truncate');
    }
  });

  it('like, repost and quote of a native Bluesky post', async () => {
    const agent = await peer.login(bob.handle, bob.password);
    const native = await agent.com.atproto.repo.createRecord({ repo: bob.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'native post', createdAt: new Date().toISOString() } });
    const target = atRef(native.data.uri, native.data.cid);
    const like = await deliver(commandFor(act('reaction.added', { target: { network: 'nostr', id: 'x' }, reaction: { content: '+' } }), 'atproto', account, { refs: { target } }));
    assert.deepEqual((await record(like.ref!.id))!.value.subject, { uri: native.data.uri, cid: native.data.cid });
    const repost = await deliver(commandFor(act('repost.created', { target: { network: 'nostr', id: 'x' } }), 'atproto', account, { refs: { target: atRef(native.data.uri) } }));
    assert.equal((await record(repost.ref!.id))!.value.subject.cid, native.data.cid, 'CID fetched from the original repo');
    const quote = await deliver(commandFor(post('quoting'), 'atproto', account, { refs: { quote: target } }));
    assert.deepEqual((await record(quote.ref!.id))!.value.embed, { $type: 'app.bsky.embed.record', record: { uri: native.data.uri, cid: native.data.cid } });
  });

  it('follow, then unfollow found by subject', async () => {
    const subject = { network: 'nostr' as const, id: 'b0'.repeat(32) };
    const actors = { [`nostr:${subject.id}`]: { id: bob.did } };
    const f = await deliver(commandFor(act('follow.created', { subject }), 'atproto', account, { actors }));
    assert.equal((await record(f.ref!.id))!.value.subject, bob.did);
    const u = await deliver(commandFor(act('follow.deleted', { subject }), 'atproto', account, { actors }));
    assert.equal(u.ref, undefined);
    assert.equal(await record(f.ref!.id), undefined, 'the follow record is gone');
  });

  it('images: fetched, re-encoded to fit, alt text kept; a non-image is left out', async () => {
    const attachments = [
      { url: `${imageBase}/big.png`, mediaType: 'image/png', alt: 'noise' },
      { url: `${imageBase}/not-an-image.png`, mediaType: 'image/png', alt: 'broken' },
    ];
    const r = await deliver(commandFor(post('pictures', { attachments }), 'atproto', account));
    const embed = (await record(r.ref!.id))!.value.embed;
    assert.equal(embed.$type, 'app.bsky.embed.images');
    assert.equal(embed.images.length, 1);
    assert.equal(embed.images[0].alt, 'noise');
    assert.equal(embed.images[0].image.mimeType, 'image/jpeg');
    assert.ok(embed.images[0].image.size <= 1_000_000);
  });

  it('video: an MP4 uploaded as a blob, alt text and aspect ratio kept; not MP4 or over the PDS limit → left out, text goes', async () => {
    const r = await deliver(commandFor(post('a clip', { attachments: [{ url: `${imageBase}/clip.mp4`, mediaType: 'video/mp4', alt: 'waves', width: 640, height: 360 }] }), 'atproto', account));
    const rec = await record(r.ref!.id);
    const embed = rec!.value.embed;
    assert.equal(embed.$type, 'app.bsky.embed.video');
    assert.equal(embed.alt, 'waves');
    assert.deepEqual(embed.aspectRatio, { width: 640, height: 360 });
    assert.equal(embed.video.mimeType, 'video/mp4');
    assert.equal(embed.video.size, mp4.length);
    const blob = await fetch(`${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${me}&cid=${embed.video.ref.$link}`);
    assert.equal(blob.status, 200);
    assert.ok(Buffer.from(await blob.arrayBuffer()).equals(mp4), 'the PDS serves the bytes we fetched');
    for (const bad of ['clip.webm', 'huge.mp4']) {
      const r2 = await deliver(commandFor(post(`no video: ${bad}`, { attachments: [{ url: `${imageBase}/${bad}`, mediaType: 'video/mp4' }] }), 'atproto', account));
      const rec2 = await record(r2.ref!.id);
      assert.equal(rec2!.value.text, `no video: ${bad}`);
      assert.equal(rec2!.value.embed, undefined, `${bad} left out`);
    }
  });

  it('a link card from the linked page\'s metadata, thumb uploaded', async () => {
    const url = `${imageBase}/article`;
    const r = await deliver(commandFor(post(`read this ${url}`, { facets: [{ kind: 'link', start: 10, end: 10 + url.length, url }] }), 'atproto', account));
    const embed = (await record(r.ref!.id))!.value.embed;
    assert.equal(embed.$type, 'app.bsky.embed.external');
    assert.deepEqual([embed.external.uri, embed.external.title, embed.external.description], [url, 'An article', 'About bridges']);
    assert.equal(embed.external.thumb.mimeType, 'image/png');
  });

  it('profile: name and bio cut to the limits, avatar uploaded', async () => {
    const ev = act('profile.updated', { profile: { displayName: 'Alice '.repeat(20), summary: 'bio', avatar: { url: `${imageBase}/avatar.png`, mediaType: 'image/png' } } });
    await deliver(commandFor(ev, 'atproto', account));
    const p = (await record(`at://${me}/app.bsky.actor.profile/self`))!.value;
    assert.ok([...new Intl.Segmenter().segment(p.displayName)].length <= 64);
    assert.equal(p.description, 'bio');
    assert.equal(p.avatar.mimeType, 'image/png');
  });

  it('delete removes our copy', async () => {
    const r = await deliver(commandFor(act('post.deleted', { target: { network: 'nostr', id: 'x' } }), 'atproto', account, { refs: { target: atRef(second.uri) } }));
    assert.equal(r.ref, undefined);
    assert.equal(await record(second.uri), undefined);
  });

  it('an invalid record is a permanent failure and nothing is written', async () => {
    const before = (await list(me, 'app.bsky.feed.post')).length;
    const bad = post('x', { language: 'en' });
    bad.object!.publishedAt = 'yesterday';
    await assert.rejects(deliver(commandFor(bad, 'atproto', account)), (err: unknown) => err instanceof DeliveryError && err.kind === 'permanent');
    assert.equal((await list(me, 'app.bsky.feed.post')).length, before);
  });

  it('a restarted adapter resumes the stored session (no createSession)', async () => {
    const loginsBefore = await logins();
    const fresh = new AtprotoDeliverer({ ds: s.ds, accounts: new PdsAccounts({ ds: s.ds, keys, sessions: new SessionPool(keys), pdsUrl, adminPassword: null, handleDomain: '.test', plcUrl: peer.info!.plcUrl }), sessions: new SessionPool(keys), directory: new PdsDirectory(pdsUrl, peer.info!.plcUrl, true), guard: new AddressGuard({ allowPrivate: true }) });
    for (let i = 0; i < 3; i++) await fresh.deliver(commandFor(post(`after restart ${i}`), 'atproto', account));
    assert.equal(await logins(), loginsBefore);
  });

  it('a person links their own account with an app password; posts from their other networks are written into it', async () => {
    const sessions = new SessionPool(keys);
    const linker = new AtprotoAccountLinker({ ds: s.ds, keys, sessions, resolver: createIdResolver(peer.info!.plcUrl, false, pdsUrl) });
    const agent = await peer.login(bob.handle, bob.password);
    const app = await agent.com.atproto.server.createAppPassword({ name: 'pontis' });
    const wrong = await linker.link(bob.handle, 'wrong-wrong-wrong-wrong');
    assert.ok(!wrong.ok && wrong.status === 401 && /refused the app password/.test(wrong.reason), JSON.stringify(wrong));
    const unknown = await linker.link('nobody-here.test', 'x');
    assert.ok(!unknown.ok && unknown.status === 400, JSON.stringify(unknown));
    const linked = await linker.link(`@${bob.handle}`, app.data.password);
    assert.ok(linked.ok && linked.did === bob.did && linked.created, JSON.stringify(linked));
    const [row] = await s.ds.query(`SELECT a.consent FROM accounts a JOIN identities i ON i.account_id = a.id WHERE i.native_id = $1`, [bob.did]);
    assert.equal(row.consent, 'opted_in');
    // The translator would say mode 'native' when the account mirrors into its own Bluesky account.
    const cmd = commandFor(post('mirrored into my own account'), 'atproto', (linked as { accountId: string }).accountId);
    cmd.as = { accountId: cmd.as.accountId, mode: 'native', id: bob.did };
    const loginsBefore = await logins();
    const d = new AtprotoDeliverer({ ds: s.ds, accounts, sessions, directory: new PdsDirectory(pdsUrl, peer.info!.plcUrl), guard: new AddressGuard({ allowPrivate: true }) });
    const r = await d.deliver(cmd);
    assert.ok(r.ref!.id.startsWith(`at://${bob.did}/app.bsky.feed.post/`));
    assert.equal((await record(r.ref!.id))!.value.text, 'mirrored into my own account');
    assert.equal(await logins(), loginsBefore, 'the session from linking is reused');
    const [copy] = await s.ds.query(`SELECT is_original, cid FROM object_map WHERE native_id = $1`, [r.ref!.id]);
    assert.deepEqual(copy, { is_original: false, cid: r.ref!.cid }, 'known as our copy, so the firehose echo is dropped');
    assert.equal((await linker.unlink(bob.did, 'not it')).ok, false);
    assert.equal((await linker.unlink(bob.did, app.data.password)).ok, true);
  });

  it('account.deleted deactivates the bridged account (its repo stops being served)', async () => {
    const other = await seedAccount(s.ds, [{ network: 'nostr', id: 'c0'.repeat(32), handle: 'carol@nostr.example', kind: 'native' }]);
    const first = await deliver(commandFor(post('soon gone'), 'atproto', other));
    const did = first.ref!.id.split('/')[2]!;
    assert.ok(await record(first.ref!.id));
    const gone = act('account.deleted', {});
    const r = await deliver(commandFor(gone, 'atproto', other));
    assert.deepEqual(r, {});
    const status = await fetch(`${pdsUrl}/xrpc/com.atproto.sync.getRepoStatus?did=${did}`);
    assert.deepEqual(((await status.json()) as { active: boolean; status?: string }).active, false);
  });

  it('a bridged identity is looked up once per process; a failed delivery makes the next one look again', async () => {
    const dave = await seedAccount(s.ds, [{ network: 'nostr', id: 'd0'.repeat(32), handle: 'dave@nostr.example', kind: 'native' }]);
    let provisions = 0;
    const counted = Object.create(accounts) as PdsAccounts;
    counted.provision = (accountId: string) => (provisions++, accounts.provision(accountId));
    const d = new AtprotoDeliverer({ ds: s.ds, accounts: counted, sessions, directory: new PdsDirectory(pdsUrl, peer.info!.plcUrl, true), guard: new AddressGuard({ allowPrivate: true }) });
    const one = await d.deliver(commandFor(post('one'), 'atproto', dave));
    await d.deliver(commandFor(post('two'), 'atproto', dave));
    assert.equal(provisions, 1);
    // The account is deactivated behind this deliverer's back (another process took the opt-out): the PDS refuses the write.
    await accounts.deactivate((await s.ds.query(`SELECT id FROM identities WHERE native_id = $1`, [one.ref!.id.split('/')[2]]))[0].id, one.ref!.id.split('/')[2]!);
    await assert.rejects(d.deliver(commandFor(post('three'), 'atproto', dave)), DeliveryError);
    await assert.rejects(d.deliver(commandFor(post('four'), 'atproto', dave)), DeliveryError);
    assert.equal(provisions, 2, 'read again after the failure');
  });

  it('through the outbound runner: receipts carry the URI and CID', async () => {
    const bus = new MemoryBus({ backoff: { baseMs: 20, maxMs: 200, jitter: 0 } });
    await bus.start();
    await bus.ensureTopics([outboundTopic('atproto'), parkedTopic('atproto'), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions: 2 })));
    const rec = await Recorder.on(bus, [TOPICS.receipts]);
    const runner = new OutboundRunner({ bus, ds: s.ds, network: 'atproto', deliver });
    await runner.start();
    try {
      const cmd = commandFor(post('via the runner'), 'atproto', account);
      await bus.publish(outboundTopic('atproto'), [{ key: account, value: JSON.stringify(cmd) }]);
      const receipt = await waitFor(() => rec.json<Receipt>(TOPICS.receipts).find((r) => r.commandId === cmd.id), { what: 'the receipt', timeoutMs: 20_000 });
      assert.equal(receipt.status, 'delivered');
      assert.match(receipt.ref!.id, /^at:\/\/did:plc:.+\/app\.bsky\.feed\.post\//);
      assert.ok(receipt.ref!.cid);
    } finally {
      await runner.stop();
      await rec.stop();
      await bus.stop();
    }
  });
});
