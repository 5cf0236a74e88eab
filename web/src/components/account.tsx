// account.tsx - signing in, the first-run page, the listener's settings (password, sessions,
// API keys), shares, uploads, and the administrators' pages (users, library scan).
import { useEffect, useState } from 'preact/hooks';
import { accessToken, api, dropSession, login, logout, setup, type Page } from '../api';
import { ErrorLine, errText, useData } from './common';
import { usePlayer } from './playing';
import { setQuality, setReplayGain } from '../player/player';
import type { Quality } from '../player/queue';

function field(form: EventTarget | null, name: string): string {
  return ((form as HTMLFormElement).elements.namedItem(name) as HTMLInputElement).value;
}

export function LoginPage() {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await login(field(e.target, 'username'), field(e.target, 'password'));
    } catch (err) {
      setError(errText(err));
    }
  };
  return (
    <main class="auth-page">
      <form class="card" onSubmit={submit} aria-label="Sign in">
        <h1>Swaz</h1>
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorLine error={error} />
        <button class="primary" type="submit">
          Sign in
        </button>
      </form>
    </main>
  );
}

export function FirstRunPage() {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (field(e.target, 'password') !== field(e.target, 'password2')) {
      setError('The passwords differ');
      return;
    }
    try {
      await setup(field(e.target, 'username'), field(e.target, 'password'));
    } catch (err) {
      setError(errText(err));
    }
  };
  return (
    <main class="auth-page">
      <form class="card" onSubmit={submit} aria-label="Create the administrator">
        <h1>Welcome to Swaz</h1>
        <p>Create the first account; it administers this server.</p>
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" required minLength={8} />
        </label>
        <label>
          Repeat password
          <input name="password2" type="password" autoComplete="new-password" required />
        </label>
        <ErrorLine error={error} />
        <button class="primary" type="submit">
          Create administrator
        </button>
      </form>
    </main>
  );
}

/** Stream quality and ReplayGain, kept in this browser. */
function PlaybackSettings() {
  const s = usePlayer();
  return (
    <section>
      <h2>Playback</h2>
      <form class="stack" onSubmit={(e) => e.preventDefault()}>
        <label>
          Quality (lowered automatically on a slow connection)
          <select
            value={s.quality}
            onChange={(e) => setQuality((e.target as HTMLSelectElement).value as Quality)}
          >
            <option value="original">Original file</option>
            <option value="320">320 kbps</option>
            <option value="128">128 kbps</option>
            <option value="64">64 kbps</option>
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={s.replayGain}
            onChange={(e) => setReplayGain((e.target as HTMLInputElement).checked)}
          />{' '}
          Apply ReplayGain
        </label>
      </form>
    </section>
  );
}

interface Key {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}
export function SettingsPage() {
  const [msg, setMsg] = useState('');
  const keys = useData(() => api<Page<Key>>('/api/keys'), []);
  const [newKey, setNewKey] = useState('');
  const password = async (e: Event) => {
    e.preventDefault();
    try {
      await api('/api/auth/password', {
        method: 'POST',
        body: { currentPassword: field(e.target, 'current'), newPassword: field(e.target, 'next') },
      });
      dropSession(); // every session ended: sign in again with the new password
    } catch (err) {
      setMsg(errText(err));
    }
  };
  const addKey = async (e: Event) => {
    e.preventDefault();
    try {
      const k = await api<{ key: string }>('/api/keys', {
        method: 'POST',
        body: { name: field(e.target, 'keyname') },
      });
      setNewKey(k.key);
      keys.reload();
    } catch (err) {
      setMsg(errText(err));
    }
  };
  return (
    <div class="page settings">
      <h1>Settings</h1>
      <ErrorLine error={msg} />
      <PlaybackSettings />
      <section>
        <h2>Sessions</h2>
        <button onClick={() => logout(false)}>Log out</button>{' '}
        <button class="danger" onClick={() => logout(true)}>
          Log out everywhere
        </button>
      </section>
      <section>
        <h2>Change password</h2>
        <form class="stack" onSubmit={password}>
          <label>
            Current password
            <input name="current" type="password" autoComplete="current-password" required />
          </label>
          <label>
            New password
            <input name="next" type="password" autoComplete="new-password" required minLength={8} />
          </label>
          <button type="submit">Change password</button>
        </form>
      </section>
      <section>
        <h2>API keys (Subsonic apps)</h2>
        <form class="inline" onSubmit={addKey}>
          <input name="keyname" placeholder="Key name, e.g. phone" aria-label="Key name" required />
          <button type="submit">Create key</button>
        </form>
        {newKey ? (
          <p class="notice">
            Your new key (shown once): <code>{newKey}</code>
          </p>
        ) : null}
        <ul>
          {(keys.data?.items ?? []).map((k) => (
            <li key={k.id}>
              {k.name}{' '}
              <span class="sub">
                created {new Date(k.createdAt * 1000).toLocaleDateString()}
                {k.lastUsedAt ? `, used ${new Date(k.lastUsedAt * 1000).toLocaleDateString()}` : ''}
              </span>
              <button
                class="icon"
                aria-label={`Revoke ${k.name}`}
                onClick={() => api(`/api/keys/${k.id}`, { method: 'DELETE' }).then(keys.reload)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

interface Share {
  id: string;
  url: string;
  kind: string;
  description: string;
  expired: boolean;
  visitCount: number;
}
export function SharesPage() {
  const { data, error, reload } = useData(() => api<Page<Share>>('/api/shares'), []);
  return (
    <div class="page">
      <h1>Shares</h1>
      <ErrorLine error={error} />
      <ul>
        {(data?.items ?? []).map((s) => (
          <li key={s.id}>
            <a href={s.url} target="_blank" rel="noreferrer">
              {s.kind} {s.description || s.id}
            </a>{' '}
            <span class="sub">
              {s.visitCount} visits{s.expired ? ' · expired' : ''}
            </span>
            <button
              class="icon"
              aria-label="Revoke share"
              onClick={() => api(`/api/shares/${s.id}`, { method: 'DELETE' }).then(reload)}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface UserRow {
  id: string;
  username: string;
  admin: boolean;
  disabled: boolean;
}
export function UsersPage() {
  const { data, error, reload } = useData(() => api<Page<UserRow>>('/api/users?limit=500'), []);
  const [msg, setMsg] = useState('');
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      await api('/api/users', {
        method: 'POST',
        body: {
          username: field(e.target, 'username'),
          password: field(e.target, 'password'),
          admin: ((e.target as HTMLFormElement).elements.namedItem('admin') as HTMLInputElement).checked,
        },
      });
      (e.target as HTMLFormElement).reset();
      reload();
    } catch (err) {
      setMsg(errText(err));
    }
  };
  const patch = (u: UserRow, body: Record<string, unknown>) =>
    api(`/api/users/${u.id}`, { method: 'PATCH', body })
      .then(reload)
      .catch((e: unknown) => setMsg(errText(e)));
  return (
    <div class="page">
      <h1>Users</h1>
      <ErrorLine error={error || msg} />
      <form class="inline" onSubmit={create}>
        <input name="username" placeholder="Username" aria-label="Username" required />
        <input name="password" type="password" placeholder="Password" aria-label="Password" required />
        <label class="check">
          <input name="admin" type="checkbox" /> Admin
        </label>
        <button type="submit">Add user</button>
      </form>
      <table>
        <tbody>
          {(data?.items ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>
                <label class="check">
                  <input type="checkbox" checked={u.admin} onChange={() => patch(u, { admin: !u.admin })} />{' '}
                  admin
                </label>
              </td>
              <td>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={u.disabled}
                    onChange={() => patch(u, { disabled: !u.disabled })}
                  />{' '}
                  disabled
                </label>
              </td>
              <td>
                <button
                  class="danger"
                  onClick={() => {
                    if (confirm(`Delete ${u.username}?`))
                      void api(`/api/users/${u.id}`, { method: 'DELETE' })
                        .then(reload)
                        .catch((e: unknown) => setMsg(errText(e)));
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Scan {
  state?: string;
  running?: boolean;
  progress?: number;
  filesSeen?: number;
  filesTotal?: number;
  [k: string]: unknown;
}
/** Scan status with a progress bar (admins may start a scan); polls while a scan runs. */
export function LibraryPage({ admin }: { admin: boolean }) {
  const [scan, setScan] = useState<Scan | null>(null);
  const [msg, setMsg] = useState('');
  useEffect(() => {
    let live = true;
    const poll = () =>
      api<Scan>('/api/scan')
        .then((s) => {
          if (live) setScan(s);
        })
        .catch((e: unknown) => setMsg(errText(e)));
    void poll();
    const t = setInterval(poll, 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  const folders = useData(() => api<Page<{ id: string; name: string }>>('/api/folders'), []);
  const num = (k: string) => (typeof scan?.[k] === 'number' ? (scan[k] as number) : null);
  const done = num('seen');
  const total = num('total');
  const pct = num('progress') ?? (done !== null && total ? (100 * done) / total : null);
  return (
    <div class="page">
      <h1>Library</h1>
      <ErrorLine error={msg} />
      <h2>Music folders</h2>
      <ul>
        {(folders.data?.items ?? []).map((f) => (
          <li key={f.id}>
            <a href={`/folders/${f.id}`}>{f.name}</a>
          </li>
        ))}
      </ul>
      <h2>Scan</h2>
      <p>
        State: <strong>{String(scan?.state ?? (scan?.running ? 'running' : 'idle'))}</strong>
      </p>
      {pct !== null ? (
        <progress max={100} value={pct} aria-label="Scan progress" />
      ) : (
        <progress aria-label="Scan progress" />
      )}
      {admin ? (
        <button
          onClick={() =>
            api('/api/scan', { method: 'POST', body: {} }).catch((e: unknown) => setMsg(errText(e)))
          }
        >
          Scan now
        </button>
      ) : null}
      <details>
        <summary>Details</summary>
        <pre>{JSON.stringify(scan, null, 2)}</pre>
      </details>
    </div>
  );
}

interface UploadRow {
  name: string;
  path?: string;
  songId?: string | null;
  status: string;
}
interface UploadFile {
  file: File;
  progress: number;
  state: 'waiting' | 'uploading' | 'done' | 'error';
  message: string;
}

/** Uploads files one request each, with a progress bar per file (XHR upload progress). */
function uploadOne(f: File, onProgress: (p: number) => void): Promise<UploadRow[]> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/uploads');
    const token = accessToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: { uploads?: UploadRow[]; error?: { message: string } } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201) resolve(body.uploads ?? []);
      else reject(new Error(body.error?.message ?? `upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error('network error'));
    const form = new FormData();
    form.append('file', f, f.name);
    xhr.send(form);
  });
}

export function UploadPage() {
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [over, setOver] = useState(false);
  const list = useData(() => api<{ uploads?: UploadRow[]; items?: UploadRow[] }>('/api/uploads'), []);
  const update = (f: File, patch: Partial<UploadFile>) =>
    setFiles((old) => old.map((x) => (x.file === f ? { ...x, ...patch } : x)));
  const start = async (picked: File[]) => {
    setFiles((old) => [
      ...old,
      ...picked.map((file) => ({ file, progress: 0, state: 'waiting' as const, message: '' })),
    ]);
    for (const f of picked) {
      update(f, { state: 'uploading' });
      try {
        const rows = await uploadOne(f, (p) => update(f, { progress: p }));
        update(f, { state: 'done', progress: 1, message: rows.map((r) => r.status).join(', ') });
      } catch (e) {
        update(f, { state: 'error', message: errText(e) });
      }
    }
    list.reload();
  };
  const rows = list.data?.uploads ?? list.data?.items ?? [];
  return (
    <div class="page">
      <h1>Upload</h1>
      <div
        class={'dropzone' + (over ? ' over' : '')}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void start([...(e.dataTransfer?.files ?? [])]);
        }}
      >
        <p>Drop music files here, or</p>
        <label class="button">
          Choose files
          <input
            type="file"
            multiple
            accept="audio/*,.flac,.opus,.m4a"
            hidden
            onChange={(e) => void start([...((e.target as HTMLInputElement).files ?? [])])}
          />
        </label>
      </div>
      <ul class="uploads">
        {files.map((f, i) => (
          <li key={i}>
            <span>{f.file.name}</span>{' '}
            <progress max={1} value={f.progress} aria-label={`Upload of ${f.file.name}`} />{' '}
            <span class={f.state === 'error' ? 'error' : 'sub'}>
              {f.state}
              {f.message ? `: ${f.message}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <h2>Your uploads</h2>
      <ErrorLine
        error={list.error.includes('(404)') ? 'This server does not take uploads yet.' : list.error}
      />
      <ul>
        {rows.map((r, i) => (
          <li key={i}>
            {r.songId ? <a href={`/search?q=${encodeURIComponent(r.name)}`}>{r.name}</a> : r.name}{' '}
            <span class="sub">{r.status}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
