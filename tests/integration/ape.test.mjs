// scripts/ape-encode.py, the Monkey's Audio writer behind the test library's .ape song: WAVs
// made by Debian's ffmpeg go through it and libavcodec's APE decoder (CRC checked) must give
// back the very same samples: mono and stereo, sine and noise, several lengths and frame
// sizes (with a partial last frame), loud content that takes the coder's rare paths. Also
// the APEv2 tag and the stream facts ffprobe reads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, run, tempDir } from './lib/server.mjs';
import { sha256 } from './lib/http.mjs';

const encoder = path.join(repoRoot, 'scripts/ape-encode.py');
const haveTools = (await run('ffmpeg', ['-version'])).code === 0 &&
    (await run('python3', ['--version'])).code === 0;
const skip = haveTools ? false : 'ffmpeg or python3 not installed';

let work;
before(() => {
    work = tempDir('swaz-ape-');
});
after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const FF = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];

/** A 16-bit WAV from a lavfi source, then the .ape made from it. */
async function make(name, source, channels, encoderArgs = []) {
    const wav = path.join(work, `${name}.wav`);
    const ape = path.join(work, `${name}.ape`);
    const res = await run('ffmpeg', [...FF, '-f', 'lavfi', '-i', source, '-ac', String(channels),
        '-c:a', 'pcm_s16le', '-fflags', '+bitexact', '-flags:a', '+bitexact',
        '-map_metadata', '-1', wav]);
    assert.equal(res.code, 0, res.stderr);
    const enc = await run('python3', [encoder, wav, ape, ...encoderArgs], { timeoutMs: 60000 });
    assert.equal(enc.code, 0, enc.stderr);
    return { wav, ape };
}

/** Raw interleaved s16le samples of a file as ffmpeg decodes them; a frame whose CRC does not
 * match its samples fails the run (-xerror). */
async function pcm(file) {
    const out = path.join(work, `${path.basename(file)}.pcm`);
    const res = await run('ffmpeg', [...FF, '-xerror', '-err_detect', 'crccheck+explode',
        '-i', file, '-f', 's16le', out]);
    return { ...res, data: res.code === 0 ? fs.readFileSync(out) : null };
}

const CASES = [
    { name: 'stereo-sines', channels: 2, samples: 48510,
        source: 'aevalsrc=0.8*sin(2*PI*440*t)|0.5*sin(2*PI*555*t+1):d=1.1:s=44100',
        args: ['--blocks-per-frame', '10000'] },
    { name: 'stereo-noise', channels: 2, samples: 22050,
        source: 'anoisesrc=d=0.5:c=white:r=44100:a=1:seed=3[a];' +
            'anoisesrc=d=0.5:c=pink:r=44100:a=0.7:seed=4[b];' +
            '[a][b]amerge', args: ['--blocks-per-frame', '4096'] },
    { name: 'mono-noise', channels: 1, samples: 15435,
        source: 'anoisesrc=d=0.7:c=brown:r=22050:a=1:seed=5', args: [] },
    { name: 'mono-sine', channels: 1, samples: 14400,
        source: 'sine=frequency=1000:duration=0.3:sample_rate=48000',
        args: ['--blocks-per-frame', '14400'] },
    { name: 'loud-square', channels: 2, samples: 8820,
        source: 'aevalsrc=if(mod(n\\,2)\\,-1\\,1)|' +
            'if(lt(mod(n\\,333)\\,2)\\,-1\\,0.7):d=0.2:s=44100',
        args: ['--blocks-per-frame', '3000'] },
    { name: 'one-sample', channels: 2, samples: 1, source: 'sine=d=0.000125:sample_rate=8000',
        args: [] },
];

for (const c of CASES) {
    test(`${c.name}: decodes back to the WAV's samples byte for byte`, { skip }, async () => {
        const { wav, ape } = await make(c.name, c.source, c.channels, c.args);
        const want = await pcm(wav);
        assert.equal(want.code, 0, want.stderr);
        assert.equal(want.data.length, c.samples * c.channels * 2, 'source length');
        const got = await pcm(ape);
        assert.equal(got.code, 0, got.stderr);
        assert.equal(got.stderr, '', 'no decoder warnings');
        assert.equal(sha256(got.data), sha256(want.data));
    });
}

test('a flipped CRC bit is caught: the CRC covers the frame', { skip }, async () => {
    const { ape } = await make('crc', 'sine=frequency=300:duration=0.2', 2);
    const buf = fs.readFileSync(ape);
    const bad = path.join(work, 'crc-bad.ape');
    const firstFrame = buf.readUInt32LE(52 + 24); // seek table entry 0
    buf[firstFrame] ^= 1; // lowest CRC bit (words are stored little-endian)
    fs.writeFileSync(bad, buf);
    const res = await pcm(bad);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /CRC mismatch/);
});

test('APEv2 tag and stream facts as ffprobe reads them', { skip }, async () => {
    const { ape } = await make('tagged', 'sine=frequency=392:duration=0.5', 2, [
        '--tag', 'Title=Monkey Business', '--tag', 'Artist=Format Tester',
        '--tag', 'Album=Every Format', '--tag', 'Track=6/6', '--tag', 'Year=2022',
        '--tag', 'Genre=Electronic', '--tag', 'Comment=Ünïcödé ✓']);
    const res = await run('ffprobe', ['-v', 'error', '-show_entries',
        'stream=codec_name,sample_rate,channels,bits_per_raw_sample,duration_ts:format_tags',
        '-of', 'json', ape]);
    assert.equal(res.code, 0, res.stderr);
    const j = JSON.parse(res.stdout);
    const s = j.streams[0];
    assert.equal(s.codec_name, 'ape');
    assert.equal(Number(s.sample_rate), 44100);
    assert.equal(s.channels, 2);
    assert.equal(Number(s.duration_ts), 22050);
    const tags = Object.fromEntries(Object.entries(j.format.tags)
        .map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(tags, { title: 'Monkey Business', artist: 'Format Tester',
        album: 'Every Format', track: '6/6', year: '2022', genre: 'Electronic',
        comment: 'Ünïcödé ✓' });
});

test('the same WAV gives the same bytes', { skip }, async () => {
    const a = await make('same-a', 'sine=frequency=500:duration=0.2', 2, ['--tag', 'Title=A']);
    const b = path.join(work, 'same-b.ape');
    const enc = await run('python3', [encoder, a.wav, b, '--tag', 'Title=A']);
    assert.equal(enc.code, 0, enc.stderr);
    assert.equal(sha256(fs.readFileSync(a.ape)), sha256(fs.readFileSync(b)));
});

test('bad input: not 16-bit PCM, or a bad tag -> exit status 1 and a message', { skip },
    async () => {
        const wav = path.join(work, 'u8.wav');
        const mk = await run('ffmpeg', [...FF, '-f', 'lavfi', '-i', 'sine=d=0.1', '-c:a', 'pcm_u8',
            wav]);
        assert.equal(mk.code, 0, mk.stderr);
        const res = await run('python3', [encoder, wav, path.join(work, 'u8.ape')]);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /16-bit/);
        const { wav: ok } = await make('tagbad', 'sine=d=0.1', 1);
        const bad = await run('python3', [encoder, ok, path.join(work, 'x.ape'),
            '--tag', 'novalue']);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /bad tag/);
    });
