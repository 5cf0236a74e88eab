// helpers.test.ts - small pure helpers the pages rely on: client route matching, query
// strings and time formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, qs } from '../src/api.js';
import { match } from '../src/router.js';

test('routes match whole segments and decode parameters', () => {
  assert.deepEqual(match('/albums/:id', '/albums/41ab'), { id: '41ab' });
  assert.deepEqual(match('/albums/:id', '/albums/41ab/'), { id: '41ab' }, 'a trailing slash is fine');
  assert.deepEqual(match('/genres/:name', '/genres/Hip%20Hop'), { name: 'Hip Hop' });
  assert.equal(match('/albums/:id', '/albums'), null);
  assert.equal(match('/albums/:id', '/albums/1/2'), null);
  assert.equal(match('/albums/:id', '/artists/1'), null);
});

test('query strings leave out empty values and encode the rest', () => {
  assert.equal(qs({}), '');
  assert.equal(qs({ a: 1, b: null, c: undefined, d: '' }), '?a=1');
  assert.equal(qs({ t: 'a b&c', bitrate: '128' }), '?t=a+b%26c&bitrate=128');
});

test('times read as m:ss or h:mm:ss', () => {
  assert.equal(formatTime(0), '0:00');
  assert.equal(formatTime(3000), '0:03');
  assert.equal(formatTime(61_500), '1:01');
  assert.equal(formatTime(3_600_000 + 62_000), '1:01:02');
  assert.equal(formatTime(-5), '0:00');
});
