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
const bomb = { artist: 'Bomb Artist', album: 'Huge Cover', albumArtist: 'Bomb Artist', disc: 1,
    year: 2023, genre: 'Test', sampleRate: 44100, channels: 2, durationMs: 2000 };
const singer = { artist: 'Lyric Singer', album: 'Words and Numbers', albumArtist: 'Lyric Singer',
    year: 2016, genre: 'Pop', format: 'flac', sampleRate: 44100, channels: 2, durationMs: 2000 };

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

/** Songs of `gen-library.sh DIR test` in the five demo formats whose fields are plain tags
 * (one artist, one genre, an album artist): demo, the valid hostile files, the album with the
 * image-bomb cover, and the lyrics/ReplayGain/MusicBrainz/disc-subtitle songs (their extra
 * fields are in TAG_SONGS). Every one must be listed. @type {ExpectedSong[]} */
export const TEST_SONGS = [
    ...DEMO_SONGS,
    { ...hostile, path: 'Hostile/long-title.flac', title: LONG_TITLE, track: 1, format: 'flac',
        durationMs: 2000 },
    { ...hostile, path: 'Hostile/It\'s a "quoted" 100% song.mp3',
        title: 'It\'s a "quoted" 100% song', track: 2, format: 'mp3', durationMs: 2000 },
    { ...bomb, path: 'Bomb Artist/Huge Cover/01 - Safe Song.mp3', title: 'Safe Song', track: 1,
        format: 'mp3' },
    { ...bomb, path: 'Bomb Artist/Huge Cover/02 - Safe Song Two.flac', title: 'Safe Song Two',
        track: 2, format: 'flac' },
    { ...singer, path: 'Lyric Singer/Words and Numbers/1-01 - Synced.flac', title: 'Synced',
        track: 1, disc: 1 },
    { ...singer, path: 'Lyric Singer/Words and Numbers/1-02 - Embedded.flac', title: 'Embedded',
        track: 2, disc: 1 },
    { ...singer, path: 'Lyric Singer/Words and Numbers/2-01 - Gains.flac', title: 'Gains',
        track: 1, disc: 2 },
    { ...singer, path: 'Lyric Singer/Words and Numbers/2-02 - Brainz.flac', title: 'Brainz',
        track: 2, disc: 2 },
    { ...singer, path: 'Lyric Singer/Single/01 - Brainz Single.mp3', title: 'Brainz Single',
        album: 'Single', track: 1, disc: 1, format: 'mp3' },
];

/** @typedef {ExpectedSong & {codec: string, sampleRates: number[],
 *   bitDepth?: number}} FormatSong */

const formats = { artist: 'Format Tester', album: 'Every Format', albumArtist: 'Format Tester',
    disc: 1, year: 2022, genre: 'Electronic', sampleRate: 44100, sampleRates: [44100],
    channels: 2, durationMs: 2000 };

/** The formats beyond the demo five, one song each in `Format Tester/Every Format/` (track
 * N of 6), as libavformat names their codec; `bitDepth` for the lossless ones. DSF is 1 s of
 * stereo DSD64 (2,822,400 one-bit samples a second; libavformat reports the byte rate 352,800
 * as the stream's sample rate, so either is right). The APE file (Monkey's Audio 3.99, level
 * "fast", APEv2 tag) is written by scripts/ape-encode.py. @type {FormatSong[]} */
export const FORMAT_SONGS = [
    { ...formats, path: 'Format Tester/Every Format/01 - Windows Media.wma',
        title: 'Windows Media', track: 1, format: 'wma', codec: 'wmav2' },
    { ...formats, path: 'Format Tester/Every Format/02 - Interchange.aiff', title: 'Interchange',
        track: 2, format: 'aiff', codec: 'pcm_s16be', bitDepth: 16 },
    { ...formats, path: 'Format Tester/Every Format/03 - Apple Lossless.m4a',
        title: 'Apple Lossless', track: 3, format: 'm4a', codec: 'alac', bitDepth: 16 },
    { ...formats, path: 'Format Tester/Every Format/04 - Wave Pack.wv', title: 'Wave Pack',
        track: 4, format: 'wv', codec: 'wavpack', bitDepth: 16 },
    { ...formats, path: 'Format Tester/Every Format/05 - Direct Stream.dsf',
        title: 'Direct Stream', track: 5, format: 'dsf', codec: 'dsd_lsbf_planar',
        sampleRate: 2822400, sampleRates: [2822400, 352800], durationMs: 1000 },
    { ...formats, path: 'Format Tester/Every Format/06 - Monkey Audio.ape',
        title: 'Monkey Audio', track: 6, format: 'ape', codec: 'ape', bitDepth: 16 },
];

/** @typedef {ExpectedSong & {artists?: string[], albumArtists?: string[], genres?: string[],
 *   compilation?: boolean, discSubtitle?: string,
 *   lyrics?: {synced: boolean, lines: string[]},
 *   replayGain?: {trackGain?: number, trackPeak?: number, albumGain?: number,
 *     albumPeak?: number},
 *   mbids?: {recording?: string, track?: string, album?: string, artist?: string,
 *     albumArtist?: string, releaseGroup?: string}}} TaggedSong */

const together = { album: 'Together', albumArtist: 'Alice Arden', albumArtists: ['Alice Arden'],
    disc: 1, year: 2017, genre: 'Folk', genres: ['Folk'], format: 'flac', sampleRate: 44100,
    channels: 2, durationMs: 2000 };
const summer = { album: 'Summer Hits', albumArtist: 'Various Artists', compilation: true,
    disc: 1, year: 2018, genre: 'Pop', genres: ['Pop'], sampleRate: 44100, channels: 2,
    durationMs: 2000 };
const ARTIST_MBID = '3e4f5061-7283-494a-b5c6-d7e8f90a1b2c';

/** Songs whose tags need splitting or carry more than the plain fields, with what the scanner
 * should make of them. `artist` is the display string as tagged; `artists` the split list
 * (ARTISTS comments win, else the default separators " / ", "; ", " feat. ", " ft. ");
 * the compilation has no album artist tag, so its album artist is "Various Artists".
 * The Lyric Singer songs are also in TEST_SONGS. @type {TaggedSong[]} */
export const TAG_SONGS = [
    { ...together, path: 'Alice Arden/Together/01 - Two Voices.flac', title: 'Two Voices',
        track: 1, artist: 'Alice Arden & Bob Brand', artists: ['Alice Arden', 'Bob Brand'] },
    { ...together, path: 'Alice Arden/Together/02 - Joined.flac', title: 'Joined', track: 2,
        artist: 'Alice Arden; Bob Brand', artists: ['Alice Arden', 'Bob Brand'] },
    { ...together, path: 'Alice Arden/Together/03 - Guest Spot.mp3', title: 'Guest Spot',
        track: 3, format: 'mp3', artist: 'Alice Arden feat. Carl Crane',
        artists: ['Alice Arden', 'Carl Crane'] },
    { ...together, path: 'Alice Arden/Together/04 - Two Genres.flac', title: 'Two Genres',
        track: 4, artist: 'Alice Arden', artists: ['Alice Arden'], genre: 'Rock',
        genres: ['Rock', 'Pop'] },
    { ...summer, path: 'Compilations/Summer Hits/01 - Sunburn.flac', title: 'Sunburn', track: 1,
        artist: 'Dana Dale', artists: ['Dana Dale'], format: 'flac' },
    { ...summer, path: 'Compilations/Summer Hits/02 - Heatwave.ogg', title: 'Heatwave', track: 2,
        artist: 'Evan Eld', artists: ['Evan Eld'], format: 'ogg' },
    { ...summer, path: 'Compilations/Summer Hits/03 - Low Tide.m4a', title: 'Low Tide',
        track: 3, artist: 'Fay Fern', artists: ['Fay Fern'], format: 'm4a' },
    { ...singer, path: 'Lyric Singer/Words and Numbers/1-01 - Synced.flac', title: 'Synced',
        track: 1, disc: 1, discSubtitle: 'Words',
        lyrics: { synced: true,
            lines: ['First synced line', 'Second synced line', 'Third synced line'] } },
    { ...singer, path: 'Lyric Singer/Words and Numbers/1-02 - Embedded.flac', title: 'Embedded',
        track: 2, disc: 1, discSubtitle: 'Words',
        lyrics: { synced: false, lines: ['First plain line', 'Second plain line'] } },
    { ...singer, path: 'Lyric Singer/Words and Numbers/2-01 - Gains.flac', title: 'Gains',
        track: 1, disc: 2, discSubtitle: 'Numbers',
        replayGain: { trackGain: -6.5, trackPeak: 0.988525, albumGain: -5.25,
            albumPeak: 0.999969 } },
    { ...singer, path: 'Lyric Singer/Words and Numbers/2-02 - Brainz.flac', title: 'Brainz',
        track: 2, disc: 2, discSubtitle: 'Numbers',
        mbids: { recording: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
            track: '1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a',
            album: '2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b', artist: ARTIST_MBID,
            albumArtist: ARTIST_MBID, releaseGroup: '4f506172-8394-4a5b-86d7-e8f90a1b2c3d' } },
    { ...singer, path: 'Lyric Singer/Single/01 - Brainz Single.mp3', title: 'Brainz Single',
        album: 'Single', track: 1, disc: 1, format: 'mp3',
        replayGain: { trackGain: -3.1, trackPeak: 0.912345 },
        mbids: { album: '50617283-94a5-4b6c-97e8-f90a1b2c3d4e', artist: ARTIST_MBID,
            releaseGroup: '61728394-a5b6-4c7d-a8f9-0a1b2c3d4e5f' } },
];

/** Every song `gen-library.sh DIR test` must yield, each path once. @type {ExpectedSong[]} */
export const ALL_TEST_SONGS = [...new Map([...TEST_SONGS, ...FORMAT_SONGS, ...TAG_SONGS]
    .map((s) => [s.path, s])).values()];

/** Files that must never become songs: hidden, ignored (a folder holding .swazignore), empty,
 * or not audio at all. */
export const NOT_SONGS = ['.hidden/Secret Song.mp3', 'Hostile/empty.mp3', 'Hostile/notaudio.flac',
    'Ignored Artist/Ignored Album/01 - Ignored.mp3'];

/** Broken files a scanner may store or reject (libavformat reads their headers), but which must
 * neither crash nor stall a scan: a cut mp3, a flac whose frames are noise, and m4a files whose
 * moov/trak/stsd atom claims a size past its parent and the end of the file. */
export const MAYBE_SONGS = ['Hostile/truncated.mp3', 'Hostile/corrupt.flac',
    'Hostile/atom-past-eof.m4a', 'Hostile/atom-ffffffff.m4a', 'Hostile/trak-ffffffff.m4a',
    'Hostile/stsd-ffffffff.m4a'];

/** The album whose cover.jpg is a real 320x320 JPEG whose frame header claims 60000x60000
 * pixels (about 12 KB on disk): its songs are listed, the cover is refused or shrunk safely. */
export const IMAGE_BOMB = { folder: 'Bomb Artist/Huge Cover',
    cover: 'Bomb Artist/Huge Cover/cover.jpg', width: 60000, height: 60000 };

/** Artist folders holding an artist image (a 320x320 JPEG). */
export const ARTIST_IMAGES = { 'Alice Arden': 'Alice Arden/artist.jpg' };

/** Folders the scanner must skip: dot-folders and folders holding `.swazignore`. */
export const IGNORED_FOLDERS = ['.hidden', 'Ignored Artist/Ignored Album'];

/** Sibling lyrics files (LRC, synced). */
export const LRC_FILES = ['Lyric Singer/Words and Numbers/1-01 - Synced.lrc'];

/** Content types a stream of each format may carry (the first is the preferred one). */
export const CONTENT_TYPES = {
    mp3: ['audio/mpeg'],
    flac: ['audio/flac', 'audio/x-flac'],
    ogg: ['audio/ogg'],
    opus: ['audio/ogg', 'audio/opus'],
    m4a: ['audio/mp4', 'audio/x-m4a', 'audio/m4a'],
    wma: ['audio/x-ms-wma', 'audio/wma'],
    aiff: ['audio/aiff', 'audio/x-aiff'],
    wv: ['audio/wavpack', 'audio/x-wavpack'],
    dsf: ['audio/dsf', 'audio/x-dsf', 'audio/dsd'],
    ape: ['audio/ape', 'audio/x-ape', 'audio/x-monkeys-audio'],
};
