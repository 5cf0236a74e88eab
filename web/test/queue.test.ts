// queue.test.ts - the player's state logic: next/previous, repeat, shuffle, reorder, play next,
// add to queue, remove, and the choice of stream quality (node --test on tsc's output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterEnded,
  append,
  cycleRepeat,
  effectiveQuality,
  emptyQueue,
  jump,
  lowerQuality,
  move,
  next,
  nextIndex,
  playList,
  playNext,
  previous,
  QUEUE_MAX,
  qualityAfterError,
  qualityParams,
  remove,
  replayGainFactor,
  savedWindow,
  setRepeat,
  setShuffle,
  shuffledOrder,
} from '../src/player/queue.js';

/** A deterministic random() for shuffles. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const songs = ['a', 'b', 'c', 'd', 'e'];

test('play a list from a song, then next to the end', () => {
  let q = playList(emptyQueue<string>(), songs, 2);
  assert.equal(q.items[q.current], 'c');
  q = next(q);
  assert.equal(q.items[q.current], 'd');
  q = next(next(q));
  assert.equal(q.items[q.current], 'e', 'the end without repeat stays on the last song');
  assert.equal(nextIndex(q), -1);
  assert.equal(afterEnded(q), -1);
  assert.equal(playList(emptyQueue<string>(), [], 0).current, -1);
  assert.equal(next(emptyQueue<string>()).current, -1);
});

test('repeat all wraps both ways; repeat one replays when a song ends', () => {
  let q = setRepeat(playList(emptyQueue<string>(), songs, 4), 'all');
  assert.equal(nextIndex(q), 0);
  q = jump(q, 0);
  const back = previous(q, 0);
  assert.equal(back.restart, false);
  assert.equal(back.queue.current, 4);
  q = setRepeat(q, 'one');
  assert.equal(afterEnded(q), 0);
  assert.equal(nextIndex(q), 1, 'an explicit next still moves on');
  assert.equal(cycleRepeat('off'), 'all');
  assert.equal(cycleRepeat('all'), 'one');
  assert.equal(cycleRepeat('one'), 'off');
});

test('previous restarts after 3 s, goes back before, restarts at the first song', () => {
  const q = playList(emptyQueue<string>(), songs, 2);
  assert.deepEqual(previous(q, 10), { queue: q, restart: true });
  assert.equal(previous(q, 1).queue.current, 1);
  const first = jump(q, 0);
  assert.equal(previous(first, 1).restart, true);
  assert.equal(previous(first, 1).queue.current, 0);
});

test('shuffle plays every song once, the current first; off restores the order', () => {
  let q = playList(emptyQueue<string>(), songs, 1);
  q = setShuffle(q, true, seeded(7));
  assert.ok(q.order);
  assert.equal(q.order[0], 1);
  assert.deepEqual([...q.order].sort(), [0, 1, 2, 3, 4]);
  const seen = [q.items[q.current]];
  while (nextIndex(q) >= 0) {
    q = next(q);
    seen.push(q.items[q.current]);
  }
  assert.deepEqual([...seen].sort(), songs);
  assert.notDeepEqual(seen, ['b', 'c', 'd', 'e', 'a'], 'not simply the listed order');
  const cur = q.items[q.current];
  q = setShuffle(q, false);
  assert.equal(q.order, null);
  assert.equal(q.items[q.current], cur);
  const order = shuffledOrder(100, 50, seeded(3));
  assert.equal(new Set(order).size, 100);
  assert.equal(order[0], 50);
});

test('drag and drop reorder keeps the current song current', () => {
  let q = playList(emptyQueue<string>(), songs, 1); // b
  q = move(q, 1, 3);
  assert.deepEqual(q.items, ['a', 'c', 'd', 'b', 'e']);
  assert.equal(q.items[q.current], 'b');
  q = move(q, 4, 0);
  assert.deepEqual(q.items, ['e', 'a', 'c', 'd', 'b']);
  assert.equal(q.items[q.current], 'b');
  q = move(q, 0, 2); // current not involved, before it
  assert.equal(q.items[q.current], 'b');
  assert.equal(move(q, 0, 9), q, 'out of range changes nothing');
  let s = setShuffle(playList(emptyQueue<string>(), songs, 0), true, seeded(1));
  const playOrder = s.order!.map((i) => s.items[i]);
  s = move(s, 0, 4);
  assert.deepEqual(
    s.order!.map((i) => s.items[i]),
    playOrder,
    'the shuffled play order survives',
  );
});

test('play next goes right after the current song; add to queue goes last', () => {
  let q = playList(emptyQueue<string>(), songs, 1);
  q = playNext(q, ['x', 'y']);
  assert.deepEqual(q.items, ['a', 'b', 'x', 'y', 'c', 'd', 'e']);
  assert.equal(q.items[q.current], 'b');
  q = append(q, ['z']);
  assert.equal(q.items[q.items.length - 1], 'z');
  let s = setShuffle(playList(emptyQueue<string>(), songs, 2), true, seeded(5));
  s = playNext(s, ['n']);
  assert.equal(s.items[nextIndex(s)], 'n', 'shuffled: the next song is still the one asked for');
  let e = playNext(emptyQueue<string>(), ['only']);
  assert.equal(e.items[e.current], 'only');
  e = append(emptyQueue<string>(), ['p', 'q']);
  assert.equal(e.items[e.current], 'p');
  const full = playList(
    emptyQueue<string>(),
    Array.from({ length: QUEUE_MAX }, (_, i) => `s${i}`),
  );
  assert.equal(append(full, ['over']).items.length, QUEUE_MAX, 'the queue stops at its limit');
});

test('remove closes up; removing the current song makes the next one current', () => {
  let q = playList(emptyQueue<string>(), songs, 2);
  q = remove(q, 0);
  assert.deepEqual(q.items, ['b', 'c', 'd', 'e']);
  assert.equal(q.items[q.current], 'c');
  q = remove(q, q.current);
  assert.equal(q.items[q.current], 'd');
  q = remove(remove(remove(q, 0), 0), 0);
  assert.equal(q.current, -1);
  assert.equal(q.items.length, 0);
});

test("quality: the listener's choice, lowered on slow connections, fallback steps down", () => {
  assert.equal(effectiveQuality('original', {}), 'original');
  assert.equal(effectiveQuality('original', { effectiveType: '4g', downlinkMbps: 10 }), 'original');
  assert.equal(effectiveQuality('original', { effectiveType: '3g' }), '128');
  assert.equal(effectiveQuality('320', { saveData: true }), '128');
  assert.equal(effectiveQuality('original', { effectiveType: '2g' }), '64');
  assert.equal(effectiveQuality('64', { effectiveType: '3g' }), '64', 'never raised');
  assert.equal(effectiveQuality('original', { downlinkMbps: 0.5 }), '128');
  assert.equal(lowerQuality('original'), '320');
  assert.equal(lowerQuality('128'), '64');
  assert.equal(lowerQuality('64'), null);
  assert.equal(qualityAfterError('original', ['original']), '320', 'undecodable: transcode');
  assert.equal(qualityAfterError('128', ['128']), 'original', 'transcode refused: the file');
  assert.equal(qualityAfterError('320', ['original', '320']), null, 'both failed: give up');
  assert.deepEqual(qualityParams('original'), {});
  assert.deepEqual(qualityParams('128'), { format: 'mp3', bitrate: '128' });
});

test('ReplayGain factor honours the peak', () => {
  assert.equal(replayGainFactor(null, null), 1);
  assert.ok(Math.abs(replayGainFactor(-6, 0.5) - 0.501) < 0.001);
  assert.equal(replayGainFactor(6, 0.9), 1 / 0.9, 'no clipping');
  assert.ok(replayGainFactor(3, 0.2) > 1.4);
});

test('the saved queue is a window of at most QUEUE_MAX songs around the current one', () => {
  const big = {
    items: Array.from({ length: QUEUE_MAX + 500 }, (_, i) => i),
    current: 1200,
    order: null,
    repeat: 'off' as const,
  };
  const w = savedWindow(big);
  assert.equal(w.items.length, QUEUE_MAX);
  assert.equal(w.items[w.current], 1200);
});
