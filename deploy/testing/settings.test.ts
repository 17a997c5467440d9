import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, MissingVariableError, parseEnvFile } from './settings.js';

describe('compose interpolation as the tests model it', () => {
  it('expands plain, defaulted, nested and escaped references', () => {
    const vars = { A: 'a', EMPTY: '' };
    assert.equal(interpolate('x${A}y', vars), 'xay');
    assert.equal(interpolate('${EMPTY:-d}|${EMPTY-d}|${UNSET-d}', vars), 'd||d');
    assert.equal(interpolate('${UNSET:-${A:-z}}', vars), 'a');
    assert.equal(interpolate('${UNSET:-${NOPE:-ws://r:8080}}', vars), 'ws://r:8080');
    assert.equal(interpolate('$${A}', vars), '${A}');
  });

  it('stops on a required variable that is missing, with its message', () => {
    assert.throws(() => interpolate('${EMPTY:?set EMPTY please}', { EMPTY: '' }), (e: unknown) => e instanceof MissingVariableError && /set EMPTY please/.test(e.message));
    assert.equal(interpolate('${EMPTY?x}', { EMPTY: '' }), '');
  });
});

describe('dotenv reader', () => {
  it('keeps the comment block above a group of keys and refuses a key set twice', () => {
    const env = parseEnvFile('# one\n# two\nA=1\nB=\n\nC=3\n');
    assert.equal(env.get('A')!.comment, 'one\ntwo');
    assert.equal(env.get('B')!.comment, 'one\ntwo');
    assert.equal(env.get('C')!.comment, '');
    assert.throws(() => parseEnvFile('A=1\nA=2\n'), /set twice/);
    assert.throws(() => parseEnvFile('lower=1\n'), /not a KEY=value/);
  });
});
