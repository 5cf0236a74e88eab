// player.ts - the one player of the page: two <audio> elements (the next song preloads in the
// second, so an album plays on without a gap), the queue from queue.ts, volume with ReplayGain,
// quality choice with automatic fallback, Media Session, scrobbles, and the queue saved to and
// restored from /api/queue.
import { api, mediaToken, qs, type Song } from '../api';
import * as Q from './queue';

export interface PlayerState {
  queue: Q.QueueState<Song>;
  playing: boolean;
  positionS: number;
  durationS: number;
  volume: number;
  quality: Q.Quality;
  replayGain: boolean;
}

type Listener = () => void;
const listeners = new Set<Listener>();
const saved = (k: string, d: string) => localStorage.getItem('swaz.' + k) ?? d;

let state: PlayerState = {
  queue: Q.emptyQueue<Song>(),
  playing: false,
  positionS: 0,
  durationS: 0,
  volume: Number(saved('volume', '0.8')),
  quality: saved('quality', 'original') as Q.Quality,
  replayGain: saved('replayGain', '1') === '1',
};

export function playerState(): PlayerState {
  return state;
}
export function subscribe(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
function set(patch: Partial<PlayerState>): void {
  state = { ...state, ...patch };
  listeners.forEach((f) => f());
}

const elements: HTMLAudioElement[] = [];
let active = 0;
let preloadedFor = '';
let streamQuality: Q.Quality = 'original';
let scrobbled = '';
let restored = false;

function audio(i: number): HTMLAudioElement {
  if (!elements[i]) {
    const a = new Audio();
    a.preload = 'auto';
    a.dataset.player = String(i);
    a.style.display = 'none';
    document.body.appendChild(a);
    a.addEventListener('timeupdate', () => {
      if (i === active) onTime();
    });
    a.addEventListener('durationchange', () => {
      if (i === active) set({ durationS: a.duration || 0 });
    });
    a.addEventListener('ended', () => {
      if (i === active) onEnded();
    });
    a.addEventListener('play', () => {
      if (i === active) set({ playing: true });
    });
    a.addEventListener('pause', () => {
      if (i === active) set({ playing: false });
    });
    a.addEventListener('error', () => {
      if (i === active) onError();
    });
    a.addEventListener('stalled', () => {
      if (i === active) onStall();
    });
    elements[i] = a;
  }
  return elements[i];
}
export function activeAudio(): HTMLAudioElement {
  return audio(active);
}

function network(): Q.NetworkHint {
  const c = (
    navigator as Navigator & {
      connection?: { effectiveType?: string; downlink?: number; saveData?: boolean };
    }
  ).connection;
  return c ? { effectiveType: c.effectiveType, downlinkMbps: c.downlink, saveData: c.saveData } : {};
}

export async function streamUrl(song: Song, quality: Q.Quality): Promise<string> {
  const t = await mediaToken();
  return `/api/songs/${encodeURIComponent(song.id)}/stream` + qs({ ...Q.qualityParams(quality), t });
}

function gainFor(song: Song | undefined): number {
  if (!song || !state.replayGain) return 1;
  const q = state.queue;
  const neighbour = q.items[Q.nextIndex(q)] ?? q.items[q.current - 1];
  const albumMode = neighbour?.albumId && neighbour.albumId === song.albumId && !q.order;
  const rg = song.replayGain;
  return albumMode && rg.albumGain !== null
    ? Q.replayGainFactor(rg.albumGain, rg.albumPeak)
    : Q.replayGainFactor(rg.trackGain, rg.trackPeak);
}
function applyVolume(): void {
  const v = Math.min(1, state.volume * gainFor(current()));
  for (const a of elements) if (a) a.volume = v;
}

export function current(): Song | undefined {
  return state.queue.items[state.queue.current];
}

/** Loads the current song into the active element (or swaps in the preloaded one). */
async function load(autoplay: boolean, startS = 0): Promise<void> {
  const song = current();
  if (!song) {
    activeAudio().pause();
    set({ playing: false });
    return;
  }
  streamQuality = Q.effectiveQuality(state.quality, network());
  const url = await streamUrl(song, streamQuality);
  const other = audio(1 - active);
  if (preloadedFor === song.id + '|' + streamQuality && other.src.endsWith(url)) {
    activeAudio().pause();
    active = 1 - active;
  } else {
    const a = activeAudio();
    a.src = url;
    if (startS > 0) a.currentTime = startS;
  }
  preloadedFor = '';
  applyVolume();
  mediaSession(song);
  set({ positionS: startS, durationS: song.durationMs / 1000 });
  if (autoplay) {
    try {
      await activeAudio().play();
    } catch {
      set({ playing: false });
    }
  }
  api('/api/now-playing', {
    method: 'PUT',
    body: { songId: song.id, client: 'web', state: autoplay ? 'playing' : 'paused' },
  }).catch(() => {});
  save();
}

function onTime(): void {
  const a = activeAudio();
  set({ positionS: a.currentTime });
  const song = current();
  if (!song) return;
  // Preload the next song in the other element once this one is well under way.
  const nextI = Q.afterEnded(state.queue);
  const nextSong = state.queue.items[nextI];
  const remaining = (a.duration || song.durationMs / 1000) - a.currentTime;
  if (nextSong && nextI !== state.queue.current && remaining < 20 && !preloadedFor) {
    const key = nextSong.id + '|' + streamQuality;
    preloadedFor = key;
    streamUrl(nextSong, streamQuality)
      .then((url) => {
        if (preloadedFor !== key) return;
        const o = audio(1 - active);
        o.src = url;
        o.load();
      })
      .catch(() => {
        preloadedFor = '';
      });
  }
  // A play counts after half the song or four minutes.
  if (scrobbled !== song.id && a.currentTime > Math.min(240, song.durationMs / 2000)) {
    scrobbled = song.id;
    api('/api/history', { method: 'POST', body: { songId: song.id, client: 'web' } }).catch(() => {});
  }
  if (Math.floor(a.currentTime) % 15 === 0) saveSoon();
}

function onEnded(): void {
  const i = Q.afterEnded(state.queue);
  scrobbled = '';
  if (i < 0) {
    set({ playing: false });
    return;
  }
  if (i === state.queue.current) {
    activeAudio().currentTime = 0;
    void activeAudio().play();
    return;
  }
  set({ queue: Q.jump(state.queue, i) });
  void load(true);
}

let stalls = 0;
function onStall(): void {
  if (++stalls < 3) return;
  stalls = 0;
  const lower = Q.lowerQuality(streamQuality);
  if (lower && state.playing) {
    state = { ...state, quality: lower };
    void load(true, activeAudio().currentTime);
  }
}
let triedForSong: { id: string; tried: Q.Quality[] } = { id: '', tried: [] };
function onError(): void {
  const song = current();
  if (!song) return;
  if (triedForSong.id !== song.id) triedForSong = { id: song.id, tried: [] };
  triedForSong.tried.push(streamQuality);
  const retry = Q.qualityAfterError(streamQuality, triedForSong.tried);
  if (!retry) return;
  streamQuality = retry;
  const at = activeAudio().currentTime;
  void streamUrl(song, retry)
    .then((u) => {
      const a = activeAudio();
      a.src = u;
      if (at > 0) a.currentTime = at;
      return a.play();
    })
    .catch(() => {});
}

function mediaSession(song: Song): void {
  if (!('mediaSession' in navigator)) return;
  const t = encodeURIComponent(mediaTokenNowSafe());
  navigator.mediaSession.metadata = new MediaMetadata({
    title: song.title,
    artist: song.artist ?? '',
    album: song.album ?? '',
    artwork: song.coverId
      ? [256, 512].map((s) => ({
          src: `/api/covers/${song.coverId}?size=${s}&t=${t}`,
          sizes: `${s}x${s}`,
          type: 'image/webp',
        }))
      : [],
  });
}
function mediaTokenNowSafe(): string {
  const m = /[?&]t=([^&]*)/.exec(activeAudio().src);
  return m ? decodeURIComponent(m[1]) : '';
}

export function initMediaSession(): void {
  if (!('mediaSession' in navigator)) return;
  const ms = navigator.mediaSession;
  ms.setActionHandler('play', () => {
    void toggle(true);
  });
  ms.setActionHandler('pause', () => {
    void toggle(false);
  });
  ms.setActionHandler('nexttrack', () => {
    void skip(1);
  });
  ms.setActionHandler('previoustrack', () => {
    void skip(-1);
  });
  ms.setActionHandler('seekto', (d) => {
    if (d.seekTime !== undefined) seek(d.seekTime);
  });
}

// ---- commands used by the components ----

export async function playSongs(songs: readonly Song[], start = 0): Promise<void> {
  set({ queue: Q.playList(state.queue, songs, start) });
  await load(true);
}
export async function playAt(index: number): Promise<void> {
  set({ queue: Q.jump(state.queue, index) });
  await load(true);
}
export function playNext(songs: readonly Song[]): void {
  const wasEmpty = state.queue.items.length === 0;
  set({ queue: Q.playNext(state.queue, songs) });
  if (wasEmpty) void load(true);
  else save();
}
export function addToQueue(songs: readonly Song[]): void {
  const wasEmpty = state.queue.items.length === 0;
  set({ queue: Q.append(state.queue, songs) });
  if (wasEmpty) void load(true);
  else save();
}
export function moveInQueue(from: number, to: number): void {
  set({ queue: Q.move(state.queue, from, to) });
  preloadedFor = '';
  save();
}
export function removeFromQueue(i: number): void {
  const wasCurrent = i === state.queue.current;
  set({ queue: Q.remove(state.queue, i) });
  if (wasCurrent) void load(state.playing);
  else save();
}
export async function toggle(play?: boolean): Promise<void> {
  const a = activeAudio();
  if (!current()) return;
  if (!a.src) {
    await load(true, state.positionS);
    return;
  }
  if (play ?? a.paused) await a.play().catch(() => {});
  else a.pause();
  save();
}
export async function skip(dir: 1 | -1): Promise<void> {
  if (dir > 0) {
    const i = Q.nextIndex(state.queue);
    if (i < 0) return;
    set({ queue: Q.jump(state.queue, i) });
  } else {
    const r = Q.previous(state.queue, activeAudio().currentTime);
    if (r.restart) {
      seek(0);
      return;
    }
    set({ queue: r.queue });
  }
  scrobbled = '';
  await load(true);
}
export function seek(s: number): void {
  const a = activeAudio();
  a.currentTime = Math.max(0, Math.min(s, a.duration || s));
  set({ positionS: a.currentTime });
  saveSoon();
}
export function setVolume(v: number): void {
  const vol = Math.max(0, Math.min(1, v));
  localStorage.setItem('swaz.volume', String(vol));
  set({ volume: vol });
  applyVolume();
}
export function setQuality(q: Q.Quality): void {
  localStorage.setItem('swaz.quality', q);
  set({ quality: q });
  if (current()) void load(state.playing, activeAudio().currentTime);
}
export function setReplayGain(on: boolean): void {
  localStorage.setItem('swaz.replayGain', on ? '1' : '0');
  set({ replayGain: on });
  applyVolume();
}
export function toggleShuffle(): void {
  set({ queue: Q.setShuffle(state.queue, !state.queue.order) });
  preloadedFor = '';
}
export function cycleRepeat(): void {
  set({ queue: Q.setRepeat(state.queue, Q.cycleRepeat(state.queue.repeat)) });
}

// ---- saved queue ----

let saveTimer: ReturnType<typeof setTimeout> | null = null;
function saveSoon(): void {
  if (!saveTimer)
    saveTimer = setTimeout(() => {
      saveTimer = null;
      save();
    }, 2000);
}
export function save(): void {
  if (!restored) return;
  const w = Q.savedWindow(state.queue);
  void api('/api/queue', {
    method: 'PUT',
    body: {
      songIds: w.items.map((s) => s.id),
      currentIndex: w.items.length ? w.current : 0,
      positionMs: Math.round((elements[active]?.currentTime ?? state.positionS) * 1000),
      client: 'web',
    },
    keepalive: true, // still sent when the page is closing (pagehide)
  }).catch(() => {});
}

/** Restores the queue saved by this or another device (not playing until asked); with
 * `onlyIfOther`, only when it differs from the queue here. */
export async function restore(onlyIfOther = false): Promise<void> {
  try {
    const q = await api<{ songs: Song[]; currentIndex: number; positionMs: number }>('/api/queue');
    const mine = Q.savedWindow(state.queue);
    const same =
      q.songs.map((s) => s.id).join() === mine.items.map((s) => s.id).join() &&
      q.currentIndex === mine.current;
    if (q.songs.length && !(onlyIfOther && same)) {
      set({ queue: Q.playList(state.queue, q.songs, q.currentIndex), positionS: q.positionMs / 1000 });
      const song = current();
      if (song) {
        streamQuality = Q.effectiveQuality(state.quality, network());
        const a = activeAudio();
        a.src = await streamUrl(song, streamQuality);
        a.currentTime = q.positionMs / 1000;
        applyVolume();
        mediaSession(song);
        set({ durationS: song.durationMs / 1000 });
      }
    }
  } finally {
    restored = true;
  }
}
export function reset(): void {
  for (const a of elements)
    if (a) {
      a.pause();
      a.removeAttribute('src');
    }
  restored = false;
  set({ queue: Q.emptyQueue<Song>(), playing: false, positionS: 0, durationS: 0 });
}
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => save());
  // Back on this tab while nothing plays: take the queue another device may have saved since.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && restored && !state.playing) void restore(true);
  });
}
