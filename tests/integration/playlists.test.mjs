// Playlists, black-box: user B attacking user A's private playlist (read, write, delete,
// export, cover: all 404) and A's public one (read ok, writes 403); duplicates, move and
// reorder with dense positions and right counts; editors; 10,000 entries and the limit;
// M3U import with traversal and outside paths ignored and reported; M3U export.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, allSongs } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let songs = [];
let alice = '';
let bob = '';
let carol = '';

before(async () => {
    server = await startServer();
    songs = await allSongs(server.port, 500);
    await server.createUser('pl_alice', 'alice password 1');
    await server.createUser('pl_bob', 'bob password 12');
    await server.createUser('pl_carol', 'carol password 1');
    alice = (await server.login('pl_alice', 'alice password 1')).accessToken;
    bob = (await server.login('pl_bob', 'bob password 12')).accessToken;
    carol = (await server.login('pl_carol', 'carol password 1')).accessToken;
});

after(async () => {
    await server?.stop();
});

/** A JSON request as `token`; returns the response. */
function call(token, method, p, body) {
    return jsonRequest(server.port, method, p, body, token);
}

async function ok(res, status = 200) {
    assert.equal(res.status, status, res.text().slice(0, 500));
    return status === 204 ? null : res.json();
}

async function entries(token, id) {
    const all = [];
    let after = null;
    for (let i = 0; i < 100; i++) {
        const q = `/api/playlists/${id}?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const page = await ok(await call(token, 'GET', q));
        all.push(...page.entries);
        if (page.next === null) return all;
        after = page.next;
    }
    throw new Error('paging did not end');
}

async function songIds(token, id) {
    const list = await entries(token, id);
    list.forEach((e, i) => assert.equal(e.position, i, 'positions are dense'));
    return list.map((e) => e.song?.id);
}

const sum = (ids) => ids.reduce((t, id) => t + songs.find((s) => s.id === id).durationMs, 0);

test('requires authentication', async () => {
    const res = await call(null, 'GET', '/api/playlists');
    assert.equal(res.status, 401);
});

test('another user\'s private playlist is 404 for every read and write', async () => {
    const [s0, s1] = songs;
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Private mix', songIds: [s0.id, s1.id] }), 201);
    assert.equal(pl.public, false);
    assert.equal(pl.access, 'owner');
    const id = pl.id;
    const attempts = [
        ['GET', `/api/playlists/${id}`],
        ['PATCH', `/api/playlists/${id}`, { name: 'pwned' }],
        ['DELETE', `/api/playlists/${id}`],
        ['POST', `/api/playlists/${id}/entries`, { songIds: [s0.id] }],
        ['DELETE', `/api/playlists/${id}/entries`, { positions: [0] }],
        ['POST', `/api/playlists/${id}/move`, { from: 0, to: 1 }],
        ['PUT', `/api/playlists/${id}/editors`, { usernames: ['pl_bob'] }],
        ['GET', `/api/playlists/${id}/m3u`],
        ['GET', `/api/playlists/${id}/cover`],
    ];
    for (const [method, p, body] of attempts) {
        const res = await call(bob, method, p, body);
        assert.equal(res.status, 404, `${method} ${p}: ${res.status} ${res.text().slice(0, 200)}`);
        assert.equal(errorCode(res), 'not_found');
    }
    const cover = await request(server.port, { method: 'PUT', path: `/api/playlists/${id}/cover`,
        token: bob, headers: { 'Content-Type': 'image/jpeg' }, body: Buffer.alloc(10) });
    assert.equal(cover.status, 404);
    const list = await ok(await call(bob, 'GET', '/api/playlists?limit=500'));
    assert.ok(!list.items.some((p) => p.id === id), 'listed to another user');
    // Nothing changed.
    const mine = await ok(await call(alice, 'GET', `/api/playlists/${id}`));
    assert.equal(mine.name, 'Private mix');
    assert.deepEqual(await songIds(alice, id), [s0.id, s1.id]);
});

test('another user\'s public playlist is read-only', async () => {
    const [s0, s1] = songs;
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Shared mix', public: true, comment: 'for all', songIds: [s0.id] }), 201);
    const id = pl.id;
    const seen = await ok(await call(bob, 'GET', `/api/playlists/${id}`));
    assert.equal(seen.access, 'reader');
    assert.equal(seen.comment, 'for all');
    assert.equal(seen.editors, undefined, 'editors are shown to the owner only');
    assert.equal((await call(bob, 'GET', `/api/playlists/${id}/m3u`)).status, 200);
    assert.equal((await call(bob, 'GET', `/api/playlists/${id}/cover`)).status, 200);
    const list = await ok(await call(bob, 'GET', '/api/playlists?limit=500'));
    assert.ok(list.items.some((p) => p.id === id));
    const attempts = [
        ['PATCH', `/api/playlists/${id}`, { name: 'pwned' }],
        ['DELETE', `/api/playlists/${id}`],
        ['POST', `/api/playlists/${id}/entries`, { songIds: [s1.id] }],
        ['DELETE', `/api/playlists/${id}/entries`, { positions: [0] }],
        ['POST', `/api/playlists/${id}/move`, { order: [0] }],
        ['PUT', `/api/playlists/${id}/editors`, { usernames: ['pl_bob'] }],
    ];
    for (const [method, p, body] of attempts) {
        const res = await call(bob, method, p, body);
        assert.equal(res.status, 403, `${method} ${p}: ${res.status} ${res.text().slice(0, 200)}`);
        assert.equal(errorCode(res), 'forbidden');
    }
    assert.deepEqual(await songIds(alice, id), [s0.id]);
});

test('duplicates, insert at a position, remove, move and reorder keep positions dense', async () => {
    const [a, b, c] = songs;
    const pl = await ok(await call(alice, 'POST', '/api/playlists', { name: 'Edits' }), 201);
    const id = pl.id;
    let p = await ok(await call(alice, 'POST', `/api/playlists/${id}/entries`,
        { songIds: [a.id, b.id, a.id] }));
    assert.equal(p.songCount, 3);
    p = await ok(await call(alice, 'POST', `/api/playlists/${id}/entries`,
        { songIds: [c.id, c.id], position: 1 }));
    assert.deepEqual(await songIds(alice, id), [a.id, c.id, c.id, b.id, a.id]);
    assert.equal(p.durationMs, sum([a.id, c.id, c.id, b.id, a.id]));
    p = await ok(await call(alice, 'DELETE', `/api/playlists/${id}/entries`, { positions: [2, 0] }));
    assert.deepEqual(await songIds(alice, id), [c.id, b.id, a.id]);
    assert.equal(p.songCount, 3);
    assert.equal(p.durationMs, sum([c.id, b.id, a.id]));
    await ok(await call(alice, 'POST', `/api/playlists/${id}/move`, { from: 0, to: 2 }));
    assert.deepEqual(await songIds(alice, id), [b.id, a.id, c.id]);
    await ok(await call(alice, 'POST', `/api/playlists/${id}/move`, { order: [2, 0, 1] }));
    assert.deepEqual(await songIds(alice, id), [c.id, b.id, a.id]);
    for (const body of [{ order: [0, 0, 1] }, { order: [0, 1] }, { from: 0, to: 3 }, {}]) {
        const res = await call(alice, 'POST', `/api/playlists/${id}/move`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal((await call(alice, 'POST', `/api/playlists/${id}/entries`,
        { songIds: ['ffff'] })).status, 400);
    assert.equal((await call(alice, 'POST', `/api/playlists/${id}/entries`,
        { songIds: [a.id], position: 4 })).status, 400);
    assert.deepEqual(await songIds(alice, id), [c.id, b.id, a.id]);
    p = await ok(await call(alice, 'PATCH', `/api/playlists/${id}`,
        { name: 'Renamed', comment: 'now described', public: true }));
    assert.equal(p.name, 'Renamed');
    assert.equal(p.comment, 'now described');
    assert.equal(p.public, true);
    assert.equal((await call(alice, 'PATCH', `/api/playlists/${id}`, { name: '' })).status, 400);
    assert.equal((await call(alice, 'DELETE', `/api/playlists/${id}`)).status, 204);
    assert.equal((await call(alice, 'GET', `/api/playlists/${id}`)).status, 404);
});

test('editors change entries but not the playlist', async () => {
    const [a, b] = songs;
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Together', songIds: [a.id] }), 201);
    const id = pl.id;
    const eds = await ok(await call(alice, 'PUT', `/api/playlists/${id}/editors`,
        { usernames: ['pl_bob'] }));
    assert.deepEqual(eds.editors.map((e) => e.name), ['pl_bob']);
    assert.equal((await call(alice, 'PUT', `/api/playlists/${id}/editors`,
        { usernames: ['nobody_here'] })).status, 400);
    const seen = await ok(await call(bob, 'GET', `/api/playlists/${id}`));
    assert.equal(seen.access, 'editor');
    await ok(await call(bob, 'POST', `/api/playlists/${id}/entries`, { songIds: [b.id] }));
    assert.deepEqual(await songIds(alice, id), [a.id, b.id]);
    assert.equal((await call(bob, 'PATCH', `/api/playlists/${id}`, { name: 'x' })).status, 403);
    assert.equal((await call(bob, 'DELETE', `/api/playlists/${id}`)).status, 403);
    assert.equal((await call(bob, 'PUT', `/api/playlists/${id}/editors`,
        { usernames: [] })).status, 403);
    assert.equal((await call(carol, 'GET', `/api/playlists/${id}`)).status, 404);
    await ok(await call(alice, 'PUT', `/api/playlists/${id}/editors`, { usernames: [] }));
    assert.equal((await call(bob, 'GET', `/api/playlists/${id}`)).status, 404);
});

test('10,000 entries, and one more is refused without changing anything', async () => {
    const ids = Array.from({ length: 10000 }, (_, i) => songs[i % songs.length].id);
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Huge', songIds: ids }), 201);
    assert.equal(pl.songCount, 10000);
    const res = await call(alice, 'POST', `/api/playlists/${pl.id}/entries`,
        { songIds: [songs[0].id] });
    assert.equal(res.status, 413, res.text().slice(0, 200));
    assert.equal(errorCode(res), 'limit_exceeded');
    const got = await songIds(alice, pl.id);
    assert.equal(got.length, 10000);
    assert.deepEqual(got, ids);
    const again = await ok(await call(alice, 'GET', `/api/playlists/${pl.id}?limit=1`));
    assert.equal(again.songCount, 10000);
    assert.equal(again.durationMs, sum(ids));
    const tooMany = await call(alice, 'POST', '/api/playlists',
        { name: 'Too big', songIds: [...ids, songs[0].id] });
    assert.ok([400, 413].includes(tooMany.status), String(tooMany.status));
    const moved = await ok(await call(alice, 'POST', `/api/playlists/${pl.id}/move`,
        { from: 9999, to: 0 }));
    assert.equal(moved.songCount, 10000);
    assert.equal((await call(alice, 'DELETE', `/api/playlists/${pl.id}`)).status, 204);
});

test('M3U import resolves inside the libraries only and reports the rest', async () => {
    const lib = server.musicDirs[0];
    const [a, b, c] = songs;
    const text = [
        '\ufeff#EXTM3U',
        `#EXTINF:3,${a.artist} - ${a.title}`,
        a.path,
        path.join(lib, b.path),
        `file://${encodeURI(path.join(lib, c.path))}`,
        '../../etc/passwd',
        '/etc/passwd',
        `${lib}/../../etc/passwd`,
        `${lib}/${a.path.split('/')[0]}/../../../etc/shadow`,
        'Nobody/Nothing.mp3',
        'http://radio.example/stream',
        '',
    ].join('\r\n');
    const res = await request(server.port, { method: 'POST', path: '/api/playlists/import?name=Imported',
        token: alice, headers: { 'Content-Type': 'text/plain' }, body: text });
    const out = await ok(res, 201);
    assert.equal(out.matched, 3);
    assert.equal(out.playlist.name, 'Imported');
    assert.deepEqual(await songIds(alice, out.playlist.id), [a.id, b.id, c.id]);
    const reasons = Object.fromEntries(out.unmatched.map((u) => [u.path, u.reason]));
    assert.equal(reasons['../../etc/passwd'], 'outside_library');
    assert.equal(reasons['/etc/passwd'], 'outside_library');
    assert.equal(reasons[`${lib}/../../etc/passwd`], 'outside_library');
    assert.equal(reasons['Nobody/Nothing.mp3'], 'not_found');
    assert.equal(reasons['http://radio.example/stream'], 'url');
    assert.equal(out.unmatched.length, 6);

    const json = await ok(await call(alice, 'POST', '/api/playlists/import',
        { name: 'From JSON', m3u: `#EXTM3U\n${b.path}\n${b.path}\n` }), 201);
    assert.equal(json.matched, 2);
    assert.equal(json.unmatched.length, 0);

    const lines = `${'x\n'.repeat(20001)}`;
    const big = await request(server.port, { method: 'POST', path: '/api/playlists/import',
        token: alice, headers: { 'Content-Type': 'text/plain' }, body: lines });
    assert.equal(big.status, 400);
    assert.equal(errorCode(big), 'limit_exceeded');
});

test('M3U export: M3U8 with durations and library-relative paths', async () => {
    const [a, b] = songs;
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Export me', songIds: [a.id, b.id, a.id] }), 201);
    const res = await call(alice, 'GET', `/api/playlists/${pl.id}/m3u`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^audio\/x-mpegurl/);
    const lines = res.text().split('\n').filter((l) => l !== '');
    assert.equal(lines[0], '#EXTM3U');
    const paths = lines.filter((l) => !l.startsWith('#'));
    assert.deepEqual(paths, [a.path, b.path, a.path]);
    const inf = lines.filter((l) => l.startsWith('#EXTINF:'));
    assert.equal(inf.length, 3);
    assert.equal(inf[0], `#EXTINF:${Math.round(a.durationMs / 1000)},${a.artist} - ${a.title}`);
    // What we export imports back to the same songs.
    const back = await request(server.port, { method: 'POST', path: '/api/playlists/import',
        token: alice, headers: { 'Content-Type': 'audio/x-mpegurl' }, body: res.body });
    const out = await ok(back, 201);
    assert.deepEqual(await songIds(alice, out.playlist.id), [a.id, b.id, a.id]);
});

test('covers: a grid or the placeholder, an uploaded image for the owner only', async () => {
    const withCovers = [];
    for (const s of songs) {
        if (s.coverId && !withCovers.some((w) => w.coverId === s.coverId)) withCovers.push(s);
    }
    const pl = await ok(await call(alice, 'POST', '/api/playlists',
        { name: 'Covers', songIds: withCovers.slice(0, 4).map((s) => s.id) }), 201);
    const res = await call(alice, 'GET', `/api/playlists/${pl.id}/cover?size=256`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.equal(res.body[0], 0xff);
    const bad = await request(server.port, { method: 'PUT', path: `/api/playlists/${pl.id}/cover`,
        token: alice, headers: { 'Content-Type': 'image/png' }, body: Buffer.from('not an image') });
    assert.equal(bad.status, 400);
    // Upload the grid we were given (a real JPEG) as the playlist's own cover.
    const up = await request(server.port, { method: 'PUT', path: `/api/playlists/${pl.id}/cover`,
        token: alice, headers: { 'Content-Type': 'image/jpeg' }, body: res.body });
    const after = await ok(up);
    assert.equal(after.hasImage, true);
    const got = await call(alice, 'GET', `/api/playlists/${pl.id}/cover?size=64`);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'image/jpeg');
});
