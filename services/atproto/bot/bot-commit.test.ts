import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botCommitFilter, botSignalOf } from './bot-commit.js';

const BOT = 'did:plc:bridgebot0000000000000000';
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('firehose commits for the Bluesky bot', () => {
  const forBot = botCommitFilter(BOT);
  it('lets through a commit creating a follow or block whose blocks name the bot, and nothing else', () => {
    const follow = { action: 'create', path: 'app.bsky.graph.follow/3k' };
    assert.ok(forBot({ ops: [follow], blocks: bytes(`\u00a2gsubjectx\u001c${BOT}`) }));
    assert.ok(forBot({ ops: [{ action: 'create', path: 'app.bsky.graph.block/3k' }], blocks: bytes(`..${BOT}..`) }));
    assert.ok(!forBot({ ops: [follow], blocks: bytes('did:plc:someoneelse') }), 'a follow of someone else');
    assert.ok(!forBot({ ops: [{ action: 'create', path: 'app.bsky.feed.post/3k' }], blocks: bytes(`mentions ${BOT}`) }), 'a post naming the bot');
    assert.ok(!forBot({ ops: [{ action: 'delete', path: 'app.bsky.graph.follow/3k' }], blocks: bytes(BOT) }), 'an unfollow');
    assert.ok(!forBot({ ops: 'x', blocks: bytes(BOT) }));
    assert.ok(!forBot({ ops: [follow], blocks: BOT }), 'blocks that are not bytes');
    const view = new Uint8Array(Buffer.from(`xxxx${BOT}`)).subarray(4);
    assert.ok(forBot({ ops: [follow], blocks: view }), 'a view into a larger buffer');
  });

  it('reads the verified record: a follow or block of the bot, by subject', () => {
    assert.equal(botSignalOf({ action: 'create', collection: 'app.bsky.graph.follow', record: { subject: BOT } }, BOT), 'follow');
    assert.equal(botSignalOf({ action: 'create', collection: 'app.bsky.graph.block', record: { subject: BOT } }, BOT), 'block');
    assert.equal(botSignalOf({ action: 'create', collection: 'app.bsky.graph.follow', record: { subject: 'did:plc:other' } }, BOT), undefined);
    assert.equal(botSignalOf({ action: 'delete', collection: 'app.bsky.graph.follow' }, BOT), undefined);
    assert.equal(botSignalOf({ action: 'create', collection: 'app.bsky.feed.like', record: { subject: BOT } }, BOT), undefined);
  });
});
