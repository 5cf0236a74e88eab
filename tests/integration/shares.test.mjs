// Share links: created by their owner (403 without the right to share, 404 for objects the
// owner cannot see), listed, changed and revoked by the owner only (another user's share is
// 404); the public side needs no login and reaches only the shared songs: info JSON, an HTML
// page that escapes every string, streams with Range, downloads only when allowed, the
// cover; expiry and revocation answer 404.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, run, psql, backend } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { lavfiAudio } from './lib/audio.mjs';

const EVIL = '<script>alert("x")</script> & \'q\'';
const PASSWORD = 'a long enough password';

/** @type {import('./lib/server.mjs').Server} */
let server;
let musicDir = '';
/** @type {{alice: string, bob: string}} */
const tokens = { alice: '', bob: '' };
/** Ids of the songs and albums made below. */
const ids = { album: '', other: '', evil: '', plain: '', outside: '' };

/** Writes one tagged mp3 of `seconds` of a tone. */
async function mp3(file, seconds, tags) {
    await lavfiAudio(file, `sine=frequency=440:duration=${seconds}`,
        ['-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k'], tags, { timeoutMs: 60000 });
}

/** A request with a JSON body (or none); `token` undefined = the admin's, null = none. */
function call(method, p, { body, token } = {}) {
    const opts = { method, path: p, token };
    if (body !== undefined) {
        opts.body = JSON.stringify(body);
        opts.headers = { 'Content-Type': 'application/json' };
    }
    return request(server.port, opts);
}

function pub(p, headers = {}) {
    return request(server.port, { path: p, token: null, headers });
}

async function share(token, body, expect = 201) {
    const res = await call('POST', '/api/shares', { token, body });
    assert.equal(res.status, expect, res.text().slice(0, 300));
    return res.json();
}

before(async () => {
    musicDir = tempDir('swaz-share-music-');
    const album = { album: 'Share Album', album_artist: 'Share Artist', artist: 'Share Artist',
        date: '2020' };
    await mp3(path.join(musicDir, 'Share Artist/Share Album/01 - Evil.mp3'), 3,
        { ...album, title: EVIL, track: '1' });
    await mp3(path.join(musicDir, 'Share Artist/Share Album/02 - Plain.mp3'), 2,
        { ...album, title: 'Plain Song', track: '2' });
    await mp3(path.join(musicDir, 'Other Artist/Other Album/01 - Outside.mp3'), 2,
        { album: 'Other Album', album_artist: 'Other Artist', artist: 'Other Artist',
            title: 'Outside Song', track: '1' });
    server = await startServer({ musicDirs: [musicDir], minSongs: 3 });
    for (const name of ['alice', 'bob']) {
        await server.createUser(name, PASSWORD);
        tokens[name] = (await server.login(name, PASSWORD)).accessToken;
    }
    const albums = (await call('GET', '/api/albums?limit=500')).json().items;
    ids.album = albums.find((a) => a.name === 'Share Album').id;
    ids.other = albums.find((a) => a.name === 'Other Album').id;
    const songs = (await call('GET', `/api/albums/${ids.album}`)).json().songs;
    ids.evil = songs.find((s) => s.title === EVIL).id;
    ids.plain = songs.find((s) => s.title === 'Plain Song').id;
    ids.outside = (await call('GET', `/api/albums/${ids.other}`)).json().songs[0].id;
});

after(async () => {
    await server?.stop();
    if (musicDir) fs.rmSync(musicDir, { recursive: true, force: true });
});

test('an album share streams without login, with Range, only its own songs', async () => {
    const s = await share(tokens.alice, { kind: 'album', itemId: ids.album,
        description: 'For <you>' });
    assert.match(s.id, /^[A-Za-z0-9_-]{22,}$/, 'at least 128 bits of base64url');
    assert.equal(s.url, `/s/${s.id}`);
    assert.equal(s.kind, 'album');
    assert.equal(s.itemId, ids.album);
    assert.equal(s.allowDownload, false);
    assert.equal(s.expiresAt, null);

    const info = await pub(`/s/${s.id}/info`);
    assert.equal(info.status, 200, info.text());
    const body = info.json();
    assert.equal(body.name, 'Share Album');
    assert.equal(body.owner, 'alice');
    assert.equal(body.description, 'For <you>');
    assert.deepEqual(body.songs.map((x) => x.title), [EVIL, 'Plain Song']);
    assert.deepEqual(body.songs.map((x) => x.id), [ids.evil, ids.plain]);
    assert.ok(body.songs.every((x) => x.durationMs > 1000 && x.downloadUrl === null));
    for (const key of ['path', 'albumId', 'artistId', 'libraryId', 'folderId', 'coverId']) {
        assert.ok(!(key in body.songs[0]), `no ${key} in a shared song`);
    }
    assert.ok(!JSON.stringify(body).includes(ids.album), 'the album id is not exposed');

    const whole = await pub(`/s/${s.id}/stream/${ids.evil}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-type'], 'audio/mpeg');
    const direct = await call('GET', `/api/songs/${ids.evil}/stream`);
    assert.equal(direct.status, 200);
    assert.ok(whole.body.equals(direct.body), 'the original file');
    const part = await pub(`/s/${s.id}/stream/${ids.evil}`, { Range: 'bytes=100-299' });
    assert.equal(part.status, 206);
    assert.equal(part.body.length, 200);
    assert.equal(part.headers['content-range'], `bytes 100-299/${whole.body.length}`);
    assert.ok(part.body.equals(whole.body.subarray(100, 300)));

    for (const other of [ids.outside, '0123456789abcdef01234567', '..%2F..%2Fetc', 'zz']) {
        const r = await pub(`/s/${s.id}/stream/${other}`);
        assert.equal(r.status, 404, other);
        assert.equal(errorCode(r), 'not_found');
    }
    const dl = await pub(`/s/${s.id}/download/${ids.evil}`);
    assert.equal(dl.status, 403, 'downloads are off');

    const cover = await pub(`/s/${s.id}/cover`);
    assert.equal(cover.status, 200);
    assert.equal(cover.headers['content-type'], 'image/jpeg');
});

test('the HTML page is self-contained and escapes every string', async () => {
    const s = await share(tokens.alice, { kind: 'album', itemId: ids.album,
        description: '"><img src=x onerror=alert(1)>' });
    const res = await pub(`/s/${s.id}`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const html = res.text();
    assert.ok(!html.includes('<script'), 'no script element');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;'),
        'the title escaped');
    assert.ok(!html.includes('<img src=x'), 'the description escaped');
    assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes(`<audio controls preload="none" src="/s/${s.id}/stream/${ids.evil}"`));
    assert.ok(html.includes('Plain Song'));
    assert.ok(html.includes('alice'));
    assert.ok(!html.includes('Outside Song'), 'no other songs');
    assert.ok(!html.includes(ids.album) && !html.includes(ids.outside), 'no other ids');
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'no external resources');
    assert.ok(!html.includes('<link') && !html.includes('@import'));
});

test('a song share reaches that song only; downloads when allowed', async () => {
    const s = await share(tokens.alice, { kind: 'song', itemId: ids.plain, allowDownload: true });
    assert.equal(s.allowDownload, true);
    const info = (await pub(`/s/${s.id}/info`)).json();
    assert.deepEqual(info.songs.map((x) => x.id), [ids.plain]);
    assert.equal(info.songs[0].downloadUrl, `/s/${s.id}/download/${ids.plain}`);
    assert.equal((await pub(`/s/${s.id}/stream/${ids.plain}`)).status, 200);
    assert.equal((await pub(`/s/${s.id}/stream/${ids.evil}`)).status, 404, 'same album');
    const dl = await pub(`/s/${s.id}/download/${ids.plain}`);
    assert.equal(dl.status, 200);
    assert.match(String(dl.headers['content-disposition']),
        /^attachment; filename="Plain Song\.mp3"; filename\*=UTF-8''Plain%20Song\.mp3$/);
    assert.equal((await pub(`/s/${s.id}/download/${ids.evil}`)).status, 404);

    const off = await call('PATCH', `/api/shares/${s.id}`, { token: tokens.alice,
        body: { allowDownload: false, description: 'changed' } });
    assert.equal(off.status, 200, off.text());
    assert.equal(off.json().allowDownload, false);
    assert.equal(off.json().description, 'changed');
    assert.equal((await pub(`/s/${s.id}/download/${ids.plain}`)).status, 403);
});

test('a songs share: its list in order, named after the first; malformed lists -> 400', async () => {
    const list = [ids.outside, ids.plain, ids.outside];
    const s = await share(tokens.alice, { kind: 'songs', itemId: list.join(',') });
    assert.equal(s.kind, 'songs');
    const info = (await pub(`/s/${s.id}/info`)).json();
    assert.equal(info.name, 'Outside Song and 2 more');
    assert.deepEqual(info.songs.map((x) => x.id), list);
    assert.equal((await pub(`/s/${s.id}/stream/${ids.plain}`)).status, 200);
    assert.equal((await pub(`/s/${s.id}/stream/${ids.evil}`)).status, 404, 'not in the list');
    for (const itemId of [`${ids.plain},`, `,${ids.plain}`, `${ids.plain},,${ids.evil}`,
        `${ids.plain};${ids.evil}`, 'NOT-HEX', Array(5001).fill(ids.plain).join(',')]) {
        const res = await call('POST', '/api/shares', { token: tokens.alice,
            body: { kind: 'songs', itemId } });
        assert.equal(res.status, 400, itemId.slice(0, 80));
    }
    // Well-formed, but no such song.
    await share(tokens.alice, { kind: 'songs', itemId: 'abcdef0123456789abcdef01' }, 404);
});

test('visits are counted; owners list only their own shares', async () => {
    const s = await share(tokens.alice, { kind: 'song', itemId: ids.evil });
    await pub(`/s/${s.id}`);
    await pub(`/s/${s.id}/info`);
    const mine = await call('GET', '/api/shares', { token: tokens.alice });
    assert.equal(mine.status, 200);
    const row = mine.json().items.find((x) => x.id === s.id);
    assert.equal(row.visitCount, 2);
    assert.equal(typeof row.lastVisitedAt, 'number');
    assert.equal(mine.json().next, null);

    const theirs = await call('GET', '/api/shares', { token: tokens.bob });
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.json().items, []);
    for (const [method, body] of [['GET', undefined], ['DELETE', undefined],
        ['PATCH', { description: 'mine now' }]]) {
        const r = await call(method, `/api/shares/${s.id}`, { token: tokens.bob, body });
        assert.equal(r.status, 404, `${method} by another user`);
    }
    assert.equal((await pub(`/s/${s.id}/info`)).status, 200, 'still live');
    assert.equal((await call('GET', '/api/shares', { token: null })).status, 401);
});

test('revoked and expired shares -> 404', async () => {
    const s = await share(tokens.alice, { kind: 'album', itemId: ids.album });
    assert.equal((await call('DELETE', `/api/shares/${s.id}`, { token: tokens.alice })).status,
        204);
    for (const p of [`/s/${s.id}`, `/s/${s.id}/info`, `/s/${s.id}/cover`,
        `/s/${s.id}/stream/${ids.evil}`]) {
        assert.equal((await pub(p)).status, 404, p);
    }
    assert.equal((await call('DELETE', `/api/shares/${s.id}`, { token: tokens.alice })).status,
        404);

    const now = Math.floor(Date.now() / 1000);
    const e = await share(tokens.alice, { kind: 'album', itemId: ids.album, expiresAt: now + 2 });
    assert.equal(e.expiresAt, now + 2);
    assert.equal((await pub(`/s/${e.id}/stream/${ids.evil}`)).status, 200);
    await new Promise((r) => setTimeout(r, 3100));
    for (const p of [`/s/${e.id}`, `/s/${e.id}/info`, `/s/${e.id}/stream/${ids.evil}`]) {
        assert.equal((await pub(p)).status, 404, p);
    }
    const listed = (await call('GET', '/api/shares', { token: tokens.alice })).json().items
        .find((x) => x.id === e.id);
    assert.equal(listed.expired, true);
    const renewed = await call('PATCH', `/api/shares/${e.id}`, { token: tokens.alice,
        body: { expiresAt: null } });
    assert.equal(renewed.status, 200);
    assert.equal((await pub(`/s/${e.id}/info`)).status, 200, 'extended by its owner');

    assert.equal((await pub('/s/AAAAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    assert.equal((await pub('/s/not-a-share/info')).status, 404);
});

test('bad requests: unknown objects -> 404, bad fields -> 400, no login -> 401', async () => {
    const t = tokens.alice;
    await share(t, { kind: 'album', itemId: '0123456789abcdef01234567' }, 404);
    await share(t, { kind: 'song', itemId: ids.album }, 404);
    await share(t, { kind: 'playlist', itemId: 'nope' }, 404);
    await share(t, { kind: 'artist', itemId: ids.album }, 400);
    await share(t, { kind: 'album' }, 400);
    await share(t, { kind: 'album', itemId: ids.album, expiresAt: 1000 }, 400);
    await share(t, { kind: 'album', itemId: ids.album, expiresAt: 'soon' }, 400);
    await share(t, { kind: 'album', itemId: ids.album, allowDownload: 'yes' }, 400);
    await share(t, { kind: 'album', itemId: ids.album, description: 'x'.repeat(1025) }, 400);
    const raw = await request(server.port, { method: 'POST', path: '/api/shares', token: t,
        body: 'not json', headers: { 'Content-Type': 'application/json' } });
    assert.equal(raw.status, 400);
    const anon = await call('POST', '/api/shares', { token: null,
        body: { kind: 'album', itemId: ids.album } });
    assert.equal(anon.status, 401);
});

/** Turns off may_share for `name`: PATCH /api/users/{id} if it exists, else SQL. Returns a
 * reason when neither works. */
async function denySharing(name) {
    const users = await call('GET', '/api/users');
    const user = users.status === 200 ? (users.json().items ?? users.json())
        .find?.((u) => u.username === name) : null;
    if (user?.id) {
        const r = await call('PATCH', `/api/users/${user.id}`, { body: { mayShare: false } });
        if (r.status === 200) return null;
    }
    const sql = `UPDATE users SET may_share = 0 WHERE username = '${name}'`;
    if (backend === 'postgres') {
        if (!server.db.url) return 'no PATCH /api/users/{id} and no PostgreSQL URL';
        await psql(sql, server.db.url);
        return null;
    }
    const file = path.join(server.dataDir, 'swaz.db');
    if (!fs.existsSync(file)) return `no PATCH /api/users/{id} and no ${file}`;
    const res = await run('sqlite3', [file, sql], { timeoutMs: 10000 });
    return res.code === 0 ? null : `sqlite3: ${res.stderr}`;
}

test('a user without the right to share -> 403, and their links stop working', async (t) => {
    await server.createUser('carol', PASSWORD);
    const token = (await server.login('carol', PASSWORD)).accessToken;
    const s = await share(token, { kind: 'song', itemId: ids.plain });
    const reason = await denySharing('carol');
    if (reason) {
        t.skip(reason);
        return;
    }
    const res = await call('POST', '/api/shares', { token,
        body: { kind: 'song', itemId: ids.plain } });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), 'forbidden');
    assert.equal((await pub(`/s/${s.id}/info`)).status, 404);
});
