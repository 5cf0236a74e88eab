// Stable ids, black-box: a song renamed and moved to another folder keeps its id (and its
// album's and artist's), so the user's stars, rating, plays and playlist entries follow it;
// a song removed is gone from lists but comes back with the same id and the same stars.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, tempDir, testLibrary } from './lib/server.mjs';
import { request } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let music;

const MP3 = 'The Quiet Foxes/Northern Lights/04 - Long Night.mp3';
const FLAC = 'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac';
const OGG = 'Marta Quill/Midnight Sessions/2-02 - Closing Time.ogg';

before(async () => {
    const library = await testLibrary();
    music = tempDir('swaz-ids-');
    for (const rel of [MP3, FLAC, OGG]) {
        fs.mkdirSync(path.dirname(path.join(music, rel)), { recursive: true });
        fs.copyFileSync(path.join(library, rel), path.join(music, rel));
    }
    server = await startServer({ musicDirs: [music], minSongs: 3, env: { SWAZ_WATCH: 'false' } });
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

async function call(method, p, body) {
    const res = await request(server.port, { method, path: p,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined });
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text().slice(0, 200)}`);
    return res.status === 204 ? null : res.json();
}

/** POST /api/scan and wait for it to finish. */
async function rescan() {
    const before_ = await call('GET', '/api/scan');
    await call('POST', '/api/scan', {});
    for (let i = 0; i < 300; i++) {
        const st = await call('GET', '/api/scan');
        if (st.scans > before_.scans && st.state === 'idle') return st;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the scan did not finish');
}

const byPath = async () => new Map((await allSongs(server.port)).map((s) => [s.path, s]));
const starred = async (kind) => (await call('GET', `/api/stars?kind=${kind}&limit=500`)).items
    .map((x) => x.id ?? x.song?.id ?? x.album?.id);

test('renamed and moved: the same ids, stars, rating, plays and playlist entries', async () => {
    const songs = await byPath();
    const mp3 = songs.get(MP3);
    const flac = songs.get(FLAC);
    assert.ok(mp3 && flac);
    await call('PUT', `/api/stars/song/${mp3.id}`);
    await call('PUT', `/api/stars/album/${mp3.albumId}`);
    await call('PUT', `/api/ratings/song/${mp3.id}`, { rating: 4 });
    await call('POST', '/api/history', { songId: mp3.id, playedAt: Math.floor(Date.now() / 1000) - 60 });
    const pl = await call('POST', '/api/playlists', { name: 'Follows', songIds: [flac.id, mp3.id] });

    // Another folder and another name for the mp3; another name in its folder for the FLAC.
    const moved = 'Moved Away/Somewhere Else/long night (renamed).mp3';
    const renamed = 'Sólrún Ævarsdóttir/Café Olé/kaffi.flac';
    fs.mkdirSync(path.dirname(path.join(music, moved)), { recursive: true });
    fs.renameSync(path.join(music, MP3), path.join(music, moved));
    fs.renameSync(path.join(music, FLAC), path.join(music, renamed));
    const st = await rescan();
    assert.equal(st.result, 'ok');

    const now = await byPath();
    assert.equal(now.size, 3, [...now.keys()].join(', '));
    assert.ok(!now.has(MP3) && !now.has(FLAC), 'the old paths are gone');
    assert.equal(now.get(moved)?.id, mp3.id, 'the moved song keeps its id');
    assert.equal(now.get(renamed)?.id, flac.id, 'the renamed song keeps its id');
    assert.equal(now.get(moved).albumId, mp3.albumId);
    assert.equal(now.get(moved).artistId, mp3.artistId);

    const star = await call('GET', `/api/stars/song/${mp3.id}`);
    assert.equal(star.starred, true);
    assert.equal(star.rating, 4);
    assert.ok((await starred('album')).includes(mp3.albumId));
    assert.equal((await call('GET', `/api/history/${mp3.id}`)).playCount, 1);
    assert.deepEqual((await call('GET', '/api/albums?list=frequent')).items.map((a) => a.id),
        [mp3.albumId], 'the album keeps its play');
    const entries = (await call('GET', `/api/playlists/${pl.id}`)).entries;
    assert.deepEqual(entries.map((e) => e.song?.id), [flac.id, mp3.id]);
    assert.equal(entries[1].song.path, moved);
});

test('removed, then back in a later scan: the same id and its star', async () => {
    const ogg = (await byPath()).get(OGG);
    await call('PUT', `/api/stars/song/${ogg.id}`);
    const away = path.join(music, '..', `${path.basename(music)}-away.ogg`);
    fs.renameSync(path.join(music, OGG), away);
    try {
        await rescan();
        assert.ok(!(await byPath()).has(OGG), 'a missing file is not listed');
        const back = 'Marta Quill/Midnight Sessions/closing time.ogg';
        fs.renameSync(away, path.join(music, back));
        await rescan();
        assert.equal((await byPath()).get(back)?.id, ogg.id);
        assert.equal((await call('GET', `/api/stars/song/${ogg.id}`)).starred, true);
    } finally {
        if (fs.existsSync(away)) fs.rmSync(away);
    }
});
