import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import { validateEvent } from '../../../libs/events/index.js';
import { toEvents } from '../mapping/nostr-to-events.js';
import { forwardedReport, REPORT_KIND } from './nip56-report.js';

const proxy = getPublicKey(generateSecretKey());
const stranger = getPublicKey(generateSecretKey());
const note = 'ab'.repeat(32);

/** A NIP-56 report as Amethyst/Damus send it: the type as the third element of p and e tags. */
function report(tags: string[][], content = 'selling fake watches') {
  return finalizeEvent({ kind: REPORT_KIND, created_at: 1_764_000_000, tags, content }, generateSecretKey());
}

describe('NIP-56 reports (kind 1984)', () => {
  it('a report naming a bridged pubkey and note becomes report.created for the moderators', () => {
    const ev = report([['p', proxy, 'spam'], ['e', note, 'spam'], ['p', stranger, 'spam']]);
    assert.ok(verifyEvent(ev));
    const r = toEvents(ev, { bridgedPubkeys: new Set([proxy]) });
    assert.equal(r.events.length, 1, r.ignored);
    const e = validateEvent(r.events[0]);
    assert.equal(e.type, 'report.created');
    assert.equal(e.id, `nostr:${ev.id}`);
    assert.equal(e.actor.id, ev.pubkey);
    // Only our proxies: someone else named in the same report is none of our business.
    assert.deepEqual(e.report, { reason: '[spam] selling fake watches', actors: [{ network: 'nostr', id: proxy }], objects: [{ network: 'nostr', id: note }] });
    assert.equal(e.trace.bridged, undefined);
  });

  it('ignores a report about people we do not bridge, and bounds what a hostile report names', () => {
    assert.match(toEvents(report([['p', stranger, 'spam']]), { bridgedPubkeys: new Set([proxy]) }).ignored ?? '', /no bridged pubkey/);
    const many = report([['p', proxy, 'other'], ...Array.from({ length: 300 }, (_, i) => ['e', i.toString(16).padStart(64, '0'), 'other'])], '');
    const e = toEvents(many, { bridgedPubkeys: new Set([proxy]) }).events[0]!;
    assert.equal(e.report!.objects.length, 100);
    assert.equal(e.report!.reason, '[other]');
  });

  it('a report signed by one of our own keys (our forward coming back) is marked bridged: never handled twice', () => {
    const sk = generateSecretKey();
    const ours = getPublicKey(sk);
    const ev = finalizeEvent({ kind: REPORT_KIND, created_at: 1_764_000_000, tags: [['p', proxy, 'spam']], content: '' }, sk);
    const e = toEvents(ev, { bridgedPubkeys: new Set([proxy, ours]) }).events[0]!;
    assert.equal(e.trace.bridged, true);
  });

  it('the forwarded report names the person and their notes with a NIP-56 type, not the reporter', () => {
    const t = forwardedReport({ actors: [proxy], objects: [{ id: note, author: proxy }, { id: 'cd'.repeat(32), author: stranger }], reason: 'Spam and scams', reporterNetwork: 'activitypub', createdAt: 1 });
    assert.equal(t.kind, 1984);
    assert.deepEqual(t.tags, [['p', proxy, 'spam'], ['e', note, 'spam'], ['e', 'cd'.repeat(32), 'spam'], ['p', stranger, 'spam']]);
    assert.equal(t.content, 'Reported on activitypub through the Pontis bridge: Spam and scams');
    assert.equal(forwardedReport({ actors: [proxy], objects: [], reporterNetwork: 'atproto', createdAt: 1 }).tags[0]![2], 'other');
  });
});
