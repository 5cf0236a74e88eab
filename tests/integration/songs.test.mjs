// GET /api/songs and /api/songs/{id}: listing, keyset paging, validation, tag fields, hostile
// ids, and the access log written for them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { TEST_SONGS, NOT_SONGS, LONG_TITLE } from './lib/library.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** Every song as listed with limit=500. */
let songs = [];

const CODECS = { mp3: ['mp3'], flac: ['flac'], ogg: ['vorbis'], opus: ['opus'], m4a: ['aac'] };
const FORMATS = { mp3: ['mp3'], flac: ['flac'], ogg: ['ogg'], opus: ['opus', 'ogg'],
    m4a: ['m4a', 'mp4', 'aac'] };

before(async () => {
    server = await startServer();
    songs = await allSongs(server.port, 500);
});

after(async () => {
    await server?.stop();
});

const byPath = (p) => songs.find((s) => s.path === p);

test('lists every song of the library exactly once, and nothing else', () => {
    const ids = songs.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
    const paths = songs.map((s) => s.path);
    assert.equal(new Set(paths).size, paths.length, 'duplicate paths');
    for (const want of TEST_SONGS) {
        assert.ok(byPath(want.path), `missing ${want.path}; have ${JSON.stringify(paths)}`);
    }
    for (const bad of NOT_SONGS) {
        assert.equal(byPath(bad), undefined, `${bad} must not be a song`);
    }
    for (const p of paths) {
        assert.ok(!p.startsWith('/') && !p.split('/').includes('..'), `path not relative: ${p}`);
        assert.ok(!p.split('/').some((part) => part.startsWith('.')), `hidden path listed: ${p}`);
    }
});

test('song fields carry the tags and stream properties', () => {
    for (const want of TEST_SONGS) {
        const s = byPath(want.path);
        assert.ok(s, want.path);
        const where = `${want.path}: ${JSON.stringify(s).slice(0, 400)}`;
        assert.equal(typeof s.id, 'string', where);
        assert.ok(s.id.length > 0, where);
        if (want.title === LONG_TITLE) {
            assert.equal(typeof s.title, 'string', where);
            assert.ok(s.title.startsWith('Very long title'), where);
            assert.ok(s.title.length <= LONG_TITLE.length, where);
        } else {
            assert.equal(s.title, want.title, where);
        }
        assert.equal(s.artist, want.artist, where);
        assert.equal(s.album, want.album, where);
        assert.equal(s.albumArtist, want.albumArtist, where);
        assert.equal(s.track, want.track, where);
        assert.equal(s.disc, want.disc, where);
        assert.equal(s.year, want.year, where);
        assert.equal(s.genre, want.genre, where);
        assert.equal(typeof s.durationMs, 'number', where);
        assert.ok(Math.abs(s.durationMs - want.durationMs) <= 150,
            `${where}: durationMs ${s.durationMs}, expected about ${want.durationMs}`);
        assert.equal(typeof s.bitrate, 'number', where);
        assert.ok(s.bitrate > 0, where);
        assert.equal(s.sampleRate, want.sampleRate, where);
        assert.equal(s.channels, want.channels, where);
        assert.ok(FORMATS[want.format].includes(s.format), `${where}: format`);
        assert.ok(CODECS[want.format].includes(s.codec), `${where}: codec`);
        const file = path.join(server.musicDirs[0], want.path);
        assert.equal(s.size, fs.statSync(file).size, `${where}: size`);
        assert.ok(['string', 'number'].includes(typeof s.libraryId), `${where}: libraryId`);
    }
});

test('every song has all the documented fields', () => {
    const fields = ['id', 'title', 'artist', 'album', 'albumArtist', 'track', 'disc', 'year',
        'genre', 'durationMs', 'bitrate', 'sampleRate', 'channels', 'format', 'codec', 'size',
        'path', 'libraryId'];
    for (const s of songs) {
        for (const f of fields) assert.ok(f in s, `${s.path}: no field ${f}`);
    }
});

test('paging with small limits yields every song once, in the same stable order', async () => {
    const full = songs.map((s) => s.id);
    for (const limit of [1, 2, 3, 7]) {
        const paged = (await allSongs(server.port, limit)).map((s) => s.id);
        assert.deepEqual(paged, full, `limit=${limit}`);
    }
    const again = (await allSongs(server.port, 500)).map((s) => s.id);
    assert.deepEqual(again, full, 'order changed between two listings');
});

test('a page has exactly `limit` items and a cursor while more remain', async () => {
    const res = await request(server.port, { path: '/api/songs?limit=2' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const page = res.json();
    assert.equal(page.items.length, 2);
    assert.equal(typeof page.next, 'string');
    const last = await request(server.port, { path: `/api/songs?limit=${songs.length}` });
    assert.equal(last.json().next, null, 'a page holding the rest must end with next=null');
});

test('default limit is 100 and limit=500 is accepted', async () => {
    const def = await request(server.port, { path: '/api/songs' });
    assert.equal(def.status, 200);
    assert.equal(def.json().items.length, Math.min(100, songs.length));
    const max = await request(server.port, { path: '/api/songs?limit=500' });
    assert.equal(max.status, 200);
});

test('limit outside 1..500 or not an integer -> 400 JSON error', async () => {
    for (const bad of ['0', '501', '-1', 'abc', '1.5', '', '10abc', '1e2', '%20', '99999999999999999999',
        '0x10']) {
        const res = await request(server.port, { path: `/api/songs?limit=${bad}` });
        assert.equal(res.status, 400, `limit=${bad}: ${res.status} ${res.text().slice(0, 200)}`);
        assert.doesNotThrow(() => errorCode(res), `limit=${bad}: not a JSON error`);
    }
});

test('malformed after cursor -> 400 JSON error', async () => {
    const long = 'A'.repeat(4000);
    for (const bad of ['!!!', 'not-a-cursor', '%00', '%FF%FE', long, `${songs[0].id}'--`]) {
        const res = await request(server.port, { path: `/api/songs?after=${bad}` });
        const where = `after=${bad.length > 40 ? `<${bad.length} chars>` : bad}`;
        assert.equal(res.status, 400, `${where}: ${res.status} ${res.text().slice(0, 200)}`);
        assert.doesNotThrow(() => errorCode(res), `${where}: not a JSON error`);
    }
});

test('GET /api/songs/{id} returns the same song as the list', async () => {
    for (const s of songs) {
        const res = await request(server.port, { path: `/api/songs/${encodeURIComponent(s.id)}` });
        assert.equal(res.status, 200, s.path);
        assert.deepEqual(res.json(), s);
    }
});

test('unknown song id -> 404 JSON error', async () => {
    const res = await request(server.port, { path: '/api/songs/doesnotexist0000' });
    assert.equal(res.status, 404);
    errorCode(res);
    const stream = await request(server.port, { path: '/api/songs/doesnotexist0000/stream' });
    assert.equal(stream.status, 404);
    errorCode(stream);
});

test('hostile ids get 400 or 404, never 500, and the server keeps serving', async () => {
    const ids = [
        '..%2F..%2F..%2Fetc%2Fpasswd',
        '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '..%5C..%5Cwindows',
        '%22quoted%22',
        '"quoted"',
        "'%20OR%201=1%20--",
        "' OR 1=1 --".replace(/ /g, '%20'),
        '1%3B%20DROP%20TABLE%20songs',
        '%00',
        'abc%00def',
        '%25',
        '%',
        '%zz',
        '%C0%AE%C0%AE%2F',
        'x'.repeat(10 * 1024),
    ];
    for (const id of ids) {
        for (const suffix of ['', '/stream']) {
            const p = `/api/songs/${id}${suffix}`;
            const res = await request(server.port, { path: p });
            const where = p.length > 80 ? `${p.slice(0, 40)}...<${p.length} chars>` : p;
            // A URL past LIMIT_HTTP_URL_BYTES (8 KiB) is 414 before any routing.
            const allowed = p.length > 8192 ? [414] : [400, 404];
            assert.ok(allowed.includes(res.status),
                `${where}: status ${res.status} ${res.text().slice(0, 200)}`);
            assert.match(res.headers['content-type'] ?? '', /^application\/json/, `${where}: JSON error`);
        }
    }
    // A raw ../ in the path, sent unnormalised.
    const raw = await request(server.port, { path: '/api/songs/../../../etc/passwd' });
    assert.ok([400, 404].includes(raw.status), `raw ../: ${raw.status}`);
    const health = await request(server.port, { path: '/health' });
    assert.equal(health.status, 200);
});

test('access log: one ACCESS line per request with method, path, status; secrets redacted',
    async () => {
        const id = songs[0].id;
        const marker = `/api/songs/${encodeURIComponent(id)}`;
        await request(server.port, { path: marker });
        const secrets = ['hunter2secret', 'k3ysecretvalue', 't0kensecret', 's4ltsecret'];
        const q = `/api/songs?limit=1&u=alice&p=${secrets[0]}&apiKey=${secrets[1]}` +
            `&t=${secrets[2]}&s=${secrets[3]}`;
        await request(server.port, {
            path: q,
            headers: { Authorization: 'Bearer bearersecretvalue' },
        });
        // The line is written when the response completes: allow a moment.
        let log = '';
        for (let i = 0; i < 20; i++) {
            log = server.log();
            if (log.includes('alice') && log.includes(marker)) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        const lines = log.split('\n').filter((l) => l.includes(' ACCESS '));
        const hit = lines.find((l) => l.includes(marker));
        assert.ok(hit, `no ACCESS line for ${marker}\n${server.logTail()}`);
        assert.match(hit, /127\.0\.0\.1/);
        assert.match(hit, / GET /);
        assert.match(hit, / 200 /);
        const secretLine = lines.find((l) => l.includes('alice'));
        assert.ok(secretLine, `no ACCESS line for the credentials request\n${server.logTail()}`);
        assert.match(secretLine, /\*\*\*/);
        for (const s of [...secrets, 'bearersecretvalue']) {
            assert.ok(!log.includes(s), `secret ${s} appears in the log`);
        }
    });
