// The web player in a real browser (Debian's chromium, headless, via playwright-core), served
// by the real swaz binary from the built web/dist, on the generated test library: a new
// listener signs in, searches, opens an album, plays (the <audio> element's time advances and
// the right stream URL is requested), skips, seeks, makes a playlist, adds and reorders songs,
// reloads and finds the queue restored; then gapless preloading, quality, Media Session,
// ReplayGain, lyrics, favourites, ratings, M3U import, a 3,000-entry playlist, admin pages,
// password change, first run and uploads. Screenshots of the main
// pages go to .test-out/screenshots/<backend>/. Also checks the JavaScript budget (150 KB
// gzipped).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { startServer, tempDir, repoRoot, allSongs, backend, Server, createDatabase, freePort,
    swazBin, swazEnv, logDir, freshPgDatabases } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { toneWav } from './lib/audio.mjs';

const CHROMIUM = process.env.SWAZ_TEST_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const skip = haveChromium ? false : `${CHROMIUM} is not installed (scripts/deps.sh test installs it)`;
const dist = path.join(repoRoot, 'web', 'dist');
const shots = path.join(repoRoot, '.test-out', 'screenshots', backend);
const JS_BUDGET = 150 * 1024;
const USER = 'listener';
const PASSWORD = 'listener password 1';
const ALBUM = 'Northern Lights';
const ALBUM_SONGS = ['Aurora', 'Frozen Lake', 'Pine Smoke', 'Long Night'];

/** @type {import('./lib/server.mjs').Server} */
let server;
let context = null;
let profile = null;
/** @type {import('playwright-core').Page} */
let page;
let token = '';
/** @type {Record<string, string>} title -> song id */
const ids = {};
/** @type {string[]} every URL the page requested */
const requested = [];
/** @type {string[]} Content-Security-Policy violations and uncaught errors in the page */
const pageErrors = [];
let playlistId = '';

function assertBuilt() {
    assert.ok(fs.existsSync(path.join(dist, 'index.html')),
        `${dist}/index.html is missing: build the player first (cd web && npm ci && npm run build)`);
}

async function api(p, opts = {}) {
    const res = await request(server.port, { ...opts, path: p, token });
    return res;
}

async function shot(name) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

/** currentTime of the <audio> element that is playing (the player keeps two). */
async function audioState() {
    return page.evaluate(() => {
        const all = [...document.querySelectorAll('audio[data-player]')];
        const a = /** @type {HTMLAudioElement|undefined} */ (all.find((x) => !x.paused) ?? all[0]);
        return a ? { t: a.currentTime, paused: a.paused, src: a.src, err: a.error?.code ?? null }
            : null;
    });
}

before(async () => {
    if (!haveChromium) return;
    assertBuilt();
    server = await startServer({ args: ['--web-dir', dist] });
    await server.createUser(USER, PASSWORD);
    token = (await server.login(USER, PASSWORD)).accessToken;
    for (const s of await allSongs(server.port)) if (s.album === ALBUM) ids[s.title] = s.id;
    assert.equal(Object.keys(ids).length, 4, `album ${ALBUM} as scanned: ${JSON.stringify(ids)}`);

    const { chromium } = await import('playwright-core');
    profile = tempDir('swaz-chromium-');
    context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
            '--autoplay-policy=no-user-gesture-required'],
        timeout: 60000,
    });
    page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) pageErrors.push(m.text());
    });
});

after(async () => {
    await context?.close().catch(() => {});
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await server?.stop();
});

test('the built player\'s JavaScript is under 150 KB gzipped', () => {
    assertBuilt();
    const assets = path.join(dist, 'assets');
    const js = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
    assert.ok(js.length > 0, 'no JavaScript in dist/assets');
    const total = js.reduce((n, f) =>
        n + zlib.gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length, 0);
    assert.ok(total < JS_BUDGET, `JavaScript is ${total} bytes gzipped (budget ${JS_BUDGET})`);
    // Every bundle index.html names exists, so the immutable URLs are real.
    const index = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    for (const m of index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) {
        assert.ok(fs.existsSync(path.join(dist, m[1])), `index.html names a missing ${m[1]}`);
    }
});

test('a new listener signs in', { skip, timeout: 60000 }, async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('login');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    await page.getByRole('heading', { name: 'Recently added' }).waitFor();
    await page.locator('.album-card img').first().waitFor();
    await shot('home');
    // The bundles went out gzipped (the build writes .gz siblings; swaz picks them).
    const bundles = fs.readdirSync(path.join(dist, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    for (const f of bundles) {
        const res = await request(server.port, { path: `/assets/${f}`, token: null,
            headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
        assert.equal(res.headers['content-encoding'], 'gzip', f);
        assert.ok(res.body.length < fs.statSync(path.join(dist, 'assets', f)).size, f);
    }
});

test('search as you type, then open the album', { skip, timeout: 60000 }, async () => {
    await page.keyboard.press('/');
    await page.keyboard.type('northern');
    const hit = page.locator('.search-results a', { hasText: ALBUM });
    await hit.waitFor();
    await shot('search');
    await hit.click();
    await page.getByRole('heading', { name: ALBUM }).waitFor();
    assert.match(page.url(), /\/albums\/[0-9a-f]+$/);
    for (const t of ALBUM_SONGS) await page.locator('.song-row', { hasText: t }).first().waitFor();
    await shot('album');
    // A public link to the album, that opens without signing in.
    await page.getByRole('button', { name: 'Share' }).click();
    const link = await page.getByLabel('Share link').inputValue();
    assert.match(link, /\/s\/[A-Za-z0-9_-]{24}$/);
    const shared = await request(server.port, { path: new URL(link).pathname, token: null });
    assert.equal(shared.status, 200);
    assert.ok(shared.text().includes(ALBUM));
});

test('play: the audio element advances and the right stream URL was requested',
    { skip, timeout: 60000 }, async () => {
        await page.getByRole('button', { name: 'Play', exact: true }).first().click();
        await page.waitForFunction(() => [...document.querySelectorAll('audio[data-player]')]
            .some((a) => /** @type {HTMLAudioElement} */ (a).currentTime > 0.5), null,
        { timeout: 20000, polling: 100 });
        const st = await audioState();
        assert.equal(st?.err, null);
        const want = `/api/songs/${ids.Aurora}/stream?t=`;
        assert.ok(requested.some((u) => u.includes(want)),
            `no request for ${want}: ${requested.filter((u) => u.includes('/stream')).join(' ')}`);
        assert.equal(await page.getByTestId('np-title').textContent(), 'Aurora');
        const session = await page.evaluate(() => ({ title: navigator.mediaSession.metadata?.title,
            album: navigator.mediaSession.metadata?.album }));
        assert.deepEqual(session, { title: 'Aurora', album: 'Northern Lights' }, 'Media Session');
        await shot('playing');
        // Gapless: while this song plays, the next one already loads in the second element.
        await page.getByRole('button', { name: 'Pause', exact: true }).click();
        assert.equal(await page.getByTestId('np-title').textContent(), 'Aurora');
        await page.waitForFunction(({ cur, next }) => {
            const all = /** @type {HTMLAudioElement[]} */ ([...document.querySelectorAll(
                'audio[data-player]')]);
            return all.some((a) => a.src.includes(`/api/songs/${cur}/stream`)) &&
                all.some((a) => a.src.includes(`/api/songs/${next}/stream`));
        }, { cur: ids.Aurora, next: ids['Frozen Lake'] }, { timeout: 5000, polling: 50 });
    });

test('skip to the next song, then seek in it', { skip, timeout: 60000 }, async () => {
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForFunction(() =>
        document.querySelector('[data-testid=np-title]')?.textContent === 'Frozen Lake');
    assert.ok(requested.some((u) => u.includes(`/api/songs/${ids['Frozen Lake']}/stream?t=`)),
        'the second song was requested (preloaded or on skip)');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByLabel('Seek').fill('2.5');
    const st = await page.evaluate((id) => {
        const all = /** @type {HTMLAudioElement[]} */ ([...document.querySelectorAll(
            'audio[data-player]')]);
        const a = all.find((x) => x.src.includes(`/api/songs/${id}/stream`));
        return a ? { t: a.currentTime, paused: a.paused } : null;
    }, ids['Frozen Lake']);
    assert.ok(st, 'Frozen Lake is loaded');
    assert.ok(Math.abs(st.t - 2.5) < 0.3, `seeked to ${st.t}`);
    assert.equal(st.paused, true);
});

test('create a playlist, add songs from the album, reorder it', { skip, timeout: 90000 },
    async () => {
        const albumUrl = page.url();
        await page.getByRole('link', { name: 'Playlists' }).click();
        await page.getByLabel('New playlist name').fill('Road trip');
        await page.getByRole('button', { name: 'Create' }).click();
        await page.getByRole('heading', { name: 'Road trip' }).waitFor();
        playlistId = page.url().split('/').pop() ?? '';
        await page.goto(albumUrl);
        for (const t of ['Aurora', 'Pine Smoke', 'Long Night']) {
            await page.getByRole('button', { name: `Actions for ${t}` }).click();
            await page.locator('.song-actions .menu')
                .getByRole('button', { name: 'Add to playlist…' }).click();
            await page.getByRole('dialog', { name: 'Add to playlist' })
                .getByRole('button', { name: 'Road trip' }).click();
            await page.getByRole('dialog', { name: 'Add to playlist' }).waitFor({ state: 'detached' });
        }
        const titles = async () => (await (await api(`/api/playlists/${playlistId}`)).json())
            .entries.map((e) => e.song.title);
        assert.deepEqual(await titles(), ['Aurora', 'Pine Smoke', 'Long Night']);

        await page.goto(`${server.baseUrl}/playlists/${playlistId}`);
        await page.locator('.entries .entry').nth(2).waitFor();
        await shot('playlist');
        // Drag "Long Night" (position 2) onto the first entry.
        await page.locator('.entries .entry[data-position="2"]')
            .dragTo(page.locator('.entries .entry[data-position="0"]'));
        await page.waitForFunction(() =>
            document.querySelector('.entries .entry[data-position="0"] .title')?.textContent
                ?.startsWith('Long Night'));
        assert.deepEqual(await titles(), ['Long Night', 'Aurora', 'Pine Smoke']);
        // The keyboard-reachable alternative: "move up".
        await page.getByRole('button', { name: 'Move Pine Smoke up' }).click();
        await page.waitForFunction(() =>
            document.querySelector('.entries .entry[data-position="1"] .title')?.textContent
                ?.startsWith('Pine Smoke'));
        assert.deepEqual(await titles(), ['Long Night', 'Pine Smoke', 'Aurora']);
    });

test('reload: the queue comes back from the server', { skip, timeout: 60000 }, async () => {
    // Reorder the play queue by drag and drop first, so the restored order is not the album's.
    await page.getByRole('button', { name: 'Queue', exact: true }).click();
    await page.locator('.queue-panel li').nth(3).waitFor();
    await page.locator('.queue-panel li[data-index="3"]')
        .dragTo(page.locator('.queue-panel li[data-index="0"]'));
    await page.waitForFunction(() => document.querySelector('.queue-panel li[data-index="0"] .title')
        ?.textContent === 'Long Night');
    await shot('queue');
    const expected = ['Long Night', 'Aurora', 'Frozen Lake', 'Pine Smoke'];
    // Saved on the server (the player writes the queue on every change).
    let saved = null;
    for (let i = 0; i < 50; i++) {
        saved = (await api('/api/queue')).json();
        if (saved.songs.map((s) => s.title).join() === expected.join()) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(saved.songs.map((s) => s.title), expected);
    assert.equal(saved.songs[saved.currentIndex].title, 'Frozen Lake');

    await page.reload();
    await page.getByRole('heading', { name: 'Road trip' }).waitFor();
    await page.waitForFunction(() =>
        document.querySelector('[data-testid=np-title]')?.textContent === 'Frozen Lake');
    await page.getByRole('button', { name: 'Queue', exact: true }).click();
    const restored = await page.locator('.queue-panel li .title').allTextContents();
    assert.deepEqual(restored, expected);
    // And it plays from there.
    await page.getByRole('button', { name: 'Play', exact: true }).last().click();
    await page.waitForFunction(() => [...document.querySelectorAll('audio[data-player]')]
        .some((a) => !/** @type {HTMLAudioElement} */ (a).paused &&
            /** @type {HTMLAudioElement} */ (a).src.includes('/stream')), null, { polling: 100 });
    // Keyboard: space pauses and resumes.
    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Play', exact: true }).last().waitFor();
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Play', exact: true }).last().waitFor();
});

test('a lower quality asks the server for a transcode, and it plays', { skip, timeout: 60000 },
    async () => {
        await page.getByLabel('Quality').selectOption('128');
        await page.waitForFunction(() => [...document.querySelectorAll('audio[data-player]')]
            .some((a) => /** @type {HTMLAudioElement} */ (a).src.includes('bitrate=128')), null,
        { polling: 100 });
        await page.getByRole('button', { name: 'Play', exact: true }).last().click();
        await page.waitForFunction(() => [...document.querySelectorAll('audio[data-player]')]
            .some((a) => /** @type {HTMLAudioElement} */ (a).src.includes('format=mp3&bitrate=128') &&
                /** @type {HTMLAudioElement} */ (a).currentTime > 0.3), null,
        { timeout: 20000, polling: 100 });
        assert.ok(requested.some((u) => /\/api\/songs\/[0-9a-f]+\/stream\?format=mp3&bitrate=128&t=/
            .test(u)), 'the transcoded stream was requested');
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.getByLabel('Quality').selectOption('original');
    });

test('synced lyrics follow the song', { skip, timeout: 60000 }, async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('synced');
    await page.locator('.search-results a', { hasText: 'Synced' }).first().click();
    await page.getByRole('button', { name: 'Lyrics' }).click();
    const panel = page.getByRole('complementary', { name: 'Lyrics' });
    await panel.getByText('First synced line').waitFor();
    await page.waitForFunction(() => document.querySelector('.lyrics li.active')?.textContent ===
        'Third synced line', null, { timeout: 20000, polling: 50 });
    await shot('lyrics');
    await page.getByRole('button', { name: 'Close lyrics' }).click();
});

test('ReplayGain: a song with a track gain plays quieter; the switch turns it off',
    { skip, timeout: 60000 }, async () => {
        const volume = () => page.evaluate(() => {
            const all = [...document.querySelectorAll('audio[data-player]')];
            const a = /** @type {HTMLAudioElement} */ (all.find((x) =>
                /** @type {HTMLAudioElement} */ (x).src.includes('/stream') &&
                !/** @type {HTMLAudioElement} */ (x).paused) ?? all[0]);
            return a.volume;
        });
        await page.getByRole('searchbox', { name: 'Search' }).fill('gains');
        await page.locator('.search-results a', { hasText: 'Gains' }).first().click();
        await page.waitForFunction(() =>
            document.querySelector('[data-testid=np-title]')?.textContent === 'Gains');
        // trackGain -6.5 dB (peak 0.99) at the default volume 0.8
        const want = 0.8 * Math.pow(10, -6.5 / 20);
        assert.ok(Math.abs(await volume() - want) < 0.01, `volume ${await volume()}, want ${want}`);
        await page.getByRole('link', { name: 'Settings' }).click();
        await page.getByLabel('Apply ReplayGain').uncheck();
        assert.ok(Math.abs(await volume() - 0.8) < 0.01, `volume ${await volume()} without gain`);
        await page.getByLabel('Apply ReplayGain').check();
    });

test('a 3,000-song playlist renders only the rows in view', { skip, timeout: 60000 }, async (t) => {
    const songIds = Array.from({ length: 3000 }, (_, i) => Object.values(ids)[i % 4]);
    const res = await api('/api/playlists', { method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Long one', songIds }) });
    assert.equal(res.status, 201, res.text());
    const started = Date.now();
    await page.goto(`${server.baseUrl}/playlists/${res.json().id}`);
    await page.waitForFunction(() => document.querySelector('.entries')?.getAttribute('data-count') ===
        '3000', null, { timeout: 20000 });
    const rows = await page.locator('.entries .entry').count();
    t.diagnostic(`3000 entries loaded and shown in ${Date.now() - started} ms; ${rows} rows in the DOM`);
    assert.ok(rows > 5 && rows < 100, `${rows} rows in the DOM for 3000 entries`);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.locator('.entries .entry[data-position="2999"]').waitFor();
    assert.ok(await page.locator('.entries .entry').count() < 100);
});

test('favourites, ratings and M3U import', { skip, timeout: 60000 }, async () => {
    await page.goto(`${server.baseUrl}/albums`);
    await page.locator('.album-card', { hasText: ALBUM }).first().click();
    await page.getByRole('heading', { name: ALBUM }).waitFor();
    const row = page.locator('.song-row', { hasText: 'Pine Smoke' });
    await row.getByRole('button', { name: 'Add to favourites' }).click();
    await row.getByRole('button', { name: 'Remove from favourites' }).waitFor();
    assert.equal((await api(`/api/stars/song/${ids['Pine Smoke']}`)).json().starred, true);
    await page.locator('.hero').getByRole('button', { name: 'Rate 4' }).click();
    const albumId = page.url().split('/').pop();
    for (let i = 0; i < 50 && (await api(`/api/stars/album/${albumId}`)).json().rating !== 4; i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await api(`/api/stars/album/${albumId}`)).json().rating, 4);
    await page.getByRole('link', { name: 'Favourites' }).click();
    await page.locator('.song-row', { hasText: 'Pine Smoke' }).waitFor();

    await page.getByRole('link', { name: 'Playlists' }).click();
    const m3u = '#EXTM3U\n#EXTINF:3,The Quiet Foxes - Aurora\n' +
        'The Quiet Foxes/Northern Lights/01 - Aurora.mp3\n' +
        'The Quiet Foxes/Northern Lights/04 - Long Night.mp3\nnot/there.mp3\n';
    await page.locator('input[type=file]').setInputFiles({ name: 'Imported mix.m3u',
        mimeType: 'audio/x-mpegurl', buffer: Buffer.from(m3u) });
    await page.getByText('Imported Imported mix: 2 songs matched, 1 not found').waitFor();
    await page.getByRole('link', { name: 'Imported mix' }).click();
    await page.locator('.entries .entry[data-position="1"]', { hasText: 'Long Night' }).waitFor();
});

test('browse pages and the phone layout render', { skip, timeout: 60000 }, async () => {
    for (const [p, heading] of [['/artists', 'Artists'], ['/albums', 'Albums'],
        ['/genres', 'Genres'], ['/years', 'Years'], ['/folders', 'Folders'],
        ['/favourites', 'Favourites'], ['/history', 'History'], ['/library', 'Library'],
        ['/settings', 'Settings'], ['/upload', 'Upload']]) {
        await page.goto(`${server.baseUrl}${p}`);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await shot(p.slice(1));
    }
    // History has the songs played above.
    await page.goto(`${server.baseUrl}/history`);
    await page.locator('.song-row', { hasText: 'Synced' }).first().waitFor();
    await page.goto(`${server.baseUrl}/albums`);
    await page.locator('.album-card').first().waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).waitFor();
    await shot('phone-albums');
    await page.setViewportSize({ width: 1280, height: 800 });
});

test('an administrator manages users and sees the scan status', { skip, timeout: 60000 },
    async () => {
        // Another origin (localhost, not 127.0.0.1) has its own storage: the listener's page
        // stays signed in.
        const admin = await context.newPage();
        admin.setDefaultTimeout(15000);
        try {
            await admin.goto(`http://localhost:${server.port}/`);
            await admin.getByLabel('Username').fill(server.admin.username);
            await admin.getByLabel('Password').fill(server.admin.password);
            await admin.getByRole('button', { name: 'Sign in' }).click();
            await admin.getByRole('heading', { name: 'Home' }).waitFor();
            await admin.getByRole('link', { name: 'Users' }).click();
            await admin.getByRole('heading', { name: 'Users' }).waitFor();
            await admin.getByPlaceholder('Username').fill('newcomer');
            await admin.getByPlaceholder('Password').fill('newcomer password 1');
            await admin.getByRole('button', { name: 'Add user' }).click();
            await admin.getByRole('cell', { name: 'newcomer' }).waitFor();
            const u = (await request(server.port, { path: '/api/users?limit=500',
                token: (await server.login(server.admin.username, server.admin.password))
                    .accessToken })).json();
            assert.ok(u.items.some((x) => x.username === 'newcomer'), 'the user was created');
            fs.mkdirSync(shots, { recursive: true });
            await admin.screenshot({ path: path.join(shots, 'admin-users.png') });
            await admin.getByRole('link', { name: 'Library' }).click();
            const before = (await api('/api/scan')).json().scans;
            await admin.getByRole('button', { name: 'Scan now' }).click();
            await admin.getByLabel('Scan progress').waitFor();
            for (let i = 0; i < 100 && (await api('/api/scan')).json().scans <= before; i++) {
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.ok((await api('/api/scan')).json().scans > before, 'the scan ran');
            assert.equal(await admin.getByRole('alert').count(), 0, 'no error shown');
            await admin.screenshot({ path: path.join(shots, 'admin-library.png') });
        } finally {
            await admin.close();
        }
    });

test('settings: a password change signs out everywhere; the new password works',
    { skip, timeout: 60000 }, async () => {
        const NEW = 'listener password 2';
        await page.goto(`${server.baseUrl}/settings`);
        const refreshToken = await page.evaluate(() =>
            JSON.parse(localStorage.getItem('swaz.session') ?? '{}').refreshToken);
        assert.ok(refreshToken, 'the page holds a refresh token');
        await page.getByLabel('Current password').fill(PASSWORD);
        await page.getByLabel('New password').fill(NEW);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        const old = await request(server.port, { method: 'POST', path: '/api/auth/refresh',
            token: null, headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ refreshToken }) });
        assert.equal(old.status, 401, 'the old session ended');
        await page.getByLabel('Username').fill(USER);
        await page.getByLabel('Password').fill(NEW);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Settings' }).waitFor();
        token = (await server.login(USER, NEW)).accessToken;
        await page.getByRole('button', { name: 'Log out everywhere' }).click();
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        await page.getByLabel('Username').fill(USER);
        await page.getByLabel('Password').fill(NEW);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Settings' }).waitFor();
    });

const firstRunSkip = skip || (backend === 'postgres' && !freshPgDatabases
    ? 'needs SWAZ_TEST_PG_URL to create an empty PostgreSQL database' : false);
test('first run: with no user yet the page creates the administrator',
    { skip: firstRunSkip, timeout: 90000 }, async () => {
        const db = await createDatabase();
        const port = await freePort();
        const dataDir = tempDir('swaz-data-');
        fs.mkdirSync(logDir, { recursive: true });
        const logPath = path.join(logDir, `player-first-run-${process.pid}.log`);
        const fd = fs.openSync(logPath, 'w');
        const proc = spawn(swazBin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir',
            dataDir, '--music-dirs', server.musicDirs[0], '--web-dir', dist],
        { env: swazEnv(db.url), stdio: ['ignore', fd, fd] });
        fs.closeSync(fd);
        const fresh = new Server({ proc, port, dataDir, musicDirs: server.musicDirs, logPath, db,
            ownsDataDir: true, ownsDb: true });
        const p = await context.newPage();
        try {
            await fresh.waitReady({ minSongs: 0 });
            await p.goto(`${fresh.baseUrl}/`);
            await p.getByRole('heading', { name: 'Welcome to Swaz' }).waitFor();
            await p.getByLabel('Username').fill('owner');
            await p.getByLabel('Password', { exact: true }).fill('owner password 1');
            await p.getByLabel('Repeat password').fill('owner password 1');
            fs.mkdirSync(shots, { recursive: true });
            await p.screenshot({ path: path.join(shots, 'first-run.png') });
            await p.getByRole('button', { name: 'Create administrator' }).click();
            await p.getByRole('heading', { name: 'Home' }).waitFor();
            await p.getByRole('link', { name: 'Users' }).waitFor();
            const me = await fresh.login('owner', 'owner password 1');
            assert.equal(me.user.isAdmin, true);
            const status = await request(port, { path: '/api/auth/setup', token: null });
            assert.deepEqual(status.json(), { needed: false });
        } finally {
            await p.close();
            await fresh.stop();
        }
    });

test('a transcode the server refuses (429) falls back to the original file',
    { skip, timeout: 120000 }, async () => {
        // One transcode per user (2 in all): a stalled opus stream of a long song holds it.
        const music = tempDir('swaz-long-');
        const dir = path.join(music, 'Long Artist', 'Long Album');
        fs.mkdirSync(dir, { recursive: true });
        for (const [name, seconds] of [['Long', 900], ['Short', 3]]) {
            await toneWav(dir, name, { seconds, rate: 8000, codec: 'pcm_s16le',
                artist: 'Long Artist', album: 'Long Album' });
        }
        const srv = await startServer({ musicDirs: [music], minSongs: 2,
            env: { SWAZ_MAX_TRANSCODES: '2' }, args: ['--web-dir', dist] });
        const p = await context.newPage();
        p.setDefaultTimeout(15000);
        /** @type {{url: string, status: number}[]} */
        const streams = [];
        p.on('response', (r) => {
            if (r.url().includes('/stream')) streams.push({ url: r.url(), status: r.status() });
        });
        let stalled = null;
        try {
            const songs = await allSongs(srv.port);
            const long = songs.find((x) => x.title === 'Long');
            const short = songs.find((x) => x.title === 'Short');
            assert.ok(long && short);
            stalled = await new Promise((resolve, reject) => {
                const req = http.request({ host: '127.0.0.1', port: srv.port, agent: false,
                    path: `/api/songs/${long.id}/stream?format=opus&bitrate=256`,
                    headers: { Authorization: `Bearer ${srv.admin.accessToken}` } });
                req.on('error', reject);
                req.on('response', (res) => {
                    res.pause();
                    res.on('error', () => {});
                    resolve({ req, res });
                });
                req.end();
            });
            assert.equal(stalled.res.statusCode, 200);
            stalled.req.on('error', () => {});

            await p.goto(`${srv.baseUrl}/`);
            await p.getByLabel('Username').fill(srv.admin.username);
            await p.getByLabel('Password').fill(srv.admin.password);
            await p.getByRole('button', { name: 'Sign in' }).click();
            await p.getByRole('heading', { name: 'Home' }).waitFor();
            await p.getByLabel('Quality').selectOption('128');
            await p.getByRole('searchbox', { name: 'Search' }).fill('short');
            await p.locator('.search-results a', { hasText: 'Short' }).first().click();
            await p.waitForFunction((id) => [...document.querySelectorAll('audio[data-player]')]
                .some((a) => {
                    const el = /** @type {HTMLAudioElement} */ (a);
                    return el.src.includes(`/api/songs/${id}/stream?t=`) && el.currentTime > 0.3;
                }), short.id, { timeout: 20000, polling: 100 });
            const mine = streams.filter((x) => x.url.includes(`/api/songs/${short.id}/stream`));
            assert.ok(mine.some((x) => x.url.includes('bitrate=128') && x.status === 429),
                `the 128 kbps transcode was refused first: ${JSON.stringify(mine)}`);
            assert.ok(mine.some((x) => !x.url.includes('format=') && x.status < 300),
                `then the original was streamed: ${JSON.stringify(mine)}`);
        } finally {
            stalled?.req.destroy();
            await p.close();
            await srv.stop();
            fs.rmSync(music, { recursive: true, force: true });
        }
    });

test('no uncaught errors and no Content-Security-Policy violations in the page', { skip }, () => {
    assert.deepEqual(pageErrors, []);
});

test('upload a file and see it appear', { skip, timeout: 60000 }, async () => {
    // Uploading is a right an administrator gives (mayUpload).
    const me = (await api('/api/me')).json();
    const grant = await request(server.port, { method: 'PATCH', path: `/api/users/${me.id}`,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mayUpload: true }) });
    assert.equal(grant.status, 200, grant.text());
    const file = path.join(server.musicDirs[0], 'The Quiet Foxes', 'Northern Lights',
        '01 - Aurora.mp3');
    await page.goto(`${server.baseUrl}/upload`);
    await page.locator('input[type=file]').setInputFiles({
        name: 'Uploaded Aurora.mp3', mimeType: 'audio/mpeg', buffer: fs.readFileSync(file) });
    await page.locator('.uploads li', { hasText: 'done' }).waitFor({ timeout: 30000 });
    await page.locator('ul li', { hasText: 'Uploaded Aurora.mp3' }).last().waitFor();
    await shot('upload');
});
