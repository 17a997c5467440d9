import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Network } from '../libs/events/index.js';
import { SolidPeer, type SolidAccount } from '../libs/harness/index.js';
import { waitFor } from '../libs/testing/index.js';
import { watchPods, type Watcher } from './copy-watchers.js';
import { marker } from './latency-stats.js';

// The latency bench's Solid watcher against a real Community Solid Server: copies are seen by
// notification, not by listing the outbox over and over.

describe('bench: the Solid copy watcher (real CSS)', { timeout: 180_000 }, () => {
  const peer = new SolidPeer();
  let account: SolidAccount;
  let me: ReturnType<SolidPeer['client']>;
  let outbox: string;
  let watcher: Watcher | undefined;
  const run = 'w1';

  const put = (url: string, text: string) =>
    me.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', type: 'Note', content: text }) });

  before(async () => {
    await peer.start();
    account = await peer.createAccount({ email: 'watch@example.org', password: 'pw pw pw pw' });
    me = peer.client(account);
    outbox = new URL('social/outbox/', account.podUrl).href;
  });
  after(async () => {
    await watcher?.stop();
    await peer.stop();
  });

  it('waits for an outbox that does not exist yet, lists what was there, then is told of each new copy', async () => {
    const sightings: { marker: string; source: Network; at: number }[] = [];
    const slugs = new Map<string, { marker: string; source: Network }>([['known-slug', { marker: marker(run, 'nostr', 2), source: 'nostr' }]]);
    watcher = watchPods(() => [outbox], slugs, run, (m, source, on, at) => {
      assert.equal(on, 'solid');
      sightings.push({ marker: m, source, at });
    });
    await new Promise((r) => setTimeout(r, 1_500)); // asks, and finds no pod there
    for (const path of ['social/', 'social/outbox/']) assert.ok((await me.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' })).ok);
    const acl = `@prefix acl: <http://www.w3.org/ns/auth/acl#>. @prefix foaf: <http://xmlns.com/foaf/0.1/>.
<#owner> a acl:Authorization; acl:agent <${account.webId}>; acl:accessTo <${outbox}>; acl:default <${outbox}>; acl:mode acl:Read, acl:Write, acl:Control.
<#public> a acl:Authorization; acl:agentClass foaf:Agent; acl:accessTo <${outbox}>; acl:default <${outbox}>; acl:mode acl:Read.`;
    assert.ok((await me.fetch(`${outbox}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: acl })).ok);
    await put(`${outbox}before`, `written before the channel ${marker(run, 'atproto', 1)}`);
    await waitFor(() => watcher!.stats().subscribed === 1 && sightings.length === 1, { what: 'the subscription and the listing', timeoutMs: 30_000 });
    assert.equal(sightings[0]!.marker, marker(run, 'atproto', 1));
    assert.equal(watcher.stats().foundByListing, 1);

    const writtenAt = Date.now();
    await put(`${outbox}known-slug`, 'a copy whose name the bench knows: not read');
    await put(`${outbox}other`, `a copy read for its marker ${marker(run, 'activitypub', 3)}`);
    // As the Solid adapter does for a public copy: its own ACL, whose notification is no copy.
    const ownAcl = `@prefix acl: <http://www.w3.org/ns/auth/acl#>. @prefix foaf: <http://xmlns.com/foaf/0.1/>.
<#owner> a acl:Authorization; acl:agent <${account.webId}>; acl:accessTo <${outbox}other>; acl:mode acl:Read, acl:Write, acl:Control.
<#public> a acl:Authorization; acl:agentClass foaf:Agent; acl:accessTo <${outbox}other>; acl:mode acl:Read.`;
    assert.ok((await me.fetch(`${outbox}other.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: ownAcl })).ok);
    await waitFor(() => sightings.length === 3, { what: 'both copies', timeoutMs: 9_000 }); // sooner than the 10 s listing
    await new Promise((r) => setTimeout(r, 500)); // the ACL's notification, if any, has come too
    const s = watcher.stats();
    assert.equal(s.foundByNotification, 2, JSON.stringify(s));
    assert.equal(s.foundByListing, 1, 'nothing left for the safety listing');
    assert.equal(s.resourcesRead, 2, 'the known name and the ACL were not fetched; the other two were');
    assert.deepEqual(sightings.slice(1).map((x) => x.marker).sort(), [marker(run, 'activitypub', 3), marker(run, 'nostr', 2)].sort());
    assert.ok(sightings.slice(1).every((x) => x.at >= writtenAt));
  });
});
