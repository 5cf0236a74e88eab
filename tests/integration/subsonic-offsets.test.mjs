// Subsonic lists paged by offset= the way syncing apps page them: every song, album and
// artist is reached, paging by offset gives exactly the one-page list (same items, same
// order), an offset past the end (however large) answers an empty list, a malformed one an
// error; a scan that changes the library moves what every offset names (a genre's songs
// too, in title order, in every library scope); random songs are distinct and honour their
// filters. subsonic-offset-marks.test.mjs runs the same tests on a server that remembers
// the position of every second row of a list (--offset-mark-rows 2), so that every offset
// past the first rows starts from such a mark.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, tempDir, testLibrary } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { errorOf, plainAuth, restJson, restOk } from './lib/subsonic.mjs';
import { lavfiAudio } from './lib/audio.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
const ALICE = plainAuth('so_alice', 'alice password 1');
let nativeSongs = [];

before(async () => {
    const rows = process.env.SWAZ_TEST_OFFSET_MARK_ROWS;
    server = await startServer(rows ? { args: ['--offset-mark-rows', rows] } : {});
    await server.createUser('so_alice', 'alice password 1');
    nativeSongs = await allSongs(server.port);
});

after(async () => {
    await server?.stop();
});

/** The items `key` of list `elem` of `method` called with `params`. */
async function items(method, elem, key, params) {
    const body = await restOk(server.port, method, { ...ALICE, ...params });
    return body[elem][key] ?? [];
}

/** Pages `method` with `step` items per call through `sizeParam` / `offsetParam` until a
 * short page, and checks the ids against the single page of up to 500. */
async function pagesMatchOnePage(method, elem, key, params, sizeParam, offsetParam, step) {
    const whole = await items(method, elem, key, { ...params, [sizeParam]: 500 });
    assert.ok(whole.length > step, `${method} ${JSON.stringify(params)}: ${whole.length} items`);
    const paged = [];
    for (let offset = 0; ; offset += step) {
        const page = await items(method, elem, key, { ...params, [sizeParam]: step,
            [offsetParam]: offset });
        assert.ok(page.length <= step);
        paged.push(...page.map((x) => x.id));
        if (page.length < step) break;
    }
    assert.deepEqual(paged, whole.map((x) => x.id), `${method} ${JSON.stringify(params)}`);
    // past the end, by one or by far more than any library holds: an empty list
    for (const offset of [whole.length, whole.length + 1, 100001, 1e15, '9223372036854775807']) {
        const page = await items(method, elem, key, { ...params, [sizeParam]: step,
            [offsetParam]: offset });
        assert.deepEqual(page, [], `${method} offset ${offset}`);
    }
    return whole;
}

/** Waits until the server on `port` has finished more than `after` scans and is idle;
 * returns its count of scans. */
async function scanIdle(port, after) {
    for (let i = 0; i < 300; i++) {
        const st = (await request(port, { path: '/api/scan' })).json();
        if (st.scans > after && st.state === 'idle') return st.scans;
        await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail('the scan did not finish');
}

/** Starts a scan on the server on `port`, which has finished `scans` scans, and waits for it;
 * returns the new count. */
async function rescan(port, scans) {
    assert.equal((await request(port, { method: 'POST', path: '/api/scan',
        headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, 202);
    return scanIdle(port, scans);
}

test('search3 with an empty query reaches every song, album and artist by offset', async () => {
    const none = { artistCount: 0, albumCount: 0, songCount: 0 };
    const songs = await pagesMatchOnePage('search3', 'searchResult3', 'song',
        { ...none, query: '' }, 'songCount', 'songOffset', 3);
    assert.deepEqual(songs.map((s) => s.id).sort(), nativeSongs.map((s) => s.id).sort());
    const albums = await pagesMatchOnePage('search3', 'searchResult3', 'album',
        { ...none, query: '' }, 'albumCount', 'albumOffset', 2);
    assert.equal(new Set(albums.map((a) => a.id)).size, albums.length);
    await pagesMatchOnePage('search3', 'searchResult3', 'artist', { ...none, query: '' },
        'artistCount', 'artistOffset', 2);
    await pagesMatchOnePage('search2', 'searchResult2', 'song', { ...none, query: '""' },
        'songCount', 'songOffset', 4);
    // a word query slices its best hits; any offset past them is empty
    for (const offset of [1000, '9223372036854775807']) {
        const r = (await restOk(server.port, 'search3', { ...ALICE, query: 'a', songOffset: offset,
            albumOffset: offset, artistOffset: offset })).searchResult3;
        assert.deepEqual([r.song ?? [], r.album ?? [], r.artist ?? []], [[], [], []]);
    }
});

test('album lists page by offset in every indexed order', async () => {
    for (const params of [{ type: 'alphabeticalByName' }, { type: 'alphabeticalByArtist' },
        { type: 'newest' }, { type: 'byYear', fromYear: 1900, toYear: 2100 },
        { type: 'byYear', fromYear: 2100, toYear: 1900 }]) {
        await pagesMatchOnePage('getAlbumList2', 'albumList2', 'album', params, 'size', 'offset',
            2);
        await pagesMatchOnePage('getAlbumList', 'albumList', 'album', params, 'size', 'offset', 3);
    }
    const genres = (await restOk(server.port, 'getGenres', ALICE)).genres.genre;
    const big = genres.reduce((a, b) => (b.albumCount > a.albumCount ? b : a));
    assert.ok(big.albumCount >= 2, JSON.stringify(big));
    const whole = await items('getAlbumList2', 'albumList2', 'album',
        { type: 'byGenre', genre: big.value, size: 500 });
    const paged = [];
    for (let offset = 0; offset <= whole.length; offset++) {
        paged.push(...(await items('getAlbumList2', 'albumList2', 'album',
            { type: 'byGenre', genre: big.value, size: 1, offset })).map((a) => a.id));
    }
    assert.deepEqual(paged, whole.map((a) => a.id));
});

test('getSongsByGenre pages by offset to the last song of the genre', async () => {
    const genres = (await restOk(server.port, 'getGenres', ALICE)).genres.genre;
    const rock = genres.find((g) => g.value === 'Rock');
    assert.ok(rock && rock.songCount >= 4, JSON.stringify(rock));
    const songs = await pagesMatchOnePage('getSongsByGenre', 'songsByGenre', 'song',
        { genre: 'Rock' }, 'count', 'offset', 2);
    assert.ok(songs.every((s) => s.genres.some((g) => g.name === 'Rock')));
    // in the order of the library's song list: by title sort key, then id
    assert.deepEqual(songs.map((s) => s.id), nativeSongs.filter((s) =>
        (s.genres ?? []).some((g) => (g.name ?? g) === 'Rock')).map((s) => s.id));
    const titles = songs.map((s) => s.title);
    assert.equal(new Set(songs.map((s) => s.id)).size, songs.length);
    assert.ok(titles.length >= 4);
    assert.deepEqual(await items('getSongsByGenre', 'songsByGenre', 'song',
        { genre: 'No Such Genre', offset: 5 }), []);
});

test('random songs are distinct, every song when asked for more, and honour filters',
    async () => {
        const all = await items('getRandomSongs', 'randomSongs', 'song', { size: 500 });
        assert.deepEqual(all.map((s) => s.id).sort(), nativeSongs.map((s) => s.id).sort());
        for (const size of [1, 3, 7]) {
            const some = await items('getRandomSongs', 'randomSongs', 'song', { size });
            assert.equal(some.length, size);
            assert.equal(new Set(some.map((s) => s.id)).size, size);
        }
        // not always the same songs in the same order
        const draws = new Set();
        for (let i = 0; i < 8; i++) {
            draws.add((await items('getRandomSongs', 'randomSongs', 'song', { size: 3 }))
                .map((s) => s.id).join());
        }
        assert.ok(draws.size > 1, 'eight draws of three songs were all the same');
        const rock = await items('getSongsByGenre', 'songsByGenre', 'song',
            { genre: 'Rock', count: 500 });
        const randomRock = await items('getRandomSongs', 'randomSongs', 'song',
            { size: 500, genre: 'Rock' });
        assert.deepEqual(randomRock.map((s) => s.id).sort(), rock.map((s) => s.id).sort());
        const two = await items('getRandomSongs', 'randomSongs', 'song', { size: 2, genre: 'Rock' });
        assert.equal(two.length, 2);
        assert.ok(two.every((s) => rock.some((r) => r.id === s.id)));
        const years = all.map((s) => s.year).filter(Boolean).sort();
        const from = years[Math.floor(years.length / 2)];
        const inRange = all.filter((s) => s.year >= from && s.year <= from + 1);
        const byYear = await items('getRandomSongs', 'randomSongs', 'song',
            { size: 500, fromYear: from, toYear: from + 1 });
        assert.deepEqual(byYear.map((s) => s.id).sort(), inRange.map((s) => s.id).sort());
        const rockYears = await items('getRandomSongs', 'randomSongs', 'song',
            { size: 1, genre: 'Rock', fromYear: 1000, toYear: 1001 });
        assert.deepEqual(rockYears, []);
        assert.deepEqual(await items('getRandomSongs', 'randomSongs', 'song',
            { size: 5, genre: 'No Such Genre' }), []);
    });

test('a malformed offset or page size is an error, and changes nothing', async () => {
    for (const [method, params] of [
        ['search3', { query: '', songOffset: -1 }],
        ['search3', { query: '', albumOffset: 'x' }],
        ['search3', { query: '', artistOffset: '99999999999999999999' }],
        ['getAlbumList2', { type: 'alphabeticalByName', offset: -5 }],
        ['getAlbumList2', { type: 'alphabeticalByName', size: 501 }],
        ['getSongsByGenre', { genre: 'Rock', offset: '1e3' }],
        ['getSongsByGenre', { genre: 'Rock', count: 501 }],
        ['getRandomSongs', { size: 501 }],
    ]) {
        const body = await restJson(server.port, method, { ...ALICE, ...params });
        assert.equal(errorOf(body), 0, `${method} ${JSON.stringify(params)}: ${JSON.stringify(body)}`);
    }
    const songs = await items('search3', 'searchResult3', 'song',
        { query: '', songCount: 500, artistCount: 0, albumCount: 0 });
    assert.equal(songs.length, nativeSongs.length);
});

test('a scan that changes the library moves every offset', async () => {
    const library = await testLibrary();
    const music = tempDir('swaz-offsets-');
    const copy = (rel) => {
        fs.mkdirSync(path.dirname(path.join(music, rel)), { recursive: true });
        fs.copyFileSync(path.join(library, rel), path.join(music, rel));
    };
    const first = ['The Quiet Foxes/Northern Lights/04 - Long Night.mp3',
        'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac',
        'Marta Quill/Midnight Sessions/2-02 - Closing Time.ogg'];
    const aurora = 'The Quiet Foxes/Northern Lights/01 - Aurora.mp3'; // sorts first
    first.forEach(copy);
    const own = await startServer({ musicDirs: [music], minSongs: first.length,
        env: { SWAZ_WATCH: 'false' } });
    try {
        await own.createUser('so_bob', 'bob password 123');
        const BOB = plainAuth('so_bob', 'bob password 123');
        const titles = async (params) => ((await restOk(own.port, 'search3', { ...BOB, query: '',
            artistCount: 0, albumCount: 0, ...params })).searchResult3.song ?? [])
            .map((x) => x.title);
        const page = (offset) => titles({ songCount: 1, songOffset: offset });
        // page by one: each page leaves the position where the next starts
        assert.deepEqual([await page(0), await page(1), await page(2)],
            [['Closing Time'], ['Kaffi og kökur'], ['Long Night']]);
        // the scan at start-up may still be finishing: wait for it, then scan once more
        const scans = await scanIdle(own.port, -1);
        copy(aurora);
        await rescan(own.port, scans);
        assert.deepEqual(await titles({ songCount: 500 }),
            ['Aurora', 'Closing Time', 'Kaffi og kökur', 'Long Night']);
        assert.deepEqual([await page(1), await page(2), await page(3), await page(4)],
            [['Closing Time'], ['Kaffi og kökur'], ['Long Night'], []]);
    } finally {
        await own.stop();
        fs.rmSync(music, { recursive: true, force: true });
    }
});

test('a genre pages in title order in every library and scope, and follows a rescan',
    async () => {
        const dirs = [tempDir('swaz-genre-a-'), tempDir('swaz-genre-b-')];
        /** Writes `title`.flac of genre `genre` into music folder `lib` (0 or 1). */
        const write = (lib, title, genre = 'Drift') => lavfiAudio(
            path.join(dirs[lib], `${title}.flac`), 'sine=frequency=440:sample_rate=8000:d=0.5',
            ['-c:a', 'flac'], { title, artist: 'Drifter', album: `Drift ${lib}`, genre });
        // the folders' names and the libraries interleave the titles
        for (const [lib, title] of [[0, 'Delta'], [0, 'Alpha'], [0, 'Echo'], [1, 'Bravo'],
            [1, 'Charlie']]) await write(lib, title);
        await write(0, 'Aardvark', 'Other');
        const own = await startServer({ musicDirs: dirs, minSongs: 6,
            env: { SWAZ_WATCH: 'false' } });
        try {
            const libB = (await allSongs(own.port)).find((x) => x.title === 'Bravo').libraryId;
            await own.createUser('so_dora', 'dora password 123');
            const res = await request(own.port, { method: 'POST', path: '/api/users',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ username: 'so_scoped', password: 'scoped password 1',
                    allLibraries: false, libraryIds: [libB] }) });
            assert.equal(res.status, 201, res.text());
            const DORA = plainAuth('so_dora', 'dora password 123');
            const SCOPED = plainAuth('so_scoped', 'scoped password 1');
            const genre = async (auth, params) => ((await restOk(own.port, 'getSongsByGenre',
                { ...auth, genre: 'Drift', ...params })).songsByGenre.song ?? []);
            const titles = async (auth, params) => (await genre(auth, params)).map((x) => x.title);
            /** Checks the one-page list against pages of one and of two, and returns it. */
            const paged = async (auth) => {
                const whole = await titles(auth, { count: 500 });
                for (const step of [1, 2]) {
                    const pages = [];
                    for (let offset = 0; offset < whole.length + 2; offset += step) {
                        pages.push(...await titles(auth, { count: step, offset }));
                    }
                    assert.deepEqual(pages, whole, `pages of ${step}`);
                }
                return whole;
            };
            await scanIdle(own.port, -1);
            assert.deepEqual(await paged(DORA), ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo']);
            assert.deepEqual(await titles(DORA, { count: 1, offset: 4 }), ['Echo']); // deepest
            assert.deepEqual(await titles(DORA, { count: 10, offset: 3 }), ['Delta', 'Echo']);
            assert.deepEqual(await paged(SCOPED), ['Bravo', 'Charlie']);
            assert.deepEqual(await titles(SCOPED, { count: 1, offset: 1 }), ['Charlie']);
            const alpha = (await genre(DORA, { count: 1 }))[0];
            assert.equal(alpha.title, 'Alpha');

            // Alpha retitled in place: the same song, now last; a file gone leaves the list
            const file = path.join(dirs[0], 'Alpha.flac');
            await lavfiAudio(file, 'sine=frequency=440:sample_rate=8000:d=0.5', ['-c:a', 'flac'],
                { title: 'Zulu', artist: 'Drifter', album: 'Drift 0', genre: 'Drift' });
            const later = new Date(Date.now() + 60000);
            fs.utimesSync(file, later, later);
            fs.rmSync(path.join(dirs[1], 'Charlie.flac'));
            await rescan(own.port, await scanIdle(own.port, -1));
            assert.deepEqual(await paged(DORA), ['Bravo', 'Delta', 'Echo', 'Zulu']);
            const last = await genre(DORA, { count: 1, offset: 3 });
            assert.deepEqual(last.map((x) => [x.id, x.title]), [[alpha.id, 'Zulu']]);
            assert.deepEqual(await paged(SCOPED), ['Bravo']);
            assert.deepEqual(await titles(SCOPED, { count: 1, offset: 1 }), []);
        } finally {
            await own.stop();
            for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        }
    });
