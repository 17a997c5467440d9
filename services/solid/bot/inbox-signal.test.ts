import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inboxSignal } from './inbox-signal.js';

const bridge = 'http://localhost:3000/pontis/profile/card#me';
const me = 'http://localhost:3000/amy/profile/card#me';
const read = (body: unknown) => inboxSignal(body, { bridgeWebId: bridge, sender: me });

describe('the bridge WebID inbox', () => {
  it('reads Follow, Block, Undo of a Follow, and Notes (bare or in a Create) as bot signals', () => {
    assert.deepEqual(read({ '@context': 'https://www.w3.org/ns/activitystreams', type: 'Follow', actor: me, object: bridge }), { ok: true, signal: { kind: 'follow' } });
    assert.deepEqual(read({ type: 'Block', object: { id: bridge } }), { ok: true, signal: { kind: 'block' } });
    assert.deepEqual(read({ type: 'Undo', actor: me, object: { type: 'Follow', actor: me, object: bridge } }), { ok: true, signal: { kind: 'unfollow' } });
    assert.deepEqual(read({ type: 'Note', content: 'stop' }), { ok: true, signal: { kind: 'message', text: 'stop' } });
    assert.deepEqual(read({ type: 'Create', actor: me, object: { type: 'Note', content: '<p>start</p>' } }), { ok: true, signal: { kind: 'message', text: '<p>start</p>' } });
    assert.deepEqual(read({ '@type': 'as:Follow', object: bridge }), { ok: true, signal: { kind: 'follow' } });
  });

  it('refuses, with the reason, what is not about the bridge, not from the sender, or not understood', () => {
    assert.match((read({ type: 'Follow', actor: 'http://localhost:3000/eve/profile/card#me', object: bridge }) as { reason: string }).reason, /is not you/);
    assert.match((read({ type: 'Follow', object: 'http://elsewhere/#me' }) as { reason: string }).reason, /must name the bridge's WebID/);
    assert.match((read({ type: 'Undo', object: 'http://x/follow/1' }) as { reason: string }).reason, /must embed the Follow/);
    assert.match((read({ type: 'Like', object: bridge }) as { reason: string }).reason, /Like means nothing/);
    assert.match((read([{ type: 'Follow' }]) as { reason: string }).reason, /one AS2 activity/);
    assert.match((read({ object: bridge }) as { reason: string }).reason, /no type/);
    assert.match((read({ type: 'Note' }) as { reason: string }).reason, /no content/);
  });
});
