// GET/POST /api/scan and folder watching: the start-up scan is reported as finished, a manual
// scan answers 202 and completes, hostile files show up as scan errors, and files copied into
// or deleted from the music folder appear in / vanish from /api/songs without a manual scan.
// The server gets a private copy of the test library, because these tests modify it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, testLibrary, tempDir, allSongs } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { TEST_SONGS } from './lib/library.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let music = '';
let copyRoot = '';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** GET /api/scan as JSON. */
async function scanStatus() {
    const res = await request(server.port, { path: '/api/scan' });
    assert.equal(res.status, 200, res.text());
    assert.match(String(res.headers['content-type']), /^application\/json/);
    return res.json();
}

/** Polls GET /api/scan until `ok(status)` holds; returns that status. */
async function waitScan(ok, what, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    let st;
    for (;;) {
        st = await scanStatus();
        if (ok(st)) return st;
        if (Date.now() > deadline) {
            throw new Error(`${what}: not reached in ${timeoutMs} ms: ${JSON.stringify(st)}\n` +
                server.logTail());
        }
        await sleep(100);
    }
}

/** Polls /api/songs until `ok(songs)` holds; returns the time it took in ms. */
async function waitSongs(ok, what, timeoutMs) {
    const started = Date.now();
    for (;;) {
        const songs = await allSongs(server.port, 500);
        if (ok(songs)) return Date.now() - started;
        if (Date.now() - started > timeoutMs) {
            throw new Error(`${what}: not seen in ${timeoutMs} ms\n${server.logTail()}`);
        }
        await sleep(200);
    }
}

before(async () => {
    const lib = await testLibrary();
    copyRoot = tempDir('swaz-scan-music-');
    music = path.join(copyRoot, 'music');
    fs.cpSync(lib, music, { recursive: true });
    server = await startServer({ musicDirs: [music], minSongs: TEST_SONGS.length,
        args: ['--watch-debounce', '1'] });
});

after(async () => {
    try {
        await server?.stop();
    } finally {
        if (copyRoot) fs.rmSync(copyRoot, { recursive: true, force: true });
    }
});

test('GET /api/scan after start-up shows a finished full scan', async () => {
    const st = await waitScan((s) => s.state === 'idle' && s.finishedAt !== null,
        'start-up scan finished');
    assert.equal(st.result, 'ok');
    assert.equal(st.full, true);
    assert.match(st.startedAt, ISO);
    assert.match(st.finishedAt, ISO);
    assert.ok(Date.parse(st.finishedAt) >= Date.parse(st.startedAt));
    assert.ok(st.scans >= 1);
    assert.ok(st.seen >= TEST_SONGS.length, `seen ${st.seen}`);
    for (const k of ['total', 'seen', 'added', 'updated', 'unchanged', 'missing', 'errors',
        'filesPerSecond']) {
        assert.equal(typeof st[k], 'number', k);
    }
    assert.ok(Array.isArray(st.recentErrors));
    assert.ok(st.errorCount === null || typeof st.errorCount === 'number');
});

test('errors from hostile files are visible in GET /api/scan', async () => {
    const st = await waitScan((s) => s.state === 'idle' && s.finishedAt !== null, 'scan done');
    assert.ok(st.errors >= 1, `errors ${st.errors}`);
    const hostile = st.recentErrors.filter((e) => e.path.includes(`${path.sep}Hostile${path.sep}`));
    assert.ok(hostile.length >= 1, JSON.stringify(st.recentErrors));
    for (const e of st.recentErrors) {
        assert.equal(typeof e.path, 'string');
        assert.equal(typeof e.message, 'string');
        assert.ok(e.message.length > 0);
    }
    const notAudio = st.recentErrors.some((e) => /notaudio\.flac|empty\.mp3/.test(e.path));
    assert.ok(notAudio, `no error for notaudio.flac or empty.mp3: ${JSON.stringify(st.recentErrors)}`);
});

test('POST /api/scan -> 202 with the status, and the scan completes', async () => {
    const before_ = await waitScan((s) => s.state === 'idle', 'idle before POST');
    const res = await request(server.port, { method: 'POST', path: '/api/scan' });
    assert.equal(res.status, 202, res.text());
    const body = res.json();
    assert.ok(['idle', 'scanning'].includes(body.state));
    const st = await waitScan((s) => s.scans > before_.scans && s.state === 'idle',
        'manual scan finished');
    assert.equal(st.result, 'ok');
    assert.equal(st.full, true);
    assert.equal(st.added, 0, 'nothing changed, nothing added');
    assert.ok(st.seen >= TEST_SONGS.length);
    // `{}` (what the web player sends) is a full scan too.
    const again = await request(server.port, { method: 'POST', path: '/api/scan', body: '{}',
        headers: { 'Content-Type': 'application/json' } });
    assert.equal(again.status, 202, again.text());
    const st2 = await waitScan((s) => s.scans > st.scans && s.state === 'idle', '{} scan finished');
    assert.equal(st2.full, true);
});

test('POST /api/scan with paths scans those folders', async () => {
    const before_ = await waitScan((s) => s.state === 'idle', 'idle before POST');
    const res = await request(server.port, {
        method: 'POST', path: '/api/scan', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ paths: [path.join(music, 'Hostile')] }),
    });
    assert.equal(res.status, 202, res.text());
    const st = await waitScan((s) => s.scans > before_.scans && s.state === 'idle',
        'partial scan finished');
    assert.equal(st.result, 'ok');
    assert.equal(st.full, false);
});

test('POST /api/scan rejects malformed bodies and foreign paths with JSON 400', async () => {
    const bodies = ['{', '[]', '"x"', '{"paths":"x"}', '{"paths":[1]}', '{"paths":["relative"]}',
        '{"paths":["/etc"]}', JSON.stringify({ paths: [`${music}/../x`] }),
        JSON.stringify({ paths: Array.from({ length: 300 }, (_, i) => `${music}/d${i}`) })];
    for (const body of bodies) {
        const res = await request(server.port, { method: 'POST', path: '/api/scan', body });
        assert.equal(res.status, 400, `${body.slice(0, 60)}: ${res.status} ${res.text()}`);
        errorCode(res);
    }
    const put = await request(server.port, { method: 'PUT', path: '/api/scan' });
    assert.equal(put.status, 405);
});

test('a file copied into the music folder appears without a manual scan; deleted, it goes',
    async () => {
        await waitScan((s) => s.state === 'idle', 'idle before copying');
        const src = path.join(music, TEST_SONGS[0].path);
        const dir = path.join(music, 'Watched Artist', 'Watched Album');
        fs.mkdirSync(dir, { recursive: true });
        const rel = 'Watched Artist/Watched Album/01 - Copied.mp3';
        // Write beside and rename into place, as a careful copier does.
        const tmp = path.join(copyRoot, 'partial.mp3');
        fs.copyFileSync(src, tmp);
        fs.renameSync(tmp, path.join(music, rel));
        const took = await waitSongs((songs) => songs.some((s) => s.path === rel),
            'copied song', 1000 + 5000 + 5000);
        assert.ok(took < 11000, `took ${took} ms`);

        // A plain copy (open, write, close) into an existing folder is seen as well.
        const rel2 = 'Watched Artist/Watched Album/02 - Copied Again.mp3';
        fs.copyFileSync(src, path.join(music, rel2));
        await waitSongs((songs) => songs.some((s) => s.path === rel2), 'second copy', 11000);

        fs.unlinkSync(path.join(music, rel));
        await waitSongs((songs) => !songs.some((s) => s.path === rel), 'deleted song', 11000);
        const all = await allSongs(server.port, 500);
        assert.ok(all.some((s) => s.path === rel2), 'the other copy must stay');
        const st = await scanStatus();
        assert.ok(st.scans >= 2);
    });
