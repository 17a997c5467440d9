import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionFor, botProfileText, commandIn, intentOf, replyFor } from './bot-signal.js';
import { hasOptOutTag } from './opt-out-tag.js';

describe('bot signals', () => {
  it('reads start/stop as the first word after mentions, whatever the markup or case', () => {
    assert.equal(commandIn('start'), 'start');
    assert.equal(commandIn('  STOP. '), 'stop');
    assert.equal(commandIn('<p><span class="h-card"><a href="https://pontis.example/ap/users/pontis">@pontis</a></span> start</p>'), 'start');
    assert.equal(commandIn('@pontis@pontis.example stop please'), 'stop');
    assert.equal(commandIn('nostr:npub1abc start'), 'start');
    assert.equal(commandIn('/stop'), 'stop');
    assert.equal(commandIn('opt-out'), 'stop');
    assert.equal(commandIn('do not stop'), undefined, 'a command must come first');
    assert.equal(commandIn('starting'), undefined);
    assert.equal(commandIn(''), undefined);
    assert.equal(commandIn('@pontis'), undefined);
  });

  it('follow opts in and block opts out everywhere; unfollow only where it is an explicit act', () => {
    for (const n of ['activitypub', 'atproto', 'nostr', 'solid'] as const) {
      assert.equal(intentOf({ kind: 'follow' }, n), 'opt-in');
      assert.equal(intentOf({ kind: 'block' }, n), 'opt-out');
      assert.equal(intentOf({ kind: 'message', text: 'start' }, n), 'opt-in');
      assert.equal(intentOf({ kind: 'message', text: 'stop' }, n), 'opt-out');
      assert.equal(intentOf({ kind: 'message', text: 'hello' }, n), undefined);
    }
    assert.equal(intentOf({ kind: 'unfollow' }, 'activitypub'), 'opt-out');
    assert.equal(intentOf({ kind: 'unfollow' }, 'solid'), 'opt-out');
    assert.equal(intentOf({ kind: 'unfollow' }, 'atproto'), undefined);
    assert.equal(intentOf({ kind: 'unfollow' }, 'nostr'), undefined);
  });

  it('a second opt-in is a no-op; an opt-out without an account is a no-op; a repeated opt-out runs again (resends removals)', () => {
    assert.equal(actionFor('opt-in', undefined), 'opt-in');
    assert.equal(actionFor('opt-in', 'pending'), 'opt-in');
    assert.equal(actionFor('opt-in', 'opted_out'), 'opt-in');
    assert.equal(actionFor('opt-in', 'opted_in'), 'none');
    assert.equal(actionFor('opt-out', undefined), 'none');
    assert.equal(actionFor('opt-out', 'opted_in'), 'opt-out');
    assert.equal(actionFor('opt-out', 'opted_out'), 'opt-out');
  });

  it('answers every message, naming what happened and how to undo it', () => {
    const o = { publicUrl: 'https://pontis.example', tag: 'nobridge' };
    assert.match(replyFor('opt-in', 'opt-in', o), /bridged from now on.*"stop"/);
    assert.match(replyFor('opt-in', 'none', o), /already bridged/);
    assert.match(replyFor('opt-out', 'opt-out', o), /being deleted.*"start"/);
    assert.match(replyFor('opt-out', 'none', o), /not bridged/);
    assert.match(replyFor(undefined, 'none', o), /Send "start".*#nobridge/);
    assert.match(replyFor('opt-in', 'refused', o), /cannot be bridged/);
    assert.match(botProfileText({ ...o, follow: 'Follow', block: 'Block' }), /Follow this account \(or message it "start"\).*Block it.*#nobridge/);
    const bluesky = botProfileText({ publicUrl: 'https://bridge.pontis.example', tag: 'nobridge', follow: 'Follow', block: 'Block', messages: false });
    assert.ok(!/message/.test(bluesky));
    assert.ok([...new Intl.Segmenter().segment(bluesky)].length <= 256, `${bluesky.length} graphemes: too long for a Bluesky profile`);
  });
});

describe('opt-out tags', () => {
  const post = (text: string, tags: string[] = []) => ({ text, facets: tags.map((tag) => ({ kind: 'tag', tag })) });
  it('matches a configured tag in the facets or the text, whole tags only, any case', () => {
    assert.ok(hasOptOutTag(post('hello #NoBridge')));
    assert.ok(hasOptOutTag(post('#nobridge at the start')));
    assert.ok(hasOptOutTag(post('tag only in facets', ['NoBridge'])));
    assert.ok(!hasOptOutTag(post('hello #nobridges')));
    assert.ok(!hasOptOutTag(post('mail me at a#nobridge')));
    assert.ok(hasOptOutTag(post('x #nobot'), ['nobot']));
    assert.ok(!hasOptOutTag(post('x #nobridge'), ['nobot']));
    assert.ok(!hasOptOutTag(post('x #nobridge'), []));
  });
});
