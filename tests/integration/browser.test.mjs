// A real browser (Debian's chromium driven by playwright-core) plays an mp3 and a flac song
// from /api/songs/{id}/stream with an <audio> element: it must request the stream with a
// Range header and playback must advance.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { startServer, allSongs, tempDir } from './lib/server.mjs';
import { getJson } from './lib/http.mjs';

const CHROMIUM = process.env.SWAZ_TEST_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const skip = haveChromium ? false : `${CHROMIUM} is not installed (scripts/deps.sh test installs it)`;

const SONGS = {
    mp3: 'The Quiet Foxes/Northern Lights/02 - Frozen Lake.mp3',
    flac: 'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac',
};

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {http.Server} */
let pageServer;
let pagePort = 0;
let context = null;
let profile = null;
let ids = {};
let streamToken = '';

before(async () => {
    if (!haveChromium) return;
    server = await startServer();
    const songs = await allSongs(server.port);
    for (const [fmt, p] of Object.entries(SONGS)) {
        const s = songs.find((x) => x.path === p);
        assert.ok(s, `song ${p} not listed`);
        ids[fmt] = s.id;
    }
    streamToken = (await getJson(server.port, '/api/auth/stream-token')).token;
    // The page comes from its own origin, as the web player would when served elsewhere.
    pageServer = http.createServer((req, res) => {
        const m = /^\/play\/(\w+)$/.exec(req.url ?? '');
        if (!m || !ids[m[1]]) {
            res.writeHead(404).end();
            return;
        }
        // <audio> sends no Authorization header: the URL carries a short-lived media token.
        const src = `http://127.0.0.1:${server.port}/api/songs/${encodeURIComponent(ids[m[1]])}` +
            `/stream?t=${encodeURIComponent(streamToken)}`;
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>play</title><audio id="a" preload="auto" src="${src}">` +
            '</audio>');
    });
    await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    const addr = pageServer.address();
    pagePort = typeof addr === 'object' && addr ? addr.port : 0;

    const { chromium } = await import('playwright-core');
    profile = tempDir('swaz-chromium-');
    context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
            '--autoplay-policy=no-user-gesture-required'],
        timeout: 60000,
    });
});

after(async () => {
    await context?.close().catch(() => {});
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve()));
    await server?.stop();
});

for (const fmt of Object.keys(SONGS)) {
    test(`chromium plays the ${fmt} stream`, { skip, timeout: 60000 }, async () => {
        const page = await context.newPage();
        try {
            /** @type {{url: string, range: string|null}[]} */
            const streamRequests = [];
            page.on('request', (req) => {
                if (req.url().includes('/stream')) {
                    streamRequests.push({ url: req.url(), range: null });
                    const entry = streamRequests[streamRequests.length - 1];
                    req.headerValue('range').then((v) => { entry.range = v; }).catch(() => {});
                }
            });
            await page.goto(`http://127.0.0.1:${pagePort}/play/${fmt}`);
            const error = await page.evaluate(async () => {
                const a = /** @type {HTMLAudioElement} */ (document.getElementById('a'));
                try {
                    await a.play();
                    return null;
                } catch (err) {
                    return `${err} (media error ${a.error?.code}: ${a.error?.message})`;
                }
            });
            assert.equal(error, null, `play() failed for ${fmt}`);
            await page.waitForFunction(() => {
                const a = /** @type {HTMLAudioElement} */ (document.getElementById('a'));
                return a.currentTime > 0.5;
            }, null, { timeout: 20000, polling: 100 });
            const state = await page.evaluate(() => {
                const a = /** @type {HTMLAudioElement} */ (document.getElementById('a'));
                return { t: a.currentTime, d: a.duration, err: a.error?.code ?? null };
            });
            assert.equal(state.err, null);
            assert.ok(state.t > 0.5, `currentTime ${state.t}`);
            assert.ok(state.d > 2, `duration ${state.d}`);
            assert.ok(streamRequests.length > 0, 'the stream URL was never requested');
            // Give the header lookups a moment to settle.
            await new Promise((r) => setTimeout(r, 100));
            assert.ok(streamRequests.some((r) => r.range && /^bytes=\d+-/.test(r.range)),
                `no Range header on the stream requests: ${JSON.stringify(streamRequests)}`);
            // The server saw (and logged) the request.
            assert.ok(server.log().split('\n').some((l) => l.includes(' ACCESS ') &&
                l.includes(`/api/songs/${encodeURIComponent(ids[fmt])}/stream`)),
                "no access log line for the stream");
        } finally {
            await page.close();
        }
    });
}
