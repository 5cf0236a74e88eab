// common.tsx - pieces every page uses: data loading, covers, the virtualised list and grid,
// song rows with their actions, and the song list (sortable, filterable).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  coverUrl,
  formatTime,
  type Album,
  type Page,
  type Playlist,
  type Ref,
  type Song,
} from '../api';
import { addToQueue, playNext, playSongs } from '../player/player';
import { Icon } from './icons';

/** Loads `load()` whenever `deps` change; {data, error, reload}. */
export function useData<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data: T | null; error: string; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setError('');
    load()
      .then((d) => {
        if (live) setData(d);
      })
      .catch((e: unknown) => {
        if (live) setError(errText(e));
      });
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

/** Pages through a keyset list on demand: items so far, whether more exist, loadMore(). */
export function usePaged<T>(
  base: string,
  deps: unknown[],
  limit = 200,
): { items: T[]; more: boolean; loadMore: () => void; error: string } {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState(true);
  const [error, setError] = useState('');
  const busy = useRef(false);
  const gen = useRef(0);
  const fetchPage = (after: string | null, g: number) => {
    busy.current = true;
    const sep = base.includes('?') ? '&' : '?';
    api<Page<T>>(`${base}${sep}limit=${limit}${after ? '&after=' + encodeURIComponent(after) : ''}`)
      .then((p) => {
        if (g !== gen.current) return;
        setItems((old) => (after ? [...old, ...p.items] : p.items));
        setNext(p.next);
        setMore(p.next !== null);
      })
      .catch((e: unknown) => {
        if (g === gen.current) {
          setError(String(e instanceof Error ? e.message : e));
          setMore(false);
        }
      })
      .finally(() => {
        if (g === gen.current) busy.current = false;
      });
  };
  useEffect(() => {
    gen.current++;
    setItems([]);
    setMore(!!base);
    if (base) fetchPage(null, gen.current);
  }, [base, ...deps]);
  return {
    items,
    more,
    error,
    loadMore: () => {
      if (!busy.current && next) fetchPage(next, gen.current);
    },
  };
}

export function Cover({ id, size, alt }: { id: string | null; size: number; alt: string }) {
  const url = coverUrl(id, size);
  return url ? (
    <img class="cover" src={url} width={size} height={size} loading="lazy" decoding="async" alt={alt} />
  ) : (
    <div class="cover placeholder" style={{ width: size, height: size }} aria-label={alt} />
  );
}

export function ErrorLine({ error }: { error: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Renders only the rows in view of a window-scrolled list with fixed-height rows. */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  onEnd,
  class: cls,
}: {
  items: readonly T[];
  rowHeight: number;
  render: (item: T, index: number) => JSX.Element;
  onEnd?: () => void;
  class?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState<[number, number]>([0, 40]);
  useEffect(() => {
    const update = () => {
      const el = ref.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top;
      const first = Math.max(0, Math.floor(-top / rowHeight) - 10);
      const last = Math.min(items.length, Math.ceil((window.innerHeight - top) / rowHeight) + 10);
      setRange((r) => (r[0] === first && r[1] === last ? r : [first, last]));
      if (onEnd && last >= items.length - 20) onEnd();
    };
    update();
    window.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      window.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, [items.length, rowHeight, onEnd]);
  const rows: JSX.Element[] = [];
  for (let i = range[0]; i < Math.min(range[1], items.length); i++) {
    rows.push(
      <div class="vrow" key={i} style={{ top: i * rowHeight, height: rowHeight }}>
        {render(items[i], i)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      class={'vlist ' + (cls ?? '')}
      style={{ height: items.length * rowHeight }}
      data-count={items.length}
    >
      {rows}
    </div>
  );
}

/** A grid of album covers; only the rows in view exist in the DOM (10,000 albums scroll fine). */
export function AlbumGrid({ albums, onEnd }: { albums: readonly Album[]; onEnd?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const cell = width < 500 ? 150 : 190;
  const cols = Math.max(2, Math.floor(width / cell));
  const rows = useMemo(() => {
    const out: Album[][] = [];
    for (let i = 0; i < albums.length; i += cols) out.push(albums.slice(i, i + cols) as Album[]);
    return out;
  }, [albums, cols]);
  const size = Math.floor(width / cols) - 16;
  return (
    <div ref={ref} class="album-grid">
      <VirtualList
        items={rows}
        rowHeight={size + 64}
        onEnd={onEnd}
        render={(row) => (
          <div class="album-row" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }}>
            {row.map((a) => (
              <AlbumCard key={a.id} album={a} size={size} />
            ))}
          </div>
        )}
      />
    </div>
  );
}

export function AlbumCard({ album, size }: { album: Album; size: number }) {
  return (
    <a class="album-card" href={`/albums/${album.id}`} title={album.name}>
      <Cover id={album.coverId} size={size} alt="" />
      <span class="title">{album.name}</span>
      <span class="sub">
        {album.artist}
        {album.year ? ` · ${album.year}` : ''}
      </span>
    </a>
  );
}

/** A short list of songs under a heading (popular, top, search results); nothing when empty. */
export function SongSection({ title, songs }: { title: string; songs: readonly Song[] | null | undefined }) {
  if (!songs || songs.length === 0) return null;
  return (
    <section>
      <h2>{title}</h2>
      {songs.map((s, i) => (
        <SongRow key={s.id} song={s} index={i} onPlay={() => playSongs(songs, i)} />
      ))}
    </section>
  );
}

/** Artists as links under a heading; nothing when empty. */
export function ArtistChips({ title, artists }: { title: string; artists: readonly Ref[] }) {
  if (artists.length === 0) return null;
  return (
    <section>
      <h2>{title}</h2>
      <div class="chips">
        {artists.map((a) => (
          <a key={a.id} class="chip" href={`/artists/${a.id}`}>
            {a.name}
          </a>
        ))}
      </div>
    </section>
  );
}

/** What a page shows before its data is there: the error, or "Loading…". */
export function PageWaiting({ error }: { error: string }) {
  return <div class="page">{error ? <ErrorLine error={error} /> : <p>Loading…</p>}</div>;
}

export function AlbumStrip({ title, albums }: { title: string; albums: readonly Album[] | null }) {
  if (!albums || albums.length === 0) return null;
  return (
    <section class="strip">
      <h2>{title}</h2>
      <div class="strip-row">
        {albums.map((a) => (
          <AlbumCard key={a.id} album={a} size={150} />
        ))}
      </div>
    </section>
  );
}

/** Star toggle and 1..5 rating for a song, album or artist. */
export function StarButton({ kind, id }: { kind: 'song' | 'album' | 'artist'; id: string }) {
  const [on, setOn] = useState<boolean | null>(null);
  useEffect(() => {
    api<{ starred: boolean }>(`/api/stars/${kind}/${id}`)
      .then((s) => setOn(s.starred))
      .catch(() => {});
  }, [kind, id]);
  const flip = async () => {
    const s = await api<{ starred: boolean }>(`/api/stars/${kind}/${id}`, { method: on ? 'DELETE' : 'PUT' });
    setOn(s.starred);
  };
  return (
    <button
      class={'icon star' + (on ? ' on' : '')}
      aria-pressed={!!on}
      title={on ? 'Remove from favourites' : 'Add to favourites'}
      aria-label={on ? 'Remove from favourites' : 'Add to favourites'}
      onClick={flip}
    >
      {on ? '★' : '☆'}
    </button>
  );
}

export function RatingStars({ kind, id }: { kind: 'song' | 'album' | 'artist'; id: string }) {
  const [rating, setRating] = useState(0);
  useEffect(() => {
    api<{ rating: number | null }>(`/api/stars/${kind}/${id}`)
      .then((s) => setRating(s.rating ?? 0))
      .catch(() => {});
  }, [kind, id]);
  const rate = async (r: number) => {
    const v = r === rating ? 0 : r;
    await api(`/api/ratings/${kind}/${id}`, { method: 'PUT', body: { rating: v } });
    setRating(v);
  };
  return (
    <span class="rating" aria-label={`rating ${rating} of 5`}>
      {[1, 2, 3, 4, 5].map((r) => (
        <button
          key={r}
          class={'icon' + (r <= rating ? ' on' : '')}
          title={`Rate ${r}`}
          aria-label={`Rate ${r}`}
          onClick={() => rate(r)}
        >
          {r <= rating ? '★' : '☆'}
        </button>
      ))}
    </span>
  );
}

/** The "add to playlist" picker for one or more songs. */
export function AddToPlaylist({ songs, onDone }: { songs: readonly Song[]; onDone: () => void }) {
  const { data } = useData(() => api<Page<Playlist>>('/api/playlists?limit=500'), []);
  const [msg, setMsg] = useState('');
  const add = async (p: Playlist) => {
    await api(`/api/playlists/${p.id}/entries`, {
      method: 'POST',
      body: { songIds: songs.map((s) => s.id) },
    });
    setMsg(`Added to ${p.name}`);
    setTimeout(onDone, 600);
  };
  const create = async () => {
    const name = prompt('New playlist name');
    if (!name) return;
    await api('/api/playlists', { method: 'POST', body: { name, songIds: songs.map((s) => s.id) } });
    setMsg(`Created ${name}`);
    setTimeout(onDone, 600);
  };
  return (
    <div class="menu" role="dialog" aria-label="Add to playlist">
      {msg ? <p>{msg}</p> : null}
      <button onClick={create}>New playlist…</button>
      {(data?.items ?? [])
        .filter((p) => p.access !== 'reader')
        .map((p) => (
          <button key={p.id} onClick={() => add(p)}>
            {p.name}
          </button>
        ))}
      <button onClick={onDone}>Close</button>
    </div>
  );
}

/** Makes a public link to a song, album or playlist (POST /api/shares) and shows it. */
export function ShareButton({ kind, id }: { kind: 'song' | 'album' | 'playlist'; id: string }) {
  const [url, setUrl] = useState('');
  const [error, setError] = useState('');
  const share = async () => {
    try {
      const s = await api<{ url: string }>('/api/shares', { method: 'POST', body: { kind, itemId: id } });
      setUrl(location.origin + s.url);
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <span class="share">
      <button onClick={share}>Share</button>
      {url ? (
        <input
          class="share-url"
          readOnly
          value={url}
          aria-label="Share link"
          onFocus={(e) => (e.target as HTMLInputElement).select()}
        />
      ) : null}
      <ErrorLine error={error} />
    </span>
  );
}

export function SongActions({ song }: { song: Song }) {
  const [open, setOpen] = useState<'menu' | 'playlist' | null>(null);
  useEffect(() => {
    if (open !== 'menu') return undefined;
    const close = () => setOpen(null); // a click anywhere else closes the menu
    window.addEventListener('click', close);
    return () => window.removeEventListener('click', close);
  }, [open]);
  return (
    <span class="song-actions">
      <button
        class="icon"
        title="More"
        aria-label={`Actions for ${song.title}`}
        onClick={(e) => {
          e.stopPropagation();
          setOpen(open ? null : 'menu');
        }}
      >
        ⋯
      </button>
      {open === 'menu' ? (
        <div class="menu" onClick={(e) => e.stopPropagation()}>
          <button
            onClick={() => {
              playNext([song]);
              setOpen(null);
            }}
          >
            Play next
          </button>
          <button
            onClick={() => {
              addToQueue([song]);
              setOpen(null);
            }}
          >
            Add to queue
          </button>
          <button onClick={() => setOpen('playlist')}>Add to playlist…</button>
          {song.albumId ? <a href={`/albums/${song.albumId}`}>Go to album</a> : null}
          {song.artistId ? <a href={`/artists/${song.artistId}`}>Go to artist</a> : null}
        </div>
      ) : null}
      {open === 'playlist' ? <AddToPlaylist songs={[song]} onDone={() => setOpen(null)} /> : null}
    </span>
  );
}

export function SongRow({
  song,
  index,
  onPlay,
  showAlbum = true,
  extra,
  numbered = false,
}: {
  song: Song;
  index: number;
  onPlay: () => void;
  showAlbum?: boolean;
  extra?: ComponentChildren;
  numbered?: boolean;
}) {
  return (
    <div class="song-row" onDblClick={onPlay} data-song-id={song.id}>
      <button class="icon play" title="Play" aria-label={`Play ${song.title}`} onClick={onPlay}>
        <Icon name="play" size={18} />
      </button>
      <span class="num">{numbered ? index + 1 : (song.track ?? index + 1)}</span>
      <span class="title">
        {song.title}
        <span class="sub">
          {song.artist}
          {showAlbum && song.album ? ` — ${song.album}` : ''}
        </span>
      </span>
      <span class="time">{formatTime(song.durationMs)}</span>
      <StarButton kind="song" id={song.id} />
      {extra}
      <SongActions song={song} />
    </div>
  );
}

type SortKey = 'default' | 'title' | 'artist' | 'album' | 'year' | 'duration';
const sorters: Record<Exclude<SortKey, 'default'>, (a: Song, b: Song) => number> = {
  title: (a, b) => a.title.localeCompare(b.title),
  artist: (a, b) => (a.artist ?? '').localeCompare(b.artist ?? ''),
  album: (a, b) => (a.album ?? '').localeCompare(b.album ?? ''),
  year: (a, b) => (a.year ?? 0) - (b.year ?? 0),
  duration: (a, b) => a.durationMs - b.durationMs,
};

/** A song list that sorts and filters in place and renders only the visible rows. */
export function SongList({
  songs,
  showAlbum = true,
  onEnd,
}: {
  songs: readonly Song[];
  showAlbum?: boolean;
  onEnd?: () => void;
}) {
  const [sort, setSort] = useState<SortKey>('default');
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    let list = f
      ? songs.filter((s) => `${s.title} ${s.artist ?? ''} ${s.album ?? ''}`.toLowerCase().includes(f))
      : songs.slice();
    if (sort !== 'default') list = list.slice().sort(sorters[sort]);
    return list;
  }, [songs, sort, filter]);
  return (
    <div class="song-list">
      <div class="list-tools">
        <input
          type="search"
          placeholder="Filter"
          aria-label="Filter songs"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
        <select
          aria-label="Sort songs"
          value={sort}
          onChange={(e) => setSort((e.target as HTMLSelectElement).value as SortKey)}
        >
          <option value="default">Default order</option>
          <option value="title">Title</option>
          <option value="artist">Artist</option>
          <option value="album">Album</option>
          <option value="year">Year</option>
          <option value="duration">Duration</option>
        </select>
        <button onClick={() => playSongs(shown, 0)} disabled={!shown.length}>
          Play all
        </button>
        <button onClick={() => addToQueue(shown)} disabled={!shown.length}>
          Add all to queue
        </button>
      </div>
      <VirtualList
        items={shown}
        rowHeight={52}
        onEnd={onEnd}
        render={(s, i) => (
          <SongRow song={s} index={i} showAlbum={showAlbum} onPlay={() => playSongs(shown, i)} />
        )}
      />
    </div>
  );
}

export function errText(e: unknown): string {
  return e instanceof ApiError ? `${e.message} (${e.status})` : e instanceof Error ? e.message : String(e);
}
