// Downloads, black-box: GET /api/songs/{id}/download (the original, as an attachment, with
// Range), and GET /api/albums/{id}/download and /api/playlists/{id}/download as ZIPs made on
// the fly: Info-ZIP's unzip tests every CRC, lists the right entries, and each entry's bytes
// are the file's (sha256). Users without mayDownload get 403; a playlist the caller may not
// read is 404.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, allSongs, tempDir } from './lib/server.mjs';
import { request, errorCode, sha256 } from './lib/http.mjs';

const PASSWORD = 'a long enough password';

/** @type {import('./lib/server.mjs').Server} */
let server;
let songs = [];
let work = '';
const tokens = { alice: '', bob: '' };
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

const fileOf = (song) => path.join(server.musicDirs[0], song.path);

before(async () => {
    server = await startServer();
    songs = await allSongs(server.port);
    work = tempDir('swaz-dl-');
    for (const name of ['alice', 'bob']) {
        await server.createUser(name, PASSWORD);
        tokens[name] = (await server.login(name, PASSWORD)).accessToken;
    }
    const users = (await request(server.port, { path: '/api/users' })).json().items;
    const bob = users.find((u) => u.username === 'bob');
    const res = await request(server.port, { method: 'PATCH', path: `/api/users/${bob.id}`,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mayDownload: false }) });
    assert.equal(res.status, 200, res.text());
});

after(async () => {
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Saves a zip answer, checks it with unzip -t and returns {name: sha256} of its entries. */
function unzipEntries(body, label) {
    const file = path.join(work, `${label}.zip`);
    fs.writeFileSync(file, body);
    const t = spawnSync('unzip', ['-tqq', file], { encoding: 'utf8' });
    assert.equal(t.status, 0, `unzip -t ${label}: ${t.stdout}${t.stderr}`);
    const list = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const names = list.stdout.split('\n').filter(Boolean);
    const out = {};
    for (const n of names) {
        // unzip treats [ ] * ? as wildcards in member names: escape them.
        const pattern = n.replace(/[[\]*?\\]/g, (c) => `\\${c}`);
        const p = spawnSync('unzip', ['-p', file, pattern], { maxBuffer: 1 << 28 });
        assert.equal(p.status, 0, `unzip -p ${n}`);
        out[n] = sha256(p.stdout);
    }
    return { names, hashes: out };
}

test('a song downloads as its original file, with Range', async () => {
    const song = songs.find((s) => s.format === 'flac') ?? songs[0];
    const res = await request(server.port, { path: `/api/songs/${song.id}/download`, token: tokens.alice });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="/);
    assert.ok(String(res.headers['content-disposition']).includes(
        encodeURIComponent(path.basename(song.path)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)));
    assert.equal(sha256(res.body), sha256(fs.readFileSync(fileOf(song))));
    const part = await request(server.port, { path: `/api/songs/${song.id}/download`,
        token: tokens.alice, headers: { Range: 'bytes=10-99' } });
    assert.equal(part.status, 206);
    assert.deepEqual(part.body, fs.readFileSync(fileOf(song)).subarray(10, 100));
});

test('an album downloads as a zip of its files', { skip: !hasUnzip && 'no unzip' }, async () => {
    const albums = (await request(server.port, { path: '/api/albums?limit=500' })).json().items;
    let album = null;
    for (const a of albums) {
        const full = (await request(server.port, { path: `/api/albums/${a.id}` })).json();
        if (full.songs.length >= 3) {
            album = full;
            break;
        }
    }
    assert.ok(album, 'an album with three songs');
    const res = await request(server.port, { path: `/api/albums/${album.id}/download`, token: tokens.alice });
    assert.equal(res.status, 200, res.text());
    assert.equal(res.headers['content-type'], 'application/zip');
    assert.match(String(res.headers['content-disposition']), /^attachment; filename=".*\.zip"/);
    const { names, hashes } = unzipEntries(res.body, 'album');
    assert.deepEqual(names, album.songs.map((s) => path.basename(s.path)));
    for (const s of album.songs) {
        assert.equal(hashes[path.basename(s.path)], sha256(fs.readFileSync(fileOf(s))), s.path);
    }
});

test('a playlist downloads as a numbered zip, repeats included', { skip: !hasUnzip && 'no unzip' }, async () => {
    const picks = [songs[0], songs[1], songs[0], songs.find((s) => s.format === 'flac') ?? songs[2]];
    const created = await request(server.port, { method: 'POST', path: '/api/playlists', token: tokens.alice,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Road trip: ünïcode', songIds: picks.map((s) => s.id) }) });
    assert.equal(created.status, 201, created.text());
    const pl = created.json();
    const res = await request(server.port, { path: `/api/playlists/${pl.id}/download`, token: tokens.alice });
    assert.equal(res.status, 200, res.text());
    assert.ok(String(res.headers['content-disposition']).includes("filename*=UTF-8''Road%20trip%3A%20%C3%BCn%C3%AFcode.zip"));
    const { names, hashes } = unzipEntries(res.body, 'playlist');
    assert.deepEqual(names, picks.map((s, i) => `${String(i + 1).padStart(3, '0')} - ${path.basename(s.path)}`));
    picks.forEach((s, i) => assert.equal(hashes[names[i]], sha256(fs.readFileSync(fileOf(s)))));

    // Private to alice: bob may not read it, the administrator neither.
    const other = await request(server.port, { path: `/api/playlists/${pl.id}/download`, token: tokens.bob });
    assert.equal(other.status, 403, 'bob may not download at all');
    await request(server.port, { method: 'POST', path: '/api/users', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'carol', password: PASSWORD }) });
    const carol = (await server.login('carol', PASSWORD)).accessToken;
    const hidden = await request(server.port, { path: `/api/playlists/${pl.id}/download`, token: carol });
    assert.equal(hidden.status, 404);
});

test('users without mayDownload get 403 everywhere', async () => {
    const album = songs.find((s) => s.albumId).albumId;
    for (const p of [`/api/songs/${songs[0].id}/download`, `/api/albums/${album}/download`]) {
        const res = await request(server.port, { path: p, token: tokens.bob });
        assert.equal(res.status, 403, p);
        assert.equal(errorCode(res), 'forbidden');
    }
    const missing = await request(server.port, { path: '/api/albums/ffffffffffffffffffffffff/download',
        token: tokens.alice });
    assert.equal(missing.status, 404);
});
