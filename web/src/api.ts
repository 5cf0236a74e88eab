// api.ts - the native JSON API as the player uses it: tokens (access, refresh, ?t= media
// token), one fetch helper that refreshes once on 401, and the shapes of the objects it reads.

export interface Ref {
  id: string;
  name: string;
}
export interface Artist {
  id: string;
  name: string;
  albumCount: number;
  songCount: number;
  coverId: string | null;
}
export interface Album {
  id: string;
  name: string;
  artist: string | null;
  artistId: string | null;
  year: number | null;
  genres: Ref[];
  songCount: number;
  discCount: number | null;
  durationMs: number;
  coverId: string | null;
}
export interface Song {
  id: string;
  title: string;
  artist: string | null;
  album: string | null;
  albumId: string | null;
  artistId: string | null;
  track: number | null;
  disc: number | null;
  discSubtitle: string | null;
  year: number | null;
  genre: string | null;
  durationMs: number;
  bitrate: number | null;
  format: string | null;
  coverId: string | null;
  hasLyrics: boolean;
  replayGain: {
    trackGain: number | null;
    trackPeak: number | null;
    albumGain: number | null;
    albumPeak: number | null;
  };
}
export interface Page<T> {
  items: T[];
  next: string | null;
}
export interface Playlist {
  id: string;
  name: string;
  comment: string;
  public: boolean;
  owner: string;
  songCount: number;
  durationMs: number;
  access: 'owner' | 'editor' | 'reader';
}
export interface User {
  id: string;
  username: string;
  isAdmin: boolean;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY = 'swaz.session';
interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

let session: Session | null = (() => {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
})();
let media: { token: string; at: number } | null = null;
const listeners = new Set<() => void>();

export function currentUser(): User | null {
  return session?.user ?? null;
}
export function onSessionChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
function setSession(s: Session | null): void {
  session = s;
  media = null;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((f) => f());
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

let refreshing: Promise<boolean> | null = null;
async function refresh(): Promise<boolean> {
  if (!session) return false;
  refreshing ??= (async () => {
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: session?.refreshToken }),
    });
    if (!res.ok) {
      setSession(null);
      return false;
    }
    const b = (await res.json()) as Session;
    setSession({ accessToken: b.accessToken, refreshToken: b.refreshToken, user: session?.user ?? b.user });
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Calls the API; JSON bodies are encoded; throws ApiError with the server's code. */
export async function api<T>(
  path: string,
  opts: { method?: string; body?: unknown; raw?: BodyInit; type?: string; keepalive?: boolean } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = {};
    if (session) headers.Authorization = `Bearer ${session.accessToken}`;
    let body: BodyInit | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (opts.type) headers['Content-Type'] = opts.type;
    const res = await fetch(path, { method: opts.method ?? 'GET', headers, body, keepalive: opts.keepalive });
    if (res.status === 401 && attempt === 0 && session && (await refresh())) continue;
    const data = await parse(res);
    if (!res.ok) {
      const e = (data as { error?: { code: string; message: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? res.statusText);
    }
    return data as T;
  }
}

export async function login(username: string, password: string): Promise<void> {
  const b = await api<Session>('/api/auth/login', { method: 'POST', body: { username, password } });
  setSession({ accessToken: b.accessToken, refreshToken: b.refreshToken, user: b.user });
}
export async function setup(username: string, password: string): Promise<void> {
  await api('/api/auth/setup', { method: 'POST', body: { username, password } });
  await login(username, password);
}
export async function logout(everywhere = false): Promise<void> {
  try {
    if (everywhere) await api('/api/auth/logout-all', { method: 'POST', body: {} });
    else await api('/api/auth/logout', { method: 'POST', body: { refreshToken: session?.refreshToken } });
  } finally {
    setSession(null);
  }
}
/** Forgets a session the server no longer accepts (e.g. after a password change). */
export function dropSession(): void {
  setSession(null);
}
export function accessToken(): string | null {
  return session?.accessToken ?? null;
}

/** The ?t= media token for <audio> and <img> URLs, renewed every hour. */
export async function mediaToken(): Promise<string> {
  if (media && Date.now() - media.at < 3600_000) return media.token;
  const b = await api<{ token: string }>('/api/auth/stream-token');
  media = { token: b.token, at: Date.now() };
  return b.token;
}
export function mediaTokenNow(): string {
  return media?.token ?? '';
}

/** A cover URL at the size the screen needs (snapped by the server to 64..1024). */
export function coverUrl(id: string | null, cssPx: number): string | null {
  if (!id || !media) return null;
  const px = cssPx * (typeof devicePixelRatio === 'number' ? devicePixelRatio : 1);
  const size = px <= 64 ? 64 : px <= 128 ? 128 : px <= 256 ? 256 : 512;
  return `/api/covers/${encodeURIComponent(id)}?size=${size}&t=${encodeURIComponent(media.token)}`;
}

export function qs(p: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? '?' + s : '';
}

export function formatTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return (h ? `${h}:${String(m).padStart(2, '0')}` : `${m}`) + ':' + String(r).padStart(2, '0');
}
