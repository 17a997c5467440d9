/**
 * Property: the words, mentions, links and hashtags of a post survive the trip onto each network
 * and back, and from there onto every other network (fast-check, seeded; a failure prints the
 * seed and the shrunk post). Only the pure mappers take part: render() as the adapter publishes,
 * then toEvents() as that network's next reader would see the copy (our provenance marks taken
 * off, since they exist precisely to stop a bridge from reading a copy back).
 *
 * What each network cannot hold is the documented loss, checked as such rather than skipped:
 * a Solid pod keeps links and hashtags as text (AS2 `Mention` tags are its only facets), and a
 * mention always comes back as the mapped person, whatever its text was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { actorKey, type ActorRef, type BridgeEvent, type Facet, type Network, type OutboundCommand } from '../../libs/events/index.js';
import { commandFor } from '../../libs/adapter/testing.js';
import * as ap from '../../services/activitypub/mapping/index.js';
import * as at from '../../services/atproto/mapping/index.js';
import * as nostr from '../../services/nostr/mapping/index.js';
import * as solid from '../../services/solid/mapping/index.js';

const NETWORKS: Network[] = ['activitypub', 'atproto', 'nostr', 'solid'];
const ACCOUNT = '5b0c6f9e-2f8c-4c57-9a53-1c3e1d7b9a01';

/** Three people, each with an identity on every network (what the translator's `actors` map holds). */
const PEOPLE = ['ada', 'bea', 'cyd'].map((name, i) => ({
  name,
  on: {
    activitypub: { id: `https://social.example/users/${name}`, handle: `@${name}@social.example` },
    atproto: { id: `did:plc:${name}${'x'.repeat(21)}`, handle: `${name}.bsky.example` },
    nostr: { id: String(i + 1).repeat(64), handle: `${name}@nostr.example` },
    solid: { id: `https://${name}.pod.example/profile/card#me`, handle: `https://${name}.pod.example/profile/card#me` },
  } as Record<Network, { id: string; handle: string }>,
}));
const personOf = (net: Network, id: string) => PEOPLE.find((p) => p.on[net].id === id);

// --- the posts --------------------------------------------------------------------------------

const WORDS = ['hello', 'bridge', 'Grüße', 'café', 'cafe\u0301', 'naïve', '日本語', 'Привет', 'नमस्ते', '👋🏽', '🏳️‍🌈', '👨‍👩‍👧', '🇯🇵', '𝕏', 'a\u0308\u0301', '—', '(ok)', 'x&y', '<b>', '"quoted"', "it's"];
const TAGS = ['bridges', 'Fediverse', 'nostr2026', 'Brücke', '日本'];

type Token = { t: 'word'; w: string } | { t: 'link'; url: string } | { t: 'tag'; tag: string } | { t: 'mention'; who: number };

const token: fc.Arbitrary<Token> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS).map((w) => ({ t: 'word' as const, w })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 999 })).map(([h, p]) => ({ t: 'link' as const, url: `https://ex${h}.org/p/${p}` })) },
  { weight: 2, arbitrary: fc.constantFrom(...TAGS).map((tag) => ({ t: 'tag' as const, tag })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: PEOPLE.length - 1 }).map((who) => ({ t: 'mention' as const, who })) },
);

/** A post from `from`: text with UTF-16 facets, as that network's adapter would have normalized it. */
function postEvent(tokens: Token[], from: Network): BridgeEvent {
  let text = '';
  const facets: Facet[] = [];
  for (const tok of tokens) {
    if (text) text += ' ';
    const start = text.length;
    if (tok.t === 'word') text += tok.w;
    else if (tok.t === 'link') {
      text += tok.url;
      facets.push({ kind: 'link', start, end: text.length, url: tok.url });
    } else if (tok.t === 'tag') {
      text += `#${tok.tag}`;
      facets.push({ kind: 'tag', start, end: text.length, tag: tok.tag });
    } else {
      const p = PEOPLE[tok.who]!.on[from];
      text += from === 'nostr' ? `@${PEOPLE[tok.who]!.name}` : `@${p.handle.replace(/^@/, '')}`;
      facets.push({ kind: 'mention', start, end: text.length, actor: { network: from, id: p.id, handle: p.handle } });
    }
  }
  const author = from === 'activitypub' ? 'https://origin.example/users/zed' : from === 'atproto' ? 'did:plc:zedzedzedzedzedzedzedzed' : from === 'nostr' ? 'f'.repeat(64) : 'https://zed.pod.example/profile/card#me';
  const id = from === 'activitypub' ? 'https://origin.example/notes/1' : from === 'atproto' ? 'at://did:plc:zedzedzedzedzedzedzedzed/app.bsky.feed.post/3kabc' : from === 'nostr' ? 'e'.repeat(64) : 'https://zed.pod.example/social/outbox/n1';
  return {
    v: 1,
    id: `${from}:${id}`,
    type: 'post.created',
    occurredAt: '2026-11-26T10:00:00.000Z',
    source: { network: from, id },
    actor: { network: from, id: author },
    trace: { origin: from, hops: 0 },
    object: { kind: 'note', text, facets, attachments: [], sensitive: false, visibility: 'public', publishedAt: '2026-11-26T10:00:00.000Z' },
  };
}

// --- one hop: render on `to`, read back there ---------------------------------------------------

/** The command the translator would send: every mentioned person mapped to their identity on `to`. */
function commandTo(e: BridgeEvent, to: Network): OutboundCommand {
  const actors: OutboundCommand['actors'] = {};
  for (const f of e.object!.facets) {
    if (f.kind !== 'mention' || !f.actor) continue;
    const person = personOf(f.actor.network, f.actor.id);
    if (person) actors[actorKey(f.actor)] = person.on[to];
  }
  const command = commandFor(e, to, ACCOUNT, { actors });
  command.as = { accountId: ACCOUNT, mode: 'bridged', id: ME[to].id, handle: ME[to].handle };
  return command;
}

const ME: Record<Network, { id: string; handle: string }> = {
  activitypub: { id: 'https://pontis.example/ap/users/zed', handle: '@zed@pontis.example' },
  atproto: { id: 'did:plc:bridgedzedbridgedzedbrid', handle: 'zed-ap.pontis.example' },
  nostr: { id: 'd'.repeat(64), handle: 'zed@pontis.example' },
  solid: { id: 'https://pontis.example/zed/profile/card#me', handle: 'https://pontis.example/zed/profile/card#me' },
};
const SOLID_ME = { webId: ME.solid.id, socialUrl: 'https://pontis.example/zed/social/' };

/** render → the native copy a reader of `to` sees → toEvents. */
function hop(e: BridgeEvent, to: Network): BridgeEvent {
  const command = commandTo(e, to);
  const back = (r: { events: BridgeEvent[]; ignored?: string }) => {
    assert.equal(r.events.length, 1, `${to}: read back nothing (${r.ignored})`);
    return r.events[0]!;
  };
  switch (to) {
    case 'nostr': {
      const out = nostr.render(command, {});
      assert.equal(out.templates.length, 1, out.skipped);
      const t = out.templates[0]!;
      const tags = t.tags.filter((x) => !['proxy', 'L', 'l', '-'].includes(x[0]!));
      const names = new Map(PEOPLE.map((p) => [p.on.nostr.id, p.name]));
      return back(nostr.toEvents({ ...t, tags, id: '0'.repeat(64), pubkey: ME.nostr.id, sig: '0'.repeat(128) }, { nameOf: (pk) => names.get(pk) }));
    }
    case 'atproto': {
      const out = at.render(command, { did: ME.atproto.id });
      const w = out.writes[out.primary ?? 0];
      assert.ok(w && w.action !== 'delete', `atproto: nothing written (${out.skipped})`);
      const handles = new Map(PEOPLE.map((p) => [p.on.atproto.id, p.on.atproto.handle]));
      return back(at.toEvents({ action: 'create', did: ME.atproto.id, collection: w.collection, rkey: w.rkey, cid: 'bafyreib2rxk3rybk3aobmv5msrxtfr2m6zvpd4bqnz2lrwasowrbhayxnq', record: w.record, time: '2026-11-26T10:00:01.000Z' }, { handleOf: (d) => handles.get(d) }));
    }
    case 'activitypub': {
      const out = ap.render(command, { baseUrl: 'https://pontis.example' });
      assert.ok(out.activity, `activitypub: nothing rendered (${out.skipped})`);
      const { proxyOf: _p, url: _u, ...object } = out.activity.object as Record<string, unknown>;
      const handles = new Map(PEOPLE.map((p) => [p.on.activitypub.id, p.on.activitypub.handle]));
      return back(ap.toEvents({ ...out.activity, object }, { handleOf: (a) => handles.get(a) }));
    }
    case 'solid': {
      const out = solid.render(command, { me: SOLID_ME, bridgeUrl: 'https://pontis.example' });
      const w = out.writes[0];
      assert.ok(w && w.op === 'put', `solid: nothing written (${out.skipped})`);
      return back(solid.toEvents({ url: w.url, folder: 'outbox', body: JSON.stringify({ ...w.body, generator: undefined }) }, { owner: SOLID_ME }));
    }
  }
}

// --- what must survive ------------------------------------------------------------------------

/** Facets a network keeps as facets; the others stay as their text. */
const KEEPS: Record<Network, ReadonlySet<Facet['kind']>> = {
  activitypub: new Set(['mention', 'link', 'tag']),
  atproto: new Set(['mention', 'link', 'tag']),
  nostr: new Set(['mention', 'link', 'tag']),
  solid: new Set(['mention']),
};

/**
 * The post with each kept facet replaced by what it means (the person, the URL, the tag), and
 * runs of whitespace folded: what a reader must find again on the other side.
 */
function meaning(e: BridgeEvent, kept: ReadonlySet<Facet['kind']>): string {
  const o = e.object!;
  let out = '';
  let at = 0;
  for (const f of [...o.facets].filter((x) => kept.has(x.kind)).sort((a, b) => a.start - b.start)) {
    out += o.text.slice(at, f.start);
    out += f.kind === 'mention' ? `⟨@${whoIs(f.actor!)}⟩` : f.kind === 'link' ? `⟨${f.url}⟩` : `⟨#${f.tag!.toLowerCase()}⟩`;
    at = f.end;
  }
  return (out + o.text.slice(at)).replace(/\s+/g, ' ').trim();
}

function whoIs(a: ActorRef): string {
  return personOf(a.network, a.id)?.name ?? `unknown ${a.network}:${a.id}`;
}

/** Reads the tokens as the plain text a network that keeps no such facets shows. */
function keptAs(e: BridgeEvent, to: Network): string {
  return meaning(e, KEEPS[to]);
}

const RUNS = Number(process.env.PONTIS_PROPERTY_RUNS ?? 300);
const post = fc.array(token, { minLength: 1, maxLength: 14 });

describe('content survives every round trip between networks (property)', () => {
  for (const from of NETWORKS) {
    for (const to of NETWORKS) {
      if (to === from) continue;
      it(`${from} → ${to} → read back on ${to}`, () => {
        const seen = { mention: 0, link: 0, tag: 0 };
        fc.assert(
          fc.property(post, (tokens) => {
            const e = postEvent(tokens, from);
            const copy = hop(e, to);
            assert.equal(meaning(copy, KEEPS[to]), keptAs(e, to));
            for (const kind of new Set(copy.object!.facets.map((f) => f.kind))) seen[kind]++;
          }),
          { numRuns: RUNS, seed: 20261126 },
        );
        // The property is only as good as what it exercised: each kept kind came back in many posts.
        for (const kind of KEEPS[to]) assert.ok(seen[kind] > RUNS / 5, `${kind} facets came back in only ${seen[kind]} of ${RUNS} posts`);
      });
    }
  }

  it('and onward: a copy read on one network, bridged to a third, still says the same', () => {
    fc.assert(
      fc.property(post, fc.constantFrom(...NETWORKS), fc.constantFrom(...NETWORKS), fc.constantFrom(...NETWORKS), (tokens, a, b, c) => {
        fc.pre(a !== b && b !== c);
        const first = hop(postEvent(tokens, a), b);
        const second = hop(first, c);
        const kept = new Set([...KEEPS[b]].filter((k) => KEEPS[c].has(k)));
        assert.equal(meaning(second, kept), meaning(postEvent(tokens, a), kept));
      }),
      { numRuns: RUNS, seed: 20261127 },
    );
  });
});
