// The Subsonic API driven by a real third-party client library (npm `subsonic-api`), the way
// apps use it: signing in with each mechanism (token with the app password, apiKey, the
// login password as enc:, form POST), browsing, lists, search (including whole-library
// paging with an empty query), starring and rating, scrobbling and now playing, streaming,
// downloading and covers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SubsonicAPI } from 'subsonic-api';
import { startServer, allSongs } from './lib/server.mjs';
import { request, sha256 } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
/** @type {Record<string, SubsonicAPI>} one client per sign-in mechanism */
const clients = {};
/** @type {SubsonicAPI} */
let api;
let nativeSongs = [];
const PASSWORD = 'client password 1';

/** A fetch that turns the library's token credentials into the login password (enc:). */
function passwordFetch(url, init) {
    const u = new URL(url);
    u.searchParams.delete('t');
    u.searchParams.delete('s');
    u.searchParams.set('p', `enc:${Buffer.from(PASSWORD).toString('hex')}`);
    return fetch(u.toString(), init);
}

/** Fails unless the envelope is ok; returns it. */
function ok(body) {
    assert.equal(body?.status, 'ok', JSON.stringify(body?.error));
    return body;
}

before(async () => {
    server = await startServer();
    await server.createUser('sc_alice', PASSWORD);
    const token = (await server.login('sc_alice', PASSWORD)).accessToken;
    const key = await request(server.port, { method: 'POST', path: '/api/keys', token,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'app' }) });
    const pw = await request(server.port, { method: 'POST', path: '/api/me/app-password', token });
    assert.equal(key.status, 201);
    assert.equal(pw.status, 201);
    const url = server.baseUrl;
    clients.token = new SubsonicAPI({ url, auth: { username: 'sc_alice', password: pw.json().password } });
    clients.apiKey = new SubsonicAPI({ url, auth: { apiKey: key.json().key } });
    clients.password = new SubsonicAPI({ url, auth: { username: 'sc_alice', password: 'x' },
        fetch: passwordFetch });
    clients.post = new SubsonicAPI({ url, auth: { apiKey: key.json().key }, post: true });
    api = clients.token;
    nativeSongs = await allSongs(server.port);
});

after(async () => {
    await server?.stop();
});

test('every sign-in mechanism works through the client library', async () => {
    for (const [name, c] of Object.entries(clients)) {
        const body = await c.ping();
        assert.equal(body.status, 'ok', `${name}: ${JSON.stringify(body.error)}`);
        assert.equal(body.openSubsonic, true);
    }
    const raw = await (await clients.apiKey.custom('tokenInfo.view', {})).json();
    assert.equal(raw['subsonic-response'].tokenInfo.username, 'sc_alice');
    const wrong = new SubsonicAPI({ url: server.baseUrl, auth: { username: 'sc_alice',
        password: 'not the app password' } });
    assert.equal((await wrong.ping()).error.code, 40);
    const ext = ok(await clients.password.getOpenSubsonicExtensions());
    assert.ok(ext.openSubsonicExtensions.some((e) => e.name === 'apiKeyAuthentication'));
});

test('browsing: folders, indexes, artists, artist, album, song, directory, genres', async () => {
    const folders = ok(await api.getMusicFolders()).musicFolders.musicFolder;
    assert.equal(folders.length, 1);
    const artists = ok(await api.getArtists()).artists.index.flatMap((i) => i.artist);
    const foxes = artists.find((a) => a.name === 'The Quiet Foxes');
    assert.ok(foxes, 'The Quiet Foxes listed');
    assert.equal(typeof foxes.id, 'string');
    const idx = ok(await api.getIndexes({ musicFolderId: folders[0].id })).indexes;
    assert.ok(idx.lastModified > 0);
    assert.ok(idx.index.find((i) => i.name === 'Q').artist.some((a) => a.id === foxes.id));
    const artist = ok(await api.getArtist({ id: foxes.id })).artist;
    assert.equal(artist.album.length, 1);
    const album = ok(await api.getAlbum({ id: artist.album[0].id })).album;
    assert.equal(album.name, 'Northern Lights');
    assert.deepEqual(album.song.map((s) => s.title), ['Aurora', 'Frozen Lake', 'Pine Smoke',
        'Long Night']);
    assert.ok(album.created instanceof Date && !Number.isNaN(album.created.getTime()));
    const song = ok(await api.getSong({ id: album.song[0].id })).song;
    assert.equal(song.albumId, album.id);
    assert.equal(song.mediaType, 'song');
    assert.deepEqual(song.genres, [{ name: 'Rock' }]);
    const dir = ok(await api.getMusicDirectory({ id: song.parent })).directory;
    assert.ok(dir.child.some((c) => c.id === song.id));
    const root = ok(await api.getMusicDirectory({ id: dir.parent })).directory;
    assert.ok(root.child.some((c) => c.id === dir.id && c.isDir === true));
    const genres = ok(await api.getGenres()).genres.genre;
    assert.ok(genres.some((g) => g.value === 'Rock' && g.songCount >= 4));
    assert.equal((await api.getAlbum({ id: 'no-such-album' })).error.code, 70);
});

test('lists: every album once through paged alphabeticalByName, random songs, by genre', async () => {
    const seen = [];
    for (let offset = 0; ; offset += 4) {
        const page = ok(await api.getAlbumList2({ type: 'alphabeticalByName', size: 4, offset }))
            .albumList2.album;
        seen.push(...page.map((a) => a.id));
        if (page.length < 4) break;
    }
    const all = ok(await api.getAlbumList2({ type: 'alphabeticalByName', size: 500 })).albumList2.album;
    assert.deepEqual(seen, all.map((a) => a.id));
    assert.equal(new Set(seen).size, seen.length);
    const random = ok(await api.getRandomSongs({ size: 5 })).randomSongs.song;
    assert.equal(random.length, 5);
    assert.equal(new Set(random.map((s) => s.id)).size, 5);
    const rock = ok(await api.getSongsByGenre({ genre: 'Rock', count: 500 })).songsByGenre.song;
    assert.ok(rock.length >= 4 && rock.every((s) => s.genres.some((g) => g.name === 'Rock')));
    const years = ok(await api.getAlbumList2({ type: 'byYear', fromYear: 2018, toYear: 2019 }))
        .albumList2.album;
    assert.ok(years.length > 0 && years.every((a) => a.year >= 2018 && a.year <= 2019));
});

test('search: words, and an empty query pages through the whole library', async () => {
    const hits = ok(await api.search3({ query: 'aurora' })).searchResult3;
    assert.deepEqual(hits.song.map((s) => s.title), ['Aurora']);
    const ids = [];
    for (let offset = 0; ; offset += 7) {
        const r = ok(await api.search3({ query: '', songCount: 7, songOffset: offset,
            artistCount: 0, albumCount: 0 })).searchResult3;
        ids.push(...(r.song ?? []).map((s) => s.id));
        if ((r.song ?? []).length < 7) break;
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), nativeSongs.map((s) => s.id).sort());
    // artists and albums page the same way; an offset at the very end gives nothing
    const artistIds = [];
    const albumIds = [];
    for (let offset = 0; ; offset += 3) {
        const r = ok(await api.search3({ query: '', songCount: 0, artistCount: 3,
            artistOffset: offset, albumCount: 3, albumOffset: offset })).searchResult3;
        artistIds.push(...(r.artist ?? []).map((a) => a.id));
        albumIds.push(...(r.album ?? []).map((a) => a.id));
        if ((r.artist ?? []).length < 3 && (r.album ?? []).length < 3) break;
    }
    const everyArtist = ok(await api.getArtists()).artists.index.flatMap((i) => i.artist);
    assert.deepEqual([...artistIds].sort(), everyArtist.map((a) => a.id).sort());
    const everyAlbum = ok(await api.getAlbumList2({ type: 'alphabeticalByName', size: 500 }))
        .albumList2.album;
    assert.deepEqual(albumIds, everyAlbum.map((a) => a.id));
    const pastEnd = ok(await api.search3({ query: '', songCount: 0, albumCount: 0,
        artistCount: 5, artistOffset: everyArtist.length })).searchResult3;
    assert.deepEqual(pastEnd.artist ?? [], []);
    const v2 = ok(await clients.post.search2({ query: 'quiet' })).searchResult2;
    assert.ok(v2.artist.some((a) => a.name === 'The Quiet Foxes'));
});

test('starring and rating show up everywhere', async () => {
    const album = ok(await api.search3({ query: 'northern lights', albumCount: 1 })).searchResult3.album[0];
    const song = ok(await api.getAlbum({ id: album.id })).album.song[1];
    ok(await api.star({ id: song.id, albumId: album.id, artistId: album.artistId }));
    const starred = ok(await api.getStarred2()).starred2;
    assert.deepEqual(starred.song.map((s) => s.id), [song.id]);
    assert.deepEqual(starred.album.map((a) => a.id), [album.id]);
    assert.deepEqual(starred.artist.map((a) => a.id), [album.artistId]);
    assert.ok(starred.song[0].starred instanceof Date);
    const folder = ok(await api.getMusicFolders()).musicFolders.musicFolder[0].id;
    assert.deepEqual(ok(await api.getStarred2({ musicFolderId: folder })).starred2.song
        .map((s) => s.id), [song.id]);
    assert.ok(ok(await api.getSong({ id: song.id })).song.starred instanceof Date);
    // another user sees none of it
    const bobKey = await request(server.port, { method: 'POST', path: '/api/keys',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'admin' }) });
    const admin = new SubsonicAPI({ url: server.baseUrl, auth: { apiKey: bobKey.json().key } });
    assert.equal(ok(await admin.getSong({ id: song.id })).song.starred, undefined);
    ok(await api.unstar({ id: song.id }));
    assert.deepEqual(ok(await api.getStarred2()).starred2.song, []);
    ok(await api.setRating({ id: album.id, rating: 4 }));
    assert.equal(ok(await api.getAlbum({ id: album.id })).album.userRating, 4);
    const best = ok(await api.getAlbumList2({ type: 'highest' })).albumList2.album;
    assert.deepEqual(best.map((a) => a.id), [album.id]);
    assert.equal((await api.star({ id: 'nope' })).error.code, 70);
});

test('scrobbling counts plays; submission=false is now playing', async () => {
    const song = nativeSongs.find((s) => s.title === 'Pine Smoke');
    ok(await api.scrobble({ id: song.id, submission: false }));
    const np = ok(await api.getNowPlaying()).nowPlaying.entry;
    assert.ok(np.some((e) => e.id === song.id && e.username === 'sc_alice'
        && e.playerName === 'subsonic-api'));
    ok(await api.scrobble({ id: song.id, time: Date.now() }));
    const after = ok(await api.getSong({ id: song.id })).song;
    assert.equal(after.playCount, 1);
    assert.equal(typeof after.played, 'string');
    const recent = ok(await api.getAlbumList2({ type: 'recent' })).albumList2.album;
    assert.equal(recent[0].id, song.albumId);
    const byId = ok(await api.getTopSongs({ id: song.artistId })).topSongs.song;
    assert.deepEqual(byId.map((s) => s.id), [song.id]);
    const byName = ok(await api.getTopSongs({ artist: 'the quiet foxes', count: 5 })).topSongs.song;
    assert.deepEqual(byName.map((s) => s.id), [song.id]);
    const frequent = ok(await api.getAlbumList2({ type: 'frequent' })).albumList2.album;
    assert.equal(frequent[0].id, song.albumId);
    assert.equal(frequent[0].playCount, 1);
    assert.ok(frequent[0].played, 'album played time');
    // one bad time refuses the whole request: nothing is recorded
    const other = nativeSongs.find((s) => s.title === 'Frozen Lake');
    const bad = await api.scrobble({ id: [other.id, song.id], time: [Date.now(), 9e13] });
    assert.equal(bad.error.code, 0);
    assert.equal(ok(await api.getSong({ id: other.id })).song.playCount, 0);
    ok(await api.reportPlayback({ mediaId: song.id, mediaType: 'song', positionMs: 200,
        state: 'stopped' }));
    assert.equal(ok(await api.getSong({ id: song.id })).song.playCount, 1, 'too early to count');
});

test('streaming, transcoding, downloading and covers', async () => {
    const flac = nativeSongs.find((s) => s.format === 'flac' && s.title === 'Kaffi og kökur');
    const original = await api.stream({ id: flac.id });
    assert.equal(original.status, 200);
    assert.equal(original.headers.get('content-type'), 'audio/flac');
    const bytes = Buffer.from(await original.arrayBuffer());
    const file = fs.readFileSync(`${server.musicDirs[0]}/${flac.path}`);
    assert.equal(sha256(bytes), sha256(file));
    const mp3 = await api.stream({ id: flac.id, format: 'mp3', maxBitRate: 64 });
    assert.equal(mp3.status, 200);
    assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
    const mp3Bytes = Buffer.from(await mp3.arrayBuffer());
    assert.ok(mp3Bytes.length > 1000 && mp3Bytes.length < file.length);
    // estimateContentLength: a Content-Length instead of chunks, and exactly that many bytes
    const est = await api.stream({ id: flac.id, format: 'mp3', maxBitRate: 64,
        estimateContentLength: true });
    assert.equal(est.status, 200);
    const declared = Number(est.headers.get('content-length'));
    const estBytes = Buffer.from(await est.arrayBuffer());
    assert.equal(estBytes.length, declared);
    if (declared !== mp3Bytes.length || sha256(estBytes) !== sha256(mp3Bytes)) {
        // A live transcode: 4 s at 64 kbps is 32000 bytes, plus 2 % and 4096. (Once the first
        // transcode is in the transcode cache, the cached file comes back with its real size.)
        assert.equal(declared, Math.floor(flac.durationMs * 64 / 8 * 1.02) + 4096);
    }
    assert.ok(estBytes.subarray(0, 3).toString('latin1') === 'ID3' ||
        (estBytes[0] === 0xff && (estBytes[1] & 0xe0) === 0xe0), 'an mp3 stream');
    const download = await clients.apiKey.download({ id: flac.id });
    assert.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(file));
    const missing = await api.stream({ id: 'nope' });
    assert.equal((await missing.json())['subsonic-response'].error.code, 70);
    const withCover = nativeSongs.find((s) => s.coverId);
    const cover = await api.getCoverArt({ id: withCover.coverId, size: 64 });
    assert.equal(cover.status, 200);
    assert.match(cover.headers.get('content-type'), /^image\//);
});
