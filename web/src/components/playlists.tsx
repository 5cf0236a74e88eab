// playlists.tsx - the playlists page (create, import M3U) and one playlist (rename, public,
// delete, play, drag and drop reorder, remove).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, formatTime, type Page, type Playlist, type Song } from '../api';
import { navigate } from '../router';
import { playSongs } from '../player/player';
import { ErrorLine, errText, PageWaiting, ShareButton, SongRow, useData, VirtualList } from './common';

export function PlaylistsPage() {
  const { data, error, reload } = useData(() => api<Page<Playlist>>('/api/playlists?limit=500'), []);
  const [msg, setMsg] = useState('');
  const create = async (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('name') as HTMLInputElement;
    if (!input.value.trim()) return;
    try {
      const p = await api<Playlist>('/api/playlists', { method: 'POST', body: { name: input.value.trim() } });
      input.value = '';
      navigate(`/playlists/${p.id}`);
    } catch (err) {
      setMsg(errText(err));
    }
  };
  const importM3u = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const r = await api<{ playlist: Playlist; matched: number; unmatched: unknown[] }>(
        '/api/playlists/import',
        { method: 'POST', body: { name: file.name.replace(/\.m3u8?$/i, ''), m3u: await file.text() } },
      );
      setMsg(`Imported ${r.playlist.name}: ${r.matched} songs matched, ${r.unmatched.length} not found`);
      reload();
    } catch (err) {
      setMsg(errText(err));
    }
  };
  return (
    <div class="page">
      <h1>Playlists</h1>
      <form class="inline" onSubmit={create}>
        <input name="name" placeholder="New playlist name" aria-label="New playlist name" maxLength={256} />
        <button class="primary" type="submit">
          Create
        </button>
        <label class="button">
          Import M3U
          <input type="file" accept=".m3u,.m3u8,audio/x-mpegurl" hidden onChange={importM3u} />
        </label>
      </form>
      <ErrorLine error={error || msg} />
      <ul class="playlist-list">
        {(data?.items ?? []).map((p) => (
          <li key={p.id}>
            <a href={`/playlists/${p.id}`}>{p.name}</a>{' '}
            <span class="sub">
              {p.songCount} songs · {formatTime(p.durationMs)} · {p.public ? 'public' : 'private'}
              {p.access !== 'owner' ? ` · by ${p.owner}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

type Entry = { position: number; song: Song | null };
type Detail = Playlist & { entries: Entry[]; next: string | null };

/** The playlist and all its entries (pages of 500 fetched one after another, so a playlist of
 * 10,000 songs shows its first page at once and the rest as it arrives). */
function usePlaylist(id: string): {
  data: Detail | null;
  entries: Entry[];
  error: string;
  reload: () => void;
} {
  const [data, setData] = useState<Detail | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState('');
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    (async () => {
      let after: string | null = null;
      const all: Entry[] = [];
      do {
        const page: Detail = await api<Detail>(
          `/api/playlists/${id}?limit=500${after ? '&after=' + encodeURIComponent(after) : ''}`,
        );
        if (!live) return;
        all.push(...page.entries);
        setData(page);
        setEntries(all.slice());
        after = page.next;
      } while (after);
    })().catch((e: unknown) => {
      if (live) setError(errText(e));
    });
    return () => {
      live = false;
    };
  }, [id, n]);
  return { data, entries, error, reload: () => setN((x) => x + 1) };
}

export function PlaylistPage({ id }: { id: string }) {
  const { data, entries, error, reload } = usePlaylist(id);
  const [msg, setMsg] = useState('');
  const [drag, setDrag] = useState<number | null>(null);
  const songs = useMemo(() => entries.map((e) => e.song).filter((s): s is Song => s !== null), [entries]);
  if (error || !data) return <PageWaiting error={error} />;
  const owner = data.access === 'owner',
    edit = data.access !== 'reader';
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setMsg('');
      reload();
    } catch (e) {
      setMsg(errText(e));
    }
  };
  const rename = () => {
    const name = prompt('Rename playlist', data.name);
    if (name) void act(() => api(`/api/playlists/${id}`, { method: 'PATCH', body: { name } }));
  };
  const move = (from: number, to: number) =>
    act(() => api(`/api/playlists/${id}/move`, { method: 'POST', body: { from, to } }));
  return (
    <div class="page playlist-page">
      <header class="hero-text">
        <h1>{data.name}</h1>
        <p>
          {data.songCount} songs · {formatTime(data.durationMs)} · {data.public ? 'public' : 'private'} ·{' '}
          {data.owner}
        </p>
        <button class="primary" onClick={() => playSongs(songs, 0)} disabled={!songs.length}>
          Play
        </button>
        <ShareButton kind="playlist" id={id} />
        {owner ? (
          <>
            <button onClick={rename}>Rename</button>
            <label class="check">
              <input
                type="checkbox"
                checked={data.public}
                onChange={(e) =>
                  act(() =>
                    api(`/api/playlists/${id}`, {
                      method: 'PATCH',
                      body: { public: (e.target as HTMLInputElement).checked },
                    }),
                  )
                }
              />{' '}
              Public
            </label>
            <button
              class="danger"
              onClick={() => {
                if (confirm(`Delete ${data.name}?`))
                  void api(`/api/playlists/${id}`, { method: 'DELETE' }).then(() => navigate('/playlists'));
              }}
            >
              Delete
            </button>
          </>
        ) : null}
      </header>
      <ErrorLine error={msg} />
      <VirtualList
        class="entries"
        items={entries}
        rowHeight={52}
        render={(e) => (
          <div
            class="entry"
            data-position={e.position}
            draggable={edit}
            onDragStart={(ev) => {
              setDrag(e.position);
              ev.dataTransfer?.setData('text/plain', String(e.position));
            }}
            onDragOver={(ev) => ev.preventDefault()}
            onDrop={(ev) => {
              ev.preventDefault();
              const from = drag ?? Number(ev.dataTransfer?.getData('text/plain'));
              setDrag(null);
              if (!Number.isNaN(from) && from !== e.position) void move(from, e.position);
            }}
          >
            {e.song ? (
              <SongRow
                song={e.song}
                index={e.position}
                numbered
                onPlay={() => playSongs(songs, songs.indexOf(e.song as Song))}
                extra={
                  edit ? (
                    <>
                      <button
                        class="icon"
                        title="Move up"
                        aria-label={`Move ${e.song.title} up`}
                        disabled={e.position === 0}
                        onClick={() => move(e.position, e.position - 1)}
                      >
                        ↑
                      </button>
                      <button
                        class="icon"
                        title="Remove from playlist"
                        aria-label={`Remove ${e.song.title} from playlist`}
                        onClick={() =>
                          act(() =>
                            api(`/api/playlists/${id}/entries`, {
                              method: 'DELETE',
                              body: { positions: [e.position] },
                            }),
                          )
                        }
                      >
                        ✕
                      </button>
                    </>
                  ) : null
                }
              />
            ) : (
              <span class="sub">(missing song)</span>
            )}
          </div>
        )}
      />
    </div>
  );
}
