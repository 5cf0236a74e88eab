// Hostile HTTP: oversized URL and headers, request smuggling shapes, unknown paths and methods,
// a slow-loris client. The server must answer with a clear 4xx and keep serving.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { request, rawRequest, errorCode } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** Started first and checked last, so its ~15 s run alongside the other tests. */
let slowLoris;

before(async () => {
    server = await startServer();
    slowLoris = dripHeaders(server.port, 30000);
});

after(async () => {
    await server?.stop();
});

/**
 * Opens a connection and sends one header byte per second, never finishing the request.
 * Resolves with how long the server kept the connection open (or null if it did not close it
 * within `limitMs`).
 */
function dripHeaders(port, limitMs) {
    return new Promise((resolve) => {
        const started = Date.now();
        const sock = net.connect({ host: '127.0.0.1', port });
        const bytes = Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
            'X-Slow: ' + 'a'.repeat(200));
        let i = 0;
        let timer = null;
        let settled = false;
        const done = (value) => {
            if (settled) return;
            settled = true;
            clearInterval(timer);
            clearTimeout(limit);
            sock.destroy();
            resolve(value);
        };
        const limit = setTimeout(() => done(null), limitMs);
        sock.on('connect', () => {
            timer = setInterval(() => {
                if (i < bytes.length && !sock.destroyed) sock.write(bytes.subarray(i, i + 1));
                i += 1;
            }, 1000);
        });
        sock.on('data', () => {});
        sock.on('error', () => done(Date.now() - started));
        sock.on('close', () => done(Date.now() - started));
    });
}

test('20 KB URL -> 414', async () => {
    const path = `/api/songs/${'a'.repeat(20 * 1024)}`;
    const res = await rawRequest(server.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 414, `got ${res.status} ${res.head.slice(0, 200)} (${res.error})`);
});

test('40 KB of headers -> 431', async () => {
    let headers = '';
    for (let i = 0; i < 40; i++) headers += `X-Pad-${i}: ${'b'.repeat(1000)}\r\n`;
    const res = await rawRequest(server.port,
        `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`);
    assert.equal(res.status, 431, `got ${res.status} ${res.head.slice(0, 200)} (${res.error})`);
});

test('Transfer-Encoding together with Content-Length -> 400 and the connection closes',
    async () => {
        const res = await rawRequest(server.port,
            'POST /api/songs HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n' +
            'Content-Length: 5\r\n\r\n0\r\n\r\n', { timeoutMs: 5000 });
        assert.equal(res.status, 400, `got ${res.status} ${res.head.slice(0, 200)}`);
        assert.ok(res.closed, 'the server must close the connection after a smuggling attempt');
    });

test('unknown paths -> 404 JSON error', async () => {
    // Other GET paths belong to the web player (index.html fallback, web.test.mjs); /rest/
    // answers unknown methods with a 404 Subsonic envelope (subsonic.test.mjs).
    for (const p of ['/api/nope', '/api/songs/x/y/z', '/api/']) {
        const res = await request(server.port, { path: p });
        assert.equal(res.status, 404, `${p}: ${res.status}`);
        errorCode(res);
    }
    const dots = await request(server.port, { path: '/%2e%2e/%2e%2e/etc/passwd' });
    assert.ok([400, 404].includes(dots.status), `encoded dot-dot: ${dots.status}`);
});

test('wrong method -> 405 JSON error', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await request(server.port, { method, path: '/api/songs', body: '{}',
            headers: { 'Content-Type': 'application/json' } });
        assert.equal(res.status, 405, `${method} /api/songs: ${res.status}`);
        errorCode(res);
    }
});

test('garbage request lines get a 4xx, not a hang or a crash', async () => {
    for (const line of ['HELLO\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n',
        'GET /health HTTP/1.1\r\nHost: a\r\nBad Header Without Colon\r\n\r\n',
        '\x00\x01\x02\x03\r\n\r\n']) {
        const res = await rawRequest(server.port, line, { timeoutMs: 3000 });
        const ok = res.status === null || res.status === 505 ||
            (res.status >= 400 && res.status < 500);
        assert.ok(ok,
            `${JSON.stringify(line)}: ${res.status}`);
    }
});

test('a slow-loris client is disconnected within ~15 s', async () => {
    const heldMs = await slowLoris;
    assert.ok(heldMs !== null, 'the server kept a header-dripping client for 30 s');
    assert.ok(heldMs <= 17000, `the slow client was held ${heldMs} ms`);
});

test('after all of that /health still answers 200', async () => {
    const res = await request(server.port, { path: '/health' });
    assert.equal(res.status, 200);
    assert.equal(res.json().status, 'ok');
});
