// The transcode cache: a second request is served from disk (no second encode, counted in
// /metrics) with Range and ETag like an original; two listeners at once share one encoder;
// LRU eviction under a small transcode_cache_mb; a listener who leaves mid-encode and a
// crash leave no half file; stale temp files are removed at start-up; `swaz transcode
// --ladder` (whole library or one playlist) fills the cache a running server then serves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, allSongs, run, tempDir, swazCli } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';
import { toneWav } from './lib/audio.mjs';
import { scrape } from './lib/metrics.mjs';

let music;
/** @type {import('./lib/server.mjs').Server} */
let server;
let songs;

/** A mono `hz` sine of `seconds` at 44.1 kHz as WAV, tagged with its title. */
function gen(dir, name, seconds, hz = 330) {
    return toneWav(dir, name, { seconds, hz, rate: 44100, codec: 'pcm_s16le',
        artist: 'Cache Artist', album: 'Cache Album' });
}

before(async () => {
    music = tempDir('swaz-tcache-music-');
    const dir = path.join(music, 'Cache Artist', 'Cache Album');
    fs.mkdirSync(dir, { recursive: true });
    await gen(dir, 'Short', 20);
    await gen(dir, 'Long', 300);
    server = await startServer({ musicDirs: [music], minSongs: 2 });
    songs = new Map((await allSongs(server.port)).map((s) => [s.title, s]));
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

const streamPath = (song, query) => `/api/songs/${encodeURIComponent(song.id)}/stream?${query}`;

/** Differences of the named metrics between two scrapes. */
const delta = (a, b, name) => (b.get(name) ?? 0) - (a.get(name) ?? 0);
const STARTED = 'swaz_transcodes_started_total';
const HIT = 'swaz_transcode_cache_requests_total{result="hit"}';
const JOIN = 'swaz_transcode_cache_requests_total{result="join"}';
const MISS = 'swaz_transcode_cache_requests_total{result="miss"}';

/** The finished files and temp files in the server's cache folder. */
function cacheFiles(srv) {
    const dir = path.join(srv.dataDir, 'transcodes');
    const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    return { done: names.filter((n) => !n.endsWith('.tmp')), tmp: names.filter((n) => n.endsWith('.tmp')),
        bytes: names.reduce((s, n) => s + fs.statSync(path.join(dir, n)).size, 0) };
}

/** Waits until `check()` is true (the encoder ends a moment after the last byte). */
async function until(check, what) {
    for (let i = 0; i < 100; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
}

test('the second request is a cache hit: same bytes, no second encode, Range and ETag', async () => {
    const song = songs.get('Short');
    const q = 'format=mp3&bitrate=96';
    const m0 = await scrape(server.port);
    const first = await request(server.port, { path: streamPath(song, q), timeoutMs: 30000 });
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-length'], undefined, 'the first one is live');
    await until(() => cacheFiles(server).done.length === 1, 'the cache file');
    const m1 = await scrape(server.port);
    assert.equal(delta(m0, m1, STARTED), 1);
    assert.equal(delta(m0, m1, MISS), 1);

    const second = await request(server.port, { path: streamPath(song, q) });
    assert.equal(second.status, 200);
    assert.equal(second.headers['content-type'], 'audio/mpeg');
    assert.equal(Number(second.headers['content-length']), first.body.length);
    assert.equal(sha256(second.body), sha256(first.body));
    const etag = second.headers.etag;
    assert.ok(etag, 'a cached transcode has an ETag');
    const m2 = await scrape(server.port);
    assert.equal(delta(m1, m2, STARTED), 0, 'no second encode');
    assert.equal(delta(m1, m2, HIT), 1);

    const part = await request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=100-1099', 'If-Range': etag } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-1099/${first.body.length}`);
    assert.equal(sha256(part.body), sha256(first.body.subarray(100, 1100)));
    const stale = await request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=100-1099', 'If-Range': '"other"' } });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.length, first.body.length);
    const notModified = await request(server.port, { path: streamPath(song, q),
        headers: { 'If-None-Match': etag } });
    assert.equal(notModified.status, 304);
    const m3 = await scrape(server.port);
    assert.equal(delta(m2, m3, STARTED), 0);
    assert.equal((await scrape(server.port)).get('swaz_transcode_cache_files'), 1);
});

test('a cached FLAC carries its length in STREAMINFO (a stream cannot)', async () => {
    const song = songs.get('Short');
    const first = await request(server.port, { path: streamPath(song, 'format=flac'),
        timeoutMs: 30000 });
    assert.equal(first.status, 200);
    await until(() => cacheFiles(server).done.some((n) => n.includes('-flac-')), 'the FLAC');
    const cached = await request(server.port, { path: streamPath(song, 'format=flac') });
    assert.ok(cached.headers['content-length'], 'served from the cache');
    const total = (b) => ((b[21] & 0x0f) * 2 ** 32) + b.readUInt32BE(22);
    assert.equal(total(first.body), 0, 'a stream has no total');
    assert.ok(Math.abs(total(cached.body) / 44100 - 20) < 0.1, `${total(cached.body)} samples`);
    const file = path.join(server.dataDir, 'cached.flac');
    fs.writeFileSync(file, cached.body);
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration',
        '-of', 'csv=p=0', file]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.ok(Math.abs(Number(probe.stdout) - 20) < 0.1, `ffprobe says ${probe.stdout}`);
});

/** Starts a request and resolves with the response once its head is in, unread. */
function openStream(port, p, token) {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: p, agent: false,
            headers: { Authorization: `Bearer ${token}` } });
        req.on('error', reject);
        req.on('response', (res) => resolve({ req, res }));
        req.end();
    });
}

/** Reads a response to its end. */
function readAll(res) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
    });
}

test('two listeners at once share one encoder; a listener who leaves stops it', async () => {
    const song = songs.get('Long');
    const q = 'format=mp3&bitrate=64';
    const token = server.admin.accessToken;
    const m0 = await scrape(server.port);
    const a = await openStream(server.port, streamPath(song, q), token);
    const b = await openStream(server.port, streamPath(song, q), token);
    assert.equal(a.res.statusCode, 200);
    assert.equal(b.res.statusCode, 200);
    const [bodyA, bodyB] = await Promise.all([readAll(a.res), readAll(b.res)]);
    const m1 = await scrape(server.port);
    assert.equal(delta(m0, m1, STARTED), 1, 'one encoder for both');
    assert.equal(delta(m0, m1, MISS), 1);
    assert.equal(delta(m0, m1, JOIN), 1, 'the second listener followed the running encode');
    assert.ok(bodyA.length > 300 * 64 * 1000 / 8 * 0.9, `${bodyA.length} bytes`);
    assert.equal(sha256(bodyA), sha256(bodyB));

    // One listener of an encode leaves at once: the encoder stops, nothing is kept.
    const c = await openStream(server.port, streamPath(song, 'format=opus&bitrate=48'), token);
    assert.equal(c.res.statusCode, 200);
    c.res.on('error', () => {});
    c.req.on('error', () => {});
    c.req.destroy();
    await until(async () => delta(m1, await scrape(server.port),
        'swaz_transcodes_cancelled_total') === 1, 'the encoder to stop');
    await until(async () => (await scrape(server.port)).get('swaz_transcodes_running') === 0,
        'no encoder running');
    const files = cacheFiles(server);
    assert.equal(files.tmp.length, 0, `temp files left: ${files.tmp}`);
    assert.ok(!files.done.some((n) => n.includes('-opus-')), 'a half opus file was kept');
});

test('a Range inside a transcode still being encoded: the bytes already written', async () => {
    const song = songs.get('Long');
    const q = 'format=mp3&bitrate=160';
    const token = server.admin.accessToken;
    const a = await openStream(server.port, streamPath(song, q), token);
    assert.equal(a.res.statusCode, 200);
    const whole = readAll(a.res);
    const dir = path.join(server.dataDir, 'transcodes');
    const tmpSize = () => cacheFiles(server).tmp
        .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    await until(() => tmpSize() > 60000, 'the encode to write 60 kB');
    const closed = await request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=1000-50999' } });
    const open = await request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=5000-' } });
    const during = cacheFiles(server);
    assert.equal(during.tmp.length, 1, 'the encode was still running');
    assert.ok(!during.done.some((n) => n.includes('-160k-')), 'the encode was still running');
    // The end is not known yet: a suffix gets the whole output.
    const suffix = request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=-100' }, timeoutMs: 60000 });
    assert.equal(closed.status, 206);
    assert.equal(closed.headers['content-range'], 'bytes 1000-50999/*');
    assert.equal(closed.headers['cache-control'], 'no-store');
    assert.equal(closed.body.length, 50000);
    assert.equal(open.status, 206);
    const m = /^bytes 5000-(\d+)\/\*$/.exec(open.headers['content-range']);
    assert.ok(m, open.headers['content-range']);
    assert.equal(open.body.length, Number(m[1]) - 5000 + 1);
    assert.ok(open.body.length >= 55000, `${open.body.length} bytes`);

    const full = await whole;
    assert.ok(full.length > 300 * 160 * 1000 / 8 * 0.9, `${full.length} bytes`);
    assert.equal(sha256(closed.body), sha256(full.subarray(1000, 51000)));
    assert.equal(sha256(open.body), sha256(full.subarray(5000, 5000 + open.body.length)));
    const s = await suffix;
    assert.equal(s.status, 200);
    assert.equal(sha256(s.body), sha256(full));
    // Finished: the same Range knows the whole length.
    await until(() => cacheFiles(server).done.some((n) => n.includes('-160k-')), 'the file');
    const after = await request(server.port, { path: streamPath(song, q),
        headers: { Range: 'bytes=1000-50999' } });
    assert.equal(after.status, 206);
    assert.equal(after.headers['content-range'], `bytes 1000-50999/${full.length}`);
    assert.equal(sha256(after.body), sha256(closed.body));
});

test('a cache folder that cannot be written: the transcode streams live instead', async () => {
    const song = songs.get('Short');
    const dir = path.join(server.dataDir, 'transcodes');
    const aside = `${dir}.aside`;
    fs.renameSync(dir, aside);
    fs.writeFileSync(dir, 'not a folder'); // even root cannot create files below this
    try {
        const m0 = await scrape(server.port);
        const res = await request(server.port, { path: streamPath(song, 'format=opus&bitrate=48'),
            timeoutMs: 30000 });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-length'], undefined);
        assert.equal(res.body.subarray(0, 4).toString(), 'OggS');
        assert.ok(res.body.length > 20 * 48000 / 8 * 0.8, `${res.body.length} bytes`);
        const m1 = await scrape(server.port);
        assert.equal(delta(m0, m1, STARTED), 1);
        assert.equal(delta(m0, m1, MISS), 0, 'the cache took no part');
        assert.match(server.log(), /transcode cache unusable \(Not a directory\)/);
    } finally {
        fs.rmSync(dir, { force: true });
        fs.renameSync(aside, dir);
    }
});

test('LRU eviction keeps the cache under transcode_cache_mb', async () => {
    const small = await startServer({ musicDirs: [music], minSongs: 2,
        env: { SWAZ_TRANSCODE_CACHE_MB: '1' } });
    try {
        const short = (await allSongs(small.port)).find((s) => s.title === 'Short');
        const get = (kbps) => request(small.port, {
            path: streamPath(short, `format=mp3&bitrate=${kbps}`), timeoutMs: 30000 });
        // 20 s at 128..320 kbps: 320, 400, 480, 640, 800 kB, together well over 1 MiB.
        for (const kbps of [128, 160, 192, 256, 320]) {
            assert.equal((await get(kbps)).status, 200);
            await until(() => cacheFiles(small).done.some((n) => n.includes(`-${kbps}k-`)),
                `the ${kbps} kbps file`);
        }
        const m = await scrape(small.port);
        assert.ok(m.get('swaz_transcode_cache_evictions_total') >= 2,
            `evictions ${m.get('swaz_transcode_cache_evictions_total')}`);
        const files = cacheFiles(small);
        assert.ok(files.bytes <= 1024 * 1024, `${files.bytes} bytes on disk`);
        assert.equal(m.get('swaz_transcode_cache_bytes'), files.bytes);
        assert.ok(files.done.some((n) => n.includes('-320k-')), 'the newest was evicted');
        assert.ok(!files.done.some((n) => n.includes('-128k-')), 'the oldest was kept');
        // The kept one is a hit; the evicted one is encoded again.
        assert.equal((await get(320)).headers['content-length'] !== undefined, true);
        assert.equal((await get(128)).headers['content-length'], undefined);
        const m2 = await scrape(small.port);
        assert.equal(delta(m, m2, STARTED), 1);
        assert.equal(delta(m, m2, HIT), 1);
    } finally {
        await small.stop();
    }
});

test('a crash mid-encode leaves no servable half file; start-up removes temp files', async () => {
    const dataDir = tempDir('swaz-tcache-data-');
    const first = await startServer({ musicDirs: [music], minSongs: 2, dataDir });
    let second;
    try {
        const long = (await allSongs(first.port)).find((s) => s.title === 'Long');
        const q = 'format=flac';
        const s = await openStream(first.port, streamPath(long, q), first.admin.accessToken);
        s.res.on('error', () => {});
        s.req.on('error', () => {});
        assert.equal(s.res.statusCode, 200);
        await until(() => cacheFiles(first).tmp.length === 1, 'the temp file');
        first.proc.kill('SIGKILL');
        await first.exited;
        first.stopped = true; // killed on purpose: no clean-exit checks
        s.req.destroy();
        assert.equal(cacheFiles(first).tmp.length, 1, 'the crash left its temp file');
        assert.equal(cacheFiles(first).done.length, 0);

        second = await startServer({ musicDirs: [music], minSongs: 2, dataDir, db: first.db });
        assert.equal(cacheFiles(second).tmp.length, 0, 'stale temp file still there');
        const m0 = await scrape(second.port);
        const res = await request(second.port, { path: streamPath(long, q), timeoutMs: 60000 });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-length'], undefined, 'served a half file');
        const m1 = await scrape(second.port);
        assert.equal(delta(m0, m1, MISS), 1);
        const out = path.join(dataDir, 'out.flac');
        fs.writeFileSync(out, res.body);
        // A streamed FLAC carries no total: the end of its last packet is the duration.
        const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0',
            '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', out]);
        assert.equal(probe.code, 0, probe.stderr);
        const [pts, dur] = probe.stdout.trim().split('\n').at(-1).split(',').map(Number);
        assert.ok(Math.abs(pts + dur - 300) < 1, `duration ${pts + dur}`);
    } finally {
        await second?.stop().catch(() => {});
        await first.db.drop().catch(() => {});
        fs.rmSync(dataDir, { recursive: true, force: true });
    }
});

test('swaz transcode --ladder makes the ladder a running server then serves from disk', async () => {
    const lib = tempDir('swaz-ladder-music-');
    const dir = path.join(lib, 'Cache Artist', 'Cache Album');
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['One', 'Two', 'Three']) await gen(dir, name, 5);
    const srv = await startServer({ musicDirs: [lib], minSongs: 3 });
    try {
        const list = await allSongs(srv.port);
        const two = list.find((s) => s.title === 'Two');
        const pl = await request(srv.port, { method: 'POST', path: '/api/playlists',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: 'Ladder', songIds: [two.id] }) });
        assert.equal(pl.status, 201, pl.text());
        const ctx = { dataDir: srv.dataDir, dbUrl: srv.db.url,
            env: { SWAZ_MUSIC_DIRS: lib }, timeoutMs: 120000 };

        const usage = await swazCli(['transcode'], ctx);
        assert.equal(usage.code, 2, usage.stderr);
        const unknown = await swazCli(['transcode', '--ladder', '--playlist', 'nope'], ctx);
        assert.equal(unknown.code, 1, unknown.stderr);

        // One playlist: its one song, three steps, plain progress lines (not a terminal).
        const one = await swazCli(['transcode', '--ladder', '--playlist', pl.json().id], ctx);
        assert.equal(one.code, 0, one.stderr);
        assert.match(one.stderr, /^transcode: \[#+\] 1\/1 songs, 3 encoded, 0 cached, 0 skipped, 0 failed$/m);
        assert.equal(cacheFiles(srv).done.length, 3);

        // The server serves what the CLI made: a hit, no encode in the server.
        const m0 = await scrape(srv.port);
        for (const kbps of [320, 128, 64]) {
            const res = await request(srv.port, { path: streamPath(two, `maxBitRate=${kbps}`) });
            assert.equal(res.status, 200);
            assert.ok(res.headers['content-length'], `${kbps}: not from the cache`);
        }
        const m1 = await scrape(srv.port);
        assert.equal(delta(m0, m1, STARTED), 0);
        assert.equal(delta(m0, m1, HIT), 3);

        // The whole library: the playlist's song is already there.
        const all = await swazCli(['transcode', '--ladder'], ctx);
        assert.equal(all.code, 0, all.stderr);
        assert.match(all.stderr, /3\/3 songs, 6 encoded, 3 cached, 0 skipped, 0 failed$/m);
        assert.equal(cacheFiles(srv).done.length, 9);
        assert.equal(cacheFiles(srv).tmp.length, 0);
    } finally {
        await srv.stop();
        fs.rmSync(lib, { recursive: true, force: true });
    }
});

test('a changed source file is encoded again, never answered from the old output', async () => {
    const song = songs.get('Short');
    const q = 'format=opus&bitrate=48';
    const mine = () => cacheFiles(server).done.filter((n) => n.startsWith(`${song.id}-opus-48k-`));
    const first = await request(server.port, { path: streamPath(song, q), timeoutMs: 30000 });
    assert.equal(first.status, 200);
    await until(() => mine().length === 1, 'the first output in the cache');
    const [old] = mine();
    const hit = await request(server.port, { path: streamPath(song, q) });
    assert.equal(sha256(hit.body), sha256(first.body), 'unchanged: the cached output');

    // The file is replaced (other audio, same name and tags): size and mtime change.
    const file = path.join(music, 'Cache Artist', 'Cache Album', 'Short.wav');
    const other = tempDir('swaz-tcache-other-');
    try {
        await gen(other, 'Short', 12, 880);
        fs.copyFileSync(path.join(other, 'Short.wav'), `${file}.new`);
        fs.renameSync(`${file}.new`, file);
    } finally {
        fs.rmSync(other, { recursive: true, force: true });
    }
    const m0 = await scrape(server.port);
    const again = await request(server.port, { path: streamPath(song, q), timeoutMs: 30000 });
    assert.equal(again.status, 200);
    assert.notEqual(sha256(again.body), sha256(first.body), 'the new audio, not the old output');
    assert.ok(again.body.length < first.body.length * 0.8, '12 s of audio, not 20 s');
    const m1 = await scrape(server.port);
    assert.equal(delta(m0, m1, HIT), 0, 'no hit on the old source version');
    assert.equal(delta(m0, m1, STARTED), 1);
    await until(() => mine().some((n) => n !== old), 'the new output in the cache');
});
