// queue.ts - the play queue as plain data and pure functions: what plays now, what plays next,
// shuffle, repeat, reordering, "play next" / "add to queue", and the choice of stream quality.
// No DOM and no network here, so node --test runs it directly (test/queue.test.ts).

export type RepeatMode = 'off' | 'all' | 'one';
export type Quality = 'original' | '320' | '128' | '64';
export const QUALITIES: readonly Quality[] = ['original', '320', '128', '64'];

/** At most this many songs are kept (the server's LIMIT_QUEUE_ENTRIES). */
export const QUEUE_MAX = 1000;

export interface QueueState<T> {
  /** The songs in the order the listener sees them. */
  items: readonly T[];
  /** Index into `items` of the current song; -1 when the queue is empty. */
  current: number;
  /** When shuffled: the play order, a permutation of item indices; null when not shuffled. */
  order: readonly number[] | null;
  repeat: RepeatMode;
}

export function emptyQueue<T>(): QueueState<T> {
  return { items: [], current: -1, order: null, repeat: 'off' };
}

/** A permutation of 0..n-1 that starts with `first` (when given), the rest shuffled. */
export function shuffledOrder(n: number, first: number, random: () => number = Math.random): number[] {
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (i !== first) rest.push(i);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = rest[i];
    rest[i] = rest[j];
    rest[j] = t;
  }
  return first >= 0 && first < n ? [first, ...rest] : rest;
}

/** Replaces the queue with `items`, starting at `start`; keeps repeat, re-shuffles if shuffled. */
export function playList<T>(
  q: QueueState<T>,
  items: readonly T[],
  start = 0,
  random: () => number = Math.random,
): QueueState<T> {
  const list = items.slice(0, QUEUE_MAX);
  const current = list.length ? Math.min(Math.max(start, 0), list.length - 1) : -1;
  return {
    items: list,
    current,
    order: q.order ? shuffledOrder(list.length, current, random) : null,
    repeat: q.repeat,
  };
}

/** The index of the song after the current one, or -1 at the end (repeat 'one' is handled by
 * the player, which restarts the song; an explicit "next" still moves on). */
export function nextIndex<T>(q: QueueState<T>): number {
  const n = q.items.length;
  if (n === 0 || q.current < 0) return -1;
  if (q.order) {
    const pos = q.order.indexOf(q.current);
    if (pos + 1 < q.order.length) return q.order[pos + 1];
    return q.repeat === 'all' ? q.order[0] : -1;
  }
  if (q.current + 1 < n) return q.current + 1;
  return q.repeat === 'all' ? 0 : -1;
}

/** The index of the song before the current one, or -1 at the start. */
export function previousIndex<T>(q: QueueState<T>): number {
  const n = q.items.length;
  if (n === 0 || q.current < 0) return -1;
  if (q.order) {
    const pos = q.order.indexOf(q.current);
    if (pos > 0) return q.order[pos - 1];
    return q.repeat === 'all' ? q.order[q.order.length - 1] : -1;
  }
  if (q.current > 0) return q.current - 1;
  return q.repeat === 'all' ? n - 1 : -1;
}

/** Moves to the next song; at the end without repeat the queue stays where it is. */
export function next<T>(q: QueueState<T>): QueueState<T> {
  const i = nextIndex(q);
  return i < 0 ? q : { ...q, current: i };
}

/** "Previous": restarts the song when more than 3 s have played, else goes back one. Returns
 * the new state and whether the current song should merely restart. */
export function previous<T>(q: QueueState<T>, positionS: number): { queue: QueueState<T>; restart: boolean } {
  if (positionS > 3) return { queue: q, restart: true };
  const i = previousIndex(q);
  return i < 0 ? { queue: q, restart: true } : { queue: { ...q, current: i }, restart: false };
}

/** Which song follows when the current one ends by itself: repeat 'one' plays it again. */
export function afterEnded<T>(q: QueueState<T>): number {
  return q.repeat === 'one' && q.current >= 0 ? q.current : nextIndex(q);
}

export function jump<T>(q: QueueState<T>, index: number): QueueState<T> {
  if (index < 0 || index >= q.items.length) return q;
  return { ...q, current: index };
}

export function setRepeat<T>(q: QueueState<T>, repeat: RepeatMode): QueueState<T> {
  return { ...q, repeat };
}

export function cycleRepeat(r: RepeatMode): RepeatMode {
  return r === 'off' ? 'all' : r === 'all' ? 'one' : 'off';
}

/** Turns shuffle on (the current song stays first, the rest in random order) or off (back to
 * the listener's order, the current song unchanged). */
export function setShuffle<T>(
  q: QueueState<T>,
  on: boolean,
  random: () => number = Math.random,
): QueueState<T> {
  if (!on) return { ...q, order: null };
  return { ...q, order: shuffledOrder(q.items.length, q.current, random) };
}

/** Maps an old index to its place after moving the item at `from` to `to`. */
function movedIndex(i: number, from: number, to: number): number {
  if (i === from) return to;
  if (from < to && i > from && i <= to) return i - 1;
  if (from > to && i >= to && i < from) return i + 1;
  return i;
}

/** Moves the item at `from` so it ends at `to` (drag and drop); the current song stays current. */
export function move<T>(q: QueueState<T>, from: number, to: number): QueueState<T> {
  const n = q.items.length;
  if (from < 0 || from >= n || to < 0 || to >= n || from === to) return q;
  const items = q.items.slice();
  const [it] = items.splice(from, 1);
  items.splice(to, 0, it);
  return {
    ...q,
    items,
    current: movedIndex(q.current, from, to),
    order: q.order ? q.order.map((i) => movedIndex(i, from, to)) : null,
  };
}

/** Inserts `songs` at `at` (0..n), shifting indices; a shuffled order plays them next. */
function insertAt<T>(q: QueueState<T>, songs: readonly T[], at: number, playNext: boolean): QueueState<T> {
  const room = Math.max(0, QUEUE_MAX - q.items.length);
  const add = songs.slice(0, room);
  if (add.length === 0) return q;
  const items = [...q.items.slice(0, at), ...add, ...q.items.slice(at)];
  const shift = (i: number) => (i >= at ? i + add.length : i);
  const added = add.map((_, k) => at + k);
  const current = q.current < 0 ? at : shift(q.current);
  let order: number[] | null = null;
  if (q.order) {
    const shifted = q.order.map(shift);
    if (playNext) {
      const pos = shifted.indexOf(current);
      order = [...shifted.slice(0, pos + 1), ...added, ...shifted.slice(pos + 1)];
    } else {
      order = [...shifted, ...added];
    }
    if (q.current < 0) order = [current, ...order.filter((i) => i !== current)];
  }
  return { ...q, items, current, order };
}

/** "Play next": the songs go right after the current one. */
export function playNext<T>(q: QueueState<T>, songs: readonly T[]): QueueState<T> {
  return insertAt(q, songs, q.current < 0 ? 0 : q.current + 1, true);
}

/** "Add to queue": the songs go at the end. */
export function append<T>(q: QueueState<T>, songs: readonly T[]): QueueState<T> {
  return insertAt(q, songs, q.items.length, false);
}

/** Removes the item at `index`; removing the current song makes the next one current. */
export function remove<T>(q: QueueState<T>, index: number): QueueState<T> {
  const n = q.items.length;
  if (index < 0 || index >= n) return q;
  const items = q.items.slice();
  items.splice(index, 1);
  const fix = (i: number) => (i > index ? i - 1 : i);
  let current = q.current === index ? Math.min(index, items.length - 1) : fix(q.current);
  if (items.length === 0) current = -1;
  const order = q.order ? q.order.filter((i) => i !== index).map(fix) : null;
  return { ...q, items, current, order };
}

/** What a network connection looks like to the player (navigator.connection, when present). */
export interface NetworkHint {
  effectiveType?: string;
  downlinkMbps?: number;
  saveData?: boolean;
}

/** The quality to ask for: the listener's choice, lowered automatically on a slow connection
 * (2G: 64 kbps; 3G, data saver or under 1 Mbit/s: at most 128 kbps). */
export function effectiveQuality(chosen: Quality, net: NetworkHint): Quality {
  let cap: Quality = 'original';
  if (
    net.effectiveType === 'slow-2g' ||
    net.effectiveType === '2g' ||
    (net.downlinkMbps !== undefined && net.downlinkMbps > 0 && net.downlinkMbps < 0.25)
  ) {
    cap = '64';
  } else if (
    net.effectiveType === '3g' ||
    net.saveData ||
    (net.downlinkMbps !== undefined && net.downlinkMbps > 0 && net.downlinkMbps < 1)
  ) {
    cap = '128';
  }
  return QUALITIES.indexOf(cap) > QUALITIES.indexOf(chosen) ? cap : chosen;
}

/** The next lower quality after playback stalled, or null at the lowest. */
export function lowerQuality(q: Quality): Quality | null {
  const i = QUALITIES.indexOf(q);
  return i + 1 < QUALITIES.length ? QUALITIES[i + 1] : null;
}

/** The quality to try after a stream failed at `failed`, or null to give up: an original the
 * browser cannot decode is asked again as a transcode (320 kbps mp3); a transcode the server
 * refused (too many at once) or could not make is asked again as the original file. */
export function qualityAfterError(failed: Quality, tried: readonly Quality[]): Quality | null {
  const next: Quality = failed === 'original' ? '320' : 'original';
  return tried.includes(next) ? null : next;
}

/** Query parameters that ask the server for `q` (original: the file as it is). */
export function qualityParams(q: Quality): Record<string, string> {
  return q === 'original' ? {} : { format: 'mp3', bitrate: q };
}

/** The linear gain for ReplayGain (dB) with its peak: never louder than clipping allows. */
export function replayGainFactor(gainDb: number | null, peak: number | null): number {
  if (gainDb === null || !Number.isFinite(gainDb)) return 1;
  let f = Math.pow(10, gainDb / 20);
  if (peak !== null && peak > 0 && f * peak > 1) f = 1 / peak;
  return Math.min(f, 4);
}

/** A window of at most QUEUE_MAX ids around the current song, for PUT /api/queue. */
export function savedWindow<T>(q: QueueState<T>): { items: readonly T[]; current: number } {
  if (q.items.length <= QUEUE_MAX) return { items: q.items, current: Math.max(q.current, 0) };
  const start = Math.max(0, Math.min(q.current - QUEUE_MAX / 2, q.items.length - QUEUE_MAX));
  return { items: q.items.slice(start, start + QUEUE_MAX), current: q.current - start };
}
