// Long file answers (songs of 1 MiB or more) leave libmicrohttpd for the stream sender: the
// bytes, ranges, headers, access-log line and connection limits must be what they were.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, tempDir, allSongs } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';
import { noiseFlac } from './lib/audio.mjs';

let music;
let file;
/** @type {import('./lib/server.mjs').Server} */
let server;
let song;

before(async () => {
    music = tempDir('swaz-long-');
    // Far larger than the socket buffers, so a listener that stops reading keeps its stream.
    file = path.join(music, 'Long Artist', 'Long Album', '01 - Long.flac');
    await noiseFlac(file, { seconds: 120, rate: 44100, seed: 3,
        tags: { title: 'Long', artist: 'Long Artist', album: 'Long Album' } });
    server = await startServer({ musicDirs: [music], minSongs: 1,
        env: { SWAZ_PER_IP_CONNECTIONS: '3' } });
    [song] = await allSongs(server.port);
    assert.ok(song, 'the long song was not scanned');
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

const streamPath = () => `/api/songs/${encodeURIComponent(song.id)}/stream?format=raw`;

test('a long song: every byte, its headers, Connection: close, one access-log line', async () => {
    const bytes = fs.readFileSync(file);
    assert.ok(bytes.length > 2 * 1024 * 1024, `test file too small: ${bytes.length}`);
    const res = await request(server.port, { path: streamPath() });
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers['content-length']), bytes.length);
    assert.equal(res.headers.connection, 'close');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.ok(res.headers.etag, 'no ETag');
    assert.ok(res.headers.date, 'no Date');
    assert.match(res.headers['content-type'] ?? '', /^audio\/flac/);
    assert.equal(sha256(res.body), sha256(bytes));

    const deadline = Date.now() + 5000;
    let line;
    while (!line && Date.now() < deadline) {
        line = server.log().split('\n').find((l) => l.includes(' ACCESS ') &&
            l.includes(`/api/songs/${song.id}/stream`) && l.includes(` 200 ${bytes.length} `));
        if (!line) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(line, `no access-log line with the full byte count\n${server.logTail()}`);
});

test('a range of a long song is exact', async () => {
    const bytes = fs.readFileSync(file);
    const res = await request(server.port, { path: streamPath(),
        headers: { Range: 'bytes=1000000-1999999' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 1000000-1999999/${bytes.length}`);
    assert.equal(res.body.length, 1000000);
    assert.ok(res.body.equals(bytes.subarray(1000000, 2000000)), 'the range bytes differ');
});

/** Opens a stream of the song and stops reading after its head; resolves with the socket. */
function pausedStream() {
    return new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port: server.port });
        sock.on('error', () => {});
        let got = '';
        sock.once('connect', () => {
            sock.write(`GET ${streamPath()} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
                `Authorization: Bearer ${server.admin.accessToken}\r\n\r\n`);
        });
        sock.on('data', (chunk) => {
            if (got.includes('\r\n\r\n')) return;
            got += chunk.toString('latin1');
            if (got.includes('\r\n\r\n')) {
                sock.pause();
                if (got.startsWith('HTTP/1.1 200')) resolve(sock);
                else reject(new Error(`stream answered ${got.slice(0, 100)}`));
            }
        });
        sock.once('close', () => reject(new Error('stream closed before its head')));
    });
}

test('the per-IP connection limit counts the long streams', async () => {
    const held = [];
    try {
        for (let i = 0; i < 3; i++) held.push(await pausedStream());
        await new Promise((r) => setTimeout(r, 200));
        // A fourth connection from the same address is closed without an answer.
        const res = await request(server.port, { path: '/api/songs', timeoutMs: 3000 })
            .then((r) => r.status, (err) => err.code ?? err.message);
        assert.notEqual(res, 200, 'a fourth connection was served past the per-IP limit');
        // One listener leaves: there is room again.
        held.shift().destroy();
        const deadline = Date.now() + 5000;
        let status = null;
        while (status !== 200 && Date.now() < deadline) {
            status = await request(server.port, { path: '/api/songs', timeoutMs: 3000 })
                .then((r) => r.status, () => null);
            if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 200, 'no room after a listener left');
    } finally {
        for (const s of held) s.destroy();
    }
});
