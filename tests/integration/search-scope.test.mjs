// Search for a user limited to some libraries, black-box: two music folders whose names all
// start with "Zebra"; the first library's names sort before the second's, so the best hits
// of the whole server are all in the first. A user limited to the second library still gets
// `limit` artists, albums and songs, all of them from the second library.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, run, tempDir } from './lib/server.mjs';
import { getJson, request } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
const dirs = [];
let songs = [];
let token = '';
let libA = 0;
let libB = 0;

/** Writes `n` one-second FLAC files into a new folder, named "Zebra <tag><i>". */
async function makeLibrary(tag, n) {
    const dir = tempDir(`swaz-scope-${tag}-`);
    dirs.push(dir);
    for (let i = 1; i <= n; i++) {
        const name = `Zebra ${tag}${i}`;
        const tags = { TITLE: name, ARTIST: `${name} Band`, ALBUMARTIST: `${name} Band`, ALBUM: `${name} Album`, DATE: '2001' };
        const meta = Object.entries(tags).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
        const file = path.join(dir, `${tag}${i}`, '01.flac');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const r = await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
            '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=1', '-c:a', 'flac',
            ...meta, file]);
        assert.equal(r.code, 0, r.stderr);
    }
    return dir;
}

before(async () => {
    const a = await makeLibrary('A', 8);
    const b = await makeLibrary('B', 4);
    server = await startServer({ musicDirs: [a, b], minSongs: 12 });
    songs = await allSongs(server.port);
    libA = songs.find((s) => s.title === 'Zebra A1').libraryId;
    libB = songs.find((s) => s.title === 'Zebra B1').libraryId;
    assert.notEqual(libA, libB);
    const res = await request(server.port, {
        method: 'POST', path: '/api/users', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'scoped', password: 'scoped password', allLibraries: false, libraryIds: [libB] }),
    });
    assert.equal(res.status, 201, res.text());
    token = (await server.login('scoped', 'scoped password')).accessToken;
});

after(async () => {
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('the best hits of the whole server are all in the other library', async () => {
    const body = await getJson(server.port, '/api/search?q=zebra&limit=3');
    assert.deepEqual(body.songs.map((s) => s.title), ['Zebra A1', 'Zebra A2', 'Zebra A3']);
    assert.deepEqual(body.albums.map((a) => a.name), ['Zebra A1 Album', 'Zebra A2 Album', 'Zebra A3 Album']);
    assert.deepEqual(body.artists.map((a) => a.name), ['Zebra A1 Band', 'Zebra A2 Band', 'Zebra A3 Band']);
});

test('a user limited to one library gets `limit` hits from it', async () => {
    const body = await getJson(server.port, '/api/search?q=zebra&limit=3', 200, token);
    assert.deepEqual(body.songs.map((s) => s.title), ['Zebra B1', 'Zebra B2', 'Zebra B3']);
    assert.ok(body.songs.every((s) => s.libraryId === libB));
    assert.deepEqual(body.albums.map((a) => a.name), ['Zebra B1 Album', 'Zebra B2 Album', 'Zebra B3 Album']);
    assert.deepEqual(body.artists.map((a) => a.name), ['Zebra B1 Band', 'Zebra B2 Band', 'Zebra B3 Band']);
});

test('word matches (not the start of the name) are scoped too', async () => {
    const body = await getJson(server.port, '/api/search?q=band&type=artist&limit=3', 200, token);
    assert.equal(body.artists.length, 3);
    assert.ok(body.artists.every((a) => /^Zebra B[1-4] Band$/.test(a.name)), JSON.stringify(body.artists));
    const songsOfB = await getJson(server.port, '/api/search?q=album&type=song&limit=10', 200, token);
    assert.deepEqual(songsOfB.songs.map((s) => s.title).sort(), ['Zebra B1', 'Zebra B2', 'Zebra B3', 'Zebra B4']);
});
