import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { body, optionalBoolean, optionalEnum, optionalTime, page, pageOf, query, uuidParam } from './input.js';

const refuses = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof BadRequestException && re.test(String((e.getResponse() as { message: string }).message)));

describe('input checks', () => {
  it('bodies are objects with known fields only', () => {
    assert.deepEqual(body({ a: 1 }, ['a', 'b']), { a: 1 });
    refuses(() => body([1], ['a']), /JSON object/);
    refuses(() => body(null, ['a']), /JSON object/);
    refuses(() => body({ c: 1 }, ['a']), /unknown field\(s\) c \(allowed: a\)/);
  });

  it('query strings: known names, given once, typed', () => {
    refuses(() => query({ x: '1' }, ['a']), /unknown query parameter/);
    refuses(() => query({ a: ['1', '2'] }, ['a']), /given once/);
    assert.equal(optionalEnum({ s: 'x' }, 's', ['x', 'y']), 'x');
    refuses(() => optionalEnum({ s: 'z' }, 's', ['x', 'y']), /one of x, y/);
    assert.equal(optionalBoolean({ b: 'false' }, 'b'), false);
    refuses(() => optionalBoolean({ b: 'yes' }, 'b'), /true or false/);
    assert.equal(optionalTime({ t: '2026-01-02T03:04:05Z' }, 't')?.toISOString(), '2026-01-02T03:04:05.000Z');
    refuses(() => optionalTime({ t: '1700000000' }, 't'), /ISO 8601/);
    refuses(() => uuidParam('123', 'account id'), /account id must be a UUID/);
  });

  it('pages: limit 1-200 (default 50), a numeric cursor, and a next cursor only when more rows exist', () => {
    assert.deepEqual(page({}), { limit: 50, before: undefined });
    assert.deepEqual(page({ limit: '2', before: '10' }), { limit: 2, before: '10' });
    for (const limit of ['0', '201', '1.5', '-1', 'x']) refuses(() => page({ limit }), /limit/);
    refuses(() => page({ before: '0' }), /cursor/);
    const rows = [{ id: '9' }, { id: '8' }, { id: '7' }];
    assert.deepEqual(pageOf(rows, { limit: 2 }), { items: rows.slice(0, 2), nextCursor: '8' });
    assert.deepEqual(pageOf(rows, { limit: 3 }), { items: rows, nextCursor: null });
  });
});
