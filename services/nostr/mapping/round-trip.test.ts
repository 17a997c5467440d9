/**
 * render(toEvents(note)) keeps the text, mention targets, links, hashtags, thread, quote and media.
 * Real client fixtures are compared after normalizing `nostr:` references to what they point at
 * (an nprofile comes back as an npub, a nevent re-encoded with our hints); generated notes in the
 * shape Nostr clients write (quote and media last) come back byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { neventEncode, npubEncode } from 'nostr-tools/nip19';
import { scanContent } from './content-scan.js';
import { render } from './events-to-nostr.js';
import { parseImeta, parseThread } from './inbound-post.js';
import type { NostrEvent } from './nostr-protocol.js';
import { decodeContentRef } from './nostr-refs.js';
import { toEvents } from './nostr-to-events.js';
import { commandFor, KEYS, nostrFixture } from './test-support.js';
import { seededRandom as rng } from '../../../libs/testing/seeded-random.js';

const RELAY = 'wss://relay.example';

function roundTrip(ev: NostrEvent, authors: Record<string, string> = {}) {
  const r = toEvents(ev);
  assert.equal(r.events.length, 1, r.ignored);
  const out = render(commandFor(r.events[0]!), { relayHint: () => RELAY, authorOf: (id) => authors[id] });
  assert.equal(out.templates.length, 1, out.skipped);
  return out.templates[0]!;
}

/** Content with every `nostr:` reference replaced by the id it names. */
function normalized(content: string): string {
  let out = content;
  for (const t of scanContent(content).reverse()) {
    if (t.type !== 'ref') continue;
    const r = decodeContentRef(t.bech32)!;
    out = out.slice(0, t.start) + (r.type === 'profile' ? r.pubkey : r.type === 'event' ? r.id : 'addr') + out.slice(t.end);
  }
  return out;
}
const tokens = (content: string, type: 'url' | 'hashtag') =>
  scanContent(content).filter((t) => t.type === type).map((t) => (t.type === 'url' ? t.url : t.type === 'hashtag' ? t.tag : '')).sort();
const tagSet = (ev: { tags: string[][] }, name: string) => [...new Set(ev.tags.filter((t) => t[0] === name).map((t) => t[1]))].sort();

describe('round trip: client fixtures', () => {
  const authors = { [nostrFixture('damus-note-imeta').id]: KEYS.alice, [nostrFixture('amethyst-reply-marked').id]: KEYS.bob };
  for (const name of ['damus-note-imeta', 'amethyst-reply-marked', 'damus-reply-positional', 'primal-quote', 'coracle-emoji-heavy']) {
    it(name, () => {
      const before = nostrFixture(name);
      const after = roundTrip(before, authors);
      assert.equal(normalized(after.content), normalized(before.content), 'text');
      assert.deepEqual(tokens(after.content, 'url'), tokens(before.content, 'url'), 'links');
      assert.deepEqual(tokens(after.content, 'hashtag'), tokens(before.content, 'hashtag'), 'hashtags');
      for (const tag of tokens(before.content, 'hashtag')) assert.ok(tagSet(after, 't').includes(tag.toLowerCase()), `t ${tag}`);
      const mentions = (c: string) => scanContent(c).flatMap((t) => (t.type === 'ref' && t.ref.type === 'profile' ? [t.ref.pubkey] : [])).sort();
      assert.deepEqual(mentions(after.content), mentions(before.content), 'mention targets');
      for (const pk of mentions(before.content)) assert.ok(tagSet(after, 'p').includes(pk), 'p tag per mention');
      assert.deepEqual(parseThread(after.tags), parseThread(before.tags), 'thread');
      assert.deepEqual(tagSet(after, 'q'), tagSet(before, 'q'), 'quote');
      assert.deepEqual([...parseImeta(after.tags).values()], [...parseImeta(before.tags).values()], 'media');
      assert.deepEqual(tagSet(after, 'content-warning'), tagSet(before, 'content-warning'));
      assert.deepEqual(tagSet(after, 'subject'), tagSet(before, 'subject'));
    });
  }
});


const WORDS = ['GM', 'hello', '☀️', '👨‍👩‍👧‍👦', '🇯🇵', '👋🏽', 'cafe\u0301', 'z̷a̸l̶g̴o̵', 'नमस्ते', 'Привет', '日本語', '🏳️‍🌈', 'a\u0308\u0301', '(', ')', ',', '—', ':amethyst:', '𝕏'];
const HASHTAGS = ['bridge', 'Brücke', '日本', 'e\u0301te\u0301', 'nostr2026', 'ZapThis'];

/** A kind-1 note in the shape clients publish: text, then a quote reference, then media URLs (NIP-18, NIP-92). */
function generateNote(seed: number): { ev: NostrEvent; authors: Record<string, string> } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const people = [hex(), hex(), hex()];
  const tags: string[][] = [];
  const p = new Set<string>();
  const t = new Set<string>();
  const authors: Record<string, string> = {};
  const body: string[] = [];
  for (let i = Math.floor(r() * 12); i >= 0; i--) {
    const roll = r();
    if (roll < 0.45) body.push(pick(WORDS));
    else if (roll < 0.6) {
      const pk = pick(people);
      p.add(pk);
      body.push(`nostr:${npubEncode(pk)}`);
    } else if (roll < 0.75) body.push(`https://ex${Math.floor(r() * 9)}.org/p/${Math.floor(r() * 999)}?q=${pick(['a', 'b#c', 'x_(y)'])}${pick(['', '.', ','])}`);
    else if (roll < 0.9) {
      const tag = pick(HASHTAGS);
      t.add(tag.toLowerCase());
      body.push(`#${tag}`);
    } else body.push('\n');
  }
  const extras: string[] = [];
  if (r() < 0.4) {
    const [id, author] = [hex(), pick(people)];
    authors[id] = author;
    p.add(author);
    tags.push(['q', id, RELAY, author]);
    extras.push(`nostr:${neventEncode({ id, relays: [RELAY], author, kind: 1 })}`);
  }
  for (let i = Math.floor(r() * 3); i > 0; i--) {
    const url = `https://nostr.build/i/${hex().slice(0, 16)}.jpg`;
    const imeta = ['imeta', `url ${url}`, 'm image/jpeg'];
    if (r() < 0.6) imeta.push(`alt ${pick(WORDS)} ${pick(WORDS)}`);
    if (r() < 0.6) imeta.push(`dim ${1 + Math.floor(r() * 4000)}x${1 + Math.floor(r() * 4000)}`);
    tags.push(imeta);
    extras.push(url);
  }
  const thread = r();
  if (thread > 0.4) {
    const [root, rootAuthor] = [hex(), pick(people)];
    authors[root] = rootAuthor;
    p.add(rootAuthor);
    tags.push(['e', root, RELAY, 'root', rootAuthor]);
    if (thread > 0.7) {
      const [reply, replyAuthor] = [hex(), pick(people)];
      authors[reply] = replyAuthor;
      p.add(replyAuthor);
      tags.push(['e', reply, RELAY, 'reply', replyAuthor]);
    }
  }
  if (r() < 0.2) tags.push(['content-warning', pick(['spoilers', 'nsfw'])]);
  if (r() < 0.2) tags.push(['subject', pick(WORDS)]);
  for (const pk of p) tags.push(['p', pk]);
  for (const tag of t) tags.push(['t', tag]);
  const text = body.join(' ').trimEnd();
  const content = extras.length ? (text ? `${text}\n\n${extras.join('\n')}` : extras.join('\n')) : text;
  return { ev: { id: hex(), pubkey: hex(), created_at: 1767261600 + seed, kind: 1, tags, content, sig: '0'.repeat(128) }, authors };
}

describe('round trip: generated notes (property, 500 seeded cases)', () => {
  it('content comes back byte for byte, tags as the same set', () => {
    let checked = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const { ev, authors } = generateNote(seed);
      const r = toEvents(ev);
      if (r.ignored === 'empty note') continue;
      const after = roundTrip(ev, authors);
      assert.equal(after.content, ev.content, `seed ${seed}: content`);
      const sorted = (tags: string[][]) => tags.map((x) => JSON.stringify(x)).sort();
      assert.deepEqual(sorted(after.tags), sorted(ev.tags), `seed ${seed}: tags`);
      checked++;
    }
    assert.ok(checked > 450, `only ${checked} non-empty cases`);
  });
});
