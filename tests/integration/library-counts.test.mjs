// The counts of artists and genres for a user limited to some libraries, black-box. Two music
// folders share an artist and a genre with different numbers of songs and albums (one album
// has songs in both); each also holds an artist and a genre of its own. A user limited to one
// library is shown that library's counts in every answer that carries them (native lists, one
// artist, search, stars; Subsonic getGenres, getArtists, getIndexes, getArtist, search3,
// getStarred2), never the artist or genre of the other library; the administrator sees the
// sums. After a rescan that removed songs from one library the counts follow. (access.test.mjs
// checks what is hidden; its second library is one copied file, which cannot hold these.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, run, tempDir } from './lib/server.mjs';
import { getJson, request } from './lib/http.mjs';
import { restOk } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
const dirs = [];
let libA = 0;
let libB = 0;
/** @type {Record<string, {token: string, password: string}>} */
const users = {};

const SHARED = 'Counted Singer';
const GENRE = 'Counted Genre';
// [library, folder, title, artist, album, genre]: the shared artist has 5 songs on 2 albums in
// A and 1 song in B, on the album that A has too; each library has an artist and genre alone.
const SONGS = [
    ['A', 'shared1', 'Shared One', SHARED, 'Counted Album', GENRE],
    ['A', 'shared1', 'Shared Two', SHARED, 'Counted Album', GENRE],
    ['A', 'shared1', 'Shared Three', SHARED, 'Counted Album', GENRE],
    ['A', 'second', 'Second One', SHARED, 'Second Album', GENRE],
    ['A', 'second', 'Second Two', SHARED, 'Second Album', GENRE],
    ['A', 'alpha', 'Alpha Song', 'Alpha Loner', 'Alpha Album', 'Alpha Genre'],
    ['B', 'shared1', 'Shared Four', SHARED, 'Counted Album', GENRE],
    ['B', 'beta', 'Beta One', 'Beta Loner', 'Beta Album', 'Beta Genre'],
    ['B', 'beta', 'Beta Two', 'Beta Loner', 'Beta Album', 'Beta Genre'],
];

async function makeSong(dir, [, folder, title, artist, album, genre], i) {
    const tags = { TITLE: title, ARTIST: artist, ALBUMARTIST: artist, ALBUM: album, GENRE: genre,
        DATE: '2003', TRACKNUMBER: String(i + 1) };
    const meta = Object.entries(tags).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
    const file = path.join(dir, folder, `${title}.flac`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const r = await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-f',
        'lavfi', '-i', `sine=frequency=${300 + 20 * i}:sample_rate=8000:duration=1`, '-c:a',
        'flac', ...meta, file]);
    assert.equal(r.code, 0, r.stderr);
}

async function call(method, p, body, token) {
    const res = await request(server.port, { method, path: p, token,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined });
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text().slice(0, 200)}`);
    return res;
}

before(async () => {
    const roots = { A: tempDir('swaz-counts-a-'), B: tempDir('swaz-counts-b-') };
    dirs.push(roots.A, roots.B);
    for (const [i, s] of SONGS.entries()) await makeSong(roots[s[0]], s, i);
    server = await startServer({ musicDirs: [roots.A, roots.B], minSongs: SONGS.length,
        env: { SWAZ_WATCH: 'false' } });
    const songs = (await getJson(server.port, '/api/songs?limit=50')).items;
    libA = songs.find((s) => s.title === 'Shared One').libraryId;
    libB = songs.find((s) => s.title === 'Shared Four').libraryId;
    assert.notEqual(libA, libB);
    for (const [name, libraryIds] of [['counts_a', [libA]], ['counts_b', [libB]]]) {
        const password = `${name} password`;
        await call('POST', '/api/users', { username: name, password, allLibraries: false, libraryIds });
        users[name] = { token: (await server.login(name, password)).accessToken, password };
    }
    users.admin = { token: server.admin.accessToken, password: server.admin.password };
    server.roots = roots;
});

after(async () => {
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const who = (name) => (name === 'admin' ? undefined : users[name].token);
const sub = (name, method, params = {}) =>
    restOk(server.port, method, { u: name, p: users[name].password, ...params });
const byName = (items, name, key = 'name') => items.find((x) => x[key] === name);

/** Every count of the shared artist and genre, and the names listed, as `name` sees them. */
async function seen(name) {
    const token = who(name);
    const artists = (await getJson(server.port, '/api/artists?limit=50', 200, token)).items;
    const genres = (await getJson(server.port, '/api/genres?limit=50', 200, token)).items;
    const shared = byName(artists, SHARED);
    const one = await getJson(server.port, `/api/artists/${shared.id}`, 200, token);
    const found = (await getJson(server.port, '/api/search?q=counted&type=artist', 200, token)).artists;
    await call('PUT', `/api/stars/artist/${shared.id}`, undefined, token);
    const stars = (await getJson(server.port, '/api/stars?kind=artist', 200, token)).items;

    const sGenres = (await sub(name, 'getGenres')).genres.genre;
    const sArtists = (await sub(name, 'getArtists')).artists.index.flatMap((i) => i.artist);
    const sIndexes = (await sub(name, 'getIndexes')).indexes.index.flatMap((i) => i.artist);
    const sArtist = (await sub(name, 'getArtist', { id: shared.id })).artist;
    const sFound = (await sub(name, 'search3', { query: 'counted', songCount: 0, albumCount: 0 }))
        .searchResult3.artist;
    const sStarred = (await sub(name, 'getStarred2')).starred2.artist;
    const genre = byName(genres, GENRE);
    const sGenre = byName(sGenres, GENRE, 'value');
    return {
        artists: artists.map((a) => a.name).sort(),
        genres: genres.map((g) => g.name).sort(),
        subsonicArtists: sArtists.map((a) => a.name).sort(),
        subsonicIndexes: sIndexes.map((a) => a.name).sort(),
        subsonicGenres: sGenres.map((g) => g.value).sort(),
        // [albums, songs] of the shared artist in each answer
        artist: {
            list: [shared.albumCount, shared.songCount],
            one: [one.albumCount, one.songCount],
            search: [found[0].albumCount, found[0].songCount],
            stars: [byName(stars, SHARED).albumCount, byName(stars, SHARED).songCount],
        },
        // albumCount of the shared artist in each Subsonic answer
        subsonicArtist: [byName(sArtists, SHARED).albumCount, byName(sIndexes, SHARED).albumCount,
            sArtist.albumCount, sArtist.album.length, sFound[0].albumCount,
            byName(sStarred, SHARED).albumCount],
        // [songs, albums] of the shared genre
        genre: [genre.songCount, genre.albumCount],
        subsonicGenre: [sGenre.songCount, sGenre.albumCount],
    };
}

/** What `seen` must be for a user who sees `artists` and `genres`, with the shared artist at
 * `albums` albums and `songs` songs and the shared genre at `gSongs` songs and `gAlbums`. */
function expected(artists, genres, [albums, songs], [gSongs, gAlbums]) {
    const pair = [albums, songs];
    return {
        artists: [...artists].sort(),
        genres: [...genres].sort(),
        subsonicArtists: [...artists].sort(),
        subsonicIndexes: [...artists].sort(),
        subsonicGenres: [...genres].sort(),
        artist: { list: pair, one: pair, search: pair, stars: pair },
        subsonicArtist: [albums, albums, albums, albums, albums, albums],
        genre: [gSongs, gAlbums],
        subsonicGenre: [gSongs, gAlbums],
    };
}

test('each user sees the counts of their libraries; the administrator the sums', async () => {
    // The administrator first: a restricted answer must not be served from its cached pages.
    assert.deepEqual(await seen('admin'), expected([SHARED, 'Alpha Loner', 'Beta Loner'],
        [GENRE, 'Alpha Genre', 'Beta Genre'], [2, 6], [6, 2]));
    assert.deepEqual(await seen('counts_b'), expected([SHARED, 'Beta Loner'], [GENRE, 'Beta Genre'],
        [1, 1], [1, 1]));
    assert.deepEqual(await seen('counts_a'), expected([SHARED, 'Alpha Loner'],
        [GENRE, 'Alpha Genre'], [2, 5], [5, 2]));
});

test('musicFolderId narrows the administrator\'s artists and counts to that library', async () => {
    const artists = (await sub('admin', 'getArtists', { musicFolderId: libB })).artists.index
        .flatMap((i) => i.artist);
    assert.deepEqual(artists.map((a) => a.name).sort(), [SHARED, 'Beta Loner'].sort());
    assert.equal(byName(artists, SHARED).albumCount, 1);
    const all = (await sub('admin', 'getArtists')).artists.index.flatMap((i) => i.artist);
    assert.equal(byName(all, SHARED).albumCount, 2);
});

test('the artist and genre of another library are not found', async () => {
    const artists = (await getJson(server.port, '/api/artists?limit=50')).items;
    const beta = byName(artists, 'Beta Loner');
    await getJson(server.port, `/api/artists/${beta.id}`, 404, users.counts_a.token);
    const res = await sub('counts_a', 'search3', { query: 'beta' });
    assert.deepEqual(res.searchResult3.artist ?? [], []);
    assert.ok((await sub('admin', 'search3', { query: 'beta' })).searchResult3.artist.length);
});

test('after a rescan that removed songs from one library the counts follow', async () => {
    // The second album and one song of the shared album leave library A.
    for (const rel of ['second/Second One.flac', 'second/Second Two.flac', 'shared1/Shared One.flac',
        'alpha/Alpha Song.flac']) {
        fs.rmSync(path.join(server.roots.A, rel));
    }
    const before_ = (await call('GET', '/api/scan')).json();
    await call('POST', '/api/scan', {});
    for (let i = 0; ; i++) {
        const st = (await call('GET', '/api/scan')).json();
        if (st.scans > before_.scans && st.state === 'idle') break;
        assert.ok(i < 300, 'the scan did not finish');
        await new Promise((r) => setTimeout(r, 100));
    }
    const a = await seen('counts_a');
    assert.deepEqual(a, expected([SHARED], [GENRE], [1, 2], [2, 1]));
    assert.deepEqual(await seen('counts_b'), expected([SHARED, 'Beta Loner'], [GENRE, 'Beta Genre'],
        [1, 1], [1, 1]));
    const admin = await seen('admin');
    assert.deepEqual(admin.artist.list, [1, 3]);
    assert.deepEqual(admin.genre, [3, 1]);
});
