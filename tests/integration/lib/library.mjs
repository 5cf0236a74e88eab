// The songs scripts/gen-library.sh writes, as the scanner should see them. Change both together.
// `path` is relative to the music folder; durations are approximate (encoder padding).

/** @typedef {{path: string, title: string, artist: string, album: string, albumArtist: string,
 *   track: number, disc: number, year: number, genre: string, format: string,
 *   durationMs: number, sampleRate: number, channels: number}} ExpectedSong */

const foxes = { artist: 'The Quiet Foxes', album: 'Northern Lights', albumArtist: 'The Quiet Foxes',
    disc: 1, year: 2019, genre: 'Rock', format: 'mp3', sampleRate: 44100, channels: 2 };
const solrun = { artist: 'Sólrún Ævarsdóttir', album: 'Café Olé',
    albumArtist: 'Sólrún Ævarsdóttir', disc: 1, year: 2021, genre: 'Ambient', channels: 2 };
const marta = { artist: 'Marta Quill', album: 'Midnight Sessions', albumArtist: 'Marta Quill',
    year: 2015, genre: 'Jazz', sampleRate: 44100, channels: 2 };
const hostile = { artist: 'Hostile Tester', album: 'Hostile Album', albumArtist: 'Hostile Tester',
    disc: 1, year: 2020, genre: 'Test', sampleRate: 44100, channels: 2 };

/** Songs of `gen-library.sh DIR demo`. @type {ExpectedSong[]} */
export const DEMO_SONGS = [
    { ...foxes, path: 'The Quiet Foxes/Northern Lights/01 - Aurora.mp3', title: 'Aurora',
        track: 1, durationMs: 3000 },
    { ...foxes, path: 'The Quiet Foxes/Northern Lights/02 - Frozen Lake.mp3',
        title: 'Frozen Lake', track: 2, durationMs: 4000 },
    { ...foxes, path: 'The Quiet Foxes/Northern Lights/03 - Pine Smoke.mp3', title: 'Pine Smoke',
        track: 3, durationMs: 3000 },
    { ...foxes, path: 'The Quiet Foxes/Northern Lights/04 - Long Night.mp3', title: 'Long Night',
        track: 4, durationMs: 5000 },
    { ...solrun, path: 'Sólrún Ævarsdóttir/Café Olé/01 - Kaffi og kökur.flac',
        title: 'Kaffi og kökur', track: 1, format: 'flac', sampleRate: 44100, durationMs: 4000 },
    { ...solrun, path: 'Sólrún Ævarsdóttir/Café Olé/02 - Blár þráður.ogg', title: 'Blár þráður',
        track: 2, format: 'ogg', sampleRate: 44100, durationMs: 3000 },
    { ...solrun, path: 'Sólrún Ævarsdóttir/Café Olé/03 - Señorita Ñandú.opus',
        title: 'Señorita Ñandú', track: 3, format: 'opus', sampleRate: 48000, durationMs: 3000 },
    { ...solrun, path: 'Sólrún Ævarsdóttir/Café Olé/04 - Über Straße.flac', title: 'Über Straße',
        track: 4, format: 'flac', sampleRate: 44100, durationMs: 3000 },
    { ...marta, path: 'Marta Quill/Midnight Sessions/1-01 - Blue Hour.m4a', title: 'Blue Hour',
        track: 1, disc: 1, format: 'm4a', durationMs: 4000 },
    { ...marta, path: 'Marta Quill/Midnight Sessions/1-02 - Side Street.m4a',
        title: 'Side Street', artist: 'Marta Quill & Dex Arlo', track: 2, disc: 1, format: 'm4a',
        durationMs: 3000 },
    { ...marta, path: 'Marta Quill/Midnight Sessions/2-01 - Last Call.mp3', title: 'Last Call',
        artist: 'Dex Arlo', track: 1, disc: 2, format: 'mp3', durationMs: 3000 },
    { ...marta, path: 'Marta Quill/Midnight Sessions/2-02 - Closing Time.ogg',
        title: 'Closing Time', track: 2, disc: 2, format: 'ogg', durationMs: 4000 },
];

/** The 5000-character title of Hostile/long-title.flac. */
export const LONG_TITLE = 'Very long title '.repeat(400).slice(0, 5000);

/** Songs of `gen-library.sh DIR test`: demo plus the valid files among the hostile ones.
 * Hostile/truncated.mp3 may or may not be stored; empty.mp3, notaudio.flac and .hidden/ are
 * not songs. @type {ExpectedSong[]} */
export const TEST_SONGS = [
    ...DEMO_SONGS,
    { ...hostile, path: 'Hostile/long-title.flac', title: LONG_TITLE, track: 1, format: 'flac',
        durationMs: 2000 },
    { ...hostile, path: 'Hostile/It\'s a "quoted" 100% song.mp3',
        title: 'It\'s a "quoted" 100% song', track: 2, format: 'mp3', durationMs: 2000 },
];

/** Files that must never become songs. */
export const NOT_SONGS = ['.hidden/Secret Song.mp3', 'Hostile/empty.mp3', 'Hostile/notaudio.flac'];

/** Content types a stream of each format may carry (the first is the preferred one). */
export const CONTENT_TYPES = {
    mp3: ['audio/mpeg'],
    flac: ['audio/flac', 'audio/x-flac'],
    ogg: ['audio/ogg'],
    opus: ['audio/ogg', 'audio/opus'],
    m4a: ['audio/mp4', 'audio/x-m4a', 'audio/m4a'],
};
