// Subsonic answers from the page cache, black-box: getArtists, getIndexes, getGenres and
// getMusicFolders are kept, byte for byte the rendered answer, per format and per set of
// libraries, never per credentials; a failed authentication is never answered from the
// cache and errors are never kept; stars and a scan that changes the library show at once;
// getIndexes tells when the library last changed and honours ifModifiedSince.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, tempDir, testLibrary } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { scrape } from './lib/metrics.mjs';
import { errorOf, plainAuth, rest, restJson, restOk } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let library;
let musicA;
let musicB;
let aliceKey;
const ALICE = plainAuth('sc_alice', 'alice password 1');
const BOB = plainAuth('sc_bob', 'bob password 123');
const ONLY_B = plainAuth('sc_only_b', 'only b password');

const IN_A = [
    'The Quiet Foxes/Northern Lights/04 - Long Night.mp3',
    'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac',
];
const IN_B = ['Alice Arden/Together/04 - Two Genres.flac'];
const LATER = 'Marta Quill/Midnight Sessions/1-01 - Blue Hour.m4a';

function copy(dir, rel) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(path.join(library, rel), path.join(dir, rel));
}

before(async () => {
    library = await testLibrary();
    musicA = tempDir('swaz-subcache-a-');
    musicB = tempDir('swaz-subcache-b-');
    IN_A.forEach((rel) => copy(musicA, rel));
    IN_B.forEach((rel) => copy(musicB, rel));
    server = await startServer({ musicDirs: [musicA, musicB], minSongs: IN_A.length + IN_B.length,
        env: { SWAZ_WATCH: 'false', SWAZ_SUBSONIC_LEGACY_CLIENTS: 'OldApp' } });
    await server.createUser('sc_alice', 'alice password 1');
    await server.createUser('sc_bob', 'bob password 123');
    const token = (await server.login('sc_alice', 'alice password 1')).accessToken;
    const made = await request(server.port, { method: 'POST', path: '/api/keys', token,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'app' }) });
    assert.equal(made.status, 201, made.text());
    aliceKey = made.json().key;
    // (not getMusicFolders: the first test needs its first call to be rendered)
    const folders = (await request(server.port, { path: '/api/folders' })).json().items;
    const b = folders.find((f) => f.name === path.basename(musicB));
    assert.ok(b, JSON.stringify(folders));
    const user = await request(server.port, { method: 'POST', path: '/api/users',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'sc_only_b', password: 'only b password',
            allLibraries: false, libraryIds: [b.libraryId] }) });
    assert.equal(user.status, 201, user.text());
});

after(async () => {
    await server?.stop();
    for (const dir of [musicA, musicB]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const counter = async (result) =>
    (await scrape(server.port)).get(`swaz_page_cache_requests_total{result="${result}"}`);

/** Hits and misses counted while `fn` runs. */
async function counted(fn) {
    const h0 = await counter('hit');
    const m0 = await counter('miss');
    const value = await fn();
    return { value, hits: (await counter('hit')) - h0, misses: (await counter('miss')) - m0 };
}

/** Artist names of a getArtists / getIndexes element. */
const names = (top) => top.index.flatMap((i) => i.artist.map((a) => a.name)).sort();

/** POST /api/scan as the administrator and wait for it to finish. */
async function rescan() {
    const before_ = (await request(server.port, { path: '/api/scan' })).json();
    const started = await request(server.port, { method: 'POST', path: '/api/scan',
        headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.ok(started.status < 300, started.text());
    for (let i = 0; i < 300; i++) {
        const st = (await request(server.port, { path: '/api/scan' })).json();
        if (st.scans > before_.scans && st.state === 'idle') return st;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the scan did not finish');
}

test('a kept answer is the rendered one, whatever the credentials and client', async () => {
    for (const method of ['getArtists', 'getIndexes', 'getGenres', 'getMusicFolders']) {
        const first = await counted(() => rest(server.port, method, { ...ALICE, f: 'json' }));
        assert.equal(first.value.status, 200);
        assert.equal(first.value.json()['subsonic-response'].status, 'ok', method);
        assert.equal(first.misses, 1, method);
        // The same caller with an API key, another client name and version: the same page.
        const again = await counted(() => rest(server.port, method,
            { apiKey: aliceKey, f: 'json', c: 'OtherApp', v: '1.15.0' }));
        assert.equal(again.hits, 1, method);
        assert.equal(again.misses, 0, method);
        assert.deepEqual(again.value.body, first.value.body, method);
        assert.equal(again.value.headers['content-type'], first.value.headers['content-type']);
        assert.equal(again.value.headers['cache-control'], 'no-store');
        // Gzip to a client that takes it, the same bytes once inflated.
        const gz = await request(server.port, {
            path: `/rest/${method}?apiKey=${aliceKey}&f=json`, token: null,
            headers: { 'Accept-Encoding': 'gzip' } });
        if (first.value.body.length >= 1024) {
            assert.equal(gz.headers['content-encoding'], 'gzip', method);
            assert.deepEqual(zlib.gunzipSync(gz.body), first.value.body, method);
        } else {
            assert.deepEqual(gz.body, first.value.body, method);
        }
    }
});

test('each format is its own page', async () => {
    const bodies = new Set();
    for (const p of [{ f: 'json' }, { f: 'xml' }, {}, { f: 'jsonp', callback: 'one' },
        { f: 'jsonp', callback: 'two' }]) {
        const first = await rest(server.port, 'getArtists', { ...ALICE, ...p });
        const again = await counted(() => rest(server.port, 'getArtists', { ...BOB, ...p }));
        assert.equal(again.hits, 1, JSON.stringify(p));
        assert.deepEqual(again.value.body, first.body, JSON.stringify(p));
        bodies.add(first.text());
    }
    assert.equal(bodies.size, 4, 'xml with and without f= are the same answer, the rest differ');
    const jsonp = await rest(server.port, 'getArtists', { ...ALICE, f: 'jsonp', callback: 'two' });
    assert.match(jsonp.text(), /^two\(/);
    assert.match(jsonp.headers['content-type'], /^application\/javascript/);
    // A legacy client gets the plain Subsonic answer, not the kept OpenSubsonic one.
    const old = await restJson(server.port, 'getArtists', { ...ALICE, c: 'OldApp' });
    assert.equal(old.openSubsonic, undefined);
    const open = await restJson(server.port, 'getArtists', { ...ALICE, c: 'NewApp' });
    assert.equal(open.openSubsonic, true);
});

test('a user who sees fewer libraries gets their own answer', async () => {
    const all = (await restOk(server.port, 'getArtists', ALICE)).artists;
    assert.ok(names(all).includes('The Quiet Foxes'), JSON.stringify(names(all)));
    assert.ok(names(all).includes('Alice Arden'));
    const mine = (await restOk(server.port, 'getArtists', ONLY_B)).artists;
    assert.deepEqual(names(mine), ['Alice Arden']);
    const folders = (await restOk(server.port, 'getMusicFolders', ONLY_B)).musicFolders;
    assert.deepEqual(folders.musicFolder.map((f) => f.name), [path.basename(musicB)]);
    assert.equal((await restOk(server.port, 'getMusicFolders', ALICE)).musicFolders
        .musicFolder.length, 2);
    const genres = (await restOk(server.port, 'getGenres', ONLY_B)).genres.genre;
    assert.deepEqual(genres.map((g) => g.value).sort(), ['Pop', 'Rock']);
    const allGenres = (await restOk(server.port, 'getGenres', ALICE)).genres.genre;
    assert.ok(allGenres.length > genres.length, JSON.stringify(allGenres));
    // A folder outside the user's libraries is an error, never kept, never another's page.
    const a = (await restOk(server.port, 'getMusicFolders', ALICE)).musicFolders.musicFolder
        .find((f) => f.name === path.basename(musicA));
    await restOk(server.port, 'getArtists', { ...ALICE, musicFolderId: a.id });
    for (let i = 0; i < 2; i++) {
        const denied = await counted(() =>
            restJson(server.port, 'getArtists', { ...ONLY_B, musicFolderId: a.id }));
        assert.equal(errorOf(denied.value), 70);
        assert.equal(denied.hits, 0);
    }
});

test('a failed authentication is never answered from the cache', async () => {
    const ok = await rest(server.port, 'getArtists', { ...ALICE, f: 'json' });
    assert.equal(ok.json()['subsonic-response'].status, 'ok');
    const cases = [
        [{ u: ALICE.u, p: 'wrong password' }, 40],
        [{ apiKey: `${aliceKey.slice(0, -2)}xx` }, 44],
        [{ u: ALICE.u }, 10],
        [{}, 10],
    ];
    for (const [creds, code] of cases) {
        const res = await counted(() => restJson(server.port, 'getArtists', { ...creds, f: 'json' }));
        assert.equal(errorOf(res.value), code, JSON.stringify(creds));
        assert.equal(res.value.artists, undefined);
        assert.equal(res.hits, 0, JSON.stringify(creds));
    }
});

test('stars are each caller\'s own and show at once', async () => {
    const top = (await restOk(server.port, 'getArtists', ALICE)).artists;
    const artist = top.index.flatMap((i) => i.artist).find((x) => x.name === 'Alice Arden');
    await restOk(server.port, 'getArtists', BOB);
    await restOk(server.port, 'star', { ...ALICE, artistId: artist.id });
    for (const method of ['getArtists', 'getIndexes']) {
        const elem = method === 'getArtists' ? 'artists' : 'indexes';
        const mine = (await restOk(server.port, method, ALICE))[elem].index.flatMap((i) => i.artist);
        assert.ok(mine.find((x) => x.id === artist.id).starred, method);
        const bobs = await counted(() => restOk(server.port, method, BOB));
        assert.ok(bobs.value[elem].index.flatMap((i) => i.artist).every((x) => !x.starred));
        const onlyB = (await restOk(server.port, method, ONLY_B))[elem].index.flatMap((i) => i.artist);
        assert.ok(onlyB.every((x) => !x.starred));
    }
    await restOk(server.port, 'unstar', { ...ALICE, artistId: artist.id });
    // Back to no stars: the page Bob and Alice share again.
    const back = await counted(() => rest(server.port, 'getArtists', { ...ALICE, f: 'json' }));
    assert.equal(back.hits, 1);
    const bob = await rest(server.port, 'getArtists', { ...BOB, f: 'json' });
    assert.deepEqual(back.value.body, bob.body);
    assert.ok(!back.value.text().includes('"starred"'));
});

test('getIndexes: lastModified moves with the library; ifModifiedSince', async () => {
    const first = (await restOk(server.port, 'getIndexes', ALICE)).indexes;
    assert.ok(Number.isInteger(first.lastModified) && first.lastModified > 1.6e12);
    assert.ok(first.lastModified <= Date.now());
    await new Promise((r) => setTimeout(r, 20));
    const again = (await restOk(server.port, 'getIndexes', { ...ALICE, c: 'Other' })).indexes;
    assert.equal(again.lastModified, first.lastModified);
    assert.equal((await restOk(server.port, 'getIndexes', BOB)).indexes.lastModified,
        first.lastModified);
    // The client's copy is current: no indexes; an older copy: everything.
    for (const since of [first.lastModified, first.lastModified + 60000]) {
        const same = (await restOk(server.port, 'getIndexes', { ...ALICE, ifModifiedSince: since }))
            .indexes;
        assert.equal(same.lastModified, first.lastModified);
        assert.equal(same.index, undefined, JSON.stringify(same));
        assert.equal(typeof same.ignoredArticles, 'string');
        const xml = (await rest(server.port, 'getIndexes',
            { ...ALICE, f: 'xml', ifModifiedSince: since })).text();
        assert.match(xml, new RegExp(`<indexes [^>]*lastModified="${first.lastModified}"[^>]*/>`));
    }
    const older = (await restOk(server.port, 'getIndexes',
        { ...ALICE, ifModifiedSince: first.lastModified - 1 })).indexes;
    assert.deepEqual(names(older), names(first));
    const bad = await restJson(server.port, 'getIndexes', { ...ALICE, ifModifiedSince: 'soon' });
    assert.equal(errorOf(bad), 0);

    // A scan that changes nothing keeps it; one that adds an artist moves it, and the new
    // artist shows at once in every kept list.
    assert.equal((await rescan()).result, 'ok');
    assert.equal((await restOk(server.port, 'getIndexes', ALICE)).indexes.lastModified,
        first.lastModified);
    const artistsBefore = names((await restOk(server.port, 'getArtists', ALICE)).artists);
    assert.ok(!artistsBefore.includes('Marta Quill'));
    copy(musicA, LATER);
    assert.equal((await rescan()).result, 'ok');
    const moved = (await restOk(server.port, 'getIndexes', ALICE)).indexes;
    assert.ok(moved.lastModified > first.lastModified, `${moved.lastModified}`);
    assert.ok(moved.lastModified <= Date.now());
    assert.ok(names(moved).includes('Marta Quill'));
    assert.deepEqual(names((await restOk(server.port, 'getArtists', ALICE)).artists),
        [...artistsBefore, 'Marta Quill'].sort());
    const since = (await restOk(server.port, 'getIndexes',
        { ...ALICE, ifModifiedSince: first.lastModified })).indexes;
    assert.deepEqual(names(since), names(moved));
    const now = (await restOk(server.port, 'getIndexes',
        { ...ALICE, ifModifiedSince: moved.lastModified })).indexes;
    assert.equal(now.index, undefined);
    // The user who does not see that library sees the same time, and not the artist.
    const onlyB = (await restOk(server.port, 'getIndexes', ONLY_B)).indexes;
    assert.deepEqual(names(onlyB), ['Alice Arden']);
});
