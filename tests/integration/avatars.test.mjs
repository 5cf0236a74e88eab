// Avatars: PUT /api/me/avatar (JPEG/PNG/WebP, Content-Type checked and content decoded,
// size and pixel limits), a square WebP of at most 256 px served at GET
// /api/users/{id}/avatar with ETag and 304 to any logged-in user, DELETE by its owner (or an
// administrator) only.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, testLibrary } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { IMAGE_BOMB, ARTIST_IMAGES } from './lib/library.mjs';

const PASSWORD = 'a long enough password';

/** @type {import('./lib/server.mjs').Server} */
let server;
const tokens = { alice: '', bob: '' };

before(async () => {
    server = await startServer({ minSongs: 1 });
    for (const name of ['alice', 'bob']) {
        await server.createUser(name, PASSWORD);
        tokens[name] = (await server.login(name, PASSWORD)).accessToken;
    }
});

after(async () => {
    await server?.stop();
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
});

function crc32(buf) {
    let c = 0xffffffff;
    for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
}

/** An RGB PNG of `w` x `h`; `declared` overrides the header's dimensions (a lie). */
function png(w, h, declared = null) {
    const raw = Buffer.alloc((w * 3 + 1) * h);
    for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
            const o = y * (w * 3 + 1) + 1 + x * 3;
            raw[o] = (x * 255) / w;
            raw[o + 1] = (y * 255) / h;
            raw[o + 2] = 128;
        }
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(declared ? declared[0] : w, 0);
    ihdr.writeUInt32BE(declared ? declared[1] : h, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
        chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Width and height of a WebP (VP8, VP8L or VP8X). */
function webpSize(b) {
    assert.equal(b.toString('latin1', 0, 4), 'RIFF');
    assert.equal(b.toString('latin1', 8, 12), 'WEBP');
    const c = b.toString('latin1', 12, 16);
    if (c === 'VP8 ') return [b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff];
    if (c === 'VP8L') {
        const bits = b.readUInt32LE(21);
        return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
    }
    if (c === 'VP8X') return [b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1];
    throw new Error(`WebP chunk ${c}`);
}

function put(token, body, type) {
    return request(server.port, { method: 'PUT', path: '/api/me/avatar', token, body,
        headers: type ? { 'Content-Type': type } : {} });
}

test('upload a PNG, fetch it as another user, ETag and 304, replace, delete', async () => {
    const res = await put(tokens.alice, png(300, 200), 'image/png');
    assert.equal(res.status, 200, res.text());
    const { url } = res.json();
    assert.match(url, /^\/api\/users\/[A-Za-z0-9_-]+\/avatar$/);

    const got = await request(server.port, { path: url, token: tokens.bob });
    assert.equal(got.status, 200, got.text().slice(0, 200));
    assert.equal(got.headers['content-type'], 'image/webp');
    assert.deepEqual(webpSize(got.body), [200, 200], 'centre-cropped square, not enlarged');
    const etag = String(got.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    assert.match(String(got.headers['cache-control']), /private/);
    const again = await request(server.port, { path: url, token: tokens.bob,
        headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);

    const big = await put(tokens.alice, png(600, 400), 'image/png');
    assert.equal(big.status, 200);
    assert.equal(big.json().url, url, 'a stable URL');
    const fresh = await request(server.port, { path: url, token: tokens.bob,
        headers: { 'If-None-Match': etag } });
    assert.equal(fresh.status, 200, 'a new picture has a new ETag');
    assert.notEqual(fresh.headers.etag, etag);
    assert.deepEqual(webpSize(fresh.body), [256, 256]);

    const files = fs.readdirSync(path.join(server.dataDir, 'avatars'))
        .filter((f) => !f.startsWith('.'));
    assert.equal(files.length, 1, `the old file is removed: ${files}`);

    assert.equal((await request(server.port, { path: url, token: null })).status, 401);

    const del = await request(server.port, { method: 'DELETE', path: '/api/me/avatar',
        token: tokens.alice });
    assert.equal(del.status, 204);
    const gone = await request(server.port, { path: url, token: tokens.bob });
    assert.equal(gone.status, 404);
    assert.equal(errorCode(gone), 'not_found');
    assert.equal((await request(server.port, { method: 'DELETE', path: '/api/me/avatar',
        token: tokens.alice })).status, 404);
});

test('a JPEG is accepted', async () => {
    const lib = await testLibrary();
    const jpeg = fs.readFileSync(path.join(lib, ARTIST_IMAGES['Alice Arden']));
    const res = await put(tokens.bob, jpeg, 'image/jpeg');
    assert.equal(res.status, 200, res.text());
    const got = await request(server.port, { path: res.json().url, token: tokens.alice });
    assert.equal(got.status, 200);
    assert.deepEqual(webpSize(got.body), [256, 256]);
});

test('refused: too large, not an image, wrong type, lying headers, huge dimensions', async () => {
    const t = tokens.alice;
    const tooLarge = await put(t, Buffer.alloc(1536 * 1024, 1), 'image/png');
    assert.equal(tooLarge.status, 413);

    const text = await put(t, Buffer.from('hello, not an image'), 'image/png');
    assert.equal(text.status, 400);
    assert.equal(errorCode(text), 'bad_request');

    const gif = await put(t, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
        'image/png');
    assert.equal(gif.status, 400, 'GIF is not accepted');

    assert.equal((await put(t, png(10, 10), 'text/plain')).status, 415);
    assert.equal((await put(t, png(10, 10), 'image/svg+xml')).status, 415);
    assert.equal((await put(t, png(10, 10), undefined)).status, 415);
    assert.equal((await put(t, png(10, 10), 'image/jpeg')).status, 400, 'content != type');

    const truncated = png(64, 64).subarray(0, 60);
    assert.equal((await put(t, truncated, 'image/png')).status, 400);

    const huge = await put(t, png(8, 8, [100000, 100000]), 'image/png');
    assert.equal(huge.status, 400, huge.text());
    assert.equal(errorCode(huge), 'limit_exceeded');

    const lib = await testLibrary();
    const bomb = fs.readFileSync(path.join(lib, IMAGE_BOMB.cover));
    const b = await put(t, bomb, 'image/jpeg');
    assert.equal(b.status, 400, b.text());

    assert.equal((await put(null, png(10, 10), 'image/png')).status, 401);
    const me = await request(server.port, { method: 'DELETE', path: '/api/me/avatar',
        token: tokens.alice });
    assert.equal(me.status, 404, 'nothing was stored');
});

test('another user cannot delete my avatar; an administrator can', async () => {
    const res = await put(tokens.alice, png(64, 64), 'image/png');
    assert.equal(res.status, 200);
    const { url } = res.json();
    const byBob = await request(server.port, { method: 'DELETE', path: url, token: tokens.bob });
    assert.equal(byBob.status, 403);
    const bobOwn = await request(server.port, { method: 'DELETE', path: '/api/me/avatar',
        token: tokens.bob });
    assert.ok([204, 404].includes(bobOwn.status), 'only his own');
    assert.equal((await request(server.port, { path: url, token: tokens.bob })).status, 200,
        'still there');
    const byAdmin = await request(server.port, { method: 'DELETE', path: url });
    assert.equal(byAdmin.status, 204);
    assert.equal((await request(server.port, { path: url, token: tokens.bob })).status, 404);
    assert.equal((await request(server.port, { path: '/api/users/nobody/avatar' })).status, 404);
    assert.equal((await request(server.port, { path: '/api/users/..%2F..%2Fetc/avatar' })).status,
        404);
});
