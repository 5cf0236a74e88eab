// How songs become albums, black-box on a small generated library: by MusicBrainz album id
// when there is one, else by album artist + album name + release date; an album split over
// two folders stays one; a compilation without an album artist is "Various Artists"; an
// artist tag with " feat. " gives the song two artists but keeps the album under its album
// artist.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, tempDir } from './lib/server.mjs';
import { getJson } from './lib/http.mjs';
import { lavfiAudio } from './lib/audio.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let music;
let albums = [];
let songs = [];

const MB_LIVE = '6a1c9b52-0c2e-4f5e-9d1a-1f0e0c1a2b3c';
const MB_TWIN_A = '7b2d0c63-1d3f-4a6f-8e2b-2a1f1d2b3c4d';
const MB_TWIN_B = '8c3e1d74-2e4a-4b7a-9f3c-3b2a2e3c4d5e';

/** [relative path, tags] of every file of the library. */
const FILES = [
    ['GH1990/01.flac', { TITLE: 'Old One', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Greatest Hits', DATE: '1990', TRACKNUMBER: '1' }],
    ['GH1990/02.flac', { TITLE: 'Old Two', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Greatest Hits', DATE: '1990', TRACKNUMBER: '2' }],
    ['GH2005/01.flac', { TITLE: 'New One', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Greatest Hits', DATE: '2005', TRACKNUMBER: '1' }],
    ['Split/CD1/01.flac', { TITLE: 'Disc One', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Split', DATE: '2000', DISCNUMBER: '1' }],
    ['Split/CD2/01.flac', { TITLE: 'Disc Two', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Split', DATE: '2000', DISCNUMBER: '2' }],
    ['Live/01.flac', { TITLE: 'Live One', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Live', DATE: '2001', MUSICBRAINZ_ALBUMID: MB_LIVE }],
    ['Live Deluxe/01.flac', { TITLE: 'Live Bonus', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Live (Deluxe)', DATE: '2011', MUSICBRAINZ_ALBUMID: MB_LIVE }],
    ['TwinA/01.flac', { TITLE: 'Twin A', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Twin', DATE: '2010', MUSICBRAINZ_ALBUMID: MB_TWIN_A }],
    ['TwinB/01.flac', { TITLE: 'Twin B', ARTIST: 'Band', ALBUMARTIST: 'Band', ALBUM: 'Twin', DATE: '2010', MUSICBRAINZ_ALBUMID: MB_TWIN_B }],
    ['Mix/01.flac', { TITLE: 'Mix One', ARTIST: 'Xavier', ALBUM: 'Mix', COMPILATION: '1', DATE: '2003' }],
    ['Mix/02.flac', { TITLE: 'Mix Two', ARTIST: 'Yolanda', ALBUM: 'Mix', COMPILATION: '1', DATE: '2003' }],
    ['Duets/01.flac', { TITLE: 'Together', ARTIST: 'Band feat. Guest', ALBUMARTIST: 'Band', ALBUM: 'Duets', DATE: '2004' }],
];

before(async () => {
    music = tempDir('swaz-albums-');
    for (const [rel, tags] of FILES) {
        await lavfiAudio(path.join(music, rel), 'sine=frequency=440:sample_rate=8000:duration=1',
            ['-c:a', 'flac'], tags);
    }
    server = await startServer({ musicDirs: [music], minSongs: FILES.length });
    songs = await allSongs(server.port);
    albums = (await getJson(server.port, '/api/albums?limit=500')).items;
});

after(async () => {
    await server?.stop();
    if (music) fs.rmSync(music, { recursive: true, force: true });
});

const named = (name) => albums.filter((a) => a.name === name);
const songOf = (title) => songs.find((s) => s.title === title);

test('every file is a song', () => {
    assert.equal(songs.length, FILES.length);
});

test('one name and album artist, two release dates: two albums', () => {
    const hits = named('Greatest Hits').sort((a, b) => a.year - b.year);
    assert.deepEqual(hits.map((a) => [a.year, a.songCount]), [[1990, 2], [2005, 1]]);
    assert.equal(songOf('Old One').albumId, songOf('Old Two').albumId);
    assert.notEqual(songOf('Old One').albumId, songOf('New One').albumId);
});

test('an album over two folders (CD1, CD2) is one album', () => {
    const split = named('Split');
    assert.equal(split.length, 1);
    assert.equal(split[0].songCount, 2);
    assert.equal(split[0].discCount, 2);
});

test('one MusicBrainz album id is one album, whatever the names and dates say', () => {
    assert.equal(songOf('Live One').albumId, songOf('Live Bonus').albumId);
    const live = albums.filter((a) => a.id === songOf('Live One').albumId);
    assert.equal(live.length, 1);
    assert.equal(live[0].songCount, 2);
    assert.equal(live[0].musicBrainzId, MB_LIVE);
});

test('two MusicBrainz album ids are two albums, even with one name, artist and date', () => {
    const twin = named('Twin');
    assert.equal(twin.length, 2);
    assert.deepEqual(twin.map((a) => a.musicBrainzId).sort(), [MB_TWIN_A, MB_TWIN_B].sort());
});

test('a compilation without an album artist is by "Various Artists"', () => {
    const mix = named('Mix');
    assert.equal(mix.length, 1);
    assert.equal(mix[0].songCount, 2);
    assert.equal(mix[0].artist, 'Various Artists');
    assert.equal(mix[0].compilation, true);
    assert.deepEqual(songOf('Mix One').artists.map((a) => a.name), ['Xavier']);
});

test('"feat." gives the song two artists; the album stays its album artist\'s', () => {
    const duet = songOf('Together');
    assert.deepEqual(duet.artists.map((a) => a.name), ['Band', 'Guest']);
    const [album] = named('Duets');
    assert.equal(album.artist, 'Band');
    assert.equal(album.artistId, songOf('Old One').artists[0].id);
});
