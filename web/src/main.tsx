// main.tsx - the app: first run or sign-in, then the shell (navigation, search as you type,
// pages, the player bar and its panels) and the keyboard shortcuts.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, currentUser, mediaToken, onSessionChange, type Album, type Artist, type Song } from './api';
import { linkClick, match, navigate, useLocation } from './router';
import * as P from './player/player';
import { Cover } from './components/common';
import { Icon } from './components/icons';
import {
  AlbumPage,
  AlbumsPage,
  ArtistPage,
  ArtistsPage,
  FavouritesPage,
  FoldersPage,
  GenresPage,
  HistoryPage,
  HomePage,
  SearchPage,
  SongsPage,
  YearsPage,
} from './components/library';
import { LyricsView, NowPlayingBar, QueuePanel } from './components/playing';
import { PlaylistPage, PlaylistsPage } from './components/playlists';
import {
  FirstRunPage,
  LibraryPage,
  LoginPage,
  SettingsPage,
  SharesPage,
  UploadPage,
  UsersPage,
} from './components/account';
import './styles.css';

function Page() {
  const { path, query } = useLocation();
  const admin = currentUser()?.isAdmin ?? false;
  let m: Record<string, string> | null;
  if (path === '/' || path === '') return <HomePage />;
  if (path === '/albums') return <AlbumsPage list={query.get('list') ?? 'alpha_name'} />;
  if ((m = match('/albums/:id', path))) return <AlbumPage id={m.id} />;
  if (path === '/artists') return <ArtistsPage />;
  if ((m = match('/artists/:id', path))) return <ArtistPage id={m.id} />;
  if (path === '/genres') return <GenresPage />;
  if ((m = match('/genres/:name', path))) return <AlbumsPage list="genre" genre={m.name} />;
  if (path === '/years') return <YearsPage />;
  if ((m = match('/years/:year', path))) return <YearsPage year={m.year} />;
  if (path === '/folders') return <FoldersPage />;
  if ((m = match('/folders/:id', path))) return <FoldersPage id={m.id} />;
  if (path === '/songs') return <SongsPage />;
  if (path === '/search') return <SearchPage q={query.get('q') ?? ''} />;
  if (path === '/playlists') return <PlaylistsPage />;
  if ((m = match('/playlists/:id', path))) return <PlaylistPage id={m.id} />;
  if (path === '/favourites') return <FavouritesPage />;
  if (path === '/history') return <HistoryPage />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/shares') return <SharesPage />;
  if (path === '/upload') return <UploadPage />;
  if (path === '/library') return <LibraryPage admin={admin} />;
  if (path === '/admin/users' && admin) return <UsersPage />;
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        <a href="/">Home</a>
      </p>
    </div>
  );
}

/** Search as you type: a dropdown of the best artists, albums and songs; Enter opens all. */
function SearchBox() {
  const [q, setQ] = useState('');
  const [res, setRes] = useState<{ artists: Artist[]; albums: Album[]; songs: Song[] } | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!q.trim()) {
      setRes(null);
      return undefined;
    }
    const t = setTimeout(() => {
      api<{ artists: Artist[]; albums: Album[]; songs: Song[] }>(
        `/api/search?q=${encodeURIComponent(q)}&limit=5`,
      )
        .then(setRes)
        .catch(() => setRes(null));
    }, 150);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => {
    const f = (e: KeyboardEvent) => {
      if (
        e.key === '/' &&
        !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)
      ) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', f);
    return () => window.removeEventListener('keydown', f);
  }, []);
  const close = () => {
    setRes(null);
    setQ('');
  };
  return (
    <div class="search-box" role="search">
      <input
        ref={input}
        type="search"
        placeholder="Search ( / )"
        aria-label="Search"
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && q.trim()) {
            navigate(`/search?q=${encodeURIComponent(q)}`);
            setRes(null);
          }
          if (e.key === 'Escape') close();
        }}
      />
      {res ? (
        <div class="search-results" onClick={close}>
          {res.artists.map((a) => (
            <a key={a.id} href={`/artists/${a.id}`}>
              <span class="kind">Artist</span>
              {a.name}
            </a>
          ))}
          {res.albums.map((a) => (
            <a key={a.id} href={`/albums/${a.id}`}>
              <Cover id={a.coverId} size={32} alt="" />
              <span class="kind">Album</span>
              {a.name} <span class="sub">{a.artist}</span>
            </a>
          ))}
          {res.songs.map((s) => (
            <a
              key={s.id}
              href="#"
              onClick={(e) => {
                e.preventDefault();
                void P.playSongs([s]);
              }}
            >
              <span class="kind">Song</span>
              {s.title} <span class="sub">{s.artist}</span>
            </a>
          ))}
          {!res.artists.length && !res.albums.length && !res.songs.length ? (
            <p class="sub">Nothing found</p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function Sidebar({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const admin = currentUser()?.isAdmin ?? false;
  const links: [string, string][] = [
    ['/', 'Home'],
    ['/albums', 'Albums'],
    ['/artists', 'Artists'],
    ['/songs', 'Songs'],
    ['/genres', 'Genres'],
    ['/years', 'Years'],
    ['/folders', 'Folders'],
    ['/playlists', 'Playlists'],
    ['/favourites', 'Favourites'],
    ['/history', 'History'],
    ['/upload', 'Upload'],
    ['/shares', 'Shares'],
    ['/library', 'Library'],
    ['/settings', 'Settings'],
  ];
  if (admin) links.push(['/admin/users', 'Users']);
  const { path } = useLocation();
  return (
    <nav class={'sidebar' + (open ? ' open' : '')} aria-label="Main" onClick={onNavigate}>
      <a class="brand" href="/">
        Swaz
      </a>
      {links.map(([href, label]) => (
        <a key={href} href={href} class={path === href ? 'active' : ''}>
          {label}
        </a>
      ))}
    </nav>
  );
}

function Shell() {
  const [panel, setPanel] = useState<'queue' | 'lyrics' | null>(null);
  const [menu, setMenu] = useState(false);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    mediaToken()
      .then(() => P.restore())
      .catch(() => {})
      .finally(() => setReady(true));
    P.initMediaSession();
    const keys = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      const slider = t instanceof HTMLInputElement && t.type === 'range';
      if (
        (t instanceof HTMLInputElement && !slider) ||
        t instanceof HTMLTextAreaElement ||
        t instanceof HTMLSelectElement ||
        (slider && e.key.startsWith('Arrow')) // the slider moves itself
      )
        return;
      const a = P.activeAudio();
      if (e.key === ' ') {
        e.preventDefault();
        void P.toggle();
      } else if (e.key === 'ArrowRight' && e.shiftKey) void P.skip(1);
      else if (e.key === 'ArrowLeft' && e.shiftKey) void P.skip(-1);
      else if (e.key === 'ArrowRight') P.seek(a.currentTime + 10);
      else if (e.key === 'ArrowLeft') P.seek(a.currentTime - 10);
      else if (e.key === 'ArrowUp') {
        e.preventDefault();
        P.setVolume(P.playerState().volume + 0.05);
      } else if (e.key === 'ArrowDown') {
        e.preventDefault();
        P.setVolume(P.playerState().volume - 0.05);
      } else return;
    };
    window.addEventListener('keydown', keys);
    return () => window.removeEventListener('keydown', keys);
  }, []);
  return (
    <div class="shell" onClick={linkClick}>
      <header class="topbar">
        <button class="icon menu-button" aria-label="Menu" onClick={() => setMenu(!menu)}>
          <Icon name="menu" />
        </button>
        <SearchBox />
      </header>
      <Sidebar open={menu} onNavigate={() => setMenu(false)} />
      <main class="content">{ready ? <Page /> : <p class="page">Loading…</p>}</main>
      {panel === 'queue' ? <QueuePanel onClose={() => setPanel(null)} /> : null}
      {panel === 'lyrics' ? <LyricsView onClose={() => setPanel(null)} /> : null}
      <NowPlayingBar
        onQueue={() => setPanel(panel === 'queue' ? null : 'queue')}
        onLyrics={() => setPanel(panel === 'lyrics' ? null : 'lyrics')}
      />
    </div>
  );
}

function App() {
  const [user, setUser] = useState(currentUser());
  const [needsSetup, setNeedsSetup] = useState<boolean | null>(null);
  useEffect(
    () =>
      onSessionChange(() => {
        setUser(currentUser());
        if (!currentUser()) P.reset();
      }),
    [],
  );
  useEffect(() => {
    if (!user)
      api<{ needed: boolean }>('/api/auth/setup')
        .then((s) => setNeedsSetup(s.needed))
        .catch(() => setNeedsSetup(false));
  }, [user]);
  if (user) return <Shell key={user.id} />;
  if (needsSetup === null) return null;
  return needsSetup ? <FirstRunPage /> : <LoginPage />;
}

render(<App />, document.getElementById('app') as HTMLElement);
