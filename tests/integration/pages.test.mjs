// The page cache and compressed answers, black-box: library answers are kept between
// identical requests (the metrics count the hits), are stale the moment a scan changes the
// library (run by this server or by `swaz scan` beside it), are never shared between users
// who see different libraries; signed-in users are re-read as soon as their rights change,
// also from another process; and JSON goes gzipped to clients that accept it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, tempDir, testLibrary, run, swazBin, swazEnv } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { scrape } from './lib/metrics.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let library;
let music;

const FILES = [
    'The Quiet Foxes/Northern Lights/04 - Long Night.mp3',
    'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac',
    'Marta Quill/Midnight Sessions/2-02 - Closing Time.ogg',
];
const LATER = 'Marta Quill/Midnight Sessions/1-01 - Blue Hour.m4a';
const LAST = 'The Quiet Foxes/Northern Lights/01 - Aurora.mp3';

function copy(rel) {
    fs.mkdirSync(path.dirname(path.join(music, rel)), { recursive: true });
    fs.copyFileSync(path.join(library, rel), path.join(music, rel));
}

before(async () => {
    library = await testLibrary();
    for (const rel of [LATER, LAST]) {
        assert.ok(fs.existsSync(path.join(library, rel)), `${rel} is not in the test library`);
    }
    music = tempDir('swaz-pages-');
    FILES.forEach(copy);
    server = await startServer({ musicDirs: [music], minSongs: FILES.length,
        env: { SWAZ_WATCH: 'false' } });
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

async function call(method, p, body, token) {
    const res = await request(server.port, { method, path: p, token,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined });
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text().slice(0, 200)}`);
    return res;
}

/** POST /api/scan and wait for it to finish. */
async function rescan() {
    const before_ = (await call('GET', '/api/scan')).json();
    await call('POST', '/api/scan', {});
    for (let i = 0; i < 300; i++) {
        const st = (await call('GET', '/api/scan')).json();
        if (st.scans > before_.scans && st.state === 'idle') return st;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the scan did not finish');
}

const paths = async (p = '/api/songs?limit=50') =>
    (await call('GET', p)).json().items.map((s) => s.path).sort();
const hits = async () => (await scrape(server.port)).get('swaz_page_cache_requests_total{result="hit"}');
const misses = async () =>
    (await scrape(server.port)).get('swaz_page_cache_requests_total{result="miss"}');

test('an identical request is answered from the cache, byte for byte', async () => {
    const h0 = await hits();
    const m0 = await misses();
    const first = await call('GET', '/api/songs?limit=2');
    const again = await call('GET', '/api/songs?limit=2');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers['content-type'], 'application/json');
    assert.equal(again.headers['cache-control'], 'no-store');
    assert.equal(await misses(), m0 + 1);
    assert.equal(await hits(), h0 + 1);
    // Another query is another page; the query's own order and values count.
    const other = await call('GET', '/api/songs?limit=3');
    assert.notDeepEqual(other.body, first.body);
    assert.equal(await misses(), m0 + 2);
    // Random and per-user lists are never kept: not even counted.
    for (const list of ['random', 'starred', 'recent']) {
        await call('GET', `/api/albums?list=${list}`);
        await call('GET', `/api/albums?list=${list}`);
    }
    assert.equal(await hits(), h0 + 1);
    assert.equal(await misses(), m0 + 2);
});

test('a scan that finds nothing changed keeps every kept answer', async () => {
    // A folder holding a file that cannot be read is read again at every scan (to retry it);
    // that alone changes nothing either.
    fs.mkdirSync(path.join(music, 'Broken'), { recursive: true });
    fs.writeFileSync(path.join(music, 'Broken', 'bad.mp3'), 'not audio at all');
    assert.equal((await rescan()).result, 'ok');
    await call('GET', '/api/albums?limit=7');
    const m0 = await misses();
    const h0 = await hits();
    const st = await rescan();
    assert.equal(st.result, 'ok');
    await call('GET', '/api/albums?limit=7');
    assert.equal(await misses(), m0, 'the page was dropped by a scan that changed nothing');
    assert.equal(await hits(), h0 + 1);
    // A `swaz scan` beside the server that changes nothing keeps it too.
    const res = await run(swazBin, ['scan', ...server.cliArgs],
        { env: swazEnv(server.db.url, server.env), timeoutMs: 120000 });
    assert.equal(res.code, 0, res.stderr);
    await call('GET', '/api/albums?limit=7');
    assert.equal(await misses(), m0);
});

test('a scan that changes the library is seen at once, in every kept answer', async () => {
    const songs = await paths();
    const albums = (await call('GET', '/api/albums?limit=50')).json().items;
    const found = (await call('GET', '/api/search?q=blue+hou')).json();
    assert.deepEqual(songs, [...FILES].sort());
    assert.equal(found.songs.length, 0);
    copy(LATER);
    const st = await rescan();
    assert.equal(st.result, 'ok');
    assert.deepEqual(await paths(), [...FILES, LATER].sort());
    assert.deepEqual((await call('GET', '/api/search?q=blue+hou')).json().songs.map((s) => s.path),
        [LATER]);
    const now = (await call('GET', '/api/albums?limit=50')).json().items;
    const count = (items, name) => items.find((a) => a.name === name)?.songCount;
    assert.equal(count(now, 'Midnight Sessions'), count(albums, 'Midnight Sessions') + 1);
});

test('a scan run by another process is seen too', async () => {
    assert.ok(!(await paths()).includes(LAST));
    copy(LAST);
    const res = await run(swazBin, ['scan', ...server.cliArgs],
        { env: swazEnv(server.db.url, server.env), timeoutMs: 120000 });
    assert.equal(res.code, 0, res.stderr);
    assert.ok((await paths()).includes(LAST));
});

test('users who see other libraries never get a kept answer of someone else', async () => {
    const everything = await paths();
    assert.ok(everything.length > 0);
    const made = await request(server.port, { method: 'POST', path: '/api/users',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'pages_none', password: 'pages none password',
            allLibraries: false, libraryIds: [] }) });
    assert.equal(made.status, 201, made.text());
    const token = (await server.login('pages_none', 'pages none password')).accessToken;
    const mine = (await call('GET', '/api/songs?limit=50', undefined, token)).json();
    assert.deepEqual(mine.items, []);
    // Given every library, the same user sees everything on the very next request.
    const id = made.json().id;
    await call('PATCH', `/api/users/${id}`, { allLibraries: true });
    const all = (await call('GET', '/api/songs?limit=50', undefined, token)).json();
    assert.deepEqual(all.items.map((s) => s.path).sort(), everything);
});

test('a signed-in user is re-read as soon as an account changes, here or in the CLI', async () => {
    for (const name of ['pages_off', 'pages_gone']) {
        const made = await request(server.port, { method: 'POST', path: '/api/users',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: name, password: `${name} password` }) });
        assert.equal(made.status, 201, made.text());
    }
    const off = (await server.login('pages_off', 'pages_off password'));
    const gone = (await server.login('pages_gone', 'pages_gone password')).accessToken;
    for (const token of [off.accessToken, gone]) {
        await call('GET', '/api/songs?limit=1', undefined, token);
        await call('GET', '/api/me', undefined, token);
    }
    await call('PATCH', `/api/users/${off.user.id}`, { disabled: true });
    const denied = await request(server.port, { path: '/api/songs?limit=1', token: off.accessToken });
    assert.equal(denied.status, 401);
    const res = await run(swazBin, ['user', 'delete', 'pages_gone', ...server.cliArgs],
        { env: swazEnv(server.db.url, server.env), timeoutMs: 30000 });
    assert.equal(res.code, 0, res.stderr);
    const after_ = await request(server.port, { path: '/api/songs?limit=1', token: gone });
    assert.equal(after_.status, 401);
});

test('gzip: kept and freshly rendered answers, for clients that accept it', async () => {
    const gz = { 'Accept-Encoding': 'gzip, deflate' };
    for (const p of ['/api/songs?limit=20', '/api/songs?limit=20', '/api/albums?list=random']) {
        const plain = await call('GET', p);
        const res = await request(server.port, { path: p, headers: gz });
        assert.equal(res.status, 200);
        assert.match(res.headers.vary ?? '', /Accept-Encoding/);
        assert.ok(plain.body.length >= 1024, `${p}: ${plain.body.length} bytes, too few to test`);
        assert.equal(res.headers['content-encoding'], 'gzip', p);
        assert.ok(res.body.length < plain.body.length, p);
        const body = zlib.gunzipSync(res.body);
        if (!p.includes('random')) assert.deepEqual(body, plain.body);
        assert.ok(Array.isArray(JSON.parse(body.toString('utf8')).items), p);
        // Kept pages are held in gzip form: a client without gzip gets them inflated.
        const again = await call('GET', p);
        assert.equal(again.headers['content-encoding'], undefined, p);
        if (!p.includes('random')) assert.deepEqual(again.body, plain.body);
    }
    // Small answers are not worth it.
    const small = await request(server.port, { path: '/api/me', headers: gz });
    assert.ok(small.body.length < 1024);
    assert.equal(small.headers['content-encoding'], undefined);
    // q=0 refuses gzip.
    const refused = await request(server.port, { path: '/api/songs?limit=20',
        headers: { 'Accept-Encoding': 'gzip;q=0, identity' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.deepEqual(refused.body, (await call('GET', '/api/songs?limit=20')).body);
    assert.doesNotThrow(() => refused.json());
});
