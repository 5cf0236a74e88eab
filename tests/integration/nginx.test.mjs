// X-Accel-Redirect through a real nginx (Debian's), black-box: deploy/nginx/swaz.conf with
// its ports and paths replaced runs on 127.0.0.1 in front of swaz (trusted_proxies
// 127.0.0.1, accel_redirect /internal/music/). A Range request for an original through nginx
// returns the right bytes while swaz itself answered with an empty body and the header; two
// music folders with one base name (and the same file path inside) each get their own bytes;
// an upload passes through nginx as it streams, and is then sent by nginx too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, allSongs, tempDir, freePort, repoRoot, testLibrary } from './lib/server.mjs';
import { TEST_SONGS } from './lib/library.mjs';
import { request, sha256 } from './lib/http.mjs';

const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {import('node:child_process').ChildProcess|null} */
let nginx = null;
let nginxPort = 0;
let dir = '';
let songs = [];
/** The second music folder: the test library's base name, one file of the same path. */
let twinDir = '';
let twinPath = '';
let twinSong = null;

const webAssets = path.join(repoRoot, 'web/dist/assets');

/** deploy/nginx/swaz.conf made runnable here: one upstream, our ports, one `internal` location
 * per library ({name, dir}: the deploy file's music location repeated), our data dir. */
function nginxConfig(swazPort, port, libraries, dataDir) {
    let conf = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/swaz.conf'), 'utf8');
    let first = true;
    conf = conf.replace(/^(\s*)server 127\.0\.0\.1:\d+([^;]*);\n/gm, (m, sp, rest) => {
        if (!first) return '';
        first = false;
        return `${sp}server 127.0.0.1:${swazPort}${rest};\n`;
    });
    assert.ok(!first, 'the upstream block has a server line');
    const music = /\n( *)location \/internal\/music\/music\/ \{\n[^}]*alias \/srv\/music\/;[^}]*\}\n/;
    assert.match(conf, music, 'deploy/nginx/swaz.conf still has the music folder\'s location');
    conf = conf.replace(music, (block) => libraries.map(({ name, dir: d }) => block
        .replace('/internal/music/music/', `/internal/music/${name}/`)
        .replace('/srv/music/', `${d}/`)).join(''));
    const edits = [
        [/listen 80;/, `listen 127.0.0.1:${port};`],
        [/alias \/var\/lib\/swaz\/transcodes\/;/, `alias ${dataDir}/transcodes/;`],
        [/alias \/var\/lib\/swaz\/uploads\/;/, `alias ${dataDir}/uploads/;`],
        [/alias \/usr\/share\/swaz\/web\/assets\/;/, `alias ${webAssets}/;`],
    ];
    for (const [re, to] of edits) {
        assert.match(conf, re, `deploy/nginx/swaz.conf still has ${re}`);
        conf = conf.replace(re, to);
    }
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `    ${t}_temp_path ${dir}/${t};`).join('\n');
    return `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
        `events { worker_connections 1024; }\nhttp {\n    access_log ${dir}/access.log;\n` +
        `    include /etc/nginx/mime.types;\n${temp}\n${conf}\n}\n`;
}

before(async () => {
    if (!nginxBin) return;
    dir = tempDir('swaz-nginx-');
    // A second music folder with the test library's base name holding, at the path of one of
    // its mp3 files, other bytes (another mp3 of the library): one alias per base name would
    // send the first folder's file for both.
    const library = await testLibrary();
    const mp3s = TEST_SONGS.filter((s) => s.path.endsWith('.mp3'));
    twinPath = mp3s[0].path;
    twinDir = path.join(dir, 'twin', path.basename(library));
    fs.mkdirSync(path.dirname(path.join(twinDir, twinPath)), { recursive: true });
    fs.copyFileSync(path.join(library, mp3s[1].path), path.join(twinDir, twinPath));
    server = await startServer({ musicDirs: [library, twinDir], minSongs: TEST_SONGS.length + 1,
        env: { SWAZ_TRUSTED_PROXIES: '127.0.0.1', SWAZ_ACCEL_REDIRECT: '/internal/music/' } });
    for (let i = 0; i < 100; i++) {
        songs = await allSongs(server.port);
        if (songs.filter((s) => s.path === twinPath).length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    const twins = songs.filter((s) => s.path === twinPath);
    const twinId = twins.find((t) => songs.filter((s) => s.libraryId === t.libraryId).length === 1)
        ?.libraryId;
    const mainId = twins.find((t) => t.libraryId !== twinId)?.libraryId;
    assert.ok(mainId && twinId && mainId !== twinId, 'both folders are scanned');
    const folders = (await request(server.port, { path: '/api/folders' })).json().items;
    const libraries = [[mainId, library], [twinId, twinDir]].map(([id, d]) =>
        ({ id, name: folders.find((f) => f.libraryId === id)?.name, dir: d }));
    assert.deepEqual(libraries.map((l) => l.name),
        [path.basename(library), `${path.basename(library)}-2`], 'library names are unique');
    twinSong = songs.find((s) => s.libraryId === twinId);
    songs = songs.filter((s) => s.libraryId === mainId);
    nginxPort = await freePort();
    fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(server.port, nginxPort, libraries,
        server.dataDir));
    const check = spawnSync(nginxBin, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e',
        path.join(dir, 'error.log')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
    nginx = spawn(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e',
        path.join(dir, 'error.log')], { stdio: 'ignore' });
    const deadline = Date.now() + 10000;
    for (;;) {
        try {
            const res = await request(nginxPort, { path: '/health', token: null, timeoutMs: 1000 });
            if (res.status === 200) break;
        } catch {
            // not listening yet
        }
        assert.ok(Date.now() < deadline, `nginx did not start: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
        await new Promise((r) => setTimeout(r, 100));
    }
});

after(async () => {
    if (nginx) {
        nginx.kill('SIGTERM');
        await new Promise((r) => nginx.once('exit', r));
    }
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a Range request through nginx gets the bytes nginx sent, not swaz', { skip: !nginxBin && 'no nginx' }, async () => {
    const song = songs.find((s) => / |%|'/.test(s.path)) ?? songs[0]; // a name that needs encoding
    const file = fs.readFileSync(path.join(server.musicDirs[0], song.path));
    const url = `/api/songs/${song.id}/stream?format=raw`;

    // swaz itself: authorised, an empty body and the internal URI.
    const direct = await request(server.port, { path: url });
    assert.equal(direct.status, 200);
    assert.equal(direct.body.length, 0);
    const accel = String(direct.headers['x-accel-redirect']);
    assert.ok(accel.startsWith(`/internal/music/${path.basename(server.musicDirs[0])}/`), accel);
    assert.equal(decodeURIComponent(accel.split('/').slice(4).join('/')), song.path);

    // Through nginx: the right bytes, a proper 206, no internal header leaking.
    const token = server.admin.accessToken;
    const ranged = await request(nginxPort, { path: url, token, headers: { Range: 'bytes=100-1099' } });
    assert.equal(ranged.status, 206, ranged.text().slice(0, 300));
    assert.equal(ranged.headers['content-range'], `bytes 100-1099/${file.length}`);
    assert.deepEqual(ranged.body, file.subarray(100, 1100));
    assert.equal(ranged.headers['x-accel-redirect'], undefined);
    assert.match(String(ranged.headers['content-type']), /^audio\//);
    const whole = await request(nginxPort, { path: `/api/songs/${song.id}/download`, token });
    assert.equal(whole.status, 200);
    assert.equal(sha256(whole.body), sha256(file));
    assert.match(String(whole.headers['content-disposition']), /^attachment/);

    // swaz's access log: every answer for this song carried no body bytes.
    // (A line is written when the response completed, which may follow the client's read.)
    const accessLines = () => server.log().split('\n').filter((l) => l.includes('ACCESS ') && l.includes(song.id));
    for (let i = 0; i < 50 && accessLines().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const lines = accessLines();
    assert.equal(lines.length, 3, lines.join('\n'));
    for (const l of lines) assert.match(l, / 200 0 \d+ms$/, l);

    // Without credentials nginx never reaches the file.
    const anon = await request(nginxPort, { path: url, token: null });
    assert.equal(anon.status, 401);
    const internal = await request(nginxPort, { path: accel, token: null });
    assert.equal(internal.status, 404, 'internal locations are not reachable from outside');
});

test('two music folders with one base name each get their own bytes through nginx',
    { skip: !nginxBin && 'no nginx' }, async () => {
        const token = server.admin.accessToken;
        const base = path.basename(server.musicDirs[0]);
        const main = songs.find((s) => s.path === twinPath);
        assert.ok(main && twinSong && main.id !== twinSong.id, 'two songs at one path');
        const want = [[main, `/internal/music/${base}/`, fs.readFileSync(path.join(server.musicDirs[0], twinPath))],
            [twinSong, `/internal/music/${base}-2/`, fs.readFileSync(path.join(twinDir, twinPath))]];
        assert.notEqual(sha256(want[0][2]), sha256(want[1][2]), 'the two files differ');
        for (const [song, prefix, file] of want) {
            const direct = await request(server.port, { path: `/api/songs/${song.id}/download` });
            assert.equal(direct.status, 200);
            const accel = String(direct.headers['x-accel-redirect']);
            assert.ok(accel.startsWith(prefix), `${accel} starts with ${prefix}`);
            const res = await request(nginxPort, { path: `/api/songs/${song.id}/download`, token });
            assert.equal(res.status, 200, res.text().slice(0, 300));
            assert.equal(sha256(res.body), sha256(file), `${song.id} gets the bytes of its own folder`);
            const ranged = await request(nginxPort, { path: `/api/songs/${song.id}/stream?format=raw`,
                token, headers: { Range: 'bytes=0-99' } });
            assert.equal(ranged.status, 206);
            assert.deepEqual(ranged.body, file.subarray(0, 100));
        }
    });

test('a cached transcode is sent by nginx too', { skip: !nginxBin && 'no nginx' }, async () => {
    const song = songs.find((s) => s.format === 'flac') ?? songs[0];
    const url = `/api/songs/${song.id}/stream?format=mp3&maxBitRate=64`;
    const token = server.admin.accessToken;
    // The first request is a live transcode (through nginx, unbuffered); it fills the cache.
    const live = await request(nginxPort, { path: url, token });
    assert.equal(live.status, 200);
    const cacheDir = path.join(server.dataDir, 'transcodes');
    const cached = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [])
        .filter((n) => n.startsWith(`${song.id}-mp3-64k-`) && !n.endsWith('.tmp'));
    for (let i = 0; i < 100 && cached().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(cached().length, 1, 'the transcode is in the cache');
    const file = fs.readFileSync(path.join(cacheDir, cached()[0]));

    // swaz names the cache file; nginx sends it, with Range.
    const direct = await request(server.port, { path: url });
    assert.equal(direct.status, 200);
    assert.equal(direct.body.length, 0);
    assert.equal(direct.headers['x-accel-redirect'], `/internal/music/.transcodes/${cached()[0]}`);
    const ranged = await request(nginxPort, { path: url, token, headers: { Range: 'bytes=10-509' } });
    assert.equal(ranged.status, 206, ranged.text().slice(0, 300));
    assert.deepEqual(ranged.body, file.subarray(10, 510));
    assert.equal(ranged.headers['content-type'], 'audio/mpeg');
    assert.equal(ranged.headers['x-accel-redirect'], undefined);
});

test('nginx sends the web player\'s hashed files itself; client routes come from swaz',
    { skip: (!nginxBin && 'no nginx') || (!fs.existsSync(webAssets) && 'the web player is not built') },
    async () => {
        const name = fs.readdirSync(webAssets).find((n) => n.endsWith('.js'));
        assert.ok(name, 'a built script');
        const res = await request(nginxPort, { path: `/assets/${name}`, token: null });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, fs.readFileSync(path.join(webAssets, name)));
        assert.match(String(res.headers['cache-control']), /immutable/);
        const gone = await request(nginxPort, { path: '/assets/no-such-file.js', token: null });
        assert.equal(gone.status, 404);
        const page = await request(nginxPort, { path: '/albums', token: null });
        assert.equal(page.status, 200);
        assert.match(String(page.headers['content-type']), /^text\/html/);
    });

test('an upload passes through nginx to swaz', { skip: !nginxBin && 'no nginx' }, async () => {
    const token = server.admin.accessToken;
    const users = (await request(server.port, { path: '/api/users' })).json().items;
    const me = users.find((u) => u.username === 'admin');
    await request(server.port, { method: 'PATCH', path: `/api/users/${me.id}`,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mayUpload: true }) });
    const song = songs.find((s) => s.format === 'mp3');
    const data = fs.readFileSync(path.join(server.musicDirs[0], song.path));
    const boundary = 'nginx-test-boundary';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ` +
        `name="file"; filename="via nginx.mp3"\r\n\r\n`), data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const res = await request(nginxPort, { method: 'POST', path: '/api/uploads', token, body,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`,
            'Content-Length': String(body.length) } });
    assert.equal(res.status, 201, res.text());
    const up = res.json().uploads[0];
    assert.equal(sha256(fs.readFileSync(path.join(server.dataDir, 'uploads', up.path))), sha256(data));

    // Once scanned, the uploaded song is sent by nginx from the uploads library's location.
    let songId = null;
    for (let i = 0; i < 100 && !songId; i++) {
        const mine = (await request(server.port, { path: '/api/uploads' })).json().items;
        songId = mine.find((u) => u.id === up.id)?.songId ?? null;
        if (!songId) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(songId, 'the upload was scanned');
    const direct = await request(server.port, { path: `/api/songs/${songId}/download` });
    assert.ok(String(direct.headers['x-accel-redirect']).startsWith('/internal/music/uploads/'),
        String(direct.headers['x-accel-redirect']));
    const sent = await request(nginxPort, { path: `/api/songs/${songId}/download`, token });
    assert.equal(sent.status, 200, sent.text().slice(0, 300));
    assert.equal(sha256(sent.body), sha256(data));
});
