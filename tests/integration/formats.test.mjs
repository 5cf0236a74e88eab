// The formats beyond the demo five (FORMAT_SONGS: wma, aiff, alac, wavpack, dsf and Monkey's
// Audio): each is scanned from the test library with its tags and stream facts, streams its
// original bytes with Range, and transcodes to mp3 that Debian's ffprobe/ffmpeg read back as
// the same length of audible stereo sound with the song's tags.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';
import { FORMAT_SONGS, CONTENT_TYPES } from './lib/library.mjs';
import { librarySuite, streamPath } from './lib/audio.mjs';

const suite = librarySuite('swaz-formats-');

for (const want of FORMAT_SONGS) {
    test(`${want.format}: scanned with its tags and stream facts`, () => {
        const s = suite.byPath.get(want.path);
        assert.ok(s, `${want.path} not listed`);
        assert.equal(s.title, want.title);
        assert.equal(s.artist, want.artist);
        assert.equal(s.album, want.album);
        assert.equal(s.albumArtist, want.albumArtist);
        assert.equal(s.track, want.track);
        assert.equal(s.trackTotal, FORMAT_SONGS.length);
        assert.equal(s.disc, want.disc);
        assert.equal(s.year, want.year);
        assert.equal(s.genre, want.genre);
        assert.equal(s.format, want.format);
        assert.equal(s.codec, want.codec);
        assert.ok(want.sampleRates.includes(s.sampleRate), `sampleRate ${s.sampleRate}`);
        assert.equal(s.channels, want.channels);
        assert.ok(Math.abs(s.durationMs - want.durationMs) <= 100, `durationMs ${s.durationMs}`);
        if (want.bitDepth !== undefined) assert.equal(s.bitDepth, want.bitDepth);
        assert.equal(s.size, fs.statSync(path.join(suite.server.musicDirs[0], want.path)).size);
    });

    test(`${want.format}: the original streams byte for byte, with Range`, async () => {
        const s = suite.byPath.get(want.path);
        const file = fs.readFileSync(path.join(suite.server.musicDirs[0], want.path));
        const whole = await request(suite.server.port, { path: streamPath(s) });
        assert.equal(whole.status, 200);
        const ct = String(whole.headers['content-type']).split(';')[0].trim();
        assert.ok(CONTENT_TYPES[want.format].includes(ct), `Content-Type ${ct}`);
        assert.equal(sha256(whole.body), sha256(file));
        const from = 1000;
        const to = Math.min(file.length - 1, 20999);
        const part = await request(suite.server.port, { path: streamPath(s),
            headers: { Range: `bytes=${from}-${to}` } });
        assert.equal(part.status, 206);
        assert.equal(part.headers['content-range'], `bytes ${from}-${to}/${file.length}`);
        assert.ok(part.body.equals(file.subarray(from, to + 1)));
        const tail = await request(suite.server.port, { path: streamPath(s),
            headers: { Range: 'bytes=-100' } });
        assert.equal(tail.status, 206);
        assert.ok(tail.body.equals(file.subarray(file.length - 100)));
    });

    test(`${want.format}: transcodes to mp3 that ffmpeg reads back`, async () => {
        const s = suite.byPath.get(want.path);
        const res = await request(suite.server.port, {
            path: streamPath(s, 'format=mp3&bitrate=128'),
            timeoutMs: 30000 });
        assert.equal(res.status, 200, res.text().slice(0, 300));
        assert.equal(res.headers['content-type'], 'audio/mpeg');
        const out = path.join(suite.work, `${want.format}.mp3`);
        fs.writeFileSync(out, res.body);
        const info = await run('ffprobe', ['-v', 'error', '-show_entries',
            'stream=codec_name,channels,sample_rate:format=duration:format_tags=title,artist',
            '-of', 'json', out]);
        assert.equal(info.code, 0, info.stderr);
        const j = JSON.parse(info.stdout);
        assert.equal(j.streams[0].codec_name, 'mp3');
        assert.equal(j.streams[0].channels, 2);
        assert.ok(Math.abs(Number(j.format.duration) * 1000 - want.durationMs) <= 150,
            `duration ${j.format.duration}`);
        const tags = Object.fromEntries(Object.entries(j.format.tags ?? {})
            .map(([k, v]) => [k.toLowerCase(), v]));
        assert.equal(tags.title, want.title);
        assert.equal(tags.artist, want.artist);
        // Audible: the sources are tones at -8 dBFS or louder (DSD "silence" aside).
        if (want.format !== 'dsf') {
            const vol = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', out, '-af',
                'volumedetect', '-f', 'null', '-']);
            assert.equal(vol.code, 0, vol.stderr);
            const mean = Number(/mean_volume: (-?[\d.]+) dB/.exec(vol.stderr)?.[1]);
            assert.ok(mean > -30, `mean volume ${mean} dB`);
        }
    });
}
