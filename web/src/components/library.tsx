// library.tsx - browsing: home, albums, artists, genres, years, folders, the album and artist
// pages, search results, favourites and history.
import { useMemo, useState } from 'preact/hooks';
import { api, formatTime, type Album, type Artist, type Page, type Ref, type Song } from '../api';
import { addToQueue, playSongs } from '../player/player';
import {
  AddToPlaylist,
  AlbumGrid,
  AlbumStrip,
  ArtistChips,
  Cover,
  ErrorLine,
  PageWaiting,
  RatingStars,
  ShareButton,
  SongList,
  SongRow,
  SongSection,
  StarButton,
  useData,
  usePaged,
  VirtualList,
} from './common';

export function HomePage() {
  const newest = useData(() => api<Page<Album>>('/api/albums?list=newest&limit=12'), []);
  const recent = useData(() => api<Page<Album>>('/api/albums?list=recent&limit=12'), []);
  const frequent = useData(() => api<Page<Album>>('/api/albums?list=frequent&limit=12'), []);
  const random = useData(() => api<Page<Album>>('/api/albums?list=random&limit=12'), []);
  const popular = useData(() => api<Page<Song>>('/api/popular?limit=10'), []);
  return (
    <div class="page home">
      <h1>Home</h1>
      <AlbumStrip title="Recently added" albums={newest.data?.items ?? null} />
      <AlbumStrip title="Recently played" albums={recent.data?.items ?? null} />
      <AlbumStrip title="Most played" albums={frequent.data?.items ?? null} />
      <AlbumStrip title="Random albums" albums={random.data?.items ?? null} />
      <SongSection title="Popular songs" songs={popular.data?.items} />
      <ErrorLine error={newest.error} />
    </div>
  );
}

const ALBUM_LISTS: [string, string][] = [
  ['alpha_name', 'By name'],
  ['alpha_artist', 'By artist'],
  ['newest', 'Newest'],
  ['random', 'Random'],
  ['starred', 'Favourites'],
  ['frequent', 'Most played'],
];

export function AlbumsPage({ list, genre }: { list: string; genre?: string }) {
  const base = genre
    ? `/api/albums?list=genre&genre=${encodeURIComponent(genre)}`
    : `/api/albums?list=${list}`;
  const { items, loadMore, error } = usePaged<Album>(base, []);
  return (
    <div class="page">
      <h1>{genre ? `Genre: ${genre}` : 'Albums'}</h1>
      {!genre ? (
        <nav class="tabs">
          {ALBUM_LISTS.map(([k, t]) => (
            <a key={k} href={`/albums?list=${k}`} class={k === list ? 'active' : ''}>
              {t}
            </a>
          ))}
        </nav>
      ) : null}
      <ErrorLine error={error} />
      <AlbumGrid albums={items} onEnd={loadMore} />
    </div>
  );
}

export function ArtistsPage() {
  const { items, loadMore, error } = usePaged<Artist>('/api/artists', []);
  return (
    <div class="page">
      <h1>Artists</h1>
      <ErrorLine error={error} />
      <VirtualList
        items={items}
        rowHeight={56}
        onEnd={loadMore}
        render={(a) => (
          <a class="artist-row" href={`/artists/${a.id}`}>
            <Cover id={a.coverId} size={40} alt="" />
            <span class="title">{a.name}</span>
            <span class="sub">
              {a.albumCount} albums · {a.songCount} songs
            </span>
          </a>
        )}
      />
    </div>
  );
}

export function ArtistPage({ id }: { id: string }) {
  const artist = useData(() => api<Artist & { albums: Album[] }>(`/api/artists/${id}`), [id]);
  const top = useData(() => api<Page<Song>>(`/api/popular?artistId=${id}&limit=10`), [id]);
  const a = artist.data;
  return (
    <div class="page">
      <ErrorLine error={artist.error} />
      {a ? (
        <>
          <header class="hero">
            <Cover id={a.coverId} size={160} alt="" />
            <div>
              <h1>{a.name}</h1>
              <p>
                {a.albumCount} albums · {a.songCount} songs
              </p>
              <StarButton kind="artist" id={a.id} /> <RatingStars kind="artist" id={a.id} />
            </div>
          </header>
          <SongSection title="Top songs" songs={top.data?.items} />
          <h2>Albums</h2>
          <AlbumGrid albums={a.albums} />
        </>
      ) : null}
    </div>
  );
}

export function AlbumPage({ id }: { id: string }) {
  const [adding, setAdding] = useState(false);
  const { data, error } = useData(() => api<Album & { songs: Song[] }>(`/api/albums/${id}`), [id]);
  const discs = useMemo(() => {
    const out = new Map<number, Song[]>();
    for (const s of data?.songs ?? []) {
      const d = s.disc ?? 1;
      if (!out.has(d)) out.set(d, []);
      out.get(d)?.push(s);
    }
    return [...out.entries()];
  }, [data]);
  if (error || !data) return <PageWaiting error={error} />;
  const many = discs.length > 1 && data.songs.length < 500;
  return (
    <div class="page album-page">
      <header class="hero">
        <Cover id={data.coverId} size={200} alt={`Cover of ${data.name}`} />
        <div>
          <h1>{data.name}</h1>
          <p>
            {data.artistId ? <a href={`/artists/${data.artistId}`}>{data.artist}</a> : data.artist}
            {data.year ? ` · ${data.year}` : ''} · {data.songCount} songs · {formatTime(data.durationMs)}
          </p>
          <p>
            {data.genres.map((g: Ref) => (
              <a key={g.id} class="chip" href={`/genres/${encodeURIComponent(g.name)}`}>
                {g.name}
              </a>
            ))}
          </p>
          <button class="primary" onClick={() => playSongs(data.songs, 0)}>
            Play
          </button>{' '}
          <button onClick={() => addToQueue(data.songs)}>Add to queue</button>{' '}
          <button onClick={() => setAdding(true)}>Add to playlist…</button>{' '}
          <ShareButton kind="album" id={data.id} /> <StarButton kind="album" id={data.id} />{' '}
          <RatingStars kind="album" id={data.id} />
          {adding ? <AddToPlaylist songs={data.songs} onDone={() => setAdding(false)} /> : null}
        </div>
      </header>
      {many ? (
        discs.map(([d, songs]) => (
          <section key={d}>
            <h2>
              Disc {d}
              {songs[0]?.discSubtitle ? ` — ${songs[0].discSubtitle}` : ''}
            </h2>
            {songs.map((s, i) => (
              <SongRow
                key={s.id}
                song={s}
                index={i}
                showAlbum={false}
                onPlay={() => playSongs(data.songs, data.songs.indexOf(s))}
              />
            ))}
          </section>
        ))
      ) : (
        <SongList songs={data.songs} showAlbum={false} />
      )}
    </div>
  );
}

export function GenresPage() {
  const { data, error } = useData(
    () =>
      api<Page<{ id: string; name: string; albumCount: number; songCount: number }>>('/api/genres?limit=500'),
    [],
  );
  return (
    <div class="page">
      <h1>Genres</h1>
      <ErrorLine error={error} />
      <div class="chips">
        {(data?.items ?? []).map((g) => (
          <a key={g.id} class="chip" href={`/genres/${encodeURIComponent(g.name)}`}>
            {g.name} <small>{g.albumCount}</small>
          </a>
        ))}
      </div>
    </div>
  );
}

export function YearsPage({ year }: { year?: string }) {
  const { data, error } = useData(
    () =>
      api<Page<{ decade: number; albumCount: number; years: { year: number; albumCount: number }[] }>>(
        '/api/years',
      ),
    [],
  );
  const albums = usePaged<Album>(year ? `/api/albums?list=year&from=${year}&to=${year}` : '', [year]);
  return (
    <div class="page">
      <h1>{year ? `Year ${year}` : 'Years'}</h1>
      <ErrorLine error={error} />
      {year ? (
        <AlbumGrid albums={albums.items} onEnd={albums.loadMore} />
      ) : (
        (data?.items ?? []).map((d) => (
          <section key={d.decade}>
            <h2>{d.decade}s</h2>
            <div class="chips">
              {d.years.map((y) => (
                <a key={y.year} class="chip" href={`/years/${y.year}`}>
                  {y.year} <small>{y.albumCount}</small>
                </a>
              ))}
            </div>
          </section>
        ))
      )}
    </div>
  );
}

interface FolderItem {
  type: 'folder' | 'song';
  id: string;
  name?: string;
}
export function FoldersPage({ id }: { id?: string }) {
  const roots = useData(
    () => (id ? Promise.resolve(null) : api<Page<{ id: string; name: string }>>('/api/folders')),
    [id],
  );
  const folder = useData(
    () =>
      id
        ? api<{ name: string; parentId: string | null } & Page<FolderItem & Song>>(
            `/api/folders/${id}?limit=500`,
          )
        : Promise.resolve(null),
    [id],
  );
  const songs = (folder.data?.items ?? []).filter((x) => x.type === 'song') as Song[];
  return (
    <div class="page">
      <h1>{folder.data?.name ?? 'Folders'}</h1>
      <ErrorLine error={roots.error || folder.error} />
      {folder.data?.parentId ? (
        <a href={`/folders/${folder.data.parentId}`}>↑ Up</a>
      ) : id ? (
        <a href="/folders">↑ All folders</a>
      ) : null}
      <ul class="folders">
        {(roots.data?.items ?? []).map((f) => (
          <li key={f.id}>
            <a href={`/folders/${f.id}`}>📁 {f.name}</a>
          </li>
        ))}
        {(folder.data?.items ?? [])
          .filter((x) => x.type === 'folder')
          .map((f) => (
            <li key={f.id}>
              <a href={`/folders/${f.id}`}>📁 {f.name}</a>
            </li>
          ))}
      </ul>
      {songs.length ? <SongList songs={songs} /> : null}
    </div>
  );
}

export function SongsPage() {
  const { items, loadMore, error } = usePaged<Song>('/api/songs', [], 500);
  return (
    <div class="page">
      <h1>Songs</h1>
      <ErrorLine error={error} />
      <SongList songs={items} onEnd={loadMore} />
    </div>
  );
}

export function SearchPage({ q }: { q: string }) {
  const { data, error } = useData(
    () =>
      q.trim()
        ? api<{ artists: Artist[]; albums: Album[]; songs: Song[] }>(
            `/api/search?q=${encodeURIComponent(q)}&limit=50`,
          )
        : Promise.resolve(null),
    [q],
  );
  return (
    <div class="page search-page">
      <h1>Search{q ? `: ${q}` : ''}</h1>
      <ErrorLine error={error} />
      {data ? (
        <>
          <ArtistChips title="Artists" artists={data.artists} />
          <AlbumStrip title="Albums" albums={data.albums} />
          <SongSection title="Songs" songs={data.songs} />
          {!data.artists.length && !data.albums.length && !data.songs.length ? <p>Nothing found.</p> : null}
        </>
      ) : null}
    </div>
  );
}

export function FavouritesPage() {
  const songs = usePaged<Song>('/api/stars?kind=song', []);
  const albums = usePaged<Album>('/api/stars?kind=album', []);
  const artists = usePaged<Artist>('/api/stars?kind=artist', []);
  return (
    <div class="page">
      <h1>Favourites</h1>
      <ArtistChips title="Artists" artists={artists.items} />
      <AlbumStrip title="Albums" albums={albums.items} />
      <h2>Songs</h2>
      <SongList songs={songs.items} onEnd={songs.loadMore} />
    </div>
  );
}

export function HistoryPage() {
  const { items, loadMore, error } = usePaged<{ playedAt: number; song: Song }>('/api/history', []);
  const songs = items.map((h) => h.song);
  return (
    <div class="page">
      <h1>History</h1>
      <ErrorLine error={error} />
      <VirtualList
        items={items}
        rowHeight={52}
        onEnd={loadMore}
        render={(h, i) => (
          <SongRow
            song={h.song}
            index={i}
            onPlay={() => playSongs(songs, i)}
            extra={<span class="sub when">{new Date(h.playedAt * 1000).toLocaleString()}</span>}
          />
        )}
      />
    </div>
  );
}
