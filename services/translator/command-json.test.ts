import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFixture, type OutboundCommand } from '../../libs/events/index.js';
import { commandJson } from './command-json.js';

describe('commandJson', () => {
  const event = eventFixture('post.created');
  const command: OutboundCommand = {
    v: 1,
    id: `${event.id}>atproto`,
    eventId: event.id,
    target: 'atproto',
    as: { accountId: 'a', mode: 'bridged', id: 'did:plc:x' },
    event,
    objectKey: 'k',
    refs: {},
    actors: {},
  };

  it('gives what JSON.stringify gives, with the event spliced from its source text', () => {
    const raw = JSON.stringify(event, null, 2);
    assert.deepEqual(JSON.parse(commandJson(command, raw)), JSON.parse(JSON.stringify(command)));
  });

  it('falls back to JSON.stringify without source text', () => {
    assert.equal(commandJson(command, undefined), JSON.stringify(command));
  });
});
