// GET|HEAD /api/songs/{id}/stream: the original bytes, byte for byte, with Range (RFC 9110),
// conditional requests and the right headers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';
import { TEST_SONGS, CONTENT_TYPES } from './lib/library.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {{id: string, path: string, format: string, file: Buffer, mtime: Date}[]} */
let targets = [];

before(async () => {
    server = await startServer();
    const songs = await allSongs(server.port);
    // One song of every format.
    const seen = new Set();
    for (const want of TEST_SONGS) {
        if (seen.has(want.format)) continue;
        seen.add(want.format);
        const s = songs.find((x) => x.path === want.path);
        assert.ok(s, `song ${want.path} not listed`);
        const abs = path.join(server.musicDirs[0], want.path);
        targets.push({ id: s.id, path: want.path, format: want.format,
            file: fs.readFileSync(abs), mtime: fs.statSync(abs).mtime });
    }
});

after(async () => {
    await server?.stop();
});

const streamPath = (t) => `/api/songs/${encodeURIComponent(t.id)}/stream`;

function get(t, headers = {}, method = 'GET') {
    return request(server.port, { method, path: streamPath(t), headers });
}

function checkCommonHeaders(t, res) {
    const where = `${t.path} ${res.status}`;
    assert.equal(res.headers['accept-ranges'], 'bytes', where);
    const etag = String(res.headers.etag ?? '');
    assert.match(etag, /^"[^"]+"$/, `${where}: ETag must be strong and quoted, got ${etag}`);
    const lm = res.headers['last-modified'];
    assert.ok(lm, `${where}: no Last-Modified`);
    assert.match(lm, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/, where);
    assert.equal(Date.parse(lm), Math.floor(t.mtime.getTime() / 1000) * 1000,
        `${where}: Last-Modified ${lm} is not the file's mtime ${t.mtime.toUTCString()}`);
    const ct = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    assert.ok(CONTENT_TYPES[t.format].includes(ct), `${where}: Content-Type ${ct}`);
}

test('whole file: 200, byte for byte, with Accept-Ranges, ETag, Last-Modified, Content-Type',
    async () => {
        for (const t of targets) {
            const res = await get(t);
            assert.equal(res.status, 200, t.path);
            assert.equal(Number(res.headers['content-length']), t.file.length, t.path);
            assert.equal(sha256(res.body), sha256(t.file), `${t.path}: body differs from file`);
            assert.equal(res.headers['content-range'], undefined, t.path);
            checkCommonHeaders(t, res);
        }
    });

test('single ranges: 206 with the exact bytes and Content-Range', async () => {
    for (const t of targets) {
        const size = t.file.length;
        const cases = [
            ['bytes=0-0', 0, 0],
            ['bytes=0-99', 0, 99],
            ['bytes=100-', 100, size - 1],
            ['bytes=-100', size - 100, size - 1],
            [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
            [`bytes=${size - 1}-`, size - 1, size - 1],
            [`bytes=10-${size + 5000}`, 10, size - 1],
            [`bytes=-${size + 10}`, 0, size - 1],
            [`bytes=${Math.floor(size / 2)}-${Math.floor(size / 2) + 4095}`,
                Math.floor(size / 2), Math.floor(size / 2) + 4095],
        ];
        for (const [range, a, b] of cases) {
            const res = await get(t, { Range: range });
            const where = `${t.path} ${range}`;
            assert.equal(res.status, 206, `${where}: ${res.status}`);
            assert.equal(res.headers['content-range'], `bytes ${a}-${b}/${size}`, where);
            assert.equal(Number(res.headers['content-length']), b - a + 1, where);
            assert.equal(sha256(res.body), sha256(t.file.subarray(a, b + 1)), `${where}: bytes`);
            checkCommonHeaders(t, res);
        }
    }
});

test('unsatisfiable or malformed ranges: 416 with Content-Range bytes */size', async () => {
    for (const t of targets) {
        const size = t.file.length;
        for (const range of ['bytes=-0', `bytes=${size}-`, `bytes=${size + 100}-${size + 200}`,
            'bytes=abc', 'bytes=5-2', 'bytes=', 'bytes=--1', 'bytes=1-2-3',
            'bytes=99999999999999999999999-']) {
            const res = await get(t, { Range: range });
            const where = `${t.path} ${range}`;
            assert.equal(res.status, 416, `${where}: ${res.status}`);
            assert.equal(res.headers['content-range'], `bytes */${size}`, where);
        }
    }
});

test('multiple ranges and other units: 200 with the whole file', async () => {
    for (const t of targets) {
        for (const range of ['bytes=0-1,5-6', 'bytes=0-1, 5-6', 'items=0-1']) {
            const res = await get(t, { Range: range });
            const where = `${t.path} ${range}`;
            assert.equal(res.status, 200, `${where}: ${res.status}`);
            assert.equal(sha256(res.body), sha256(t.file), where);
            assert.equal(res.headers['content-range'], undefined, where);
        }
    }
});

test('If-None-Match with the ETag -> 304 without a body', async () => {
    for (const t of targets) {
        const first = await get(t);
        const etag = String(first.headers.etag);
        const res = await get(t, { 'If-None-Match': etag });
        assert.equal(res.status, 304, t.path);
        assert.equal(res.body.length, 0, t.path);
        assert.equal(res.headers.etag, etag, t.path);
        const list = await get(t, { 'If-None-Match': `"nope", ${etag}` });
        assert.equal(list.status, 304, `${t.path}: ETag in a list`);
        const other = await get(t, { 'If-None-Match': '"some-other-etag"' });
        assert.equal(other.status, 200, `${t.path}: other ETag`);
    }
});

test('If-Range: wrong ETag -> 200 whole file; matching ETag -> 206', async () => {
    for (const t of targets) {
        const etag = String((await get(t, {}, 'HEAD')).headers.etag);
        const wrong = await get(t, { Range: 'bytes=0-9', 'If-Range': '"not-the-etag"' });
        assert.equal(wrong.status, 200, t.path);
        assert.equal(sha256(wrong.body), sha256(t.file), t.path);
        const right = await get(t, { Range: 'bytes=0-9', 'If-Range': etag });
        assert.equal(right.status, 206, t.path);
        assert.equal(sha256(right.body), sha256(t.file.subarray(0, 10)), t.path);
    }
});

test('HEAD: the same headers as GET, no body', async () => {
    for (const t of targets) {
        const g = await get(t);
        const h = await get(t, {}, 'HEAD');
        assert.equal(h.status, 200, t.path);
        assert.equal(h.body.length, 0, t.path);
        for (const name of ['content-length', 'content-type', 'etag', 'last-modified',
            'accept-ranges']) {
            assert.equal(h.headers[name], g.headers[name], `${t.path}: ${name}`);
        }
        // RFC 9110 defines Range for GET only, so HEAD may ignore it (200) or honour it (206).
        const hr = await get(t, { Range: 'bytes=0-99' }, 'HEAD');
        assert.ok([200, 206].includes(hr.status), `${t.path}: HEAD with Range: ${hr.status}`);
        if (hr.status === 206) {
            assert.equal(hr.headers['content-range'], `bytes 0-99/${t.file.length}`, t.path);
        }
        assert.equal(hr.body.length, 0, t.path);
    }
});

test('the ETag is stable across requests', async () => {
    for (const t of targets) {
        const a = await get(t, {}, 'HEAD');
        const b = await get(t, { Range: 'bytes=0-0' });
        assert.equal(a.headers.etag, b.headers.etag, t.path);
    }
});
