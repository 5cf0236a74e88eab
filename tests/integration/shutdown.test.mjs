// SIGTERM while a slow download is in flight: the server finishes or closes it within a few
// seconds and exits 0.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, tempDir, allSongs, waitExit } from './lib/server.mjs';
import { noiseFlac } from './lib/audio.mjs';

let music;

before(async () => {
    // A file far larger than the socket buffers, so the download cannot finish by itself
    // while the client does not read.
    music = tempDir('swaz-big-');
    await noiseFlac(path.join(music, 'Big Artist', 'Big Album', '01 - Big.flac'),
        { seconds: 120, rate: 48000, seed: 1,
            tags: { title: 'Big', artist: 'Big Artist', album: 'Big Album' } });
});

after(() => {
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

test('SIGTERM during a stalled download: exit 0 within a few seconds', async () => {
    const server = await startServer({ musicDirs: [music], minSongs: 1 });
    let sock = null;
    try {
        const [song] = await allSongs(server.port);
        assert.ok(song, 'the big song was not scanned');
        const size = song.size;
        assert.ok(size > 8 * 1024 * 1024, `test file too small: ${size}`);

        // Start the download, read a little, then stop reading.
        sock = net.connect({ host: '127.0.0.1', port: server.port });
        let received = 0;
        let closed = false;
        sock.on('error', () => {});
        sock.on('close', () => { closed = true; });
        await new Promise((resolve, reject) => {
            sock.once('connect', resolve);
            sock.once('error', reject);
        });
        sock.write(`GET /api/songs/${encodeURIComponent(song.id)}/stream HTTP/1.1\r\n` +
            `Host: 127.0.0.1\r\nAuthorization: Bearer ${server.admin.accessToken}\r\n\r\n`);
        await new Promise((resolve) => {
            let stalled = false;
            sock.on('data', (chunk) => {
                received += chunk.length;
                if (!stalled && received > 64 * 1024) {
                    stalled = true;
                    sock.pause();
                    resolve();
                }
            });
        });
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(!closed, 'the server closed the download before SIGTERM');

        const t0 = Date.now();
        server.proc.kill('SIGTERM');
        const status = await waitExit(server.exited, 10000);
        const took = Date.now() - t0;
        assert.ok(status, `swaz still running 10 s after SIGTERM\n${server.logTail()}`);
        assert.equal(status.code, 0, `exit ${JSON.stringify(status)}\n${server.logTail()}`);
        assert.ok(took < 10000, `exit took ${took} ms`);

        // The client sees the end of the connection (finished or closed), not a hang.
        sock.resume();
        const deadline = Date.now() + 10000;
        while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.ok(closed, `the connection stayed open after the server exited (${received} of ${size} bytes read)`);
        assert.ok(received < size + 1024, 'more bytes than the file');
    } finally {
        sock?.destroy();
        await server.stop();
    }
});
