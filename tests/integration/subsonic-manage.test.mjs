// The Subsonic API's user-data and management methods, driven through the third-party
// client library `subsonic-api` (token auth with the app password, apiKey, GET and form
// POST): playlists, bookmarks, the play queue by id and by index, shares and their public
// page, user management with its admin rules, scanning, internet radio stations, and the
// clean refusals of video, chat, podcasts and jukebox. Bad input never loses stored data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SubsonicAPI } from 'subsonic-api';
import { startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { encAuth, errorOf, plainAuth, rest, restJson, restOk } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** alice (not an administrator) through token auth with her app password, form POST. */
let alice;
/** alice through her API key, GET. */
let aliceKey;
/** the administrator through an API key. */
let admin;
/** song ids of the test library. */
let songs = [];
/** the id of one album. */
let albumId = '';
/** a song whose album has a cover. */
let coveredSong = '';
/** alice's native access token and API key, the administrator's API key. */
let aliceToken = '';
let aliceApiKey = '';
let adminApiKey = '';

/** Signs `username` in on the native API and makes an API key. */
async function apiKeyOf(username, password) {
    const token = (await server.login(username, password)).accessToken;
    const res = await request(server.port, {
        method: 'POST', path: '/api/keys', token,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'app' }),
    });
    assert.equal(res.status, 201, res.text());
    return { token, key: res.json().key };
}

function client(auth, post = false) {
    return new SubsonicAPI({ url: `http://127.0.0.1:${server.port}`, auth, post });
}

/** Asserts an envelope is ok and returns it. */
function ok(body) {
    assert.equal(body.status, 'ok', JSON.stringify(body.error));
    return body;
}

before(async () => {
    server = await startServer({ minSongs: 5 });
    await server.createUser('sm_alice', 'alice password 1');
    const a = await apiKeyOf('sm_alice', 'alice password 1');
    const pw = await request(server.port, { method: 'POST', path: '/api/me/app-password',
        token: a.token });
    assert.equal(pw.status, 201, pw.text());
    alice = client({ username: 'sm_alice', password: pw.json().password }, true);
    aliceKey = client({ apiKey: a.key });
    aliceToken = a.token;
    aliceApiKey = a.key;
    await server.loginAdmin();
    const k = await apiKeyOf('admin', server.admin.password);
    admin = client({ apiKey: k.key });
    adminApiKey = k.key;
    const res = await request(server.port, { path: '/api/songs?limit=500' });
    assert.equal(res.status, 200, res.text());
    songs = res.json().items.map((s) => s.id);
    albumId = res.json().items.find((s) => s.albumId).albumId;
    coveredSong = res.json().items.find((s) => s.coverId)?.id ?? '';
    assert.ok(songs.length >= 5);
});

after(async () => {
    await server?.stop();
});

test('playlists: create, read, update, replace, delete; a bad song changes nothing', async () => {
    const created = ok(await alice.createPlaylist({ name: 'Road trip', songId: [songs[0], songs[1]] }));
    const id = created.playlist.id;
    assert.equal(typeof id, 'string');
    assert.equal(created.playlist.songCount, 2);
    assert.deepEqual(created.playlist.entry.map((e) => e.id), [songs[0], songs[1]]);

    const list = ok(await aliceKey.getPlaylists());
    assert.ok(list.playlists.playlist.some((p) => p.id === id && p.owner === 'sm_alice'));

    ok(await alice.updatePlaylist({ playlistId: id, name: 'Road trip 2', comment: 'summer',
        public: true, songIndexToRemove: [0], songIdToAdd: [songs[2], songs[3]] }));
    let pl = ok(await aliceKey.getPlaylist({ id })).playlist;
    assert.equal(pl.name, 'Road trip 2');
    assert.equal(pl.comment, 'summer');
    assert.equal(pl.public, true);
    assert.deepEqual(pl.entry.map((e) => e.id), [songs[1], songs[2], songs[3]]);

    // createPlaylist with playlistId replaces the songs.
    pl = ok(await alice.createPlaylist({ playlistId: id, songId: [songs[4], songs[4]] })).playlist;
    assert.deepEqual(pl.entry.map((e) => e.id), [songs[4], songs[4]]);
    // An unknown song: error 70 and the playlist keeps its songs.
    const bad = await alice.createPlaylist({ playlistId: id, songId: [songs[0], 'nosuchsong'] });
    assert.equal(errorOf(bad), 70);
    const badIndex = await alice.updatePlaylist({ playlistId: id, songIndexToRemove: [7] });
    assert.equal(errorOf(badIndex), 0);
    // A bad song or name in an update: nothing of it is applied, not even the valid parts.
    assert.equal(errorOf(await alice.updatePlaylist({ playlistId: id, name: 'Kept?',
        songIndexToRemove: [0], songIdToAdd: ['nosuchsong'] })), 70);
    assert.equal(errorOf(await alice.updatePlaylist({ playlistId: id, name: 'x'.repeat(300),
        songIndexToRemove: [0] })), 0);
    assert.equal(errorOf(await alice.createPlaylist({ playlistId: id, name: 'y'.repeat(300),
        songId: [songs[0]] })), 0);
    pl = ok(await aliceKey.getPlaylist({ id })).playlist;
    assert.deepEqual(pl.entry.map((e) => e.id), [songs[4], songs[4]]);
    assert.equal(pl.name, 'Road trip 2');

    // Public: the administrator reads it, but neither changes nor deletes it.
    ok(await admin.getPlaylist({ id }));
    assert.equal(errorOf(await admin.updatePlaylist({ playlistId: id, name: 'x' })), 50);
    assert.equal(errorOf(await admin.deletePlaylist({ id })), 50);
    // An administrator may list another user's playlists; alice may not list the admin's.
    const theirs = ok(await admin.getPlaylists({ username: 'sm_alice' }));
    assert.ok(theirs.playlists.playlist.some((p) => p.id === id));
    assert.equal(errorOf(await aliceKey.getPlaylists({ username: 'admin' })), 50);

    ok(await alice.deletePlaylist({ id }));
    assert.equal(errorOf(await aliceKey.getPlaylist({ id })), 70);
});

test('playlists: coverArt "pl-<id>"; getCoverArt answers the native playlist cover', async () => {
    assert.ok(coveredSong, 'no song with a cover in the test library');
    const created = ok(await alice.createPlaylist({ name: 'Covered', songId: [coveredSong] }));
    const id = created.playlist.id;
    assert.equal(created.playlist.coverArt, `pl-${id}`);
    const listed = ok(await aliceKey.getPlaylists()).playlists.playlist.find((p) => p.id === id);
    assert.equal(listed.coverArt, `pl-${id}`);

    const native = await request(server.port, { path: `/api/playlists/${id}/cover?size=256`,
        token: aliceToken });
    assert.equal(native.status, 200);
    assert.equal(native.headers['content-type'], 'image/jpeg');
    const placeholder = await rest(server.port, 'getCoverArt',
        { apiKey: aliceApiKey, id: 'pl-0123456789abcdef0123456789abcdef', size: 256 });
    assert.equal(placeholder.status, 200);
    assert.ok(!placeholder.body.equals(native.body), 'the playlist cover is not the placeholder');
    // Its coverArt and its bare id both give the same image as the native API.
    for (const cover of [`pl-${id}`, id]) {
        const res = await rest(server.port, 'getCoverArt', { apiKey: aliceApiKey, id: cover,
            size: 256 });
        assert.equal(res.status, 200, cover);
        assert.equal(res.headers['content-type'], 'image/jpeg', cover);
        assert.ok(res.body.equals(native.body), cover);
    }
    // A private playlist: someone else gets the placeholder, as for an unknown id.
    for (const cover of [`pl-${id}`, id]) {
        const theirs = await rest(server.port, 'getCoverArt', { apiKey: adminApiKey, id: cover,
            size: 256 });
        assert.equal(theirs.status, 200);
        assert.ok(theirs.body.equals(placeholder.body), cover);
    }
    ok(await alice.deletePlaylist({ id }));
});

test('bookmarks: create, replace, list with the song, delete', async () => {
    ok(await alice.createBookmark({ id: songs[0], position: 1000, comment: 'intro' }));
    ok(await alice.createBookmark({ id: songs[0], position: 2500 }));
    ok(await alice.createBookmark({ id: songs[1], position: 10 }));
    const list = ok(await aliceKey.getBookmarks()).bookmarks.bookmark;
    assert.equal(list.length, 2);
    const b = list.find((x) => x.entry[0].id === songs[0]);
    assert.equal(b.position, 2500);
    assert.equal(b.username, 'sm_alice');
    // Only one's own bookmarks.
    assert.deepEqual(ok(await admin.getBookmarks()).bookmarks.bookmark ?? [], []);
    // A comment past 1024 bytes: error 0, the bookmark unchanged.
    assert.equal(errorOf(await alice.createBookmark({ id: songs[0], position: 1,
        comment: 'c'.repeat(1025) })), 0);
    assert.equal(ok(await aliceKey.getBookmarks()).bookmarks.bookmark
        .find((x) => x.entry[0].id === songs[0]).position, 2500);
    ok(await alice.deleteBookmark({ id: songs[0] }));
    assert.equal(errorOf(await alice.deleteBookmark({ id: songs[0] })), 70);
    assert.equal(ok(await aliceKey.getBookmarks()).bookmarks.bookmark.length, 1);
});

test('play queue by id and by index', async () => {
    ok(await alice.savePlayQueue({ id: [songs[0], songs[1], songs[0]], current: songs[1],
        position: 4200 }));
    let q = ok(await aliceKey.getPlayQueue()).playQueue;
    assert.equal(q.current, songs[1]);
    assert.equal(q.position, 4200);
    assert.equal(q.username, 'sm_alice');
    assert.equal(q.changedBy, 'subsonic-api');
    assert.deepEqual(q.entry.map((e) => e.id), [songs[0], songs[1], songs[0]]);
    let qi = ok(await aliceKey.customJSON('getPlayQueueByIndex', {})).playQueueByIndex;
    assert.equal(qi.currentIndex, 1);

    ok(await alice.customJSON('savePlayQueueByIndex', { id: [songs[2], songs[2], songs[3]],
        currentIndex: 1, position: 7 }));
    qi = ok(await aliceKey.customJSON('getPlayQueueByIndex', {})).playQueueByIndex;
    assert.equal(qi.currentIndex, 1);
    assert.equal(qi.position, 7);
    assert.deepEqual(qi.entry.map((e) => e.id), [songs[2], songs[2], songs[3]]);
    q = ok(await aliceKey.getPlayQueue()).playQueue;
    assert.equal(q.current, songs[2]);

    // Bad input saves nothing.
    assert.equal(errorOf(await alice.customJSON('savePlayQueueByIndex', { id: [songs[0]],
        currentIndex: 3 })), 0);
    assert.equal(errorOf(await alice.savePlayQueue({ id: [songs[0], 'nosuchsong'] })), 70);
    // Past the limit (1000 songs, sent as a form body): error 0, nothing saved.
    const many = Array.from({ length: 1001 }, (_, i) => songs[i % songs.length]);
    assert.equal(errorOf(await alice.savePlayQueue({ id: many })), 0);
    ok(await alice.savePlayQueue({ id: many.slice(0, 1000), current: songs[1] }));
    assert.equal(ok(await aliceKey.getPlayQueue()).playQueue.entry.length, 1000);
    ok(await alice.customJSON('savePlayQueueByIndex', { id: [songs[2], songs[2], songs[3]],
        currentIndex: 1, position: 7 }));
    qi = ok(await aliceKey.customJSON('getPlayQueueByIndex', {})).playQueueByIndex;
    assert.deepEqual(qi.entry.map((e) => e.id), [songs[2], songs[2], songs[3]]);

    // The extension is advertised.
    const ext = ok(await aliceKey.getOpenSubsonicExtensions()).openSubsonicExtensions;
    assert.ok(ext.some((e) => e.name === 'indexBasedQueue'));

    // No id clears the queue.
    ok(await alice.savePlayQueue({}));
    q = ok(await aliceKey.getPlayQueue()).playQueue;
    assert.deepEqual(q.entry ?? [], []);
});

test('shares: create an album link that opens, update, delete; the share right counts', async () => {
    const expires = Date.now() + 3600 * 1000;
    const created = ok(await alice.createShare({ id: albumId, description: 'for you', expires }));
    const share = created.shares.share[0];
    assert.equal(share.description, 'for you');
    assert.equal(share.username, 'sm_alice');
    assert.ok(share.entry.length >= 1);
    assert.ok(share.expires instanceof Date);
    assert.equal(Math.floor(share.expires.getTime() / 1000), Math.floor(expires / 1000));
    const url = new URL(share.url);
    assert.equal(url.pathname, `/s/${share.id}`);
    const page = await request(server.port, { path: url.pathname, token: null });
    assert.equal(page.status, 200);

    ok(await alice.updateShare({ id: share.id, description: 'changed', expires: 0 }));
    const list = ok(await aliceKey.getShares()).shares.share;
    assert.equal(list.length, 1);
    assert.equal(list[0].description, 'changed');
    assert.equal(list[0].expires, undefined);
    assert.equal(errorOf(await alice.createShare({ id: 'nosuchthing' })), 70);
    assert.equal(errorOf(await alice.createShare({ id: albumId, expires: 1000 })), 0);
    assert.equal(errorOf(await alice.createShare({ id: albumId,
        description: 'd'.repeat(1025) })), 0);
    assert.equal(errorOf(await alice.updateShare({ id: share.id,
        description: 'd'.repeat(1025) })), 0);
    // Another user neither sees nor deletes it.
    assert.deepEqual(ok(await admin.getShares()).shares.share ?? [], []);
    assert.equal(errorOf(await admin.deleteShare({ id: share.id })), 70);

    // Without the share right: 50.
    ok(await admin.updateUser({ username: 'sm_alice', shareRole: false }));
    assert.equal(errorOf(await alice.createShare({ id: songs[0] })), 50);
    ok(await admin.updateUser({ username: 'sm_alice', shareRole: true }));

    ok(await alice.deleteShare({ id: share.id }));
    assert.equal(errorOf(await alice.deleteShare({ id: share.id })), 70);
    assert.equal((await request(server.port, { path: url.pathname, token: null })).status, 404);
});

test('shares: several ids share their songs in order; an unknown id creates nothing', async () => {
    const albumSongs = ok(await aliceKey.getAlbum({ id: albumId })).album.song.map((x) => x.id);
    const created = ok(await alice.createShare({ id: [songs[3], songs[0], albumId, songs[3]],
        description: 'mix' }));
    const share = created.shares.share[0];
    const want = [songs[3], songs[0], ...albumSongs, songs[3]];
    assert.deepEqual(share.entry.map((e) => e.id), want);
    assert.deepEqual(ok(await aliceKey.getShares()).shares.share[0].entry.map((e) => e.id), want);
    const info = await request(server.port, { path: `/s/${share.id}/info`, token: null });
    assert.equal(info.status, 200, info.text());
    assert.deepEqual(info.json().songs.map((x) => x.id), want);
    const native = await request(server.port, { path: '/api/shares', token: aliceToken });
    assert.equal(native.json().items.find((x) => x.id === share.id).kind, 'songs');
    assert.equal((await request(server.port, { path: `/s/${share.id}/stream/${songs[0]}`,
        token: null })).status, 200);
    const outside = songs.find((x) => !want.includes(x));
    assert.equal((await request(server.port, { path: `/s/${share.id}/stream/${outside}`,
        token: null })).status, 404, 'a song not in the list');

    const before = ok(await aliceKey.getShares()).shares.share.length;
    assert.equal(errorOf(await alice.createShare({ id: [songs[0], 'nosuchthing'] })), 70);
    assert.equal(ok(await aliceKey.getShares()).shares.share.length, before);
    ok(await alice.deleteShare({ id: share.id }));
});

test('user management: the administrator creates, changes and deletes; others only themselves', async () => {
    const bobPassword = 'bob password 123';
    ok(await admin.createUser({ username: 'sm_bob', password: encAuth('x', bobPassword).p,
        email: 'bob@example.org', adminRole: false, downloadRole: true, shareRole: false,
        musicFolderId: [1] }));
    let bob = ok(await admin.getUser({ username: 'sm_bob' })).user;
    assert.equal(bob.email, 'bob@example.org');
    assert.equal(bob.adminRole, false);
    assert.equal(bob.shareRole, false);
    assert.equal(bob.streamRole, true);
    assert.deepEqual(bob.folder, [1]);
    ok(await restJson(server.port, 'ping', plainAuth('sm_bob', bobPassword)));
    assert.equal(errorOf(await admin.createUser({ username: 'sm_bob', password: bobPassword })), 0);

    ok(await admin.updateUser({ username: 'sm_bob', downloadRole: false, maxBitRate: 128 }));
    bob = ok(await admin.getUser({ username: 'sm_bob' })).user;
    assert.equal(bob.downloadRole, false);
    assert.equal(bob.maxBitRate, 128);
    assert.equal(bob.email, 'bob@example.org');
    const all = ok(await admin.getUsers()).users.user.map((u) => u.username);
    assert.ok(all.includes('sm_bob') && all.includes('sm_alice') && all.includes('admin'));

    // A user reads and changes only itself.
    const self = ok(await aliceKey.getUser({ username: 'sm_alice' })).user;
    assert.equal(self.adminRole, false);
    assert.equal(errorOf(await aliceKey.getUser({ username: 'sm_bob' })), 50);
    assert.equal(errorOf(await aliceKey.getUsers()), 50);
    assert.equal(errorOf(await aliceKey.createUser({ username: 'sm_eve',
        password: 'eve password 1' })), 50);
    assert.equal(errorOf(await aliceKey.updateUser({ username: 'sm_alice', adminRole: true })), 50);
    assert.equal(errorOf(await aliceKey.deleteUser({ username: 'sm_bob' })), 50);
    assert.equal(errorOf(await aliceKey.changePassword({ username: 'sm_bob',
        password: 'taken over 1' })), 50);
    ok(await restJson(server.port, 'ping', plainAuth('sm_bob', bobPassword)));

    // bob changes his own password; the administrator changes it back.
    ok(await restJson(server.port, 'changePassword', { ...plainAuth('sm_bob', bobPassword),
        username: 'sm_bob', password: 'bob new password' }));
    assert.equal(errorOf(await restJson(server.port, 'ping', plainAuth('sm_bob', bobPassword))), 40);
    ok(await restJson(server.port, 'ping', plainAuth('sm_bob', 'bob new password')));
    ok(await admin.changePassword({ username: 'sm_bob', password: bobPassword }));
    ok(await restJson(server.port, 'ping', plainAuth('sm_bob', bobPassword)));
    assert.equal(errorOf(await admin.changePassword({ username: 'sm_bob', password: 'short' })), 0);

    // The last administrator stays.
    assert.equal(errorOf(await admin.deleteUser({ username: 'admin' })), 0);
    assert.equal(errorOf(await admin.updateUser({ username: 'admin', adminRole: false })), 0);
    ok(await admin.ping());

    ok(await admin.deleteUser({ username: 'sm_bob' }));
    assert.equal(errorOf(await admin.getUser({ username: 'sm_bob' })), 70);
    assert.equal(errorOf(await restJson(server.port, 'ping', plainAuth('sm_bob', bobPassword))), 40);
});

test('scanning: anyone reads the status, only the administrator starts a scan', async () => {
    const st = ok(await aliceKey.getScanStatus()).scanStatus;
    assert.equal(typeof st.scanning, 'boolean');
    assert.ok(st.count >= songs.length);
    assert.ok(st.lastScan instanceof Date);
    assert.equal(errorOf(await aliceKey.startScan()), 50);
    const started = ok(await admin.startScan()).scanStatus;
    assert.equal(typeof started.scanning, 'boolean');
    const deadline = Date.now() + 20000;
    let now;
    do {
        await new Promise((r) => setTimeout(r, 100));
        now = ok(await aliceKey.getScanStatus()).scanStatus;
    } while (now.scanning && Date.now() < deadline);
    assert.equal(now.scanning, false);
    assert.ok(now.lastScan.getTime() >= st.lastScan.getTime());
});

test('internet radio stations: admin CRUD, http/https only, everyone lists', async () => {
    ok(await admin.createInternetRadioStation({ name: 'Jazz FM', streamUrl: 'https://jazz.example/live',
        homepageUrl: 'https://jazz.example/' }));
    for (const streamUrl of ['file:///etc/passwd', 'javascript:alert(1)', 'http://',
        `http://x.example/${'a'.repeat(2100)}`]) {
        assert.equal(errorOf(await admin.createInternetRadioStation({ name: 'Bad', streamUrl })), 0);
    }
    assert.equal(errorOf(await admin.createInternetRadioStation({ name: 'n'.repeat(257),
        streamUrl: 'http://x.example/' })), 0);
    assert.equal(errorOf(await aliceKey.createInternetRadioStation({ name: 'Mine',
        streamUrl: 'http://mine.example/' })), 50);
    let list = ok(await aliceKey.getInternetRadioStations()).internetRadioStations.internetRadioStation;
    assert.equal(list.length, 1);
    const { id } = list[0];
    assert.equal(list[0].streamUrl, 'https://jazz.example/live');
    assert.equal(list[0].homePageUrl, 'https://jazz.example/');

    ok(await admin.updateInternetRadioStation({ id, name: 'Jazz 24', streamUrl: 'http://jazz.example/24' }));
    assert.equal(errorOf(await admin.updateInternetRadioStation({ id, name: 'Jazz 24',
        streamUrl: 'ftp://jazz.example/' })), 0);
    assert.equal(errorOf(await aliceKey.updateInternetRadioStation({ id, name: 'x',
        streamUrl: 'http://x.example/' })), 50);
    list = ok(await aliceKey.getInternetRadioStations()).internetRadioStations.internetRadioStation;
    assert.equal(list[0].name, 'Jazz 24');
    assert.equal(list[0].streamUrl, 'http://jazz.example/24');
    assert.equal(list[0].homePageUrl, undefined);

    assert.equal(errorOf(await aliceKey.deleteInternetRadioStation({ id })), 50);
    ok(await admin.deleteInternetRadioStation({ id }));
    assert.equal(errorOf(await admin.deleteInternetRadioStation({ id })), 70);
    assert.deepEqual(ok(await aliceKey.getInternetRadioStations()).internetRadioStations
        .internetRadioStation ?? [], []);
});

test('video, chat, podcasts and jukebox answer a clean "not supported"', async () => {
    for (const call of [() => aliceKey.getVideos(), () => aliceKey.getChatMessages({}),
        () => aliceKey.addChatMessage({ message: 'hi' }), () => aliceKey.getPodcasts({}),
        () => aliceKey.getNewestPodcasts({}), () => aliceKey.getVideoInfo({ id: 'x' })]) {
        const body = await call();
        assert.equal(errorOf(body), 0);
        assert.match(body.error.message, /not supported/i);
    }
    const jukebox = await aliceKey.jukeboxControl({ action: 'status' });
    assert.equal(errorOf(jukebox), 50);
    assert.match(jukebox.error.message, /not supported/i);
    // restOk is the repository's own helper: the same answers over plain GET.
    await assert.rejects(restOk(server.port, 'getVideos', plainAuth('sm_alice', 'alice password 1')));
});
