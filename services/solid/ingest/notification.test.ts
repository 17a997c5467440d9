import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeOf } from './notification.js';

const pod = { socialUrl: 'http://localhost:3000/alice/social/', webId: 'http://localhost:3000/alice/profile/card#me' };
// As Community Solid Server 7 sent them to a WebhookChannel2023 (captured from the peer).
const added = {
  '@context': ['https://www.w3.org/ns/activitystreams', 'https://www.w3.org/ns/solid/notification/v1'],
  id: 'urn:1795708573160:http://localhost:3000/alice/social/outbox/',
  type: 'Add',
  object: 'http://localhost:3000/alice/social/outbox/p1',
  target: 'http://localhost:3000/alice/social/outbox/',
  state: '"1795708573088-text/turtle"',
  published: '2026-11-26T15:56:13.160Z',
};

describe('what a Solid notification names', () => {
  it('a member added to or removed from the outbox or inbox', () => {
    assert.deepEqual(changeOf(added, pod), { kind: 'resource', folder: 'outbox', url: 'http://localhost:3000/alice/social/outbox/p1' });
    assert.deepEqual(changeOf({ ...added, type: 'Remove', object: 'http://localhost:3000/alice/social/inbox/like1', target: 'http://localhost:3000/alice/social/inbox/' }, pod), {
      kind: 'resource',
      folder: 'inbox',
      url: 'http://localhost:3000/alice/social/inbox/like1',
    });
    assert.deepEqual(changeOf({ ...added, type: 'https://www.w3.org/ns/activitystreams#Add', object: { id: added.object } }, pod), { kind: 'resource', folder: 'outbox', url: added.object });
  });

  it('the WebID profile document', () => {
    assert.deepEqual(changeOf({ ...added, type: 'Update', object: 'http://localhost:3000/alice/profile/card', target: undefined }, pod), { kind: 'profile' });
  });

  it('anything it cannot place is left to a full pass', () => {
    for (const body of [
      undefined,
      null,
      'Add',
      [added],
      {},
      { ...added, type: 'Follow' },
      { ...added, object: 42 },
      { ...added, object: 'not a url' },
      { ...added, type: 'Update', object: 'http://localhost:3000/alice/social/outbox/' }, // the container itself
      { ...added, object: 'http://localhost:3000/alice/social/outbox/sub/p1' }, // deeper than the reconciler reads
      { ...added, object: 'http://localhost:3000/alice/social/media/pic.png' }, // not a watched folder
      { ...added, object: 'http://localhost:3000/bob/social/outbox/p1' }, // someone else's pod
    ])
      assert.equal(changeOf(body, pod), undefined, JSON.stringify(body));
  });
});
