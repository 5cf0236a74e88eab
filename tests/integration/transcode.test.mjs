// GET /api/songs/{id}/stream with format / bitrate / timeOffset: live in-process transcoding
// checked with Debian's ffprobe, the original bytes when no transcode is needed, the
// concurrency limits (429 per user and in all; the Subsonic error through /rest/stream), the
// user's maxBitrate, backpressure from a listener who stops reading, clients that
// disconnect, sources damaged after the scan, and SIGTERM while transcodes run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, allSongs, run, tempDir } from './lib/server.mjs';
import { request, sha256, errorCode } from './lib/http.mjs';
import { rest, plainAuth } from './lib/subsonic.mjs';
import { librarySuite, streamPath, lavfiAudio, toneWav } from './lib/audio.mjs';

const suite = librarySuite('swaz-transcode-');

const FLAC = 'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac'; // 4 s, 44.1 kHz stereo
const OGG = 'Marta Quill/Midnight Sessions/2-02 - Closing Time.ogg'; // 4 s Vorbis, 44.1 kHz
const MP3 = 'The Quiet Foxes/Northern Lights/04 - Long Night.mp3'; // 5 s, 128 kbps


/** Writes `body` to a temp file and returns what ffprobe says of it: the audio stream, the
 * format, the tags (format and stream, keys lower-cased), whether a cover (attached picture)
 * is there, the duration measured from the last packet (streamed FLAC, ADTS and fragmented
 * MP4 carry no total in a header) and the audio bitrate from the packets' sizes (headers,
 * tags and cover not counted). */
async function probe(body, name) {
    const file = path.join(suite.work, name);
    fs.writeFileSync(file, body);
    const info = await run('ffprobe', ['-v', 'error', '-show_entries',
        'stream=codec_type,codec_name,sample_rate,channels:stream_tags:stream_disposition=' +
        'attached_pic:format=format_name,bit_rate:format_tags', '-of', 'json', file]);
    assert.equal(info.code, 0, info.stderr);
    const j = JSON.parse(info.stdout);
    const pk = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries',
        'packet=pts_time,duration_time,size', '-of', 'csv=p=0', file]);
    assert.equal(pk.code, 0, pk.stderr);
    let end = 0;
    let bytes = 0;
    for (const line of pk.stdout.trim().split('\n')) {
        const [pts, dur, size] = line.split(',').map(Number);
        if (Number.isFinite(pts)) end = Math.max(end, pts + (Number.isFinite(dur) ? dur : 0));
        if (Number.isFinite(size)) bytes += size;
    }
    const tags = {};
    for (const t of [j.format.tags ?? {}, ...j.streams.map((s) => s.tags ?? {})]) {
        for (const [k, v] of Object.entries(t)) tags[k.toLowerCase()] ??= v;
    }
    return { stream: j.streams.find((s) => s.codec_type === 'audio'), format: j.format, tags,
        cover: j.streams.some((s) => s.disposition?.attached_pic === 1),
        duration: end, kbps: (bytes * 8) / end / 1000 };
}

const TARGETS = [
    { format: 'mp3', bitrate: 128, codec: 'mp3', type: 'audio/mpeg', tolerance: 0.1 },
    { format: 'mp3', bitrate: 320, codec: 'mp3', type: 'audio/mpeg', tolerance: 0.1 },
    { format: 'mp3', bitrate: 64, codec: 'mp3', type: 'audio/mpeg', tolerance: 0.1 },
    { format: 'opus', bitrate: 96, codec: 'opus', type: 'audio/ogg', tolerance: 0.1,
        rate: '48000' },
    // The native AAC encoder spends fewer bits than asked on the test library's pure tones.
    { format: 'aac', bitrate: 128, codec: 'aac', type: 'audio/aac', tolerance: 0.15 },
    { format: 'm4a', bitrate: 128, codec: 'aac', type: 'audio/mp4', tolerance: 0.15,
        container: 'mov' },
    { format: 'flac', bitrate: 0, codec: 'flac', type: 'audio/flac' },
];

test('every target format: codec, duration and bitrate as asked', async () => {
    const song = suite.byPath.get(OGG);
    assert.ok(song);
    const source = song.durationMs / 1000;
    for (const t of TARGETS) {
        const q = `format=${t.format}${t.bitrate ? `&bitrate=${t.bitrate}` : ''}`;
        const res = await request(suite.server.port, { path: streamPath(song, q),
            timeoutMs: 30000 });
        assert.equal(res.status, 200, `${t.format}: ${res.text().slice(0, 200)}`);
        assert.equal(String(res.headers['content-type']).split(';')[0], t.type, t.format);
        assert.equal(res.headers['content-length'], undefined, `${t.format}: chunked`);
        const p = await probe(res.body, `out-${t.bitrate}.${t.format}`);
        assert.equal(p.stream.codec_name, t.codec, t.format);
        if (t.container) assert.match(p.format.format_name, new RegExp(t.container), t.format);
        assert.equal(Number(p.stream.channels), 2, t.format);
        if (t.rate) assert.equal(p.stream.sample_rate, t.rate, t.format);
        assert.ok(Math.abs(p.duration - source) < 1,
            `${t.format}: duration ${p.duration} s, source ${source} s`);
        if (t.tolerance) {
            assert.ok(Math.abs(p.kbps - t.bitrate) / t.bitrate < t.tolerance,
                `${t.format}: ${p.kbps.toFixed(1)} kbps, asked ${t.bitrate}`);
        }
    }
    // The original's own format without a lower bitrate is the original file.
    const flac = await request(suite.server.port,
        { path: streamPath(suite.byPath.get(FLAC), 'format=flac') });
    assert.equal(flac.status, 200);
    assert.ok(flac.headers['content-length'], 'format=flac of a FLAC file: the original');
});

test('maxBitRate below the original without a format: mp3 at that rate', async () => {
    const song = suite.byPath.get(FLAC);
    const res = await request(suite.server.port, { path: streamPath(song, 'maxBitRate=64'),
        timeoutMs: 30000 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'audio/mpeg');
    const p = await probe(res.body, 'low.mp3');
    assert.equal(p.stream.codec_name, 'mp3');
    assert.ok(Math.abs(p.kbps - 64) / 64 < 0.15, `${p.kbps} kbps`);
});

test("the user's maxBitrate caps every stream: none asked, or a higher one asked", async () => {
    const created = await request(suite.server.port, { method: 'POST', path: '/api/users',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'capped', password: 'capped-password-1', maxBitrate: 64 }) });
    assert.equal(created.status, 201, created.text());
    const { accessToken: token } = await suite.server.login('capped', 'capped-password-1');
    const song = suite.byPath.get(FLAC);
    for (const q of ['', 'maxBitRate=320', 'format=mp3&bitrate=256']) {
        const res = await request(suite.server.port, { path: streamPath(song, q), token,
            timeoutMs: 30000 });
        assert.equal(res.status, 200, `${q}: ${res.text().slice(0, 200)}`);
        assert.equal(res.headers['content-type'], 'audio/mpeg', q);
        const p = await probe(res.body, 'capped.mp3');
        assert.equal(p.stream.codec_name, 'mp3', q);
        assert.ok(Math.abs(p.kbps - 64) / 64 < 0.15, `${q}: ${p.kbps.toFixed(1)} kbps, cap 64`);
    }
    // An explicit lower rate stays lower; format=raw is the original file, as it is asked.
    const low = await request(suite.server.port, { path: streamPath(song, 'maxBitRate=32'), token,
        timeoutMs: 30000 });
    assert.ok(Math.abs((await probe(low.body, 'low32.mp3')).kbps - 32) / 32 < 0.15);
    const raw = await request(suite.server.port, { path: streamPath(song, 'format=raw'), token });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['content-type'], 'audio/flac');
    // The administrator has no cap: no parameters is the original.
    const admin = await request(suite.server.port, { path: streamPath(song, '') });
    assert.equal(admin.headers['content-type'], 'audio/flac');
});

test('timeOffset=1 starts one second in', async () => {
    const song = suite.byPath.get(FLAC);
    const source = song.durationMs / 1000;
    for (const format of ['mp3', 'opus']) {
        const res = await request(suite.server.port, {
            path: streamPath(song, `format=${format}&bitrate=128&timeOffset=1`), timeoutMs: 30000 });
        assert.equal(res.status, 200);
        const p = await probe(res.body, `offset.${format}`);
        assert.ok(Math.abs(p.duration - (source - 1)) < 0.5,
            `${format}: ${p.duration} s, expected about ${source - 1}`);
    }
});

test('tags and the embedded cover are carried where the container keeps them', async () => {
    const song = suite.byPath.get(MP3); // ID3v2 tags and an embedded front cover
    for (const [format, cover] of [['mp3', true], ['opus', true], ['flac', true], ['m4a', false],
        ['aac', false]]) {
        const res = await request(suite.server.port, {
            path: streamPath(song, `format=${format}&bitrate=64`), timeoutMs: 30000 });
        assert.equal(res.status, 200, format);
        const p = await probe(res.body, `tagged.${format}`);
        assert.ok(Math.abs(p.duration - song.durationMs / 1000) < 1, `${format}: ${p.duration} s`);
        if (format === 'aac') { // ADTS has no tags
            assert.equal(p.tags.title, undefined);
            continue;
        }
        assert.equal(p.tags.title, 'Long Night', format);
        assert.equal(p.tags.artist, 'The Quiet Foxes', format);
        assert.equal(p.tags.album, 'Northern Lights', format);
        assert.match(String(p.tags.track), /^4(\/4)?$/, format);
        assert.equal(p.cover, cover, `${format}: cover`);
    }
});

test('timeOffset on an original re-encodes it to its own format from that point', async () => {
    const mp3 = suite.byPath.get(MP3);
    const res = await request(suite.server.port, { path: streamPath(mp3, 'timeOffset=2'),
        timeoutMs: 30000 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'audio/mpeg');
    assert.equal(res.headers['content-length'], undefined, 'a transcode, not the file');
    let p = await probe(res.body, 'seek.mp3');
    assert.equal(p.stream.codec_name, 'mp3');
    assert.ok(Math.abs(p.duration - (mp3.durationMs / 1000 - 2)) < 0.5, `${p.duration} s`);
    assert.ok(Math.abs(p.kbps - mp3.bitrate) / mp3.bitrate < 0.1, `${p.kbps} kbps`);

    const flac = suite.byPath.get(FLAC);
    const lossless = await request(suite.server.port, { path: streamPath(flac, 'timeOffset=1'),
        timeoutMs: 30000 });
    assert.equal(lossless.status, 200);
    assert.equal(lossless.headers['content-type'], 'audio/flac');
    p = await probe(lossless.body, 'seek.flac');
    assert.equal(p.stream.codec_name, 'flac');
    assert.ok(Math.abs(p.duration - (flac.durationMs / 1000 - 1)) < 0.5, `${p.duration} s`);

    // format=raw is the file as it is, offset or not.
    const raw = await request(suite.server.port,
        { path: streamPath(mp3, 'format=raw&timeOffset=2') });
    assert.equal(Number(raw.headers['content-length']), mp3.size);
});

test('a bitrate at or above the original, or format=raw: the original bytes', async () => {
    const song = suite.byPath.get(MP3);
    const file = fs.readFileSync(path.join(suite.server.musicDirs[0], MP3));
    for (const q of ['format=mp3&bitrate=320', 'maxBitRate=320', 'format=raw&bitrate=64',
        'bitrate=128']) {
        const res = await request(suite.server.port, { path: streamPath(song, q) });
        assert.equal(res.status, 200, q);
        assert.equal(Number(res.headers['content-length']), file.length, q);
        assert.equal(sha256(res.body), sha256(file), `${q}: not the original bytes`);
    }
});

test('the media token works for transcodes; bad parameters are 400', async () => {
    const song = suite.byPath.get(FLAC);
    const st = await request(suite.server.port, { path: '/api/auth/stream-token' });
    assert.equal(st.status, 200);
    const { token } = st.json();
    const res = await request(suite.server.port, {
        path: streamPath(song, `format=opus&bitrate=64&t=${encodeURIComponent(token)}`),
        token: null, timeoutMs: 30000 });
    assert.equal(res.status, 200);
    assert.equal((await probe(res.body, 'token.opus')).stream.codec_name, 'opus');
    for (const q of ['format=wav', 'bitrate=abc', 'timeOffset=-3', 'maxBitRate=1e9']) {
        const bad = await request(suite.server.port, { path: streamPath(song, q) });
        assert.equal(bad.status, 400, q);
        assert.equal(errorCode(bad), 'bad_request', q);
    }
});

/** Starts a transcode whose client reads the head and then stops reading. */
function stalledStream(port, p, token) {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: p, agent: false,
            headers: { Authorization: `Bearer ${token}` } });
        req.on('error', reject);
        req.on('response', (res) => {
            res.pause();
            resolve({ req, res });
        });
        req.end();
    });
}

test('limits: 429 past the per-user limit; a client that leaves frees its slot; SIGTERM ' +
    'with transcodes running exits 0', async () => {
    const music = tempDir('swaz-long-');
    const dir = path.join(music, 'Long Artist', 'Long Album');
    fs.mkdirSync(dir, { recursive: true });
    const gen = (name, seconds) => toneWav(dir, name, { seconds, rate: 8000, codec: 'pcm_u8',
        artist: 'Long Artist', album: 'Long Album' });
    await gen('Long', 900);
    await gen('Short', 2);
    // 2 in all, so one per user.
    const srv = await startServer({ musicDirs: [music], minSongs: 2,
        env: { SWAZ_MAX_TRANSCODES: '2' } });
    try {
        const songs = await allSongs(srv.port);
        const long = songs.find((s) => s.title === 'Long');
        const short = songs.find((s) => s.title === 'Short');
        assert.ok(long && short);
        const token = srv.admin.accessToken;
        const a = await stalledStream(srv.port, streamPath(long, 'format=opus&bitrate=256'),
            token);
        assert.equal(a.res.statusCode, 200);
        const busy = await request(srv.port, { path: streamPath(short, 'format=mp3') });
        assert.equal(busy.status, 429);
        assert.equal(errorCode(busy), 'too_many_transcodes');
        assert.ok(Number(busy.headers['retry-after']) > 0);
        // The same refusal through /rest/stream: a Subsonic error, not a stalled stream.
        const sub = await rest(srv.port, 'stream', { ...plainAuth('admin', srv.admin.password),
            id: short.id, format: 'mp3', f: 'json' });
        assert.match(String(sub.headers['content-type']), /json/, 'an envelope, not audio');
        const env = sub.json()['subsonic-response'];
        assert.equal(env.status, 'failed');
        assert.equal(env.error.code, 0);
        assert.match(env.error.message, /too many songs are being transcoded/i);
        // Another user has a share of their own; past the total, everyone gets 429.
        const tokens = {};
        for (const u of ['second', 'third']) {
            const made = await request(srv.port, { method: 'POST', path: '/api/users',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ username: u, password: `${u}-password-1` }) });
            assert.equal(made.status, 201, made.text());
            tokens[u] = (await srv.login(u, `${u}-password-1`)).accessToken;
        }
        const other = await stalledStream(srv.port, streamPath(long, 'format=opus&bitrate=256'),
            tokens.second);
        assert.equal(other.res.statusCode, 200, 'a second user gets the other slot');
        const over = await request(srv.port, { path: streamPath(short, 'format=mp3'),
            token: tokens.third });
        assert.equal(over.status, 429, 'the total is reached');
        assert.equal(errorCode(over), 'too_many_transcodes');
        assert.ok(Number(over.headers['retry-after']) > 0);
        other.req.destroy();
        // Untranscoded streams are not limited.
        const raw = await request(srv.port, { path: streamPath(short, 'format=raw') });
        assert.equal(raw.status, 200);

        // The client goes away: its worker ends and the slot is free again.
        a.req.destroy();
        let ok = null;
        for (let i = 0; i < 50 && !ok; i++) {
            const r = await request(srv.port, { path: streamPath(short, 'format=mp3') });
            if (r.status === 200) ok = r;
            else await new Promise((res) => setTimeout(res, 100));
        }
        assert.ok(ok, 'the slot of a disconnected client was never freed');
        assert.equal((await probe(ok.body, 'after.mp3')).stream.codec_name, 'mp3');
        const health = await request(srv.port, { path: '/api/songs?limit=1' });
        assert.equal(health.status, 200);

        // SIGTERM while a stalled transcode runs: the worker is cancelled and serve exits 0.
        const b = await stalledStream(srv.port, streamPath(long, 'format=opus&bitrate=256'),
            token);
        assert.equal(b.res.statusCode, 200);
        b.res.on('error', () => {});
        b.req.on('error', () => {});
        const t0 = Date.now();
        await srv.stop({ timeoutMs: 15000 });
        assert.ok(Date.now() - t0 < 10000, 'stop took too long');
        b.req.destroy();
    } finally {
        await srv.stop().catch(() => {});
        fs.rmSync(music, { recursive: true, force: true });
    }
});

test('a source that is truncated or corrupt after the scan: the stream ends cleanly and the ' +
    'server goes on', async () => {
    const music = tempDir('swaz-corrupt-');
    const dir = path.join(music, 'Broken Artist', 'Broken Album');
    fs.mkdirSync(dir, { recursive: true });
    const made = [];
    for (const [name, codec] of [['Cut', 'flac'], ['Noise', 'libmp3lame']]) {
        const file = path.join(dir, `${name}.${codec === 'flac' ? 'flac' : 'mp3'}`);
        await lavfiAudio(file, 'sine=frequency=440:sample_rate=44100:duration=20', ['-c:a', codec],
            { title: name, artist: 'Broken Artist', album: 'Broken Album' });
        made.push(file);
    }
    const srv = await startServer({ musicDirs: [music], minSongs: 2, env: { SWAZ_WATCH: 'false' } });
    try {
        const songs = new Map((await allSongs(srv.port)).map((s) => [s.title, s]));
        // After the scan: the FLAC loses its second half, the mp3 gets 64 KiB of garbage in
        // the middle. The stored duration still says 20 s.
        const [cut, noise] = made;
        fs.truncateSync(cut, Math.floor(fs.statSync(cut).size / 2));
        const fd = fs.openSync(noise, 'r+');
        const junk = Buffer.alloc(64 * 1024);
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
        fs.writeSync(fd, junk, 0, junk.length, Math.floor(fs.statSync(noise).size / 2));
        fs.closeSync(fd);

        for (const [title, q] of [['Cut', 'format=mp3&bitrate=128'], ['Cut', 'format=opus&timeOffset=2'],
            ['Noise', 'format=mp3&bitrate=32'], ['Noise', 'format=flac']]) {
            const song = songs.get(title);
            let res;
            try {
                res = await request(srv.port, { path: streamPath(song, q), timeoutMs: 20000 });
            } catch (err) {
                // A cut chunked body is a clean end too; a hang or a crash is not.
                assert.match(String(err.code ?? err.message), /ECONNRESET|aborted/, `${title} ${q}`);
                continue;
            }
            assert.equal(res.status, 200, `${title} ${q}: ${res.text().slice(0, 200)}`);
            assert.equal(res.headers['content-length'], undefined, `${title} ${q}: transcoded`);
            const p = await probe(res.body, `damaged-${title}.${q.split('&')[0].slice(7)}`);
            assert.ok(p.duration > 3, `${title} ${q}: ${p.duration} s of audio before the damage`);
        }
        // The damage is logged: the cut FLAC ends long before the 20 s its header declares,
        // the mp3's garbage is skipped as damaged packets.
        const log = srv.log();
        assert.match(log, /transcode of [^\n]*Cut\.flac: the source ends at \d+ ms of the 20\d{3} ms/);
        assert.match(log, /transcode of [^\n]*Noise\.mp3: [1-9]\d* damaged packets skipped/);
        const health = await request(srv.port, { path: '/health' });
        assert.equal(health.status, 200);
        const ok = await request(srv.port, { path: streamPath(songs.get('Noise'), 'format=raw') });
        assert.equal(ok.status, 200);
    } finally {
        await srv.stop();
        fs.rmSync(music, { recursive: true, force: true });
    }
});

/** CPU seconds (user + system) the process `pid` has used so far. */
function cpuSeconds(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Pids of the processes whose parent is `pid`. */
function children(pid) {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
        try {
            const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
            return false; // gone meanwhile
        }
    });
}

test('backpressure: a listener who stops reading stops its live encoder', async () => {
    const music = tempDir('swaz-slow-');
    const dir = path.join(music, 'Slow Artist', 'Slow Album');
    fs.mkdirSync(dir, { recursive: true });
    await toneWav(dir, 'Hour', { seconds: 3600, rate: 8000, codec: 'pcm_u8',
        artist: 'Slow Artist', album: 'Slow Album' });
    const srv = await startServer({ musicDirs: [music], minSongs: 1, env: { SWAZ_WATCH: 'false' } });
    try {
        const [song] = await allSongs(srv.port);
        // timeOffset: encoded live (never through the cache, whose encoder runs at disk speed).
        const s = await stalledStream(srv.port, streamPath(song, 'format=opus&bitrate=256&timeOffset=1'),
            srv.admin.accessToken);
        assert.equal(s.res.statusCode, 200);
        s.res.on('error', () => {});
        s.req.on('error', () => {});
        // Buffers fill within a moment; after that the encoder must wait for the listener.
        await new Promise((res) => setTimeout(res, 1500));
        const c0 = cpuSeconds(srv.proc.pid);
        await new Promise((res) => setTimeout(res, 3000));
        const used = cpuSeconds(srv.proc.pid) - c0;
        const running = (await request(srv.port, { path: '/metrics' })).text()
            .match(/^swaz_transcodes_running (\d+)/m);
        assert.equal(running?.[1], '1', 'the encoder is still there, waiting');
        assert.deepEqual(children(srv.proc.pid), [], 'the encoder runs in process, no child');
        assert.ok(used < 0.6, `${used.toFixed(2)} CPU seconds in 3 s while nobody reads`);
        // Reading again resumes it; leaving stops it.
        let got = 0;
        s.res.on('data', (c) => { got += c.length; });
        s.res.resume();
        await new Promise((res) => setTimeout(res, 500));
        assert.ok(got > 0, 'bytes flow again');
        s.req.destroy();
        for (let i = 0; i < 50; i++) {
            const m = (await request(srv.port, { path: '/metrics' })).text();
            if (/^swaz_transcodes_running 0$/m.test(m)) break;
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.match((await request(srv.port, { path: '/metrics' })).text(),
            /^swaz_transcodes_running 0$/m);
    } finally {
        await srv.stop();
        fs.rmSync(music, { recursive: true, force: true });
    }
});

/** GETs `p` and notes when the first body byte and the end arrived (ms after the request). */
function timedStream(port, p, token) {
    return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const req = http.request({ host: '127.0.0.1', port, path: p, agent: false,
            headers: { Authorization: `Bearer ${token}` } });
        const timer = setTimeout(() => req.destroy(new Error(`${p}: no end in 60 s`)), 60000);
        req.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        req.on('response', (res) => {
            const chunks = [];
            let first = null;
            res.on('data', (c) => {
                first ??= Date.now() - t0;
                chunks.push(c);
            });
            res.on('error', reject);
            res.on('end', () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode, body: Buffer.concat(chunks), first,
                    end: Date.now() - t0 });
            });
        });
        req.end();
    });
}

test('many listeners starting at once: each gets its head at once and a whole mp3', async () => {
    const N = 8;
    const music = tempDir('swaz-burst-');
    const dir = path.join(music, 'Burst Artist', 'Burst Album');
    fs.mkdirSync(dir, { recursive: true });
    await Promise.all(Array.from({ length: N }, async (_, i) => {
        await lavfiAudio(path.join(dir, `${i + 1} - Burst ${i}.flac`),
            `sine=frequency=${300 + 50 * i}:sample_rate=44100:duration=8`,
            ['-ac', '2', '-c:a', 'flac'],
            { title: `Burst ${i}`, artist: 'Burst Artist', album: 'Burst Album', track: i + 1 });
    }));
    // No cache: every request is a live encode of its own, all started in the same moment.
    const srv = await startServer({ musicDirs: [music], minSongs: N,
        env: { SWAZ_MAX_TRANSCODES: String(2 * N), SWAZ_TRANSCODE_CACHE_MB: '0' } });
    try {
        const songs = await allSongs(srv.port);
        assert.equal(songs.length, N);
        const metric = async (name) => {
            const m = await request(srv.port, { path: '/metrics' });
            const line = m.text().split('\n').find((l) => l.startsWith(`${name} `));
            return Number(line?.split(' ')[1] ?? NaN);
        };
        const started = await metric('swaz_transcodes_started_total');
        const finished = await metric('swaz_transcodes_finished_total');
        const token = srv.admin.accessToken;
        const results = await Promise.all(songs.map((s) =>
            timedStream(srv.port, streamPath(s, 'format=mp3&bitrate=128'), token)));
        for (const [i, r] of results.entries()) {
            assert.equal(r.status, 200, `stream ${i}`);
            // The ID3 head (tags) goes out before the encoder is even set up.
            assert.equal(r.body.subarray(0, 3).toString('latin1'), 'ID3', `stream ${i}`);
            const p = await probe(r.body, `burst-${i}.mp3`);
            assert.equal(p.stream.codec_name, 'mp3');
            assert.ok(Math.abs(p.duration - 8) < 0.5, `stream ${i}: ${p.duration} s`);
            assert.equal(p.tags.title, songs[i].title);
        }
        // Nobody waits for the others' encodes: every first byte comes in well before the
        // first stream has ended (a gate that held a started stream for good would not).
        const lastFirst = Math.max(...results.map((r) => r.first));
        const firstEnd = Math.min(...results.map((r) => r.end));
        assert.ok(lastFirst < firstEnd, `last first byte ${lastFirst} ms, first end ${firstEnd} ms`);
        assert.ok(lastFirst < 5000, `last first byte after ${lastFirst} ms`);
        assert.equal(await metric('swaz_transcodes_started_total'), started + N);
        assert.equal(await metric('swaz_transcodes_finished_total'), finished + N);
    } finally {
        await srv.stop();
        fs.rmSync(music, { recursive: true, force: true });
    }
});
