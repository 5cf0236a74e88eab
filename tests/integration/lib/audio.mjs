// Audio fixtures shared by the black-box tests: tagged files written by Debian's ffmpeg from
// its lavfi test sources (tones, white noise), the URL of a song's stream, and the suite
// set-up that runs a server on the generated test library with a scratch folder beside it.
// The folders a test makes are its own to remove.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, allSongs, run, tempDir } from './server.mjs';

/** What every ffmpeg run here starts with: no prompt, no banner, errors only, overwrite. */
const FFMPEG_QUIET = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];

/**
 * Runs ffmpeg quietly with `args`; fails the test with ffmpeg's stderr when it does not exit 0.
 * @param {string[]} args
 * @param {{timeoutMs?: number}} [opts]
 */
export async function ffmpeg(args, opts) {
    const r = await run('ffmpeg', [...FFMPEG_QUIET, ...args], opts);
    assert.equal(r.code, 0, r.stderr);
}

/** `-metadata KEY=VALUE` for each tag, in the order given. */
export function metadataArgs(tags) {
    return Object.entries(tags).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
}

/**
 * Writes `file` (its folders made) from the lavfi source `source` (e.g. 'sine=d=1'), encoded
 * with `codecArgs` (e.g. ['-c:a', 'flac']) and tagged with `tags`.
 * @param {string} file
 * @param {string} source
 * @param {string[]} codecArgs
 * @param {Record<string, string|number>} [tags]
 * @param {{timeoutMs?: number}} [opts]
 */
export async function lavfiAudio(file, source, codecArgs, tags = {}, opts) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await ffmpeg(['-f', 'lavfi', '-i', source, ...codecArgs, ...metadataArgs(tags), file], opts);
}

/**
 * Writes `file` as a bit-exact stereo FLAC of `seconds` of white noise (`seed` fixes it) at
 * `rate` Hz at compression level 0 (noise hardly compresses: about 10 MiB a minute), far
 * larger than the socket buffers, for tests of long streams and stalled listeners.
 * @param {string} file
 * @param {{seconds: number, rate: number, seed: number, tags: Record<string, string>}} opts
 */
export function noiseFlac(file, { seconds, rate, seed, tags }) {
    return lavfiAudio(file, `anoisesrc=d=${seconds}:c=white:r=${rate}:a=0.5:seed=${seed}`,
        ['-ac', '2', '-fflags', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1',
            '-c:a', 'flac', '-compression_level', '0'], tags);
}

/**
 * Writes `dir`/`title`.wav: `seconds` of a `hz` tone at `rate` Hz in `codec` (pcm_u8 or
 * pcm_s16le), tagged with its title, `artist` and `album`.
 * @param {string} dir
 * @param {string} title
 * @param {{seconds: number, hz?: number, rate: number, codec: string, artist: string,
 *   album: string}} opts
 */
export function toneWav(dir, title, { seconds, hz = 440, rate, codec, artist, album }) {
    return lavfiAudio(path.join(dir, `${title}.wav`),
        `sine=frequency=${hz}:sample_rate=${rate}:duration=${seconds}`, ['-c:a', codec],
        { title, artist, album });
}

/** The native API stream URL of `song`, with `query` (no '?') when given. */
export function streamPath(song, query) {
    return `/api/songs/${encodeURIComponent(song.id)}/stream${query ? `?${query}` : ''}`;
}

/**
 * Registers before/after hooks for a suite on the generated test library: the server, its
 * songs by path and a scratch folder `workPrefix`*, all stopped or removed afterwards.
 * @param {string} workPrefix
 * @returns {{server: import('./server.mjs').Server, byPath: Map<string, any>, work: string}}
 *   filled in by the before hook
 */
export function librarySuite(workPrefix) {
    const suite = { server: null, byPath: new Map(), work: '' };
    before(async () => {
        suite.server = await startServer();
        suite.byPath = new Map((await allSongs(suite.server.port)).map((s) => [s.path, s]));
        suite.work = tempDir(workPrefix);
    });
    after(async () => {
        await suite.server?.stop();
        if (suite.work) fs.rmSync(suite.work, { recursive: true, force: true });
    });
    return suite;
}
