// A file with a 50 MB embedded picture (over LIMIT_PICTURE_BYTES, 16 MiB), black-box: the scan
// finishes and lists the other song of its folder, the picture never becomes a cover (the
// album's cover request answers an image at once), and a transcode of the song carries no
// picture. The server keeps serving.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, run, tempDir } from './lib/server.mjs';
import { request, getJson } from './lib/http.mjs';
import { ffmpeg } from './lib/audio.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let music;
const PICTURE_BYTES = 50 * 1024 * 1024;

/** An ID3v2.3 frame. */
function frame(id, body) {
    const h = Buffer.alloc(10);
    h.write(id, 0, 'latin1');
    h.writeUInt32BE(body.length, 4);
    return Buffer.concat([h, body]);
}

/** An ID3v2.3 tag with text frames and one APIC frame holding `picture`. */
function id3(texts, picture) {
    const frames = Object.entries(texts).map(([id, v]) =>
        frame(id, Buffer.concat([Buffer.from([0]), Buffer.from(v, 'latin1')])));
    frames.push(frame('APIC', Buffer.concat([Buffer.from([0]), Buffer.from('image/jpeg\0', 'latin1'),
        Buffer.from([3]), Buffer.from([0]), picture])));
    const body = Buffer.concat(frames);
    const h = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 4; i++) h[6 + i] = (body.length >> (7 * (3 - i))) & 0x7f; // syncsafe
    return Buffer.concat([h, body]);
}

before(async () => {
    music = tempDir('swaz-bigpic-');
    const dir = path.join(music, 'Pic Artist', 'Pic Album');
    fs.mkdirSync(dir, { recursive: true });
    const raw = path.join(music, 'raw.mp3');
    const jpeg = path.join(music, 'small.jpg');
    for (const args of [
        ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3', '-c:a',
            'libmp3lame', '-id3v2_version', '0', '-write_id3v1', '0', raw],
        ['-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', jpeg]]) {
        await ffmpeg(args);
    }
    const audio = fs.readFileSync(raw);
    const small = fs.readFileSync(jpeg);
    // A real JPEG padded to 50 MB after its end marker: a decoder would take it.
    const big = Buffer.concat([small, Buffer.alloc(PICTURE_BYTES - small.length)]);
    const tags = (title, n) => ({ TIT2: title, TPE1: 'Pic Artist', TPE2: 'Pic Artist', TALB: 'Pic Album', TRCK: n });
    fs.writeFileSync(path.join(dir, '01 - Huge.mp3'), Buffer.concat([id3(tags('Huge', '1'), big), audio]));
    fs.writeFileSync(path.join(dir, '02 - Plain.mp3'), Buffer.concat([id3(tags('Plain', '2'), small), audio]));
    fs.rmSync(raw);
    fs.rmSync(jpeg);
    server = await startServer({ musicDirs: [music], minSongs: 1, env: { SWAZ_WATCH: 'false' } });
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

test('the scan finishes; the folder\'s other song is there; the huge picture is no cover', async () => {
    let st;
    for (let i = 0; i < 300; i++) {
        st = await getJson(server.port, '/api/scan');
        if (st.state === 'idle' && st.scans >= 1) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(st.state, 'idle');
    const songs = await allSongs(server.port);
    const plain = songs.find((s) => s.title === 'Plain');
    assert.ok(plain, 'the song beside the huge picture is stored');
    const huge = songs.find((s) => s.title === 'Huge');
    const listedAsError = st.recentErrors.some((e) => e.path.endsWith('01 - Huge.mp3'));
    assert.ok(huge || listedAsError, 'the file is either a song or a recorded error');
    for (const s of [huge, plain].filter(Boolean)) {
        if (!s.coverId) continue;
        const t0 = Date.now();
        const res = await request(server.port, { path: `/api/covers/${s.coverId}?size=64` });
        assert.equal(res.status, 200);
        assert.ok(res.body.length < 1024 * 1024, 'a small image, not the 50 MB picture');
        assert.ok(Date.now() - t0 < 5000);
    }
});

test('a transcode of the song with the huge picture carries none, and decodes', async (t) => {
    const huge = (await allSongs(server.port)).find((s) => s.title === 'Huge');
    if (!huge) return t.skip('the scanner recorded the file as an error');
    const res = await request(server.port, {
        path: `/api/songs/${huge.id}/stream?format=mp3&bitrate=32`, timeoutMs: 30000 });
    assert.equal(res.status, 200, res.text().slice(0, 200));
    assert.equal(res.headers['content-length'], undefined, 'a transcode, not the original');
    assert.ok(res.body.length < 1024 * 1024, `${res.body.length} bytes: the picture was copied`);
    const file = path.join(music, 'out.mp3');
    fs.writeFileSync(file, res.body);
    const info = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name',
        '-of', 'csv=p=0', file]);
    fs.rmSync(file);
    assert.equal(info.code, 0, info.stderr);
    assert.deepEqual(info.stdout.trim().split('\n'), ['mp3,audio']);
    assert.equal((await request(server.port, { path: '/health' })).status, 200);
});
