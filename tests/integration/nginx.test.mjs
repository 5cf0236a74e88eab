// X-Accel-Redirect through a real nginx (Debian's), black-box: deploy/nginx/swaz.conf with
// its ports and paths replaced runs on 127.0.0.1 in front of swaz (trusted_proxies
// 127.0.0.1, accel_redirect /internal/music/). A Range request for an original through nginx
// returns the right bytes while swaz itself answered with an empty body and the header; an
// upload passes through nginx as it streams.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, allSongs, tempDir, freePort, repoRoot } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';

const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {import('node:child_process').ChildProcess|null} */
let nginx = null;
let nginxPort = 0;
let dir = '';
let songs = [];

const webAssets = path.join(repoRoot, 'web/dist/assets');

/** deploy/nginx/swaz.conf made runnable here: one upstream, our ports, our folder. */
function nginxConfig(swazPort, port, musicDir, dataDir) {
    let conf = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/swaz.conf'), 'utf8');
    let first = true;
    conf = conf.replace(/^(\s*)server 127\.0\.0\.1:\d+([^;]*);\n/gm, (m, sp, rest) => {
        if (!first) return '';
        first = false;
        return `${sp}server 127.0.0.1:${swazPort}${rest};\n`;
    });
    assert.ok(!first, 'the upstream block has a server line');
    const name = path.basename(musicDir);
    const edits = [
        [/listen 80;/, `listen 127.0.0.1:${port};`],
        [/location \/internal\/music\/music\/ \{/, `location /internal/music/${name}/ {`],
        [/alias \/srv\/music\/;/, `alias ${musicDir}/;`],
        [/alias \/var\/lib\/swaz\/transcodes\/;/, `alias ${dataDir}/transcodes/;`],
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
    server = await startServer({ env: { SWAZ_TRUSTED_PROXIES: '127.0.0.1',
        SWAZ_ACCEL_REDIRECT: '/internal/music/' } });
    songs = await allSongs(server.port);
    nginxPort = await freePort();
    fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(server.port, nginxPort, server.musicDirs[0],
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
});
