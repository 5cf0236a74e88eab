// The related rows of a rendered page of songs come from copies on each song's row
// (migration 0020: artist, album artist and genre ids), kept equal to song_artists,
// album_artists and song_genres by triggers. With the page cache off, every page is rendered,
// so a rescan by another process (`swaz scan` on the same database) that changes a song's
// artists or genres, moves a file, moves a song to another album or renames an artist must
// show in the next page of songs exactly as the relations say (the albums list still reads
// album_artists itself, so it is the reference for the album artists).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, swazCli, tempDir } from './lib/server.mjs';
import { getJson } from './lib/http.mjs';
import { lavfiAudio } from './lib/audio.mjs';

const MB_ALPHA = '0c3ad1b6-2f52-4b59-9d2e-3f4a1c2b7e01';

/** Writes a one-second FLAC at music/rel with these tags. */
function writeSong(music, rel, tags) {
    fs.mkdirSync(path.dirname(path.join(music, rel)), { recursive: true });
    return lavfiAudio(path.join(music, rel), 'sine=frequency=440:sample_rate=8000:duration=1',
        ['-c:a', 'flac'], tags);
}

const names = (refs) => refs.map((r) => r.name).join('|');

/** Every song by title, as names, and the albums' artists as the albums list gives them. */
async function pages(port) {
    const { items } = await getJson(port, '/api/songs?limit=100');
    const { items: albums } = await getJson(port, '/api/albums?list=alpha_name&limit=100');
    const albumArtists = new Map(albums.map((a) => [a.id, names(a.artists)]));
    const songs = {};
    for (const s of items) {
        // The copy on the song row names what album_artists names.
        assert.equal(names(s.albumArtists), albumArtists.get(s.albumId) ?? '', s.title);
        songs[s.title] = { id: s.id, path: s.path, artists: names(s.artists),
            albumArtists: names(s.albumArtists), genres: names(s.genres),
            artistIds: s.artists.map((a) => a.id) };
    }
    return songs;
}

describe('related rows of rendered songs pages across rescans by another process', () => {
    let music;
    let server;
    /** Runs `swaz scan`, then waits until the server's page differs from `before`. */
    async function rescan(before) {
        const scan = await swazCli(['scan'], { dataDir: server.dataDir, dbUrl: server.db.url,
            env: { SWAZ_MUSIC_DIRS: music }, timeoutMs: 60000 });
        assert.equal(scan.code, 0, scan.stderr);
        // Another process's commit shows within a millisecond on SQLite, when its
        // notification arrives on PostgreSQL.
        let now;
        for (let i = 0; i < 100; i++) {
            now = await pages(server.port);
            if (JSON.stringify(now) !== JSON.stringify(before)) break;
            await new Promise((r) => setTimeout(r, 20));
        }
        return now;
    }

    before(async () => {
        music = tempDir('swaz-song-refs-');
        await writeSong(music, 'Copies/one.flac', { title: 'One', artist: 'Alpha; Beta',
            ARTISTS: 'Alpha;Beta', album_artist: 'Alpha', album: 'Copy Album',
            genre: 'Rock;Jazz', MUSICBRAINZ_ALBUMARTISTID: MB_ALPHA });
        await writeSong(music, 'Copies/two.flac', { title: 'Two', artist: 'Gamma',
            album_artist: 'Alpha', album: 'Copy Album', genre: 'Jazz',
            MUSICBRAINZ_ALBUMARTISTID: MB_ALPHA });
        server = await startServer({ musicDirs: [music], minSongs: 2,
            args: ['--page-cache-mb', '0', '--watch', 'false'] });
        await server.loginAdmin();
    });
    after(async () => {
        await server?.stop();
        if (music) fs.rmSync(music, { recursive: true, force: true });
    });

    let first;
    test('a page names the artists in tag order, the album artists and the genres by name',
        async () => {
            first = await pages(server.port);
            assert.deepEqual(first.One, { ...first.One, artists: 'Alpha|Beta',
                albumArtists: 'Alpha', genres: 'Jazz|Rock' });
            assert.deepEqual(first.Two, { ...first.Two, artists: 'Gamma', albumArtists: 'Alpha',
                genres: 'Jazz' });
        });

    test('a rescan that changes a song\'s artists and genres shows in the next page', async () => {
        await writeSong(music, 'Copies/one.flac', { title: 'One', artist: 'Delta; Beta',
            ARTISTS: 'Delta;Beta', album_artist: 'Alpha', album: 'Copy Album', genre: 'Blues',
            MUSICBRAINZ_ALBUMARTISTID: MB_ALPHA });
        const now = await rescan(first);
        assert.equal(now.One.id, first.One.id);
        assert.deepEqual(now.One, { ...now.One, artists: 'Delta|Beta', albumArtists: 'Alpha',
            genres: 'Blues' });
        assert.deepEqual(now.Two, first.Two);
        first = now;
    });

    test('a song moved to another album takes that album\'s artists', async () => {
        await writeSong(music, 'Copies/two.flac', { title: 'Two', artist: 'Gamma',
            album_artist: 'Epsilon', album: 'Other Album', genre: 'Jazz' });
        const now = await rescan(first);
        assert.deepEqual(now.Two, { ...now.Two, artists: 'Gamma', albumArtists: 'Epsilon',
            genres: 'Jazz' });
        assert.deepEqual(now.One, first.One);
        first = now;
    });

    test('a file moved to another folder keeps its id and its related rows', async () => {
        fs.mkdirSync(path.join(music, 'Moved'), { recursive: true });
        fs.renameSync(path.join(music, 'Copies/one.flac'), path.join(music, 'Moved/one.flac'));
        const now = await rescan(first);
        assert.equal(now.One.id, first.One.id);
        assert.equal(now.One.path, 'Moved/one.flac');
        assert.deepEqual({ ...now.One, path: '' }, { ...first.One, path: '' });
        first = now;
    });

    test('an album artist renamed keeps its id and shows its new name', async () => {
        await writeSong(music, 'Moved/one.flac', { title: 'One', artist: 'Delta; Beta',
            ARTISTS: 'Delta;Beta', album_artist: 'Alpha Prime', album: 'Copy Album',
            genre: 'Blues', MUSICBRAINZ_ALBUMARTISTID: MB_ALPHA });
        const now = await rescan(first);
        assert.equal(now.One.albumArtists, 'Alpha Prime');
        assert.deepEqual({ ...now.One, albumArtists: '' }, { ...first.One, albumArtists: '' });
    });
});
