import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { eventFixture, type BridgeEvent, type Network } from '../../libs/events/index.js';
import { objectKeyFor, refKey } from './object-key.js';
import { holdDeadline, translate, type Outcome } from './translate.js';
import { addAccount, testContext } from './test-context.js';
import type { TranslationContext } from './translation-context.js';

const ALICE_AP = 'https://mastodon.example/users/alice';
const BOB_DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';

const context = () => testContext();

/** Decides an event as if for the first time (tests reuse fixtures, whose ids repeat). */
function decide(e: BridgeEvent, c: TranslationContext, onlyTarget?: Network): Outcome {
  c.processed.delete(e.id);
  return translate(e, c, onlyTarget);
}

function translated(o: Outcome) {
  assert.equal(o.kind, 'translated', o.kind === 'drop' ? `dropped: ${o.reason}` : '');
  return o as Extract<Outcome, { kind: 'translated' }>;
}

function targetsOf(o: Outcome): Network[] {
  return translated(o).commands.map((c) => c.target).sort();
}

/** Records a bridged copy the way a receipt does. */
function bridgedCopy(ctx: TranslationContext, original: { network: Network; id: string }, target: Network, copyId: string) {
  const info = ctx.objects.get(refKey(original))!;
  info.copies[target] = { id: copyId, original: false };
  ctx.objects.set(`${target}:${copyId}`, info);
}

describe('translate', () => {
  let ctx: TranslationContext;
  beforeEach(() => {
    ctx = context();
    addAccount(ctx, 'acct-alice', [
      { network: 'activitypub', id: ALICE_AP, kind: 'native', handle: '@alice@mastodon.example' },
      { network: 'atproto', id: 'did:plc:alicebridged', kind: 'bridged', handle: 'alice.mastodon.example.ap.pontis.example' },
    ]);
    addAccount(ctx, 'acct-bob', [
      { network: 'atproto', id: BOB_DID, kind: 'native', handle: 'bob.bsky.social' },
      { network: 'activitypub', id: 'https://pontis.example/ap/bob', kind: 'bridged', handle: '@bob.bsky.social@pontis.example' },
    ]);
  });

  it('one person on several networks (mirroring): into their own Bluesky account, through a bridged identity on Nostr', () => {
    const NOSTR_PK = 'ab'.repeat(32);
    addAccount(ctx, 'acct-carol', [
      { network: 'nostr', id: NOSTR_PK, kind: 'native', handle: 'carol@nostr.example' },
      { network: 'atproto', id: 'did:plc:carolown', kind: 'native', handle: 'carol.bsky.social' },
      { network: 'nostr', id: 'cd'.repeat(32), kind: 'bridged', handle: 'carol_bsky@pontis.example' },
    ]);
    const fromNostr: BridgeEvent = { ...eventFixture('post.created'), id: `nostr:${'1'.repeat(64)}`, source: { network: 'nostr', id: '1'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_PK }, trace: { origin: 'nostr', hops: 0 } };
    const toBsky = translated(decide(fromNostr, ctx)).commands.find((c) => c.target === 'atproto')!;
    assert.deepEqual(toBsky.as, { accountId: 'acct-carol', mode: 'native', id: 'did:plc:carolown', handle: 'carol.bsky.social' });
    const fromBsky: BridgeEvent = { ...eventFixture('post.created'), id: 'atproto:at://did:plc:carolown/app.bsky.feed.post/1', source: { network: 'atproto', id: 'at://did:plc:carolown/app.bsky.feed.post/1' }, actor: { network: 'atproto', id: 'did:plc:carolown' }, trace: { origin: 'atproto', hops: 0 } };
    const toNostr = translated(decide(fromBsky, ctx)).commands.find((c) => c.target === 'nostr')!;
    // We hold no key of hers: her bridged identity speaks on Nostr (a remote signer would change that).
    assert.deepEqual(toNostr.as, { accountId: 'acct-carol', mode: 'bridged', id: 'cd'.repeat(32), handle: 'carol_bsky@pontis.example' });
    // Her choice wins: mirroring off for Nostr means no Nostr command at all.
    ctx.accounts.get('acct-carol')!.mirror = { nostr: 'off' };
    assert.ok(!translated(decide(fromBsky, ctx)).commands.some((c) => c.target === 'nostr'));
  });

  it('bridges an opted-in post to every other enabled network, keyed to one object', () => {
    const out = translated(decide(eventFixture('post.created'), ctx));
    assert.deepEqual(targetsOf(out), ['atproto', 'nostr', 'solid']);
    const post = eventFixture('post.created');
    assert.equal(out.objectKey, objectKeyFor(post.source));
    assert.ok(out.original);
    const atproto = out.commands.find((c) => c.target === 'atproto')!;
    assert.equal(atproto.id, `${post.id}>atproto`);
    assert.deepEqual(atproto.as, { accountId: 'acct-alice', mode: 'bridged', id: 'did:plc:alicebridged', handle: 'alice.mastodon.example.ap.pontis.example' });
  });

  it('maps a mention of a bridged person to their own account on the target network', () => {
    const out = translated(decide(eventFixture('post.created'), ctx));
    const atproto = out.commands.find((c) => c.target === 'atproto')!;
    assert.deepEqual(atproto.actors[`atproto:${BOB_DID}`], { id: BOB_DID, handle: 'bob.bsky.social' });
    const nostr = out.commands.find((c) => c.target === 'nostr')!;
    assert.equal(nostr.actors[`atproto:${BOB_DID}`], undefined, 'bob has no nostr identity yet: the mention stays text');
  });

  it('drops what it already translated (replay is harmless)', () => {
    ctx.processed.add(eventFixture('post.created').id);
    assert.deepEqual(translate(eventFixture('post.created'), ctx), { kind: 'drop', event: eventFixture('post.created'), reason: 'duplicate' });
  });

  it('drops the same event seen twice in one batch', () => {
    assert.equal(translate(eventFixture('post.created'), ctx).kind, 'translated');
    assert.equal((translate(eventFixture('post.created'), ctx) as { reason: string }).reason, 'duplicate');
  });

  it('never bridges a report, even from an opted-in person: it is for the moderators', () => {
    const report = { ...eventFixture('report.created'), actor: { network: 'activitypub' as const, id: ALICE_AP } };
    assert.equal((decide(report, ctx) as { reason: string }).reason, 'moderation');
  });

  it('drops echoes: bridge provenance, a bridged author, or a copy we published', () => {
    const marked = eventFixture('post.created');
    marked.trace.bridged = true;
    assert.equal((decide(marked, ctx) as { reason: string }).reason, 'echo');

    const byProxy = eventFixture('post.created');
    byProxy.actor = { network: 'activitypub', id: 'https://pontis.example/ap/bob' };
    assert.equal((decide(byProxy, ctx) as { reason: string }).reason, 'echo');

    const first = eventFixture('post.created');
    translated(decide(first, ctx));
    bridgedCopy(ctx, first.source, 'atproto', 'at://did:plc:alicebridged/app.bsky.feed.post/1');
    const seenAgain: BridgeEvent = {
      ...eventFixture('post.created'),
      id: 'atproto:at://did:plc:alicebridged/app.bsky.feed.post/1',
      actor: { network: 'atproto', id: 'did:plc:someone' },
      source: { network: 'atproto', id: 'at://did:plc:alicebridged/app.bsky.feed.post/1' },
      trace: { origin: 'atproto', hops: 0 },
    };
    assert.equal((decide(seenAgain, ctx) as { reason: string }).reason, 'echo');
  });

  it('applies consent: no account, pending, opted out, taken down', () => {
    const stranger = eventFixture('post.created');
    stranger.actor = { network: 'activitypub', id: 'https://other.example/users/eve' };
    assert.equal((decide(stranger, ctx) as { reason: string }).reason, 'not-opted-in');
    ctx.accounts.get('acct-alice')!.consent = 'pending';
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'not-opted-in');
    ctx.policy.defaultConsent = 'opt-out';
    assert.equal(decide(eventFixture('post.created'), ctx).kind, 'translated');
    ctx.accounts.get('acct-alice')!.consent = 'opted_out';
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'opted-out');
    ctx.accounts.get('acct-alice')!.consent = 'opted_in';
    ctx.accounts.get('acct-alice')!.status = 'taken_down';
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'account-inactive');
  });

  it('lets account.deleted through after an opt-out or a takedown, so the proxies are removed', () => {
    for (const change of [{ consent: 'opted_out' as const }, { status: 'taken_down' as const }]) {
      Object.assign(ctx.accounts.get('acct-bob')!, { consent: 'opted_in', status: 'active' }, change);
      assert.equal(decide(eventFixture('post.created'), ctx).kind, 'translated', 'alice is unaffected');
      const out = translated(decide(eventFixture('account.deleted'), ctx));
      const ap = out.commands.find((c) => c.target === 'activitypub')!;
      assert.deepEqual(ap.as, { accountId: 'acct-bob', mode: 'bridged', id: 'https://pontis.example/ap/bob', handle: '@bob.bsky.social@pontis.example' });
    }
    const stranger = eventFixture('account.deleted');
    stranger.actor = { network: 'atproto', id: 'did:plc:nobodyhere' };
    assert.equal((decide(stranger, ctx) as { reason: string }).reason, 'not-opted-in');
  });

  it('applies admin policy: source network off, target network off, blocked and allow-listed domains', () => {
    ctx.policy.networks.nostr = false;
    assert.deepEqual(targetsOf(decide(eventFixture('post.created'), ctx)), ['atproto', 'solid']);
    ctx.policy.blockedDomains = ['example'];
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'domain-blocked');
    ctx.policy.blockedDomains = [];
    ctx.policy.allowedDomains = ['friendly.social'];
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'domain-blocked');
    ctx.policy.allowedDomains = ['mastodon.example'];
    ctx.policy.networks.activitypub = false;
    assert.equal((decide(eventFixture('post.created'), ctx) as { reason: string }).reason, 'network-disabled');
  });

  it('honors the person per network: off skips it, an explicit native publishes as their own account', () => {
    const alice = ctx.accounts.get('acct-alice')!;
    alice.mirror = { solid: 'off', nostr: 'native' };
    alice.identities.push({ accountId: 'acct-alice', network: 'nostr', id: 'f'.repeat(64), kind: 'native' });
    const out = translated(decide(eventFixture('post.created'), ctx));
    assert.deepEqual(out.commands.map((c) => c.target).sort(), ['atproto', 'nostr']);
    assert.deepEqual(out.commands.find((c) => c.target === 'nostr')!.as, { accountId: 'acct-alice', mode: 'native', id: 'f'.repeat(64), handle: undefined });
  });

  it('keeps #nobridge posts and non-public posts at home', () => {
    const tagged = eventFixture('post.created');
    tagged.object!.text += ' #NoBridge';
    assert.equal((decide(tagged, ctx) as { reason: string }).reason, 'nobridge-tag');
    const privatePost = eventFixture('post.created');
    privatePost.object!.visibility = 'followers';
    assert.equal((decide(privatePost, ctx) as { reason: string }).reason, 'not-public');
  });

  it('the opt-out tags are the deployment\'s (PONTIS_OPT_OUT_TAGS): another tag replaces #nobridge', () => {
    ctx.policy.optOutTags = ['nobot'];
    const nobot = eventFixture('post.created');
    nobot.object!.text += ' #nobot';
    assert.equal((decide(nobot, ctx) as { reason: string }).reason, 'nobridge-tag');
    const nobridge = eventFixture('post.created');
    nobridge.object!.text += ' #nobridge';
    assert.equal(decide(nobridge, ctx).kind, 'translated');
  });

  describe('causal order', () => {
    function reply(parent: { network: Network; id: string }, id = 'https://mastodon.example/users/alice/statuses/110'): BridgeEvent {
      const e = eventFixture('post.created');
      e.id = `activitypub:${id}`;
      e.source = { network: 'activitypub', id };
      e.object!.replyTo = parent;
      e.object!.threadRoot = parent;
      return e;
    }

    it('holds a reply whose parent was never seen but whose author is bridged, naming what it waits for', () => {
      const out = translated(decide(reply({ network: 'atproto', id: `at://${BOB_DID}/app.bsky.feed.post/9` }), ctx));
      assert.equal(out.commands.length, 0);
      assert.deepEqual(out.holds.map((h) => h.target).sort(), ['atproto', 'nostr', 'solid']);
      assert.match(out.holds[0]!.reason, new RegExp(`waiting for atproto object at://${BOB_DID}/app.bsky.feed.post/9 to be seen`));
      assert.ok(out.holds.every((h) => !h.briefly), 'its author is known: the full wait');
    });

    it('bridges at once, as a post of its own linking the parent, a reply to someone who is not bridged', () => {
      const parent = { network: 'atproto' as const, id: 'at://did:plc:stranger/app.bsky.feed.post/9' };
      const out = translated(decide(reply(parent), ctx));
      assert.equal(out.holds.length, 0);
      assert.deepEqual(out.commands.map((c) => c.target).sort(), ['atproto', 'nostr', 'solid']);
      for (const c of out.commands) {
        assert.equal(c.refs.replyTo, undefined);
        assert.equal(c.refs.threadRoot, undefined);
        assert.equal(c.event.object!.replyTo, undefined, 'no adapter sees a parent it cannot find');
        assert.equal(c.event.object!.threadRoot, undefined);
        assert.match(c.event.object!.text, /\n\nIn reply to https:\/\/bsky\.app\/profile\/did:plc:stranger\/post\/9$/);
        const link = c.event.object!.facets.at(-1)!;
        assert.equal(c.event.object!.text.slice(link.start, link.end), 'https://bsky.app/profile/did:plc:stranger/post/9');
      }
    });

    it('bridges at once, linking the parent, a reply to a Nostr note whose tags name an author who is not bridged', () => {
      const parent = { network: 'nostr' as const, id: 'ef'.repeat(32), writtenBy: { network: 'nostr' as const, id: 'fe'.repeat(32) } };
      const out = translated(decide(reply(parent), ctx));
      assert.equal(out.holds.length, 0, 'no wait: its author can never have a copy');
      assert.equal(out.commands.length, 3);
      for (const c of out.commands) assert.match(c.event.object!.text, /In reply to https:\/\/njump\.me\/nevent1/);
    });

    it('under opt-out, waits briefly (not the full wait) for a parent never seen whose author was never seen', () => {
      ctx.policy.defaultConsent = 'opt-out';
      for (const parent of [
        { network: 'nostr' as const, id: 'ef'.repeat(32), writtenBy: { network: 'nostr' as const, id: 'fe'.repeat(32) } },
        { network: 'atproto' as const, id: 'at://did:plc:stranger/app.bsky.feed.post/9' },
      ]) {
        const out = translated(decide(reply(parent), ctx));
        assert.equal(out.commands.length, 0, 'they may be bridged on first sight: their parent may still come');
        assert.ok(out.holds.length === 3 && out.holds.every((h) => h.briefly), `${parent.network}: an author never seen is unknown, not bridged`);
      }
      ctx.accounts.get('acct-bob')!.consent = 'opted_out';
      const known = translated(decide(reply({ network: 'atproto', id: `at://${BOB_DID}/app.bsky.feed.post/9` }), ctx));
      assert.equal(known.holds.length, 0, 'an author who opted out can never have a copy: linked at once');
    });

    it('waits briefly for a parent never seen whose id names no author, then links it', () => {
      const parent = { network: 'nostr' as const, id: 'ee'.repeat(32) };
      const r = reply(parent);
      const out = translated(decide(r, ctx));
      assert.equal(out.commands.length, 0);
      assert.ok(out.holds.length === 3 && out.holds.every((h) => h.briefly));
      ctx.unseenParentWaitMs = 5_000;
      assert.equal(holdDeadline(ctx, out.holds[0]).getTime() - ctx.now.getTime(), 5_000);
      assert.equal(holdDeadline(ctx).getTime() - ctx.now.getTime(), ctx.pendingTimeoutMs);
      const late = translated(translate(r, ctx, 'atproto', { parentsGivenUp: true }));
      assert.equal(late.holds.length, 0);
      assert.match(late.commands[0]!.event.object!.text, /In reply to https:\/\/njump\.me\/nevent1/);
    });

    it('when the wait ends, a reply whose parent is still in flight goes too, and one whose parent has a copy keeps it', () => {
      const parent = eventFixture('post.created');
      translated(decide(parent, ctx));
      const r = reply(parent.source);
      bridgedCopy(ctx, parent.source, 'atproto', 'at://did:plc:alicebridged/app.bsky.feed.post/p1');
      const late = translated(translate(r, ctx, undefined, { parentsGivenUp: true }));
      const byTarget = new Map(late.commands.map((c) => [c.target, c]));
      assert.equal(byTarget.get('atproto')!.refs.replyTo?.id, 'at://did:plc:alicebridged/app.bsky.feed.post/p1');
      assert.equal(byTarget.get('nostr')!.refs.replyTo, undefined);
      assert.match(byTarget.get('nostr')!.event.object!.text, /In reply to https:\/\/mastodon\.example\/\S+$/);
    });

    it('holds a reply whose parent is on its way, and releases it once the copy exists', () => {
      const parent = eventFixture('post.created');
      translated(decide(parent, ctx));
      const r = reply(parent.source);
      const held = translated(decide(r, ctx));
      assert.equal(held.holds.length, 3, 'parent is planned for every target but not there yet');
      assert.match(held.holds[0]!.reason, /to be bridged to/);

      bridgedCopy(ctx, parent.source, 'atproto', 'at://did:plc:alicebridged/app.bsky.feed.post/p1');
      const released = translated(decide(r, ctx, 'atproto'));
      assert.equal(released.commands.length, 1);
      assert.deepEqual(released.commands[0]!.refs.replyTo, { network: 'atproto', id: 'at://did:plc:alicebridged/app.bsky.feed.post/p1', original: false });
    });

    it('points a reply to a bridged copy back at the original on its home network', () => {
      const bobPost = { network: 'atproto' as const, id: 'at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbz' };
      ctx.objects.set(refKey(bobPost), { objectKey: 'k-bob', copies: { atproto: { id: bobPost.id, cid: 'bafy1', original: true } }, planned: new Set(['activitypub']), deleted: false });
      bridgedCopy(ctx, bobPost, 'activitypub', 'https://pontis.example/ap/bob/posts/3lbz');
      const out = translated(decide(reply({ network: 'activitypub', id: 'https://pontis.example/ap/bob/posts/3lbz' }), ctx));
      const toAtproto = out.commands.find((c) => c.target === 'atproto')!;
      assert.deepEqual(toAtproto.refs.replyTo, { network: 'atproto', id: bobPost.id, cid: 'bafy1', original: true });
      assert.deepEqual(out.holds.map((h) => h.target).sort(), [], 'nostr and solid: parent never headed there');
      assert.deepEqual(out.skips, []);
      // There it goes as a post of its own, linking the original (not our fediverse copy of it).
      for (const target of ['nostr', 'solid'] as const) {
        const c = out.commands.find((x) => x.target === target)!;
        assert.equal(c.refs.replyTo, undefined);
        assert.match(c.event.object!.text, /In reply to https:\/\/bsky\.app\/profile\/did:plc:ewvi7nxzyoun6zhxrhs64oiz\/post\/3lbz$/);
      }
    });

    it('sees objects created earlier in the same batch', () => {
      const parent = eventFixture('post.created');
      decide(parent, ctx);
      const like = eventFixture('reaction.added');
      like.actor = { network: 'activitypub', id: ALICE_AP };
      like.source = { network: 'activitypub', id: 'https://mastodon.example/likes/1' };
      like.trace.origin = 'activitypub';
      like.target = parent.source;
      const out = translated(decide(like, ctx));
      assert.equal(out.holds.length, 3);
    });

    it('holds a delete of a post still in flight, and skips one that never went there', () => {
      const parent = eventFixture('post.created');
      decide(parent, ctx);
      const del = eventFixture('post.deleted');
      del.actor = { network: 'activitypub', id: ALICE_AP };
      del.source = { network: 'activitypub', id: `${parent.source.id}#delete` };
      del.trace.origin = 'activitypub';
      del.target = parent.source;
      assert.equal(translated(decide(del, ctx)).holds.length, 3);

      bridgedCopy(ctx, parent.source, 'atproto', 'at://x/app.bsky.feed.post/p1');
      ctx.objects.get(refKey(parent.source))!.planned = new Set(['atproto']);
      const out = translated(decide(del, ctx));
      assert.deepEqual(out.commands.map((c) => c.target), ['atproto']);
      assert.deepEqual(out.skips.map((s) => s.reason), ['deleted', 'deleted']);
    });
  });

  it('lets only the owner (or their other identities) edit, delete or undo', () => {
    const post = eventFixture('post.created');
    decide(post, ctx);
    bridgedCopy(ctx, post.source, 'atproto', 'at://did:plc:alicebridged/app.bsky.feed.post/p1');
    const del = eventFixture('post.deleted');
    del.target = { network: 'atproto', id: 'at://did:plc:alicebridged/app.bsky.feed.post/p1' };
    // Bob names Alice's copy in a deletion of his own.
    assert.equal((decide(del, ctx) as { reason: string }).reason, 'not-owner');
    // Alice deleting from her linked Bluesky account is her own deletion.
    ctx.accounts.get('acct-alice')!.identities.push({ accountId: 'acct-alice', network: 'atproto', id: 'did:plc:alicenative', kind: 'native' });
    ctx.identities.set('atproto:did:plc:alicenative', { accountId: 'acct-alice', network: 'atproto', id: 'did:plc:alicenative', kind: 'native' });
    del.actor = { network: 'atproto', id: 'did:plc:alicenative' };
    assert.equal(decide(del, ctx).kind, 'translated');
  });

  it('skips a follow of someone with no identity on the target', () => {
    const follow = eventFixture('follow.created');
    follow.subject = { network: 'activitypub', id: 'https://pontis.example/ap/bob' };
    const out = translated(decide(follow, ctx));
    assert.deepEqual(out.commands.map((c) => c.target), ['atproto']);
    assert.deepEqual(out.commands[0]!.actors, { 'activitypub:https://pontis.example/ap/bob': { id: BOB_DID, handle: 'bob.bsky.social' } });
    assert.deepEqual(out.skips.map((s) => s.reason), ['subject-not-bridged', 'subject-not-bridged']);
  });

  it('gives the same object key to the same original every time', () => {
    assert.equal(objectKeyFor({ network: 'nostr', id: 'abc' }), objectKeyFor({ network: 'nostr', id: 'abc' }));
    assert.notEqual(objectKeyFor({ network: 'nostr', id: 'abc' }), objectKeyFor({ network: 'atproto', id: 'abc' }));
    assert.match(objectKeyFor({ network: 'nostr', id: 'abc' }), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
