// GET /api/search on the generated test library: groups, prefix matching while typing,
// case and accents, ranking, type filter, hostile query text, limits; typos on PostgreSQL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from './lib/server.mjs';
import { request, getJson, errorCode } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;

before(async () => {
    server = await startServer();
});

after(async () => {
    await server?.stop();
});

const search = (q, extra = '') =>
    getJson(server.port, `/api/search?q=${encodeURIComponent(q)}${extra}`);

test('returns artists, albums and songs groups with full objects', async () => {
    const r = await search('foxes');
    assert.ok(Array.isArray(r.artists) && Array.isArray(r.albums) && Array.isArray(r.songs));
    assert.equal(r.artists[0]?.name, 'The Quiet Foxes');
    assert.equal(typeof r.artists[0].songCount, 'number');
    assert.ok(r.songs.some((s) => s.title === 'Aurora'), 'songs match on their artist');
    for (const s of r.songs) assert.equal(typeof s.durationMs, 'number');
});

test('prefix matching while typing, case-insensitive', async () => {
    for (const q of ['nor', 'north', 'NORTHERN LI', 'northern lights']) {
        const r = await search(q, '&type=album');
        assert.equal(r.albums[0]?.name, 'Northern Lights', q);
    }
    const r = await search('quiet fox');
    assert.equal(r.artists[0]?.name, 'The Quiet Foxes');
});

test('accent-insensitive both ways', async () => {
    for (const q of ['cafe', 'CAFÉ', 'café olé', 'cafe ole']) {
        const r = await search(q, '&type=album');
        assert.equal(r.albums[0]?.name, 'Café Olé', q);
    }
    assert.equal((await search('solrun')).artists[0]?.name, 'Sólrún Ævarsdóttir');
    assert.equal((await search('senorita', '&type=song')).songs[0]?.title, 'Señorita Ñandú');
    assert.equal((await search('uber', '&type=song')).songs[0]?.title, 'Über Straße');
});

test('ranks an exact name first', async () => {
    const r = await search('aurora', '&type=song');
    assert.equal(r.songs[0]?.title, 'Aurora');
    const blue = await search('blue hour', '&type=song');
    assert.equal(blue.songs[0]?.title, 'Blue Hour');
});

test('name prefixes come before other matches; a leading "the" stays in the query', async () => {
    const r = await search('the qu', '&type=artist');
    assert.equal(r.artists[0]?.name, 'The Quiet Foxes');
    for (const a of r.artists) {
        assert.match(a.name, /\bthe\b/i, a.name);
        assert.match(a.name, /\bqu/i, a.name);
    }
    const foxes = await search('quiet', '&type=song');
    assert.ok(foxes.songs.length > 0);
    for (const s of foxes.songs) {
        assert.ok(/\bquiet/i.test(`${s.title} ${s.artist} ${s.album}`), s.title);
    }
});

test('type= selects one group; limit= caps each group', async () => {
    const r = await search('a', '&type=artist');
    assert.deepEqual(Object.keys(r), ['artists']);
    const one = await search('l', '&limit=1');
    assert.ok(one.artists.length <= 1 && one.albums.length <= 1 && one.songs.length <= 1);
});

test('query-language syntax is plain text', async () => {
    for (const q of ['"', '*', '\'', '\' OR 1=1 --', 'NEAR(aurora lake)', 'a & b | !c', 'x:*',
        '{title}: aurora', '^aurora', '"quoted" 100%', '\\', '(((', ')))', 'aurora"*',
        'AND', 'OR NOT']) {
        const res = await request(server.port,
            { path: `/api/search?q=${encodeURIComponent(q)}` });
        assert.equal(res.status, 200, `${q}: ${res.status} ${res.text().slice(0, 200)}`);
    }
    const r = await search('100% song', '&type=song');
    assert.ok(r.songs.some((s) => s.title.includes('quoted')), JSON.stringify(r));
    const none = await search('!!!');
    assert.deepEqual(none, { artists: [], albums: [], songs: [] });
});

test('bad parameters are 400', async () => {
    for (const p of ['', '?q=a&limit=0', '?q=a&limit=abc', '?q=a&limit=101', '?q=a&type=genre',
        `?q=${'a'.repeat(257)}`, `?q=${encodeURIComponent('a '.repeat(9))}`]) {
        const res = await request(server.port, { path: `/api/search${p}` });
        assert.equal(res.status, 400, `${p}: ${res.status}`);
        errorCode(res);
    }
});

test('typos find close names on PostgreSQL', { skip: backend !== 'postgres' }, async () => {
    const r = await search('northen lights', '&type=album');
    assert.ok(r.albums.some((a) => a.name === 'Northern Lights'), JSON.stringify(r));
});
