import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mirrorMode } from './mirror-mode.js';

describe('dashboard: mirror mode per network', () => {
  it('the person\'s choice wins; without one, their own account where Pontis can publish as it, else the bridged identity', () => {
    assert.deepEqual(mirrorMode('solid', { mirror: 'off', native: [], bridged: [{}] }), { mode: 'off', chosen: true, text: 'mirror: off (not mirrored here, their choice)' });
    assert.equal(mirrorMode('atproto', { mirror: 'on', native: [{}], bridged: [] }).mode, 'native');
    assert.equal(mirrorMode('nostr', { mirror: 'on', native: [{}], bridged: [{}] }).mode, 'bridged', 'no remote signer: Pontis cannot publish as a Nostr key');
    assert.equal(mirrorMode('atproto', { mirror: 'bridged', native: [{}], bridged: [{}] }).text, 'mirror: bridged (through their bridged identity, their choice)');
  });
});
