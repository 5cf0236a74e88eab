// The browsing API on the generated test library: /api/artists, /api/albums (every list),
// /api/genres, /api/years, /api/folders, the extended song JSON and /api/songs/{id}/lyrics.
// Paging is followed through every page; bad parameters give 400, unknown ids 404.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, allSongs } from './lib/server.mjs';
import { request, getJson, errorCode } from './lib/http.mjs';
import { TEST_SONGS, TAG_SONGS } from './lib/library.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let songs = [];

before(async () => {
    server = await startServer();
    songs = await allSongs(server.port, 500);
});

after(async () => {
    await server?.stop();
});

/** Follows `next` through every page of `path` (which has no query or ends with one). */
async function allPages(path, limit) {
    const items = [];
    let after = null;
    const sep = path.includes('?') ? '&' : '?';
    for (let i = 0; i < 1000; i++) {
        const q = `${path}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const page = await getJson(server.port, q);
        assert.ok(Array.isArray(page.items), q);
        assert.ok(page.items.length <= limit, `${q}: ${page.items.length} items`);
        assert.ok(page.next === null || typeof page.next === 'string', q);
        items.push(...page.items);
        if (page.next === null) return items;
        assert.equal(page.items.length, limit, `${q}: short page before the end`);
        after = page.next;
    }
    throw new Error(`${path}: paging did not end`);
}

const sortKey = (name) => name.toLowerCase().replace(/^the (?=.)/, '');
const byteCmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const songByPath = (p) => songs.find((s) => s.path === p);

async function expectError(path, status, code) {
    const res = await request(server.port, { path });
    assert.equal(res.status, status, `${path}: ${res.status} ${res.text().slice(0, 200)}`);
    const got = errorCode(res);
    if (code) assert.equal(got, code, path);
    return res.json();
}

test('/api/artists: by name ignoring "The", every artist once at any page size', async () => {
    const all = await allPages('/api/artists', 500);
    const names = all.map((a) => a.name);
    for (const want of ['The Quiet Foxes', 'Marta Quill', 'Sólrún Ævarsdóttir']) {
        assert.ok(names.includes(want), `${want} missing from ${JSON.stringify(names)}`);
    }
    const keys = names.map(sortKey);
    const sorted = [...keys].sort(byteCmp);
    assert.deepEqual(keys, sorted);
    for (const a of all) {
        assert.equal(typeof a.id, 'string');
        assert.equal(typeof a.albumCount, 'number');
        assert.equal(typeof a.songCount, 'number');
        assert.ok('imageId' in a && 'coverId' in a);
    }
    const foxes = all.find((a) => a.name === 'The Quiet Foxes');
    assert.equal(foxes.songCount, 4);
    assert.equal(foxes.albumCount, 1);
    for (const limit of [1, 3]) {
        const paged = await allPages('/api/artists', limit);
        assert.deepEqual(paged.map((a) => a.id), all.map((a) => a.id), `limit ${limit}`);
    }
});

test('/api/artists/{id}: the artist with its albums; 404 for unknown ids', async () => {
    const all = await allPages('/api/artists', 500);
    const marta = all.find((a) => a.name === 'Marta Quill');
    const got = await getJson(server.port, `/api/artists/${marta.id}`);
    assert.equal(got.name, 'Marta Quill');
    assert.ok(Array.isArray(got.albums));
    assert.deepEqual(got.albums.map((a) => a.name), ['Midnight Sessions']);
    for (const id of ['ffffffffffffffffffffffff', 'not-an-id', '%27%20OR%201%3D1']) {
        await expectError(`/api/artists/${id}`, 404, 'not_found');
    }
});

test('/api/albums: alpha_name by default, fields, every album once at any page size', async () => {
    const all = await allPages('/api/albums', 500);
    const names = all.map((a) => a.name);
    for (const want of ['Northern Lights', 'Café Olé', 'Midnight Sessions']) {
        assert.ok(names.includes(want), `${want} missing`);
    }
    assert.deepEqual(names.map(sortKey), [...names.map(sortKey)].sort(byteCmp));
    const ms = all.find((a) => a.name === 'Midnight Sessions');
    assert.equal(ms.artist, 'Marta Quill');
    assert.equal(typeof ms.artistId, 'string');
    assert.ok(ms.artists.some((r) => r.name === 'Marta Quill' && typeof r.id === 'string'));
    assert.equal(ms.year, 2015);
    assert.ok(ms.genres.some((g) => g.name === 'Jazz'));
    assert.equal(ms.songCount, 4);
    assert.ok(ms.durationMs > 10000, `durationMs ${ms.durationMs}`);
    assert.equal(typeof ms.compilation, 'boolean');
    assert.ok('coverId' in ms);
    const named = await allPages('/api/albums?list=alpha_name', 2);
    assert.deepEqual(named.map((a) => a.id), all.map((a) => a.id));
});

test('/api/albums?list=alpha_artist and newest page through every album once', async () => {
    const total = (await allPages('/api/albums', 500)).length;
    for (const list of ['alpha_artist', 'newest']) {
        const big = await allPages(`/api/albums?list=${list}`, 500);
        const small = await allPages(`/api/albums?list=${list}`, 2);
        assert.equal(big.length, total, list);
        assert.deepEqual(small.map((a) => a.id), big.map((a) => a.id), list);
    }
    const byArtist = await allPages('/api/albums?list=alpha_artist', 500);
    const keys = byArtist.map((a) => sortKey(a.artist));
    assert.deepEqual(keys, [...keys].sort(byteCmp));
    const newest = await allPages('/api/albums?list=newest', 500);
    for (let i = 1; i < newest.length; i++) {
        assert.ok(newest[i - 1].createdAt >= newest[i].createdAt, 'newest first');
    }
});

test('/api/albums?list=year: inclusive ranges, descending when from > to', async () => {
    const up = await allPages('/api/albums?list=year&from=2015&to=2019', 1);
    const years = up.map((a) => a.year);
    assert.ok(years.includes(2015) && years.includes(2019), JSON.stringify(years));
    assert.ok(years.every((y) => y >= 2015 && y <= 2019));
    assert.deepEqual(years, [...years].sort((a, b) => a - b));
    const down = await allPages('/api/albums?list=year&from=2019&to=2015', 2);
    assert.deepEqual(down.map((a) => a.id), up.map((a) => a.id).reverse());
    const one = await allPages('/api/albums?list=year&from=2021&to=2021', 10);
    assert.ok(one.some((a) => a.name === 'Café Olé'));
    assert.ok(one.every((a) => a.year === 2021));
    await expectError('/api/albums?list=year&from=2015', 400, 'bad_request');
    await expectError('/api/albums?list=year&from=x&to=2000', 400, 'bad_request');
});

test('/api/albums?list=genre by name or id; unknown genre 404', async () => {
    const byName = await allPages('/api/albums?list=genre&genre=Jazz', 1);
    assert.ok(byName.some((a) => a.name === 'Midnight Sessions'));
    assert.ok(byName.every((a) => a.genres.some((g) => g.name === 'Jazz')));
    const genres = await allPages('/api/genres', 500);
    const jazz = genres.find((g) => g.name === 'Jazz');
    const byId = await allPages(`/api/albums?list=genre&genre=${jazz.id}`, 500);
    assert.deepEqual(byId.map((a) => a.id), byName.map((a) => a.id));
    await expectError('/api/albums?list=genre&genre=No%20Such%20Genre', 404, 'not_found');
    await expectError('/api/albums?list=genre', 400, 'bad_request');
});

test('/api/albums?list=random: at most `limit` distinct albums, no cursor', async () => {
    const page = await getJson(server.port, '/api/albums?list=random&limit=2');
    assert.equal(page.items.length, 2);
    assert.equal(page.next, null);
    // More than there are: every album once, in some order.
    const byName = await allPages('/api/albums?list=alpha_name', 500);
    const all = await getJson(server.port, '/api/albums?list=random&limit=500');
    const ids = all.items.map((a) => a.id);
    assert.deepEqual([...ids].sort(), byName.map((a) => a.id).sort());
});

test('/api/albums: per-user lists answer (empty without plays); bad parameters 400', async () => {
    // The lists themselves are tested in personal.test.mjs.
    for (const list of ['recent', 'frequent', 'starred', 'highest', 'recently_played',
        'most_played']) {
        assert.deepEqual(await getJson(server.port, `/api/albums?list=${list}`),
            { items: [], next: null });
    }
    await expectError('/api/albums?list=recent&after=YWJj', 400, 'bad_request');
    await expectError('/api/albums?list=bogus', 400, 'bad_request');
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'limit=-1', 'after=%21%21%21',
        'after=YWJj']) {
        await expectError(`/api/albums?${q}`, 400, 'bad_request');
        await expectError(`/api/artists?${q}`, 400, 'bad_request');
        await expectError(`/api/genres?${q}`, 400, 'bad_request');
    }
});

test('/api/albums/{id}: the album with its songs by disc then track', async () => {
    const all = await allPages('/api/albums', 500);
    const ms = all.find((a) => a.name === 'Midnight Sessions');
    const got = await getJson(server.port, `/api/albums/${ms.id}`);
    assert.equal(got.name, 'Midnight Sessions');
    assert.deepEqual(got.songs.map((s) => s.title),
        ['Blue Hour', 'Side Street', 'Last Call', 'Closing Time']);
    assert.deepEqual(got.songs.map((s) => [s.disc, s.track]), [[1, 1], [1, 2], [2, 1], [2, 2]]);
    await expectError('/api/albums/ffffffffffffffffffffffff', 404, 'not_found');
    await expectError('/api/albums/..%2F..', 404);
});

test('/api/genres: by name with counts; /api/years: decades with their years', async () => {
    const genres = await allPages('/api/genres', 500);
    const names = genres.map((g) => g.name);
    for (const want of ['Rock', 'Jazz', 'Ambient']) assert.ok(names.includes(want), want);
    const jazz = genres.find((g) => g.name === 'Jazz');
    assert.ok(jazz.songCount >= 4 && jazz.albumCount >= 1, JSON.stringify(jazz));
    assert.deepEqual((await allPages('/api/genres', 1)).map((g) => g.id), genres.map((g) => g.id));

    const years = await getJson(server.port, '/api/years');
    assert.equal(years.next, null);
    const d2010 = years.items.find((d) => d.decade === 2010);
    assert.ok(d2010, JSON.stringify(years));
    assert.ok(d2010.years.some((y) => y.year === 2015 && y.albumCount >= 1));
    assert.equal(d2010.albumCount, d2010.years.reduce((n, y) => n + y.albumCount, 0));
    const decades = years.items.map((d) => d.decade);
    assert.deepEqual(decades, [...decades].sort((a, b) => a - b));
});

test('/api/folders and /api/folders/{id}: the tree as on disk, paged', async () => {
    const roots = await getJson(server.port, '/api/folders');
    assert.equal(roots.items.length, 1);
    assert.equal(roots.next, null);
    const root = roots.items[0];
    assert.equal(typeof root.id, 'string');
    assert.equal(typeof root.name, 'string');
    const top = await allPages(`/api/folders/${root.id}`, 500);
    const folderNames = top.filter((e) => e.type === 'folder').map((e) => e.name);
    for (const want of ['The Quiet Foxes', 'Marta Quill', 'Sólrún Ævarsdóttir']) {
        assert.ok(folderNames.includes(want), `${want} not in ${JSON.stringify(folderNames)}`);
    }
    assert.ok(!folderNames.includes('.hidden'));
    const paged = await allPages(`/api/folders/${root.id}`, 1);
    assert.deepEqual(paged.map((e) => e.id), top.map((e) => e.id));

    const foxes = top.find((e) => e.name === 'The Quiet Foxes');
    const inFoxes = await allPages(`/api/folders/${foxes.id}`, 500);
    const nl = inFoxes.find((e) => e.type === 'folder' && e.name === 'Northern Lights');
    assert.ok(nl);
    const detail = await getJson(server.port, `/api/folders/${nl.id}`);
    assert.equal(detail.name, 'Northern Lights');
    assert.equal(detail.parentId, foxes.id);
    const tracks = await allPages(`/api/folders/${nl.id}`, 3);
    assert.deepEqual(tracks.filter((e) => e.type === 'song').map((e) => e.title),
        ['Aurora', 'Frozen Lake', 'Pine Smoke', 'Long Night']);
    await expectError('/api/folders/ffffffffffffffffffffffff', 404, 'not_found');
    await expectError(`/api/folders/${root.id}?after=YWJj`, 400, 'bad_request');
});

test('song JSON carries the new columns', async () => {
    for (const want of TEST_SONGS) {
        const s = songByPath(want.path);
        assert.ok(s, want.path);
        assert.ok(Array.isArray(s.artists) && Array.isArray(s.albumArtists), want.path);
        assert.ok(Array.isArray(s.genres), want.path);
        assert.equal(typeof s.compilation, 'boolean');
        assert.equal(typeof s.hasLyrics, 'boolean');
        assert.ok(s.replayGain && 'trackGain' in s.replayGain && 'albumPeak' in s.replayGain);
        assert.ok(s.musicBrainz && 'recordingId' in s.musicBrainz);
        for (const k of ['trackTotal', 'discTotal', 'discSubtitle', 'originalYear', 'releaseDate',
            'bitDepth', 'bpm', 'label', 'comment', 'coverId']) {
            assert.ok(k in s, `${want.path}: ${k}`);
        }
    }
    const blue = songByPath('Marta Quill/Midnight Sessions/1-01 - Blue Hour.m4a');
    assert.ok(blue.artists.some((a) => a.name === 'Marta Quill'));
    assert.ok(blue.genres.some((g) => g.name === 'Jazz'));
    assert.equal(blue.trackTotal, 2);
    const gains = (TAG_SONGS ?? []).find((s) => s.replayGain && s.replayGain.albumGain);
    if (gains && songByPath(gains.path)) {
        const s = songByPath(gains.path);
        assert.ok(Math.abs(s.replayGain.trackGain - gains.replayGain.trackGain) < 0.01);
    }
});

test('/api/songs/{id}/lyrics: synced LRC, plain, none, 404', async () => {
    for (const want of (TAG_SONGS ?? []).filter((s) => s.lyrics)) {
        const s = songByPath(want.path);
        assert.ok(s, want.path);
        assert.equal(s.hasLyrics, true, want.path);
        const got = await getJson(server.port, `/api/songs/${s.id}/lyrics`);
        assert.equal(got.synced, want.lyrics.synced, want.path);
        assert.deepEqual(got.lines.map((l) => l.text), want.lyrics.lines, want.path);
        if (want.lyrics.synced) {
            const starts = got.lines.map((l) => l.startMs);
            assert.ok(starts.every((t) => Number.isInteger(t)));
            assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
        } else {
            assert.ok(got.lines.every((l) => l.startMs === null));
        }
    }
    const plain = songByPath('The Quiet Foxes/Northern Lights/01 - Aurora.mp3');
    assert.deepEqual(await getJson(server.port, `/api/songs/${plain.id}/lyrics`),
        { synced: false, lines: [] });
    await expectError('/api/songs/ffffffffffffffffffffffff/lyrics', 404, 'not_found');
});
