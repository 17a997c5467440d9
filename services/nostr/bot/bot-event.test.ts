import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as nip04 from 'nostr-tools/nip04';
import * as nip17 from 'nostr-tools/nip17';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../mapping/index.js';
import { botAnswer, botProfile, readBotEvent } from './bot-event.js';

const botSk = generateSecretKey();
const bot = { pubkey: getPublicKey(botSk), secretKey: botSk };
const sk = generateSecretKey();
const me = getPublicKey(sk);
const sign = (kind: number, tags: string[][], content = '') => finalizeEvent({ kind, created_at: 1_767_000_000, tags, content }, sk) as NostrEvent;

describe('events aimed at the Nostr bot', () => {
  it('a contact list naming the bot is a follow; a mute list naming it is a block; lists without it say nothing', () => {
    assert.deepEqual(readBotEvent(sign(3, [['p', 'ab'.repeat(32)], ['p', bot.pubkey]]), bot), { ok: true, sender: me, signal: { kind: 'follow' }, createdAt: 1_767_000_000 });
    assert.deepEqual(readBotEvent(sign(10000, [['p', bot.pubkey]]), bot), { ok: true, sender: me, signal: { kind: 'block' }, createdAt: 1_767_000_000 });
    assert.equal(readBotEvent(sign(3, [['p', 'ab'.repeat(32)]]), bot).ok, false);
    assert.equal(readBotEvent(sign(10000, []), bot).ok, false);
  });

  it('reads a NIP-04 message and answers with NIP-04 the sender can decrypt', () => {
    const dm = sign(4, [['p', bot.pubkey]], nip04.encrypt(sk, bot.pubkey, 'stop'));
    const r = readBotEvent(dm, bot);
    assert.ok(r.ok);
    assert.deepEqual([r.sender, r.signal, r.answer], [me, { kind: 'message', text: 'stop' }, { via: 'nip04', replyTo: dm.id }]);
    const answer = botAnswer(bot, me, 'done', r.answer!);
    assert.equal(answer.kind, 4);
    assert.equal(answer.pubkey, bot.pubkey);
    assert.deepEqual(answer.tags, [['p', me], ['e', dm.id]]);
    assert.equal(nip04.decrypt(sk, bot.pubkey, answer.content), 'done');
  });

  it('opens a NIP-17 gift wrap (sender from the seal) and answers with a gift wrap', () => {
    const wrap = nip17.wrapEvent(sk, { publicKey: bot.pubkey }, 'start') as NostrEvent;
    const r = readBotEvent(wrap, bot);
    assert.ok(r.ok);
    assert.equal(r.sender, me, 'the real author, not the throwaway key of the wrap');
    assert.deepEqual(r.signal, { kind: 'message', text: 'start' });
    assert.equal(r.answer!.via, 'nip17');
    const answer = botAnswer(bot, me, 'welcome', r.answer!);
    assert.equal(answer.kind, 1059);
    const rumor = nip17.unwrapEvent(answer, sk);
    assert.equal(rumor.pubkey, bot.pubkey);
    assert.equal(rumor.content, 'welcome');
    assert.ok(rumor.tags.some((t) => t[0] === 'e' && t[1] === r.answer!.replyTo));
  });

  it('refuses what does not open, what is for someone else, and its own events', () => {
    assert.match((readBotEvent(sign(4, [['p', bot.pubkey]], 'garbage?iv=x'), bot) as { reason: string }).reason, /does not decrypt/);
    assert.equal(readBotEvent(sign(4, [['p', 'ab'.repeat(32)]], nip04.encrypt(sk, 'ab'.repeat(32), 'start')), bot).ok, false);
    const forOther = nip17.wrapEvent(sk, { publicKey: getPublicKey(generateSecretKey()) }, 'start') as NostrEvent;
    forOther.tags = [['p', bot.pubkey]];
    assert.match((readBotEvent(forOther, bot) as { reason: string }).reason, /does not open/);
    assert.equal(readBotEvent(botProfile(bot, { about: 'x', nip05: 'bridge@pontis.example' }), bot).ok, false);
  });

  it('publishes a profile that says how to opt in and out', () => {
    const p = botProfile(bot, { about: 'Follow this account to be bridged', nip05: 'bridge@pontis.example', nowS: 5 });
    assert.equal(p.kind, 0);
    assert.deepEqual(JSON.parse(p.content), { name: 'bridge', display_name: 'Pontis bridge', about: 'Follow this account to be bridged', nip05: 'bridge@pontis.example', bot: true });
  });
});
