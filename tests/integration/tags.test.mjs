// Tag normalisation on real files: Debian's ffmpeg writes one file per format into a temp
// folder, and probe_tool (built beside the unit tests) prints media_probe() +
// library_tags_normalize() as JSON lines. Also a FLAC with duplicate Vorbis comments.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = process.env.SWAZ_BIN ?? path.resolve('../../build-test/swaz');
// Named by SWAZ_PROBE_TOOL (as `make test` does), the tool must exist: these checks are not
// skipped then. Otherwise it is looked for beside the binary, and skipped when not built.
const tool = process.env.SWAZ_PROBE_TOOL ??
    path.join(path.dirname(path.resolve(bin)), 'tests', 'unit', 'probe_tool');
if (process.env.SWAZ_PROBE_TOOL && !fs.existsSync(tool)) {
    throw new Error(`SWAZ_PROBE_TOOL names ${tool}, which does not exist`);
}
const haveFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const skip = !haveFfmpeg ? 'ffmpeg not installed' :
    !fs.existsSync(tool) ? `probe_tool not built (${tool})` : false;

const MB_TRACK = '9d444787-3f25-4c16-9261-597b9ab021cc';
const MB_ALBUM = '0c2f5c0e-1c4a-4b6a-9e8c-2f5b8e3e5d7a';

/** Tags every format is given; each container keeps what it can. */
const COMMON = {
    title: 'Café Song', artist: 'Alpha / Beta feat. Gamma', album: 'The Album',
    album_artist: 'Alpha', genre: 'Rock;Pop', track: '3/12', disc: '1/2', date: '2004-05-01',
    comment: 'nice', lyrics: '[00:01.00]la la\n[00:02.00]lo',
};
/** Free-form keys, kept by ID3v2 (TXXX), Vorbis comments, APEv2, ASF and AIFF's ID3. */
const EXTRA = {
    ARTISTS: 'Alpha;Beta;Gamma', MUSICBRAINZ_TRACKID: MB_TRACK.toUpperCase(),
    'MusicBrainz Album Id': MB_ALBUM, REPLAYGAIN_TRACK_GAIN: '-6.50 dB',
    REPLAYGAIN_TRACK_PEAK: '0.988', compilation: '1', BPM: '120', LABEL: 'Warp',
    DISCSUBTITLE: 'Side A', ORIGINALDATE: '1999', 'artist-sort': 'Alpha, The',
};

const FORMATS = [
    { ext: 'mp3', args: ['-c:a', 'libmp3lame'], codec: 'mp3', depth: 0, extra: true },
    { ext: 'flac', args: [], codec: 'flac', depth: 16, extra: true },
    { ext: 'ogg', args: ['-c:a', 'libvorbis'], codec: 'vorbis', depth: 0, extra: true },
    { ext: 'opus', args: ['-c:a', 'libopus'], codec: 'opus', depth: 0, extra: true },
    { ext: 'm4a', name: 'alac.m4a', args: ['-c:a', 'alac'], codec: 'alac', depth: 16,
        more: { compilation: '1' } },
    { ext: 'm4a', name: 'aac.m4a', args: ['-c:a', 'aac'], codec: 'aac', depth: 0,
        more: { compilation: '1' } },
    { ext: 'wav', args: [], codec: 'pcm_s16le', depth: 16, wav: true },
    { ext: 'aiff', args: ['-write_id3v2', '1'], codec: 'pcm_s16be', depth: 16, extra: true },
    { ext: 'wma', args: ['-c:a', 'wmav2'], codec: 'wmav2', depth: 0, extra: true },
    { ext: 'wv', args: ['-c:a', 'wavpack'], codec: 'wavpack', depth: 16, extra: true },
];

let dir;
/** path -> probe_tool's JSON object */
const probed = new Map();

function ffmpeg(out, codecArgs, tags) {
    const meta = Object.entries(tags).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
    execFileSync('ffmpeg', ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i',
        'sine=frequency=440:duration=0.5', ...codecArgs, ...meta, out]);
}

/** Rewrites a FLAC file's VORBIS_COMMENT block with exactly `comments`. */
function setFlacComments(src, dst, comments) {
    const d = fs.readFileSync(src);
    assert.equal(d.subarray(0, 4).toString('latin1'), 'fLaC');
    let pos = 4;
    const blocks = [];
    for (;;) {
        const last = d[pos] & 0x80, type = d[pos] & 0x7f;
        const len = d.readUIntBE(pos + 1, 3);
        if (type !== 4) blocks.push([type, d.subarray(pos + 4, pos + 4 + len)]);
        pos += 4 + len;
        if (last) break;
    }
    const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
    const parts = [u32(4), Buffer.from('swaz'), u32(comments.length)];
    for (const c of comments) {
        const b = Buffer.from(c, 'utf8');
        parts.push(u32(b.length), b);
    }
    blocks.push([4, Buffer.concat(parts)]);
    const out = [Buffer.from('fLaC')];
    blocks.forEach(([type, body], i) => {
        const h = Buffer.alloc(4);
        h[0] = type | (i === blocks.length - 1 ? 0x80 : 0);
        h.writeUIntBE(body.length, 1, 3);
        out.push(h, body);
    });
    out.push(d.subarray(pos));
    fs.writeFileSync(dst, Buffer.concat(out));
}

before(() => {
    if (skip) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaz-tags-'));
    const files = [];
    for (const f of FORMATS) {
        const name = f.name ?? `a.${f.ext}`;
        const tags = { ...COMMON, ...(f.extra ? EXTRA : {}), ...(f.more ?? {}) };
        ffmpeg(path.join(dir, name), f.args, tags);
        files.push(name);
    }
    ffmpeg(path.join(dir, 'plain.flac'), [], {});
    setFlacComments(path.join(dir, 'plain.flac'), path.join(dir, 'dup.flac'), [
        'TITLE=Dup', 'ARTIST=One & Two', 'ARTISTS=One', 'ARTISTS=Two', 'GENRE=Jazz',
        'GENRE=jazz', 'GENRE=Blues', 'TRACKNUMBER=4', 'TRACKTOTAL=9', 'DISCNUMBER=2',
        'DISCTOTAL=3', 'COMPILATION=1', 'UNSYNCEDLYRICS=plain words',
        `MUSICBRAINZ_ALBUMID=${MB_ALBUM}`, 'MUSICBRAINZ_ARTISTID=not-an-id',
        'REPLAYGAIN_ALBUM_GAIN=+1.20 dB', 'REPLAYGAIN_ALBUM_PEAK=1.05',
        'REPLAYGAIN_TRACK_GAIN=-99 dB', 'TITLE=Second title', 'ALBUMARTISTSORT=VA',
        'ORIGINALYEAR=1970', 'DATE=20040501',
    ]);
    files.push('dup.flac');
    const res = spawnSync(tool, files.map((f) => path.join(dir, f)), { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    for (const line of res.stdout.trim().split('\n')) {
        const j = JSON.parse(line);
        probed.set(path.basename(j.path), j);
    }
});

after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

for (const f of FORMATS) {
    const name = f.name ?? `a.${f.ext}`;
    test(`${name}: stream facts and common tags`, { skip }, () => {
        const j = probed.get(name);
        assert.ok(j?.track, JSON.stringify(j));
        const t = j.track;
        assert.equal(t.format, f.ext);
        assert.equal(t.codec, f.codec);
        assert.equal(t.bit_depth, f.depth);
        assert.equal(t.sample_rate > 0 && t.channels === 1, true);
        assert.ok(t.duration_ms >= 400 && t.duration_ms <= 700, `duration ${t.duration_ms}`);
        assert.equal(t.title, 'Café Song');
        assert.equal(t.artist, 'Alpha / Beta feat. Gamma');
        assert.equal(t.album, 'The Album');
        assert.deepEqual(t.genres, ['Rock', 'Pop']);
        assert.equal(t.year, 2004);
        assert.equal(t.track, 3);
        assert.equal(t.track_total, 12);
        if (!f.wav) {
            assert.equal(t.album_artist, 'Alpha');
            assert.equal(t.disc, 1);
            assert.equal(t.disc_total, 2);
            assert.equal(t.lyrics, '[00:01.00]la la\n[00:02.00]lo');
            assert.equal(t.lyrics_synced, true);
        }
        assert.equal(t.comment, 'nice');
        if (f.extra) {
            assert.deepEqual(t.artists, ['Alpha', 'Beta', 'Gamma']);
            assert.equal(t.mbid_recording, MB_TRACK);
            assert.equal(t.mbid_album, MB_ALBUM);
            assert.equal(t.rg_track_gain, -6.5);
            assert.equal(t.rg_track_peak, 0.988);
            assert.equal(t.rg_album_gain, null);
            assert.equal(t.compilation, true);
            assert.equal(t.bpm, 120);
            assert.equal(t.label, 'Warp');
            assert.equal(t.disc_subtitle, 'Side A');
            assert.equal(t.original_year, 1999);
            assert.equal(t.sort_artist, 'Alpha, The');
        } else {
            // No ARTISTS tag: the display artist is split on the default separators.
            assert.deepEqual(t.artists, ['Alpha', 'Beta', 'Gamma']);
            assert.equal(t.mbid_recording, '');
            assert.equal(t.rg_track_gain, null);
        }
    });
}

test('m4a keeps compilation (cpil) from the standard atoms', { skip }, () => {
    assert.equal(probed.get('alac.m4a').track.compilation, true);
    assert.equal(probed.get('aac.m4a').track.compilation, true);
});

test('duplicate Vorbis comments arrive joined with ";" and are split again', { skip }, () => {
    const j = probed.get('dup.flac');
    const raw = Object.fromEntries(j.tags.map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(raw.ARTISTS, 'One;Two');
    assert.equal(raw.GENRE, 'Jazz;jazz;Blues');
    const t = j.track;
    assert.equal(t.title, 'Dup;Second title');
    assert.equal(t.artist, 'One & Two');
    assert.deepEqual(t.artists, ['One', 'Two']);
    assert.deepEqual(t.genres, ['Jazz', 'Blues']);
    assert.equal(t.track, 4);
    assert.equal(t.track_total, 9);
    assert.equal(t.disc, 2);
    assert.equal(t.disc_total, 3);
    assert.equal(t.compilation, true);
    assert.equal(t.album_artist, 'Various Artists');
    assert.deepEqual(t.album_artists, ['Various Artists']);
    assert.equal(t.sort_album_artist, 'VA');
    assert.equal(t.lyrics, 'plain words');
    assert.equal(t.lyrics_synced, false);
    assert.equal(t.mbid_album, MB_ALBUM);
    assert.equal(t.mbid_artist, '');
    assert.equal(t.rg_album_gain, 1.2);
    assert.equal(t.rg_album_peak, 1.05);
    assert.equal(t.rg_track_gain, null);
    assert.equal(t.year, 2004);
    assert.equal(t.original_year, 1970);
    assert.equal(t.release_date, '20040501');
});

test('a file that is not audio gives an error line', { skip }, () => {
    const bad = path.join(dir, 'bad.mp3');
    fs.writeFileSync(bad, 'not audio');
    const res = spawnSync(tool, [bad], { encoding: 'utf8' });
    assert.notEqual(res.status, 0);
    assert.ok(JSON.parse(res.stdout.trim()).error);
});
