import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullJitter, parseRetryAfter, RecentIds } from '../client.js';

test('FullJitter_GrowsExponentiallyUpToMax', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  const top = () => 0.999999;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => fullJitter(a, opts, top)), [99, 199, 399, 799, 999, 999]);
  assert.equal(fullJitter(3, opts, () => 0), 0);
  assert.equal(fullJitter(1000, opts, () => 0.5), 500);
});

test('FullJitter_DefaultRandom_StaysInRange', () => {
  for (let i = 0; i < 1000; i++) {
    const d = fullJitter(i % 8, { baseMs: 50, maxMs: 3000 });
    assert.ok(d >= 0 && d < Math.min(3000, 50 * 2 ** (i % 8)), `delay ${d}`);
  }
});

test('ParseRetryAfter_SecondsOrHttpDate_GivesMilliseconds', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
});

test('RecentIds_Full_ForgetsTheOldest', () => {
  const ids = new RecentIds(3);
  assert.equal(ids.add('a'), true);
  assert.equal(ids.add('a'), false);
  ids.add('b');
  ids.add('c');
  ids.add('d');
  assert.equal(ids.size, 3);
  assert.equal(ids.has('a'), false);
  assert.equal(ids.has('d'), true);
});
