import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupPending, RecordWrites } from './record-writes.js';

const k = (rkey: string) => ({ did: 'did:plc:a', collection: 'app.bsky.graph.follow', rkey });

describe('RecordWrites (a batch of atproto_records writes)', () => {
  it('collapses writes of one record to what they say one after another', () => {
    const w = new RecordWrites();
    w.upsert(k('1'), 'cidA', 'did:plc:x');
    w.upsert(k('1'), 'cidB', null); // an update without a subject keeps the one before, as the table's COALESCE does
    assert.deepEqual(w.get(k('1')), { kind: 'upsert', cid: 'cidB', subject: 'did:plc:x', replace: false });
    w.delete(k('1'));
    assert.deepEqual(w.get(k('1')), { kind: 'delete' });
    w.upsert(k('1'), 'cidC', null); // written again after its delete: nothing of the old row may survive
    assert.deepEqual(w.get(k('1')), { kind: 'upsert', cid: 'cidC', subject: null, replace: true });
    w.upsert(k('2'), 'cidD', 'did:plc:y');
    w.delete(k('3'));
    assert.equal(w.size, 3);
    const { deletes, upserts } = w.columns();
    assert.deepEqual(deletes[2], ['1', '3'], 'the replaced row and the deleted one are deleted first');
    assert.deepEqual(upserts[2], ['1', '2']);
    assert.deepEqual(upserts[3], ['cidC', 'cidD']);
    assert.deepEqual(upserts[4], [null, 'did:plc:y']);
    assert.deepEqual(w.split().map((one) => one.columns().upserts[2].concat(one.columns().deletes[2])), [['1', '1'], ['2'], ['3']]);
  });

  it('a lookup reads the newest pending layer first and asks the table only for what it cannot know', () => {
    const older = new RecordWrites();
    const newer = new RecordWrites();
    assert.equal(lookupPending([newer, older], k('1')), undefined, 'nothing pending: the table decides');
    older.upsert(k('1'), 'cidA', 'did:plc:x');
    assert.deepEqual(lookupPending([newer, older], k('1')), { gone: false, cid: 'cidA', subject: 'did:plc:x', askTable: false });
    newer.upsert(k('1'), 'cidB', null);
    assert.deepEqual(lookupPending([newer, older], k('1')), { gone: false, cid: 'cidB', subject: 'did:plc:x', askTable: false });
    newer.delete(k('1'));
    assert.deepEqual(lookupPending([newer, older], k('1')), { gone: true, askTable: false });
    older.upsert(k('2'), 'cidC', null);
    assert.deepEqual(lookupPending([newer, older], k('2')), { gone: false, cid: 'cidC', askTable: true }, 'the subject may be in the table');
    older.delete(k('3'));
    newer.upsert(k('3'), 'cidD', null);
    assert.deepEqual(lookupPending([undefined, newer, older], k('3')), { gone: false, cid: 'cidD', askTable: false }, 'deleted before: no old subject');
  });
});
