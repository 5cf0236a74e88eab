// The caller's recently played and most played albums, black-box, on /api/albums and
// Subsonic getAlbumList2: a play moves its album to the top of `recent`, plays of an album's
// songs add up in `frequent` (and in the album's playCount), paging by cursor or by offset
// lists every played album once, and no user sees another user's counts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, allSongs } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';
import { restOk } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {Map<string, any[]>} album id -> its songs */
const albums = new Map();
const users = {};

before(async () => {
    server = await startServer();
    for (const s of await allSongs(server.port, 500)) {
        if (!s.albumId) continue;
        if (!albums.has(s.albumId)) albums.set(s.albumId, []);
        albums.get(s.albumId).push(s);
    }
    for (const name of ['ap_carol', 'ap_dave', 'ap_erin']) {
        const password = `${name} password 1`;
        await server.createUser(name, password);
        const token = (await server.login(name, password)).accessToken;
        const key = await request(server.port, {
            method: 'POST', path: '/api/keys', token,
            headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'app' }),
        });
        assert.equal(key.status, 201, key.text());
        users[name] = { token, apiKey: key.json().key };
    }
});

after(async () => {
    await server?.stop();
});

async function ok(res) {
    assert.equal(res.status, 200, res.text().slice(0, 500));
    return res.json();
}

async function play(user, song, playedAt) {
    const body = await ok(await jsonRequest(server.port, 'POST', '/api/history',
        { songId: song.id, playedAt }, users[user].token));
    assert.equal(body.recorded, true);
}

/** Every album of /api/albums?list=`list` for `user`, following `next`, `limit` a page. */
async function pages(user, list, limit) {
    const all = [];
    let after = null;
    for (let i = 0; i < 100; i++) {
        const q = `/api/albums?list=${list}&limit=${limit}` +
            (after ? `&after=${encodeURIComponent(after)}` : '');
        const page = await ok(await jsonRequest(server.port, 'GET', q, undefined,
            users[user].token));
        all.push(...page.items.map((a) => a.id));
        if (page.next === null) return all;
        assert.equal(page.items.length, limit, `${q}: short page before the end`);
        after = page.next;
    }
    throw new Error('paging did not end');
}

/** getAlbumList2 of `type` for `user`: the albums ({id, playCount, played}) from `offset`. */
async function albumList2(user, type, size = 500, offset = 0) {
    const body = await restOk(server.port, 'getAlbumList2',
        { apiKey: users[user].apiKey, type, size, offset });
    return body.albumList2.album ?? [];
}

/** The expected order: by key descending, then album id descending. */
function ordered(counts, key) {
    return [...counts.entries()].sort((a, b) => b[1][key] - a[1][key] ||
        (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)).map(([id]) => id);
}

test('plays add up per album, the latest play leads recent, other users see nothing', async () => {
    const multi = [...albums.values()].filter((songs) => songs.length >= 2);
    assert.ok(multi.length >= 2 && albums.size >= 3, 'the test library has too few albums');
    const [a, b] = multi;
    const c = [...albums.values()].find((songs) => songs !== a && songs !== b);
    const t = Math.floor(Date.now() / 1000) - 86400;
    await play('ap_carol', a[0], t);
    await play('ap_carol', a[1], t + 100);
    await play('ap_carol', b[0], t + 200);
    await play('ap_carol', c[0], t + 300);
    await play('ap_carol', b[0], t + 400);
    await play('ap_carol', a[0], t + 50); // a late submission: counts, but is not the latest
    const counts = new Map([[a[0].albumId, { n: 3, last: t + 100 }],
        [b[0].albumId, { n: 2, last: t + 400 }], [c[0].albumId, { n: 1, last: t + 300 }]]);
    assert.deepEqual(await pages('ap_carol', 'recent', 10), ordered(counts, 'last'));
    assert.deepEqual(await pages('ap_carol', 'frequent', 10), ordered(counts, 'n'));
    const frequent = await albumList2('ap_carol', 'frequent');
    assert.deepEqual(frequent.map((x) => x.id), ordered(counts, 'n'));
    for (const x of frequent) {
        assert.equal(x.playCount, counts.get(x.id).n, x.id);
        assert.equal(Date.parse(x.played) / 1000, counts.get(x.id).last, x.id);
    }
    // The album's playCount is the same wherever it is shown.
    const one = await restOk(server.port, 'getAlbum',
        { apiKey: users.ap_carol.apiKey, id: a[0].albumId });
    assert.equal(one.album.playCount, 3);
    assert.deepEqual((await albumList2('ap_carol', 'recent')).map((x) => x.id),
        ordered(counts, 'last'));

    // A new play of the least recent album moves it to the top.
    await play('ap_carol', a[1], t + 500);
    counts.set(a[0].albumId, { n: 4, last: t + 500 });
    const recent = await pages('ap_carol', 'recent', 1);
    assert.equal(recent[0], a[0].albumId);
    assert.deepEqual(recent, ordered(counts, 'last'));
    assert.deepEqual((await albumList2('ap_carol', 'frequent')).map((x) => x.playCount),
        ordered(counts, 'n').map((id) => counts.get(id).n));

    // Another user: nothing, then only their own play.
    assert.deepEqual(await pages('ap_dave', 'recent', 5), []);
    assert.deepEqual(await albumList2('ap_dave', 'frequent'), []);
    await play('ap_dave', c[0], t + 600);
    const daves = await albumList2('ap_dave', 'frequent');
    assert.deepEqual(daves.map((x) => [x.id, x.playCount]), [[c[0].albumId, 1]]);
    assert.equal((await albumList2('ap_carol', 'frequent')).find((x) => x.id === c[0].albumId)
        .playCount, 1);
    const carolsC = await restOk(server.port, 'getAlbum',
        { apiKey: users.ap_carol.apiKey, id: c[0].albumId });
    assert.equal(carolsC.album.playCount, 1);
});

test('paging by cursor and by offset lists every played album once', async () => {
    const ids = [...albums.keys()];
    assert.ok(ids.length >= 5, 'the test library has too few albums');
    const t = Math.floor(Date.now() / 1000) - 7200;
    const counts = new Map();
    for (let i = 0; i < ids.length; i++) {
        const songs = albums.get(ids[i]);
        const n = 1 + (i % 3); // ties in `frequent`, broken by album id
        for (let k = 0; k < n; k++) await play('ap_erin', songs[k % songs.length], t + i * 60 + k * 11);
        counts.set(ids[i], { n, last: t + i * 60 + (n - 1) * 11 });
    }
    for (const [list, key] of [['recent', 'last'], ['frequent', 'n']]) {
        const want = ordered(counts, key);
        for (const limit of [1, 2, 3, 100]) {
            assert.deepEqual(await pages('ap_erin', list, limit), want, `${list} by ${limit}`);
        }
        const size = 2;
        const byOffset = [];
        for (let offset = 0; offset <= want.length; offset += size) {
            byOffset.push(...(await albumList2('ap_erin', list, size, offset)).map((x) => x.id));
        }
        assert.deepEqual(byOffset, want, `getAlbumList2 ${list} by offset`);
    }
});
