import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_TYPES } from './event-types.js';
import { eventFixture, invalidEventFixtures } from './fixtures.js';
import { outboundTopic, TOPICS } from './topics.js';
import { InvalidEventError, parseEvent, validateEvent } from './validate.js';

describe('BridgeEvent validation', () => {
  for (const type of EVENT_TYPES) {
    it(`accepts the ${type} fixture`, () => {
      const event = eventFixture(type);
      assert.equal(validateEvent(event).type, type);
    });
  }

  for (const { name, expectError, event } of invalidEventFixtures()) {
    it(`rejects ${name} with a message naming the fault`, () => {
      assert.throws(() => validateEvent(event), (err: unknown) => {
        assert.ok(err instanceof InvalidEventError);
        assert.match(err.message, new RegExp(expectError.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      });
    });
  }

  it('lists every fault, not only the first', () => {
    const event = { ...eventFixture('post.created'), id: '', occurredAt: 'soon' };
    try {
      validateEvent(event);
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof InvalidEventError);
      assert.equal(err.problems.length, 2);
    }
  });

  it('turns bytes that are not JSON into InvalidEventError, not a crash', () => {
    assert.throws(() => parseEvent(Buffer.from('{"v":1,')), InvalidEventError);
    assert.throws(() => parseEvent('[]'), /must be a JSON object/);
  });

  it('bounds hostile sizes', () => {
    const event = eventFixture('post.created');
    event.object!.text = 'x'.repeat(100_001);
    assert.throws(() => validateEvent(event), /longer than 100000/);
    const deep = eventFixture('post.created');
    deep.trace.hops = 99;
    assert.throws(() => validateEvent(deep), /hops/);
  });

  it('rejects an event whose source and actor are on different networks', () => {
    const event = eventFixture('post.created');
    event.source.network = 'nostr';
    assert.throws(() => validateEvent(event), /must equal event.actor.network/);
  });

  it('names topics from one definition', () => {
    assert.equal(TOPICS.events, 'bridge.events.v1');
    assert.equal(outboundTopic('atproto'), 'bridge.outbound.atproto.v1');
  });
});
