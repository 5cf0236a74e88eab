// Everything personal, black-box: user B attacking user A's favourites, ratings, history,
// now playing, play queue and bookmarks (each list shows only the caller's rows, B's writes
// never touch A's), ids that do not exist (404), bad values (400), the per-user album lists,
// popular songs changing as soon as plays are recorded (cached in process, or in Redis when
// SWAZ_TEST_REDIS_URL is set), and the now_playing_visible server setting.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, allSongs } from './lib/server.mjs';
import { errorCode } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let songs = [];
let alice = '';
let bob = '';
const NOPE = 'f00dfeedf00dfeedf00dfeedf00dfeed';

before(async () => {
    server = await startServer();
    songs = await allSongs(server.port, 500);
    await server.createUser('pe_alice', 'alice password 1');
    await server.createUser('pe_bob', 'bob password 12');
    alice = (await server.login('pe_alice', 'alice password 1')).accessToken;
    bob = (await server.login('pe_bob', 'bob password 12')).accessToken;
});

after(async () => {
    await server?.stop();
});

/** A JSON request as `token` on `srv`; returns the response. */
function call(token, method, p, body, srv = server) {
    return jsonRequest(srv.port, method, p, body, token);
}

async function ok(res, status = 200) {
    assert.equal(res.status, status, res.text().slice(0, 500));
    return res.json();
}

async function fails(res, status, code) {
    assert.equal(res.status, status, res.text().slice(0, 500));
    if (code) assert.equal(errorCode(res), code);
}

/** Every item of a paged list, following `next`. */
async function pages(token, p, limit) {
    const all = [];
    let after = null;
    const sep = p.includes('?') ? '&' : '?';
    for (let i = 0; i < 200; i++) {
        const q = `${p}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const page = await ok(await call(token, 'GET', q));
        all.push(...page.items);
        if (page.next === null) return all;
        assert.equal(page.items.length, limit, `${q}: short page before the end`);
        after = page.next;
    }
    throw new Error('paging did not end');
}

const now = () => Math.floor(Date.now() / 1000);

test('every personal endpoint needs a signed-in user', async () => {
    for (const [m, p] of [['GET', '/api/stars'], ['PUT', `/api/stars/song/${songs[0].id}`],
        ['GET', '/api/history'], ['POST', '/api/history'], ['GET', '/api/popular'],
        ['GET', '/api/now-playing'], ['GET', '/api/queue'], ['GET', '/api/bookmarks'],
        ['PUT', `/api/ratings/song/${songs[0].id}`]]) {
        const res = await call(null, m, p, m === 'GET' ? undefined : {});
        assert.equal(res.status, 401, `${m} ${p}`);
    }
});

test('stars: own lists only, newest first, 404 for unknown ids, B cannot unstar A', async () => {
    const [s1, s2, s3] = songs;
    await fails(await call(alice, 'PUT', `/api/stars/song/${NOPE}`), 404, 'not_found');
    await fails(await call(alice, 'PUT', '/api/stars/song/..%2Fetc'), 404);
    await fails(await call(alice, 'PUT', `/api/stars/playlist/${s1.id}`), 400);
    await fails(await call(alice, 'PUT', `/api/stars/album/${s1.id}`), 404); /* a song id */
    for (const s of [s1, s2, s3]) {
        const body = await ok(await call(alice, 'PUT', `/api/stars/song/${s.id}`));
        assert.equal(body.starred, true);
        assert.equal(typeof body.starredAt, 'number');
    }
    await ok(await call(alice, 'PUT', `/api/stars/album/${s1.albumId}`));
    await ok(await call(alice, 'PUT', `/api/stars/artist/${s1.artistId}`));
    const mine = await pages(alice, '/api/stars?kind=song', 2);
    assert.deepEqual(new Set(mine.map((s) => s.id)), new Set([s1.id, s2.id, s3.id]));
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i - 1].starredAt >= mine[i].starredAt);
    assert.equal(mine[0].title !== undefined, true, 'song JSON');
    const albums = await pages(alice, '/api/stars?kind=album', 10);
    assert.deepEqual(albums.map((a) => a.id), [s1.albumId]);
    const artists = await pages(alice, '/api/stars?kind=artist', 10);
    assert.deepEqual(artists.map((a) => a.id), [s1.artistId]);
    const starredAlbums = await ok(await call(alice, 'GET', '/api/albums?list=starred'));
    assert.deepEqual(starredAlbums.items.map((a) => a.id), [s1.albumId]);

    // B sees none of it, and B's deletes change nothing of A's.
    assert.deepEqual(await pages(bob, '/api/stars?kind=song', 10), []);
    assert.deepEqual(await pages(bob, '/api/stars?kind=album', 10), []);
    assert.deepEqual((await ok(await call(bob, 'GET', '/api/albums?list=starred'))).items, []);
    const bobView = await ok(await call(bob, 'GET', `/api/stars/song/${s1.id}`));
    assert.equal(bobView.starred, false);
    await ok(await call(bob, 'DELETE', `/api/stars/song/${s1.id}`));
    assert.equal((await pages(alice, '/api/stars?kind=song', 10)).length, 3);

    // A unstars one.
    const gone = await ok(await call(alice, 'DELETE', `/api/stars/song/${s2.id}`));
    assert.equal(gone.starred, false);
    await fails(await call(alice, 'DELETE', `/api/stars/song/${NOPE}`), 404);
    assert.equal((await pages(alice, '/api/stars?kind=song', 10)).length, 2);
    await fails(await call(alice, 'GET', '/api/stars?kind=song&after=garbage'), 400);
});

test('ratings: 1..5, 0 removes, others 400, unknown 404, highest list per user', async () => {
    const s = songs[3];
    for (const bad of [6, -1, 2.5, '3', null]) {
        await fails(await call(alice, 'PUT', `/api/ratings/song/${s.id}`, { rating: bad }), 400);
    }
    await fails(await call(alice, 'PUT', `/api/ratings/song/${s.id}`, {}), 400);
    await fails(await call(alice, 'PUT', `/api/ratings/song/${NOPE}`, { rating: 3 }), 404);
    assert.equal((await ok(await call(alice, 'PUT', `/api/ratings/song/${s.id}`,
        { rating: 4 }))).rating, 4);
    assert.equal((await ok(await call(alice, 'GET', `/api/stars/song/${s.id}`))).rating, 4);
    assert.equal((await ok(await call(bob, 'GET', `/api/stars/song/${s.id}`))).rating, null);
    await ok(await call(alice, 'PUT', `/api/ratings/album/${s.albumId}`, { rating: 5 }));
    const highest = await ok(await call(alice, 'GET', '/api/albums?list=highest'));
    assert.deepEqual(highest.items.map((a) => a.id), [s.albumId]);
    assert.deepEqual((await ok(await call(bob, 'GET', '/api/albums?list=highest'))).items, []);
    assert.equal((await ok(await call(alice, 'PUT', `/api/ratings/song/${s.id}`,
        { rating: 0 }))).rating, null);
    assert.equal((await ok(await call(alice, 'GET', `/api/stars/song/${s.id}`))).rating, null);
});

test('history: own plays only, duplicates ignored, future and unknown refused', async () => {
    const [s1, s2] = [songs[4], songs[5]];
    const t = now() - 3600;
    await fails(await call(alice, 'POST', '/api/history', { songId: NOPE }), 404);
    await fails(await call(alice, 'POST', '/api/history', {}), 400);
    await fails(await call(alice, 'POST', '/api/history', { songId: s1.id,
        playedAt: now() + 86400 }), 400);
    await fails(await call(alice, 'POST', '/api/history', { songId: s1.id,
        submission: 'yes' }), 400);
    await fails(await call(alice, 'POST', '/api/history', { songId: s1.id,
        client: 'x'.repeat(200) }), 400);
    assert.equal((await ok(await call(alice, 'POST', '/api/history',
        { songId: s1.id, playedAt: t, client: 'test' }))).recorded, true);
    assert.equal((await ok(await call(alice, 'POST', '/api/history',
        { songId: s1.id, playedAt: t + 2, client: 'test' }))).recorded, false);
    assert.equal((await ok(await call(alice, 'POST', '/api/history',
        { songId: s2.id, playedAt: t + 300, submission: true }))).recorded, true);
    assert.equal((await ok(await call(alice, 'POST', '/api/history',
        { songId: s1.id, playedAt: t + 600 }))).recorded, true);

    const mine = await pages(alice, '/api/history', 1);
    assert.deepEqual(mine.map((p) => p.song.id), [s1.id, s2.id, s1.id]);
    assert.deepEqual(mine.map((p) => p.playedAt), [t + 600, t + 300, t]);
    assert.equal(mine[2].client, 'test');
    assert.deepEqual(await pages(bob, '/api/history', 10), []);
    const count = await ok(await call(alice, 'GET', `/api/history/${s1.id}`));
    assert.equal(count.playCount, 2);
    assert.equal(count.lastPlayedAt, t + 600);
    assert.equal((await ok(await call(bob, 'GET', `/api/history/${s1.id}`))).playCount, 0);
    await fails(await call(alice, 'GET', `/api/history/${NOPE}`), 404);

    // Album lists from A's plays; B has none.
    const recent = await ok(await call(alice, 'GET', '/api/albums?list=recent'));
    assert.equal(recent.items[0].id, s1.albumId);
    const frequent = await ok(await call(alice, 'GET', '/api/albums?list=frequent'));
    assert.ok(frequent.items.some((a) => a.id === s1.albumId));
    assert.deepEqual((await ok(await call(bob, 'GET', '/api/albums?list=recent'))).items, []);
    assert.deepEqual((await ok(await call(bob, 'GET', '/api/albums?list=most_played'))).items, []);

    // submission=false only updates now playing.
    const np = await ok(await call(alice, 'POST', '/api/history', { songId: s2.id,
        submission: false, client: 'scrobbler' }));
    assert.equal(np.recorded, false);
    assert.equal((await pages(alice, '/api/history', 10)).length, 3);
    const playing = await ok(await call(alice, 'GET', '/api/now-playing'));
    assert.ok(playing.items.some((e) => e.client === 'scrobbler' && e.song.id === s2.id));
});

test('popular songs: every user counts, and a new play changes the ranking at once', async () => {
    const [x, y] = [songs[6], songs[7]];
    const before = await ok(await call(alice, 'GET', '/api/popular?limit=100'));
    const plays = (id) => before.items.find((s) => s.id === id)?.plays ?? 0;
    assert.equal(plays(x.id), 0);
    const base = now() - 7200;
    // y: 2 plays (A and B); x: none yet.
    await ok(await call(alice, 'POST', '/api/history', { songId: y.id, playedAt: base }));
    await ok(await call(bob, 'POST', '/api/history', { songId: y.id, playedAt: base }));
    let top = await ok(await call(bob, 'GET', '/api/popular?limit=100'));
    assert.equal(top.items.find((s) => s.id === y.id)?.plays, 2);
    assert.equal(top.items.find((s) => s.id === x.id), undefined);
    // Read again (now served from the cache), then 3 plays of x must overtake y.
    top = await ok(await call(bob, 'GET', '/api/popular?limit=100'));
    for (let i = 0; i < 3; i++) {
        await ok(await call(i === 1 ? bob : alice, 'POST', '/api/history',
            { songId: x.id, playedAt: base + 100 * (i + 1) }));
    }
    top = await ok(await call(bob, 'GET', '/api/popular?limit=100'));
    const ix = top.items.findIndex((s) => s.id === x.id);
    const iy = top.items.findIndex((s) => s.id === y.id);
    assert.ok(ix >= 0 && iy >= 0 && ix < iy, JSON.stringify(top.items.map((s) => [s.id, s.plays])));
    assert.equal(top.items[ix].plays, 3);
    for (let i = 1; i < top.items.length; i++) {
        assert.ok(top.items[i - 1].plays >= top.items[i].plays);
    }
    // Per artist: only songs with that artist.
    const byArtist = await ok(await call(alice, 'GET',
        `/api/popular?artistId=${x.artistId}&limit=100`));
    assert.ok(byArtist.items.length >= 1);
    for (const s of byArtist.items) {
        assert.ok(s.artistId === x.artistId || s.artists.some((a) => a.id === x.artistId));
    }
    assert.equal(byArtist.items.find((s) => s.id === x.id)?.plays, 3);
    await ok(await call(alice, 'POST', '/api/history', { songId: x.id, playedAt: base + 1000 }));
    const again = await ok(await call(alice, 'GET',
        `/api/popular?artistId=${x.artistId}&limit=100`));
    assert.equal(again.items.find((s) => s.id === x.id)?.plays, 4);
    assert.equal((await ok(await call(alice, 'GET', '/api/popular?limit=1'))).items.length, 1);
    await fails(await call(alice, 'GET', `/api/popular?artistId=${NOPE}`), 404);
    await fails(await call(alice, 'GET', '/api/popular?limit=101'), 400);
});

test('now playing: per device, own entries only, stopped removes, bad values 400', async () => {
    const s = songs[8];
    await fails(await call(alice, 'PUT', '/api/now-playing', { songId: NOPE }), 404);
    await fails(await call(alice, 'PUT', '/api/now-playing', { songId: s.id, state: 'x' }), 400);
    await fails(await call(alice, 'PUT', '/api/now-playing', { songId: s.id,
        positionMs: -1 }), 400);
    await ok(await call(alice, 'PUT', '/api/now-playing', { songId: s.id, positionMs: 1500,
        state: 'paused', client: 'phone' }));
    await ok(await call(bob, 'PUT', '/api/now-playing', { songId: s.id, client: 'bob-desk' }));
    const mine = await ok(await call(alice, 'GET', '/api/now-playing'));
    const phone = mine.items.find((e) => e.client === 'phone');
    assert.equal(phone.positionMs, 1500);
    assert.equal(phone.state, 'paused');
    assert.equal(phone.own, true);
    assert.equal(phone.username, 'pe_alice');
    assert.ok(mine.items.every((e) => e.own && e.username === 'pe_alice'));
    const bobs = await ok(await call(bob, 'GET', '/api/now-playing'));
    assert.ok(bobs.items.every((e) => e.username === 'pe_bob'));
    assert.ok(bobs.items.some((e) => e.client === 'bob-desk'));
    await ok(await call(alice, 'PUT', '/api/now-playing', { songId: s.id, state: 'stopped',
        client: 'phone' }));
    const after = await ok(await call(alice, 'GET', '/api/now-playing'));
    assert.equal(after.items.find((e) => e.client === 'phone'), undefined);
    assert.ok((await ok(await call(bob, 'GET', '/api/now-playing'))).items
        .some((e) => e.client === 'bob-desk'));
});

test('play queue: saved and restored, own only, unknown ids and the limit refused', async () => {
    const ids = [songs[0].id, songs[1].id, songs[0].id, songs[2].id];
    assert.deepEqual((await ok(await call(alice, 'GET', '/api/queue'))).songs, []);
    await fails(await call(alice, 'PUT', '/api/queue', { songIds: [songs[0].id, NOPE] }), 400,
        'unknown_song');
    await fails(await call(alice, 'PUT', '/api/queue', { songIds: ids, currentIndex: 4 }), 400);
    await fails(await call(alice, 'PUT', '/api/queue', { songIds: 'x' }), 400);
    await fails(await call(alice, 'PUT', '/api/queue',
        { songIds: Array(1001).fill(songs[0].id) }), 400, 'limit_exceeded');
    assert.deepEqual((await ok(await call(alice, 'GET', '/api/queue'))).songs, []);
    const saved = await ok(await call(alice, 'PUT', '/api/queue', { songIds: ids,
        currentIndex: 2, positionMs: 4200, client: 'web' }));
    assert.deepEqual(saved.songs.map((s) => s.id), ids);
    const restored = await ok(await call(alice, 'GET', '/api/queue'));
    assert.deepEqual(restored.songs.map((s) => s.id), ids);
    assert.equal(restored.currentIndex, 2);
    assert.equal(restored.positionMs, 4200);
    assert.equal(restored.changedBy, 'web');
    assert.equal(typeof restored.changedAt, 'number');
    // B sees an empty queue; B's save does not touch A's.
    assert.deepEqual((await ok(await call(bob, 'GET', '/api/queue'))).songs, []);
    await ok(await call(bob, 'PUT', '/api/queue', { songIds: [songs[3].id] }));
    assert.deepEqual((await ok(await call(alice, 'GET', '/api/queue'))).songs.map((s) => s.id),
        ids);
    const full = await ok(await call(alice, 'PUT', '/api/queue',
        { songIds: Array(1000).fill(songs[1].id), currentIndex: 999 }));
    assert.equal(full.songs.length, 1000);
    assert.equal(full.currentIndex, 999);
});

test('bookmarks: own only, B deleting A\'s bookmark changes nothing, unknown 404', async () => {
    const [s1, s2] = [songs[1], songs[2]];
    await fails(await call(alice, 'PUT', `/api/bookmarks/${NOPE}`, { positionMs: 5 }), 404);
    await fails(await call(alice, 'PUT', `/api/bookmarks/${s1.id}`, {}), 400);
    await fails(await call(alice, 'PUT', `/api/bookmarks/${s1.id}`, { positionMs: 1,
        comment: 'x'.repeat(1025) }), 400, 'limit_exceeded');
    const b = await ok(await call(alice, 'PUT', `/api/bookmarks/${s1.id}`,
        { positionMs: 61000, comment: 'chapter 2' }));
    assert.equal(b.positionMs, 61000);
    assert.equal(b.song.id, s1.id);
    await ok(await call(alice, 'PUT', `/api/bookmarks/${s2.id}`, { positionMs: 10 }));
    const mine = await pages(alice, '/api/bookmarks', 1);
    assert.deepEqual(new Set(mine.map((m) => m.songId)), new Set([s1.id, s2.id]));
    assert.equal(mine.find((m) => m.songId === s1.id).comment, 'chapter 2');
    assert.deepEqual(await pages(bob, '/api/bookmarks', 10), []);
    await fails(await call(bob, 'DELETE', `/api/bookmarks/${s1.id}`), 404);
    await fails(await call(bob, 'DELETE', `/api/bookmarks/${NOPE}`), 404);
    assert.equal((await pages(alice, '/api/bookmarks', 10)).length, 2);
    await ok(await call(alice, 'DELETE', `/api/bookmarks/${s1.id}`));
    assert.deepEqual((await pages(alice, '/api/bookmarks', 10)).map((m) => m.songId), [s2.id]);
    await fails(await call(alice, 'DELETE', `/api/bookmarks/${s1.id}`), 404);
});

test('now_playing_visible=true shows every user\'s devices', async () => {
    const srv = await startServer({ env: { SWAZ_NOW_PLAYING_VISIBLE: 'true' } });
    try {
        await srv.createUser('np_a', 'np a password');
        await srv.createUser('np_b', 'np b password');
        const a = (await srv.login('np_a', 'np a password')).accessToken;
        const b = (await srv.login('np_b', 'np b password')).accessToken;
        const list = await ok(await call(a, 'GET', '/api/songs?limit=1', undefined, srv));
        const id = list.items[0].id;
        await ok(await call(a, 'PUT', '/api/now-playing', { songId: id, client: 'tv' }, srv));
        const seen = await ok(await call(b, 'GET', '/api/now-playing', undefined, srv));
        const e = seen.items.find((x) => x.username === 'np_a');
        assert.ok(e, JSON.stringify(seen));
        assert.equal(e.own, false);
        assert.equal(e.client, 'tv');
    } finally {
        await srv.stop();
    }
});
