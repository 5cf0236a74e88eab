// Uploads, black-box: POST /api/uploads streams each multipart `file` part to disk, checks
// it is audio whatever its name and declared type, links it under
// uploads/<user>/<artist>/<album>/ and has it scanned (GET /api/uploads shows it ready, and
// /api/songs lists it); every refusal (403, 400 bad names and bodies, 413, 415, 507 with a
// full tmpfs, an interrupted upload) leaves nothing on disk and keeps what was stored; a stored
// song is pre-transcoded by the configured ladder into the transcode cache.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, testLibrary, tempDir } from './lib/server.mjs';
import { request, rawRequest, errorCode, sha256 } from './lib/http.mjs';

const PASSWORD = 'a long enough password';
const MAX_MB = 3;

/** @type {import('./lib/server.mjs').Server} */
let server;
let music = '';
let mp3 = Buffer.alloc(0);
let flac = Buffer.alloc(0);
const tokens = { alice: '', bob: '' };

function findAudio(dir, ext) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name.startsWith('.') || e.name === 'Hostile') continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            const f = findAudio(p, ext);
            if (f) return f;
        } else if (e.name.endsWith(ext)) {
            return p;
        }
    }
    return null;
}

/** Every file below `dir` (relative paths), sorted. */
function filesBelow(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name))).sort();
}

/** @param {{name: string, filename?: string, type?: string, data: Buffer|string}[]} parts */
function multipart(parts, boundary = 'swaz-test-boundary-7f3a') {
    const chunks = [];
    for (const p of parts) {
        let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
        if (p.filename !== undefined) head += `; filename="${p.filename}"`;
        head += '\r\n';
        if (p.type) head += `Content-Type: ${p.type}\r\n`;
        chunks.push(Buffer.from(`${head}\r\n`, 'latin1'), Buffer.from(p.data), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

function upload(token, parts, { chunked = false, timeoutMs = 20000 } = {}) {
    const { body, type } = multipart(parts);
    const headers = { 'Content-Type': type };
    if (!chunked) headers['Content-Length'] = String(body.length);
    return request(server.port, { method: 'POST', path: '/api/uploads', headers, body, token,
        timeoutMs });
}

async function waitReady(token, id, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const res = await request(server.port, { path: '/api/uploads', token });
        assert.equal(res.status, 200, res.text());
        const item = res.json().items.find((u) => u.id === id);
        assert.ok(item, `upload ${id} not listed`);
        if (item.status === 'ready') return item;
        assert.equal(item.status, 'stored', JSON.stringify(item));
        if (Date.now() > deadline) throw new Error(`upload ${id} not scanned: ${JSON.stringify(item)}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

const uploadsDir = () => path.join(server.dataDir, 'uploads');

before(async () => {
    const lib = await testLibrary();
    const mp3Path = findAudio(lib, '.mp3');
    const flacPath = findAudio(lib, '.flac');
    assert.ok(mp3Path && flacPath, 'the test library has an mp3 and a flac');
    mp3 = fs.readFileSync(mp3Path);
    flac = fs.readFileSync(flacPath);
    music = tempDir('swaz-upload-music-');
    fs.mkdirSync(path.join(music, 'One'));
    fs.copyFileSync(mp3Path, path.join(music, 'One', 'one.mp3'));
    server = await startServer({ musicDirs: [music], minSongs: 1,
        env: { SWAZ_UPLOAD_MAX_MB: String(MAX_MB), SWAZ_WATCH: 'false' } });
    for (const name of ['alice', 'bob']) {
        await server.createUser(name, PASSWORD);
        tokens[name] = (await server.login(name, PASSWORD)).accessToken;
    }
    const users = (await request(server.port, { path: '/api/users' })).json().items;
    const alice = users.find((u) => u.username === 'alice');
    const res = await request(server.port, { method: 'PATCH', path: `/api/users/${alice.id}`,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mayUpload: true }) });
    assert.equal(res.status, 200, res.text());
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

test('an upload is stored by its tags, scanned, and listed for the uploader', async () => {
    // Declared type and name say nothing: the content decides.
    const res = await upload(tokens.alice, [
        { name: 'comment', data: 'ignored field' },
        { name: 'file', filename: 'My Song.mp3', type: 'image/png', data: mp3 },
        { name: 'file', filename: 'Other Song.flac', type: 'application/octet-stream', data: flac },
    ]);
    assert.equal(res.status, 201, res.text());
    const ups = res.json().uploads;
    assert.equal(ups.length, 2);
    const stored = filesBelow(uploadsDir());
    for (const [u, bytes, name] of [[ups[0], mp3, 'My Song.mp3'], [ups[1], flac, 'Other Song.flac']]) {
        assert.equal(u.name, name);
        assert.equal(u.status, 'stored');
        assert.equal(u.size, bytes.length);
        const parts = u.path.split('/');
        assert.equal(parts.length, 4, u.path);
        assert.equal(parts[0], 'alice');
        assert.equal(parts[3], name);
        assert.ok(stored.includes(u.path), `${u.path} not in ${stored}`);
        assert.equal(sha256(fs.readFileSync(path.join(uploadsDir(), u.path))), sha256(bytes));
    }
    const ready = await waitReady(tokens.alice, ups[0].id);
    assert.equal(typeof ready.songId, 'string');
    const song = await request(server.port, { path: `/api/songs/${ready.songId}`, token: tokens.alice });
    assert.equal(song.status, 200, song.text());
    assert.equal(song.json().path, ups[0].path);
    const list = await request(server.port, { path: '/api/songs?limit=500', token: tokens.alice });
    assert.ok(list.json().items.some((s) => s.id === ready.songId), 'uploaded song in /api/songs');

    // The same name again is kept beside the first, never over it.
    const again = await upload(tokens.alice, [{ name: 'file', filename: 'My Song.mp3', data: mp3 }]);
    assert.equal(again.status, 201, again.text());
    assert.equal(path.basename(again.json().uploads[0].path), 'My Song (2).mp3');
});

test('uploaded songs are pre-transcoded: the ladder fills the transcode cache', async () => {
    const res = await upload(tokens.alice, [{ name: 'file', filename: 'Ladder.flac', data: flac }]);
    assert.equal(res.status, 201, res.text());
    const ready = await waitReady(tokens.alice, res.json().uploads[0].id);
    // The default ladder is mp3 at 320, 128 and 64 kbps; a FLAC original needs all three.
    const dir = path.join(server.dataDir, 'transcodes');
    const made = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
        .filter((n) => n.startsWith(`${ready.songId}-mp3-`) && !n.endsWith('.tmp')).sort();
    for (let i = 0; i < 300 && made().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(made().map((n) => n.split('-')[2]), ['128k', '320k', '64k']);
    // A listener now gets the finished file: a length and Range, no encoder started.
    const stream = await request(server.port, { token: tokens.alice,
        path: `/api/songs/${encodeURIComponent(ready.songId)}/stream?format=mp3&maxBitRate=128`,
        headers: { Range: 'bytes=0-99' } });
    assert.equal(stream.status, 206, stream.text());
    assert.equal(stream.body.length, 100);
});

test('users without may_upload get 403 and nothing is written', async () => {
    const before = filesBelow(uploadsDir());
    const res = await upload(tokens.bob, [{ name: 'file', filename: 'x.mp3', data: mp3 }]);
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), 'forbidden');
    assert.deepEqual(filesBelow(uploadsDir()), before);
});

test('content that is not audio is 415, whatever its name, and nothing is kept', async () => {
    const before = filesBelow(uploadsDir());
    const res = await upload(tokens.alice, [
        { name: 'file', filename: 'good.mp3', data: mp3 },
        { name: 'file', filename: 'fake.mp3', type: 'audio/mpeg', data: Buffer.alloc(50000, 0x41) },
    ]);
    assert.equal(res.status, 415, res.text());
    assert.equal(errorCode(res), 'unsupported_media_type');
    assert.deepEqual(filesBelow(uploadsDir()), before);
    const listed = (await request(server.port, { path: '/api/uploads', token: tokens.alice })).json();
    const fake = listed.items.find((u) => u.name === 'fake.mp3');
    assert.equal(fake.status, 'failed');
    assert.match(fake.error, /not audio/);
});

test('bad names and bad bodies are 400 and write nothing', async () => {
    const before = filesBelow(uploadsDir());
    for (const filename of ['../../evil.mp3', 'a/b.mp3', 'a\\b.mp3', '..', '.hidden.mp3',
        'tab\there.mp3', '', `${'n'.repeat(300)}.mp3`]) {
        const res = await upload(tokens.alice, [{ name: 'file', filename, data: mp3 }]);
        assert.equal(res.status, 400, `${JSON.stringify(filename)}: ${res.text()}`);
    }
    const none = await upload(tokens.alice, [{ name: 'other', data: 'x' }]);
    assert.equal(none.status, 400);
    const json = await request(server.port, { method: 'POST', path: '/api/uploads',
        token: tokens.alice, headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
    const { body, type } = multipart([{ name: 'file', filename: 'cut.mp3', data: mp3 }]);
    const cut = await request(server.port, { method: 'POST', path: '/api/uploads', token: tokens.alice,
        headers: { 'Content-Type': type }, body: body.subarray(0, body.length - 30) });
    assert.equal(cut.status, 400, 'a body without its closing boundary');
    assert.deepEqual(filesBelow(uploadsDir()), before);
});

test('past upload_max_mb: 413, declared or chunked', async () => {
    const before = filesBelow(uploadsDir());
    const big = Buffer.alloc((MAX_MB + 1) * 1024 * 1024, 7);
    // A declared length past the limit is refused from the head, before any byte is read.
    const declared = await rawRequest(server.port, 'POST /api/uploads HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${tokens.alice}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
        `Content-Length: ${big.length}\r\n\r\n`, { untilHead: true });
    assert.equal(declared.status, 413, declared.head);
    const chunked = await upload(tokens.alice, [{ name: 'file', filename: 'big.mp3', data: big }],
        { chunked: true });
    assert.equal(chunked.status, 413);
    assert.deepEqual(filesBelow(uploadsDir()), before);
});

test('an interrupted upload leaves nothing behind and is shown as failed', async () => {
    const before = filesBelow(uploadsDir());
    const { body, type } = multipart([{ name: 'file', filename: 'half.mp3', data: mp3 }]);
    let receiving;
    await new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port: server.port }, () => {
            sock.write(`POST /api/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.alice}\r\n` +
                `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
            sock.write(body.subarray(0, Math.floor(body.length / 2)), () => {
                // While the body is arriving the uploader sees it as receiving.
                setTimeout(async () => {
                    try {
                        const items = (await request(server.port, { path: '/api/uploads',
                            token: tokens.alice })).json().items;
                        receiving = items.find((u) => u.name === 'half.mp3');
                    } finally {
                        sock.destroy();
                        resolve();
                    }
                }, 300);
            });
        });
        sock.on('error', reject);
    });
    const deadline = Date.now() + 10000;
    let half;
    for (;;) {
        const items = (await request(server.port, { path: '/api/uploads', token: tokens.alice })).json().items;
        half = items.find((u) => u.name === 'half.mp3');
        if (half?.status === 'failed' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(receiving?.status, 'receiving', JSON.stringify(receiving));
    assert.equal(half?.status, 'failed', JSON.stringify(half));
    assert.match(half.error, /interrupted/);
    assert.ok(half.size > 0 && half.size < mp3.length, `size ${half.size}`);
    assert.deepEqual(filesBelow(uploadsDir()), before);
});

test('a full disk is 507 and what was stored stays whole', { skip: process.getuid?.() !== 0 &&
    'mounting a tmpfs needs root' }, async () => {
    // The uploads folder of a second server is a 1 MiB tmpfs: its first file fits, the
    // second does not.
    const data = tempDir('swaz-upload-full-');
    const dir = path.join(data, 'uploads');
    fs.mkdirSync(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    if (mounted.status !== 0) {
        fs.rmSync(data, { recursive: true, force: true });
        test.skip?.('cannot mount a tmpfs here');
        return;
    }
    let small;
    try {
        small = await startServer({ musicDirs: [music], minSongs: 1, dataDir: data,
            env: { SWAZ_UPLOAD_MAX_MB: '8', SWAZ_WATCH: 'false' } });
        const admin = small.admin.accessToken;
        const send = (filename, bytes) => {
            const { body, type } = multipart([{ name: 'file', filename, data: bytes }]);
            return request(small.port, { method: 'POST', path: '/api/uploads', token: admin,
                headers: { 'Content-Type': type, 'Content-Length': String(body.length) }, body });
        };
        const users = (await request(small.port, { path: '/api/users', token: admin })).json().items;
        const me = users.find((u) => u.username === 'admin');
        await request(small.port, { method: 'PATCH', path: `/api/users/${me.id}`, token: admin,
            headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mayUpload: true }) });
        const first = await send('fits.mp3', mp3);
        assert.equal(first.status, 201, first.text());
        const kept = first.json().uploads[0].path;
        const full = await send('too-much.mp3', Buffer.concat([mp3, Buffer.alloc(1024 * 1024, 1)]));
        assert.equal(full.status, 507, full.text());
        assert.equal(errorCode(full), 'insufficient_storage');
        assert.deepEqual(filesBelow(dir), [kept]);
        assert.equal(sha256(fs.readFileSync(path.join(dir, kept))), sha256(mp3));
    } finally {
        await small?.stop().catch(() => {});
        spawnSync('umount', [dir]);
        fs.rmSync(data, { recursive: true, force: true });
    }
});

test('an uploader limited to some libraries still finds their uploaded songs', async () => {
    const musicLib = (await request(server.port, { path: '/api/songs?limit=500' })).json().items
        .find((s) => s.path === 'One/one.mp3').libraryId;
    const made = await request(server.port, { method: 'POST', path: '/api/users',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'rita', password: PASSWORD, allLibraries: false,
            libraryIds: [musicLib], mayUpload: true }) });
    assert.equal(made.status, 201, made.text());
    const rita = (await server.login('rita', PASSWORD)).accessToken;
    const res = await upload(rita, [{ name: 'file', filename: 'Rita.flac', data: flac }]);
    assert.equal(res.status, 201, res.text());
    const ready = await waitReady(rita, res.json().uploads[0].id);
    const songs = (await request(server.port, { path: '/api/songs?limit=500', token: rita })).json().items;
    assert.ok(songs.some((s) => s.id === ready.songId), 'the upload is visible to its uploader');
    assert.ok(songs.some((s) => s.libraryId === musicLib), 'and the library she had still is');
});
