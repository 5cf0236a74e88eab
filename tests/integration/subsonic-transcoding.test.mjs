// The OpenSubsonic `transcoding` extension, black-box: a getTranscodeDecision's
// transcodeParams streams through getTranscodeStream in the decided codec (checked with
// ffprobe) or, for direct play, as the original's bytes; the user's bitrate cap lowers the
// decision; a tampered, borrowed or missing token is refused; bad bodies get their error
// codes and nothing breaks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, run, tempDir, testLibrary } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';
import { query, rest } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {Map<string, any>} songs by path */
let byPath;
let work;
let library;

const USER = 'tc-user';
const PASSWORD = 'tc password 1';
const OTHER = 'tc-other';

const FLAC = 'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac'; // 44.1 kHz stereo
const MP3 = 'The Quiet Foxes/Northern Lights/04 - Long Night.mp3'; // 128 kbps

before(async () => {
    server = await startServer();
    await server.createUser(USER, PASSWORD);
    await server.createUser(OTHER, PASSWORD);
    byPath = new Map((await allSongs(server.port)).map((s) => [s.path, s]));
    library = await testLibrary();
    work = tempDir('swaz-tc-');
});

after(async () => {
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const auth = (u = USER) => ({ u, p: PASSWORD, c: 'tc-test', v: '1.16.1', f: 'json' });

/** POSTs `body` (an object is sent as JSON, a string as is) to getTranscodeDecision. */
async function decide(songId, body, params = {}) {
    const res = await request(server.port, {
        method: 'POST', token: null,
        path: `/rest/getTranscodeDecision?${query({ ...auth(), mediaId: songId,
            mediaType: 'song', ...params })}`,
        headers: { 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(res.status, 200, res.text());
    return res.json()['subsonic-response'];
}

/** Calls getTranscodeStream; resolves with the raw response. */
function stream(songId, transcodeParams, params = {}) {
    return rest(server.port, 'getTranscodeStream', { ...auth(), mediaId: songId,
        mediaType: 'song', transcodeParams, ...params });
}

/** What ffprobe says of `body`: codec, sample rate, channels, container. */
async function probe(body, name) {
    const file = path.join(work, name);
    fs.writeFileSync(file, body);
    const r = await run('ffprobe', ['-v', 'error', '-show_entries',
        'stream=codec_name,sample_rate,channels:format=format_name,duration', '-of', 'json', file]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    return { ...j.streams[0], format: j.format.format_name, duration: j.format.duration };
}

const transcodeOnly = (profile, extra = {}) => ({
    name: 'Test Device', platform: 'Node',
    directPlayProfiles: [{ container: 'mp3', audioCodec: 'mp3', protocol: 'http' }],
    transcodingProfiles: [profile],
    ...extra,
});

for (const c of [
    { profile: { container: 'ogg', audioCodec: 'opus', protocol: 'http' }, codec: 'opus',
        format: 'ogg', rate: '48000' },
    { profile: { container: 'm4a', audioCodec: 'aac', protocol: '*' }, codec: 'aac',
        format: 'mov,mp4,m4a,3gp,3g2,mj2', rate: '44100' },
    { profile: { container: 'aac', audioCodec: 'aac', protocol: 'http' }, codec: 'aac',
        format: 'aac', rate: '44100' },
    { profile: { container: 'mp3', audioCodec: 'mp3', protocol: 'http' }, codec: 'mp3',
        format: 'mp3', rate: '44100' },
]) {
    test(`a decision for ${c.profile.container}/${c.codec} streams ${c.codec}`, async () => {
        const song = byPath.get(FLAC);
        const body = await decide(song.id, transcodeOnly(c.profile,
            { maxTranscodingAudioBitrate: 96000 }));
        assert.equal(body.status, 'ok', JSON.stringify(body));
        const d = body.transcodeDecision;
        assert.equal(d.canDirectPlay, false);
        assert.equal(d.canTranscode, true);
        assert.deepEqual(d.transcodeReason, ['ContainerNotSupported']);
        assert.equal(d.transcodeStream.codec, c.codec);
        assert.equal(d.transcodeStream.audioBitrate, 96000);
        const res = await stream(song.id, d.transcodeParams);
        assert.equal(res.status, 200, res.text().slice(0, 300));
        assert.ok(res.body.length > 1000);
        const p = await probe(res.body, `out-${c.profile.container}`);
        assert.equal(p.codec_name, c.codec);
        assert.equal(p.format, c.format);
        assert.equal(p.sample_rate, c.rate);
        assert.equal(p.channels, 2);
    });
}

test('direct play: getTranscodeStream sends the original bytes', async () => {
    const song = byPath.get(MP3);
    const body = await decide(song.id, { name: 'x', platform: 'y',
        directPlayProfiles: [{ container: 'mp3', audioCodec: 'mp3', protocol: 'http' }] });
    const d = body.transcodeDecision;
    assert.equal(d.canDirectPlay, true);
    assert.equal(d.canTranscode, false);
    assert.equal(d.transcodeStream, undefined);
    const res = await stream(song.id, d.transcodeParams);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.body), sha256(fs.readFileSync(path.join(library, MP3))));
    // with an offset the original is re-encoded in its own format from there on
    const cut = await stream(song.id, d.transcodeParams, { offset: 3 });
    assert.equal(cut.status, 200);
    const p = await probe(cut.body, 'cut.mp3');
    assert.equal(p.codec_name, 'mp3');
    assert.ok(Number(p.duration) > 1 && Number(p.duration) < 3, p.duration);
});

test("the user's maximum bitrate lowers direct play to a transcode", async () => {
    const me = await server.login(OTHER, PASSWORD);
    const id = (await request(server.port, { path: '/api/me', token: me.accessToken })).json().id;
    const patch = await request(server.port, {
        method: 'PATCH', path: `/api/users/${id}`,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ maxBitrate: 64 }),
    });
    assert.equal(patch.status, 200, patch.text());
    const song = byPath.get(MP3);
    const res = await request(server.port, {
        method: 'POST', token: null,
        path: `/rest/getTranscodeDecision?${query({ ...auth(OTHER), mediaId: song.id })}`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(transcodeOnly({ container: 'mp3', audioCodec: 'mp3' })),
    });
    const d = res.json()['subsonic-response'].transcodeDecision;
    assert.equal(d.canDirectPlay, false);
    assert.deepEqual(d.transcodeReason, ['AudioBitrateNotSupported']);
    assert.equal(d.transcodeStream.audioBitrate, 64000);
});

test('a tampered, borrowed or missing transcodeParams is refused', async () => {
    const song = byPath.get(FLAC);
    const other = byPath.get(MP3);
    const d = (await decide(song.id, transcodeOnly({ container: 'mp3', audioCodec: 'mp3' },
        { maxTranscodingAudioBitrate: 64000 }))).transcodeDecision;
    const token = d.transcodeParams;
    assert.match(token, /^1\.mp3\.64\.\d+\.[A-Za-z0-9_-]{43}$/);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const refused = [
        token.slice(0, -2) + last + token.at(-1), // the MAC changed
        token.replace('.64.', '.320.'), // a higher bitrate
        token.replace('1.mp3.', '1.flac.'), // another format
        token.replace(/\.(\d+)\./, (_, e) => `.${Number(e) + 1}.`), // a later expiry
        'garbage',
        'x'.repeat(1000), // past LIMIT_SUBSONIC_TRANSCODE_PARAMS
    ];
    for (const t of refused) {
        const res = await stream(song.id, t);
        assert.equal(res.status, 400, t);
        const e = res.json()['subsonic-response'];
        assert.equal(e.status, 'failed');
        assert.equal(e.error.code, 0);
    }
    // past the HTTP layer's limit on one value: refused before Subsonic sees it
    assert.equal((await stream(song.id, 'x'.repeat(5000))).status, 400);
    // the right token for another song, or for another user
    assert.equal((await stream(other.id, token)).status, 400);
    const res = await rest(server.port, 'getTranscodeStream', { ...auth(OTHER), mediaId: song.id,
        mediaType: 'song', transcodeParams: token });
    assert.equal(res.status, 400);
    // missing: error 10; podcasts: error 0
    const missing = await rest(server.port, 'getTranscodeStream', { ...auth(), mediaId: song.id,
        mediaType: 'song' });
    assert.equal(missing.status, 400);
    assert.equal(missing.json()['subsonic-response'].error.code, 10);
    const podcast = await stream(song.id, token, { mediaType: 'podcast' });
    assert.equal(podcast.json()['subsonic-response'].error.code, 0);
    // the genuine token still works after all that
    assert.equal((await stream(song.id, token)).status, 200);
});

test('bad bodies and ids get their Subsonic errors', async () => {
    const song = byPath.get(FLAC);
    const code = (b) => b.status === 'ok' ? null : b.error.code;
    assert.equal(code(await decide(song.id, 'not json')), 0);
    assert.equal(code(await decide(song.id, '[]')), 0);
    assert.equal(code(await decide(song.id, { maxAudioBitrate: 'high' })), 0);
    const huge = { name: 'x'.repeat(70000), platform: 'y' };
    const tooBig = await decide(song.id, huge);
    assert.equal(code(tooBig), 0);
    assert.match(tooBig.error.message, /too large/);
    const many = { transcodingProfiles: Array.from({ length: 33 }, () => ({ container: 'mp3' })) };
    assert.equal(code(await decide(song.id, many)), 0);
    assert.equal(code(await decide('no-such-song', {})), 70);
    const noId = await request(server.port, {
        method: 'POST', token: null, path: `/rest/getTranscodeDecision?${query(auth())}`,
        headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    assert.equal(code(noId.json()['subsonic-response']), 10);
    // the server is still fine
    assert.equal(code(await decide(song.id, {})), null);
});
