import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOk, summarize, type RelayResult } from './relay-result.js';

describe('relay OK classification (NIP-01 prefixes)', () => {
  const cases: [boolean, string, string][] = [
    [true, '', 'accepted'],
    [true, 'duplicate: the event already exists', 'duplicate'],
    [false, 'duplicate: already have it', 'duplicate'],
    [false, 'invalid: signature is wrong', 'permanent'],
    [false, 'blocked: you are banned', 'permanent'],
    [false, 'pow: difficulty 25 required', 'permanent'],
    [false, 'restricted: not on the allow list', 'permanent'],
    [false, 'reject: event is expired', 'permanent'],
    [false, 'rate-limited: slow down', 'transient'],
    [false, 'error: could not save', 'transient'],
    [false, 'something odd', 'transient'],
  ];
  for (const [accepted, message, want] of cases)
    it(`${accepted} "${message}" → ${want}`, () => assert.equal(classifyOk(accepted, message), want));
});

describe('verdict over relays', () => {
  const own = ['ws://a', 'ws://b'];
  const r = (relay: string, outcome: RelayResult['outcome']): RelayResult => ({ relay, outcome, message: '' });

  it('one own relay with the event is success, whatever extra relays say', () => {
    assert.equal(summarize([r('ws://a', 'transient'), r('ws://b', 'duplicate'), r('ws://x', 'permanent')], own), 'success');
  });
  it('an extra relay alone is not enough', () => {
    assert.equal(summarize([r('ws://a', 'transient'), r('ws://b', 'transient'), r('ws://x', 'accepted')], own), 'transient');
  });
  it('permanent only when every own relay refused for good', () => {
    assert.equal(summarize([r('ws://a', 'permanent'), r('ws://b', 'transient')], own), 'transient');
    assert.equal(summarize([r('ws://a', 'permanent'), r('ws://b', 'permanent')], own), 'permanent');
  });
});
