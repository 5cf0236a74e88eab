// playing.tsx - what is playing: the bar at the bottom, the queue panel (drag and drop to
// reorder) and the lyrics view that follows the song.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, formatTime, type Song } from '../api';
import * as P from '../player/player';
import type { Quality } from '../player/queue';
import { Cover, StarButton } from './common';
import { Icon } from './icons';

export function usePlayer(): P.PlayerState {
  const [s, setS] = useState(P.playerState());
  useEffect(() => P.subscribe(() => setS(P.playerState())), []);
  return s;
}

export function NowPlayingBar({ onQueue, onLyrics }: { onQueue: () => void; onLyrics: () => void }) {
  const s = usePlayer();
  const song = s.queue.items[s.queue.current];
  const dur = s.durationS || (song ? song.durationMs / 1000 : 0);
  return (
    <footer class="now-playing" aria-label="Player">
      <div class="np-song">
        {song ? <Cover id={song.coverId} size={48} alt="" /> : null}
        <div class="np-text">
          <span class="title" data-testid="np-title">
            {song?.title ?? 'Nothing playing'}
          </span>
          <span class="sub">{song?.artist ?? ''}</span>
        </div>
        {song ? <StarButton kind="song" id={song.id} /> : null}
      </div>
      <div class="np-controls">
        <button
          class={'icon' + (s.queue.order ? ' on' : '')}
          title="Shuffle"
          aria-pressed={!!s.queue.order}
          onClick={P.toggleShuffle}
        >
          <Icon name="shuffle" />
        </button>
        <button class="icon" title="Previous" aria-label="Previous" onClick={() => P.skip(-1)}>
          <Icon name="previous" />
        </button>
        <button
          class="icon big"
          title={s.playing ? 'Pause' : 'Play'}
          aria-label={s.playing ? 'Pause' : 'Play'}
          onClick={() => P.toggle()}
        >
          <Icon name={s.playing ? 'pause' : 'play'} size={34} />
        </button>
        <button class="icon" title="Next" aria-label="Next" onClick={() => P.skip(1)}>
          <Icon name="next" />
        </button>
        <button
          class={'icon' + (s.queue.repeat !== 'off' ? ' on' : '')}
          title={`Repeat: ${s.queue.repeat}`}
          aria-label={`Repeat ${s.queue.repeat}`}
          onClick={P.cycleRepeat}
        >
          <Icon name={s.queue.repeat === 'one' ? 'repeatOne' : 'repeat'} />
        </button>
        <span class="time">{formatTime(s.positionS * 1000)}</span>
        <input
          class="seek"
          type="range"
          min={0}
          max={Math.max(1, dur)}
          step={0.1}
          value={s.positionS}
          aria-label="Seek"
          onInput={(e) => P.seek(Number((e.target as HTMLInputElement).value))}
        />
        <span class="time">{formatTime(dur * 1000)}</span>
      </div>
      <div class="np-extra">
        <select
          aria-label="Quality"
          value={s.quality}
          onChange={(e) => P.setQuality((e.target as HTMLSelectElement).value as Quality)}
        >
          <option value="original">Original</option>
          <option value="320">320 kbps</option>
          <option value="128">128 kbps</option>
          <option value="64">64 kbps</option>
        </select>
        <input
          class="volume"
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={s.volume}
          aria-label="Volume"
          onInput={(e) => P.setVolume(Number((e.target as HTMLInputElement).value))}
        />
        <button class="icon" title="Lyrics" aria-label="Lyrics" onClick={onLyrics}>
          <Icon name="lyrics" />
        </button>
        <button class="icon" title="Queue" aria-label="Queue" onClick={onQueue}>
          <Icon name="queue" />
        </button>
      </div>
    </footer>
  );
}

export function QueuePanel({ onClose }: { onClose: () => void }) {
  const s = usePlayer();
  const [drag, setDrag] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  return (
    <aside class="side-panel queue-panel" aria-label="Queue">
      <header>
        <h2>Queue ({s.queue.items.length})</h2>
        <button class="icon" aria-label="Close queue" onClick={onClose}>
          ✕
        </button>
      </header>
      <ol>
        {s.queue.items.map((song: Song, i: number) => (
          <li
            key={i + ':' + song.id}
            draggable
            class={(i === s.queue.current ? 'current ' : '') + (over === i ? 'drop' : '')}
            data-index={i}
            onDragStart={(e) => {
              setDrag(i);
              e.dataTransfer?.setData('text/plain', String(i));
            }}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(i);
            }}
            onDragLeave={() => setOver(null)}
            onDrop={(e) => {
              e.preventDefault();
              const from = drag ?? Number(e.dataTransfer?.getData('text/plain'));
              setDrag(null);
              setOver(null);
              if (!Number.isNaN(from)) P.moveInQueue(from, i);
            }}
            onDragEnd={() => {
              setDrag(null);
              setOver(null);
            }}
          >
            <span class="grip" aria-hidden="true">
              ⠿
            </span>
            <button class="link" onClick={() => P.playAt(i)}>
              <span class="title">{song.title}</span>
              <span class="sub">{song.artist}</span>
            </button>
            <button
              class="icon"
              title="Move up"
              aria-label={`Move ${song.title} up`}
              onClick={() => P.moveInQueue(i, i - 1)}
            >
              ↑
            </button>
            <button
              class="icon"
              title="Remove"
              aria-label={`Remove ${song.title}`}
              onClick={() => P.removeFromQueue(i)}
            >
              ✕
            </button>
          </li>
        ))}
      </ol>
    </aside>
  );
}

interface Lyrics {
  synced: boolean;
  lines: { startMs: number | null; text: string }[];
}
export function LyricsView({ onClose }: { onClose: () => void }) {
  const s = usePlayer();
  const song = s.queue.items[s.queue.current];
  const [lyrics, setLyrics] = useState<Lyrics | null>(null);
  const box = useRef<HTMLOListElement>(null);
  useEffect(() => {
    setLyrics(null);
    if (song)
      api<Lyrics>(`/api/songs/${song.id}/lyrics`)
        .then(setLyrics)
        .catch(() => setLyrics({ synced: false, lines: [] }));
  }, [song?.id]);
  const ms = s.positionS * 1000;
  let active = -1;
  if (lyrics?.synced)
    lyrics.lines.forEach((l, i) => {
      if ((l.startMs ?? 0) <= ms) active = i;
    });
  useEffect(() => {
    const el = box.current?.querySelector('.active');
    if (el) el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [active]);
  return (
    <aside class="side-panel lyrics" aria-label="Lyrics">
      <header>
        <h2>Lyrics</h2>
        <button class="icon" aria-label="Close lyrics" onClick={onClose}>
          ✕
        </button>
      </header>
      {!song ? (
        <p>Nothing playing.</p>
      ) : !lyrics ? (
        <p>Loading…</p>
      ) : lyrics.lines.length === 0 ? (
        <p>No lyrics for this song.</p>
      ) : (
        <ol ref={box}>
          {lyrics.lines.map((l, i) => (
            <li
              key={i}
              class={i === active ? 'active' : ''}
              onClick={() => l.startMs !== null && P.seek(l.startMs / 1000)}
            >
              {l.text || '♪'}
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
