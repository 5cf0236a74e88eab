// The web player's files at `/`: Content-Type, ETag/304, long-lived caching for Vite's hashed
// assets and no-cache for index.html, the index fallback for client routes, 404 for the
// server's own prefixes, and no way out of the player's directory (dot-dot in every spelling,
// symbolic links, hidden files).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, tempDir } from './lib/server.mjs';
import { request, rawRequest, errorCode } from './lib/http.mjs';

const INDEX = '<!doctype html><title>Swaz</title><script type="module" src="/assets/index-4f9a2c1d.js"></script>';
const SCRIPT = 'console.log("player");\n'.repeat(50);
const SECRET = 'secret outside the web directory';

/** @type {import('./lib/server.mjs').Server} */
let server;
let root = '';
let webDir = '';

before(async () => {
    root = tempDir('swaz-web-');
    webDir = path.join(root, 'dist');
    fs.mkdirSync(path.join(webDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(webDir, 'index.html'), INDEX);
    fs.writeFileSync(path.join(webDir, 'assets', 'index-4f9a2c1d.js'), SCRIPT);
    fs.writeFileSync(path.join(webDir, 'assets', 'index-4f9a2c1d.js.gz'), zlib.gzipSync(SCRIPT));
    fs.writeFileSync(path.join(webDir, 'assets', 'index-77aa.css'), 'body{margin:0}');
    fs.writeFileSync(path.join(webDir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    fs.writeFileSync(path.join(webDir, '.env'), SECRET);
    fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(webDir, 'link.txt'));
    fs.symlinkSync(root, path.join(webDir, 'up'));
    server = await startServer({ args: ['--web-dir', webDir] });
});

after(async () => {
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('index.html at / with no-cache, an ETag and 304 on revalidation', async () => {
    const res = await request(server.port, { path: '/', token: null });
    assert.equal(res.status, 200);
    assert.equal(res.text(), INDEX);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.ok(res.headers.etag, 'an ETag');
    const csp = String(res.headers['content-security-policy'] ?? '');
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const again = await request(server.port, { path: '/', token: null,
        headers: { 'If-None-Match': res.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const head = await request(server.port, { method: 'HEAD', path: '/index.html', token: null });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(INDEX.length));
});

test('hashed assets are immutable for a year, with the right types and Range', async () => {
    const js = await request(server.port, { path: '/assets/index-4f9a2c1d.js', token: null });
    assert.equal(js.status, 200);
    assert.equal(js.text(), SCRIPT);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    const css = await request(server.port, { path: '/assets/index-77aa.css', token: null });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await request(server.port, { path: '/icon.svg', token: null });
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache');
    const part = await request(server.port, { path: '/assets/index-4f9a2c1d.js', token: null,
        headers: { Range: 'bytes=0-9' } });
    assert.equal(part.status, 206);
    assert.equal(part.text(), SCRIPT.slice(0, 10));
});

test('a precompressed .gz sibling goes to clients that accept gzip', async () => {
    const p = '/assets/index-4f9a2c1d.js';
    const gz = await request(server.port, { path: p, token: null,
        headers: { 'Accept-Encoding': 'br, gzip;q=0.8' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.equal(gz.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(gz.body.length < SCRIPT.length, 'smaller on the wire');
    assert.equal(zlib.gunzipSync(gz.body).toString(), SCRIPT);
    assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable');
    for (const ae of [undefined, 'identity', 'gzip;q=0', 'br']) {
        const plain = await request(server.port, { path: p, token: null,
            headers: ae ? { 'Accept-Encoding': ae } : {} });
        assert.equal(plain.status, 200, String(ae));
        assert.equal(plain.headers['content-encoding'], undefined, String(ae));
        assert.equal(plain.headers.vary, 'Accept-Encoding', String(ae));
        assert.equal(plain.text(), SCRIPT, String(ae));
        assert.notEqual(plain.headers.etag, gz.headers.etag, 'each encoding has its own ETag');
    }
    // No sibling, no Vary.
    const css = await request(server.port, { path: '/assets/index-77aa.css', token: null,
        headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(css.headers['content-encoding'], undefined);
    assert.equal(css.headers.vary, undefined);
});

test('client routes get index.html; a missing hashed asset is a 404', async () => {
    for (const p of ['/albums', '/albums/41ab', '/artists/x/y?tab=songs', '/search%20me',
        '/playlists/new/']) {
        const res = await request(server.port, { path: p, token: null });
        assert.equal(res.status, 200, p);
        assert.equal(res.text(), INDEX, p);
        assert.equal(res.headers['cache-control'], 'no-cache', p);
        assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, p);
    }
    const missing = await request(server.port, { path: '/assets/index-00000000.js', token: null });
    assert.equal(missing.status, 404);
    const post = await request(server.port, { method: 'POST', path: '/albums', token: null,
        body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(post.status, 404, 'only GET and HEAD reach the player');
});

test('the server\'s own prefixes keep their JSON 404', async () => {
    for (const p of ['/api/nope', '/api/', '/s/', '/s/x/y/z/w', '/health/x', '/metrics/x',
        '/ws']) {
        const res = await request(server.port, { path: p, token: null });
        assert.equal(res.status, 404, `${p}: ${res.status}`);
        errorCode(res);
    }
    // The Subsonic API and the metrics answer for themselves, never with the player's page.
    const rest = await request(server.port, { path: '/rest/ping', token: null });
    assert.match(String(rest.headers['content-type']), /xml/);
    assert.match(rest.text(), /<subsonic-response /);
    const metrics = await request(server.port, { path: '/metrics', token: null });
    assert.equal(metrics.status, 401, metrics.text());
    errorCode(metrics);
    const health = await request(server.port, { path: '/health', token: null });
    assert.equal(health.status, 200, 'real routes win over the player');
});

test('no path leaves the web directory', async () => {
    const attempts = ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt',
        '/assets/..%2f..%2fsecret.txt', '/%2E%2E%2Fsecret.txt', '/..%5csecret.txt',
        '/link.txt', '/up/secret.txt', '/.env', '/assets/../.env', '//etc/passwd',
        '/%2fetc%2fpasswd', '/index.html%00.js', `/${'a/'.repeat(600)}x`];
    for (const p of attempts) {
        const res = await rawRequest(server.port,
            `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
            { timeoutMs: 5000 });
        const body = res.data.toString('utf8');
        assert.ok(!body.includes(SECRET), `${p} leaked a file outside the web directory`);
        assert.ok(!body.includes('root:'), `${p} leaked /etc/passwd`);
        assert.ok([400, 404].includes(res.status) || (res.status === 200 && body.endsWith(INDEX)),
            `${p}: ${res.status}`);
    }
    // The file outside is really there: only the server's checks keep it out.
    assert.equal(fs.readFileSync(path.join(webDir, 'link.txt'), 'utf8'), SECRET);
});

test('without a web directory every unknown path is a 404 again', async () => {
    const bare = await startServer({ args: ['--web-dir', ''] });
    try {
        for (const p of ['/', '/albums/x', '/index.html']) {
            const res = await request(bare.port, { path: p, token: null });
            assert.equal(res.status, 404, p);
        }
    } finally {
        await bare.stop();
    }
});
