// Per-user library access, black-box: the server gets two music folders (the test library
// and a second one holding a copy of one of its files). A user limited to the second
// library attacks the first: its songs, streams, downloads, transcodes, zips, Subsonic
// streams, lyrics, albums, artists, folders and covers answer 404 and are absent from lists
// and search. A user limited to no library sees nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, testLibrary, tempDir, allSongs } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';
import { TEST_SONGS } from './lib/library.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let second = '';
let songs = [];
let libA = 0;
let libB = 0;
let only = '';
let none = '';

function api(method, p, body, token) {
    return jsonRequest(server.port, method, p, body, token);
}

function firstAudio(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && !e.name.startsWith('.')) {
            const f = firstAudio(p);
            if (f) return f;
        } else if (/\.(mp3|flac|ogg|m4a|opus)$/i.test(e.name)) {
            return p;
        }
    }
    return null;
}

before(async () => {
    const lib = await testLibrary();
    second = tempDir('swaz-second-');
    const src = firstAudio(lib);
    assert.ok(src, 'no audio file in the test library');
    fs.mkdirSync(path.join(second, 'Copied'));
    fs.copyFileSync(src, path.join(second, 'Copied', `copy${path.extname(src)}`));
    server = await startServer({ musicDirs: [lib, second], minSongs: TEST_SONGS.length + 1 });
    songs = await allSongs(server.port, 500);
    const libs = [...new Set(songs.map((s) => s.libraryId))];
    assert.equal(libs.length, 2, `libraries: ${libs}`);
    const count = (id) => songs.filter((s) => s.libraryId === id).length;
    [libB, libA] = libs.sort((a, b) => count(a) - count(b));
    assert.equal(count(libB), 1);

    const mk = async (name, libraryIds) => {
        const res = await api('POST', '/api/users', { username: name, password: `${name} password`, allLibraries: false, libraryIds });
        assert.equal(res.status, 201, res.text());
        return (await server.login(name, `${name} password`)).accessToken;
    };
    only = await mk('ac_only', [libB]);
    none = await mk('ac_none', []);
});

after(async () => {
    await server?.stop();
    if (second) fs.rmSync(second, { recursive: true, force: true });
});

test('a user limited to one library sees only its songs', async () => {
    const mine = await allSongsAs(only);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].libraryId, libB);
    const theirs = songs.filter((s) => s.libraryId === libA);
    for (const s of theirs.slice(0, 6)) {
        assert.equal((await api('GET', `/api/songs/${s.id}`, undefined, only)).status, 404);
        assert.equal((await api('GET', `/api/songs/${s.id}/stream`, undefined, only)).status, 404);
        assert.equal((await api('GET', `/api/songs/${s.id}/lyrics`, undefined, only)).status, 404);
        assert.equal((await api('GET', `/api/songs/${s.id}`)).status, 200);
    }
    assert.equal((await api('GET', `/api/songs/${mine[0].id}/stream`, undefined, only)).status, 200);
});

test('albums, artists, genres, folders and covers of another library are hidden', async () => {
    const mine = (await allSongsAs(only))[0];
    const visibleAlbums = new Set([mine.albumId]);
    const hiddenAlbum = songs.find((s) => s.libraryId === libA && s.albumId && !visibleAlbums.has(s.albumId));
    assert.ok(hiddenAlbum);
    assert.equal((await api('GET', `/api/albums/${hiddenAlbum.albumId}`, undefined, only)).status, 404);
    assert.equal((await api('GET', `/api/albums/${hiddenAlbum.albumId}`)).status, 200);
    const albums = (await api('GET', '/api/albums?limit=500', undefined, only)).json().items;
    assert.ok(albums.every((a) => visibleAlbums.has(a.id)), albums.map((a) => a.name).join());
    if (mine.albumId) {
        const got = await api('GET', `/api/albums/${mine.albumId}`, undefined, only);
        assert.equal(got.status, 200);
        assert.ok(got.json().songs.every((s) => s.libraryId === libB));
    }

    const visibleArtists = new Set([...mine.artists, ...mine.albumArtists].map((a) => a.id));
    const artists = (await api('GET', '/api/artists?limit=500', undefined, only)).json().items;
    assert.ok(artists.every((a) => visibleArtists.has(a.id)), artists.map((a) => a.name).join());
    const hiddenArtist = songs.flatMap((s) => s.artists).find((a) => !visibleArtists.has(a.id));
    assert.ok(hiddenArtist);
    assert.equal((await api('GET', `/api/artists/${hiddenArtist.id}`, undefined, only)).status, 404);

    const genres = (await api('GET', '/api/genres?limit=500', undefined, only)).json().items;
    const myGenres = new Set(mine.genres.map((g) => g.id));
    assert.ok(genres.every((g) => myGenres.has(g.id)));

    const roots = (await api('GET', '/api/folders', undefined, only)).json().items;
    assert.deepEqual(roots.map((f) => f.libraryId), [libB]);
    const allRoots = (await api('GET', '/api/folders')).json().items;
    const otherRoot = allRoots.find((f) => f.libraryId === libA);
    assert.equal((await api('GET', `/api/folders/${otherRoot.id}`, undefined, only)).status, 404);
    const hiddenFolder = songs.find((s) => s.libraryId === libA && s.folderId);
    assert.equal((await api('GET', `/api/folders/${hiddenFolder.folderId}`, undefined, only)).status, 404);

    const covered = songs.find((s) => s.libraryId === libA && s.coverId);
    if (covered) {
        // Covers answer unknown ids with the placeholder (docs/api.md); a hidden cover is
        // exactly an unknown one: the placeholder, never the picture.
        const hidden = await api('GET', `/api/covers/${covered.coverId}`, undefined, only);
        const unknown = await api('GET', `/api/covers/${'0'.repeat(covered.coverId.length)}`, undefined, only);
        const real = await api('GET', `/api/covers/${covered.coverId}`);
        assert.equal(real.status, 200);
        assert.deepEqual(hidden.body, unknown.body);
        assert.notDeepEqual(hidden.body, real.body);
    }
});

test('downloads, transcodes, zips and Subsonic streams of another library are 404', async () => {
    const mine = (await allSongsAs(only))[0];
    const theirs = songs.filter((s) => s.libraryId === libA && s.albumId !== mine.albumId);
    const sub = (id) => `/rest/stream?u=ac_only&p=${encodeURIComponent('ac_only password')}` +
        `&v=1.16.1&c=test&f=json&format=mp3&maxBitRate=64&id=${id}`;
    for (const s of theirs.slice(0, 3)) {
        for (const p of [`/api/songs/${s.id}/download`, `/api/songs/${s.id}/stream?format=mp3&bitrate=64`,
            `/api/songs/${s.id}/stream?format=raw`, `/api/albums/${s.albumId}/download`]) {
            const res = await api('GET', p, undefined, only);
            assert.equal(res.status, 404, `${p}: ${res.status}`);
        }
        const res = await request(server.port, { path: sub(s.id), token: null });
        assert.equal(res.json()['subsonic-response'].error?.code, 70, res.text().slice(0, 200));
    }
    // The same calls on the user's own song work: the 404s above are the library check.
    assert.equal((await api('GET', `/api/songs/${mine.id}/download`, undefined, only)).status, 200);
    assert.equal((await api('GET', `/api/songs/${mine.id}/stream?format=mp3&bitrate=64`, undefined,
        only)).status, 200);
    const own = await request(server.port, { path: sub(mine.id), token: null });
    assert.equal(own.status, 200);
    assert.doesNotMatch(String(own.headers['content-type']), /json/, 'audio, not an error');
});

test('search finds nothing of another library', async () => {
    const target = songs.find((s) => s.libraryId === libA && /^[A-Za-z]/.test(s.title));
    const word = target.title.split(/\s+/)[0];
    const admin = (await api('GET', `/api/search?q=${encodeURIComponent(word)}`)).json();
    assert.ok(admin.songs.length > 0);
    const res = (await api('GET', `/api/search?q=${encodeURIComponent(word)}`, undefined, only)).json();
    assert.ok(res.songs.every((s) => s.libraryId === libB));
    const visibleAlbum = (await allSongsAs(only))[0].albumId;
    assert.ok(res.albums.every((a) => a.id === visibleAlbum));
});

test('a user limited to no library sees nothing', async () => {
    for (const p of ['/api/songs', '/api/artists', '/api/albums', '/api/genres', '/api/folders']) {
        const res = await api('GET', p, undefined, none);
        assert.equal(res.status, 200, p);
        assert.equal(res.json().items.length, 0, p);
    }
    assert.equal((await api('GET', '/api/years', undefined, none)).json().items.length, 0);
    for (const s of songs.slice(0, 4)) {
        assert.equal((await api('GET', `/api/songs/${s.id}`, undefined, none)).status, 404);
        assert.equal((await api('GET', `/api/songs/${s.id}/stream`, undefined, none)).status, 404);
        if (s.albumId) assert.equal((await api('GET', `/api/albums/${s.albumId}`, undefined, none)).status, 404);
    }
});

test('the administrator grants a library and the user sees it at once', async () => {
    const users = (await api('GET', '/api/users')).json().items;
    const u = users.find((x) => x.username === 'ac_none');
    assert.deepEqual(u.libraryIds, []);
    const res = await api('PATCH', `/api/users/${u.id}`, { libraryIds: [libB] });
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json().libraryIds, [libB]);
    assert.equal((await allSongsAs(none)).length, 1);
    await api('PATCH', `/api/users/${u.id}`, { libraryIds: [] });
});

async function allSongsAs(token) {
    const res = await api('GET', '/api/songs?limit=500', undefined, token);
    assert.equal(res.status, 200, res.text());
    return res.json().items;
}
