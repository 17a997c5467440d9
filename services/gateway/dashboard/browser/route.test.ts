import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorMessage, percent, relativeTime } from './format.js';
import { parseRoute, routeHash } from './route.js';

describe('routes', () => {
  it('reads the view and its parameters from the fragment, defaulting to lookup', () => {
    assert.deepEqual(parseRoute('#/lookup?q=%40alice%40m.example'), { view: 'lookup', params: { q: '@alice@m.example' } });
    assert.deepEqual(parseRoute('#/admin'), { view: 'admin', params: {} });
    assert.deepEqual(parseRoute(''), { view: 'lookup', params: {} });
    assert.deepEqual(parseRoute('#/nowhere'), { view: 'lookup', params: {} });
    assert.deepEqual(parseRoute(routeHash('lookup', { q: 'a&b=c #x' })).params, { q: 'a&b=c #x' });
  });
});

describe('format', () => {
  it('says times relative to now, rates as percent, and API errors as their message', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    assert.equal(relativeTime('2026-01-01T00:09:48Z', now), '12 s ago');
    assert.equal(relativeTime('2026-01-01T00:15:00Z', now), 'in 5 min');
    assert.equal(relativeTime(null, now), '—');
    assert.equal(percent(0.125), '12.5 %');
    assert.equal(percent(null), '—');
    assert.equal(errorMessage({ message: 'q is required' }, 400), 'q is required');
    assert.equal(errorMessage({ message: ['a', 'b'] }, 400), 'a; b');
    assert.equal(errorMessage(null, 502), 'the server answered 502');
  });
});
