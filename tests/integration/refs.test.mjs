// The names of a page's artists and genres: the server keeps them for one library generation
// (src/library/library_names.c). With the page cache off, every page is rendered, so a rename
// by a scan in another process (`swaz scan` on the same database) must show in the next pages
// of songs and albums once that scan has committed, and the artist keeps its id.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, swazCli, tempDir } from './lib/server.mjs';
import { getJson } from './lib/http.mjs';
import { lavfiAudio } from './lib/audio.mjs';

/** The same MusicBrainz artist id under both names, so a rename keeps the artist's id. */
const MB_ARTIST = '5b11f4ce-a62d-471e-81fc-a69a8278c7da';

/** Writes music/Names/one.flac with `artist` as artist and album artist. */
function writeSong(music, artist, genre) {
    return lavfiAudio(path.join(music, 'Names', 'one.flac'),
        'sine=frequency=440:sample_rate=8000:duration=1', ['-c:a', 'flac'],
        { title: 'Named Song', artist, album_artist: artist, album: 'Named Album', genre,
            MUSICBRAINZ_ARTISTID: MB_ARTIST, MUSICBRAINZ_ALBUMARTISTID: MB_ARTIST });
}

/** The names of the song's artists, album artists and genres, and its artist's id. */
async function names(port) {
    const { items } = await getJson(port, '/api/songs?limit=10');
    assert.equal(items.length, 1);
    const [s] = items;
    const { items: albums } = await getJson(port, '/api/albums?list=alpha_name&limit=10');
    assert.equal(albums.length, 1);
    return {
        artist: s.artists.map((a) => a.name).join('|'),
        albumArtist: s.albumArtists.map((a) => a.name).join('|'),
        albumListArtist: albums[0].artists.map((a) => a.name).join('|'),
        genre: s.genres.map((g) => g.name).join('|'),
        id: s.artists[0]?.id,
    };
}

describe('names of related rows across a rename by another process', () => {
    let music;
    let server;
    before(async () => {
        music = tempDir('swaz-refs-music-');
        await writeSong(music, 'Cache Quartet', 'Drone');
        server = await startServer({ musicDirs: [music], minSongs: 1,
            args: ['--page-cache-mb', '0', '--watch', 'false'] });
        await server.loginAdmin();
    });
    after(async () => {
        await server?.stop();
        if (music) fs.rmSync(music, { recursive: true, force: true });
    });

    test('a scan by swaz scan renames the artist in the next rendered pages', async () => {
        const first = await names(server.port);
        assert.deepEqual({ ...first, id: undefined }, { artist: 'Cache Quartet',
            albumArtist: 'Cache Quartet', albumListArtist: 'Cache Quartet', genre: 'Drone',
            id: undefined });
        assert.deepEqual(await names(server.port), first); // the same, now from the table

        await writeSong(music, 'The Cache Quartet', 'Drone');
        const scan = await swazCli(['scan'], { dataDir: server.dataDir, dbUrl: server.db.url,
            env: { SWAZ_MUSIC_DIRS: music }, timeoutMs: 60000 });
        assert.equal(scan.code, 0, scan.stderr);
        // Another process's commit shows within a millisecond on SQLite, when its
        // notification arrives on PostgreSQL.
        let now;
        for (let i = 0; i < 100; i++) {
            now = await names(server.port);
            if (now.artist !== first.artist) break;
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(now, { artist: 'The Cache Quartet', albumArtist: 'The Cache Quartet',
            albumListArtist: 'The Cache Quartet', genre: 'Drone', id: first.id });
    });
});
