// The command line: help, version, configuration (file < env < flag, errors exit 2),
// migrate, user management and scan (a busy database, a killed scan, progress output).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
    startServer, swazCli, swazBin, swazEnv, run, freePort, tempDir, createDatabase, testLibrary,
    allSongs, requireBinary, backend,
} from './lib/server.mjs';
import { TEST_SONGS, NOT_SONGS } from './lib/library.mjs';
import { lavfiAudio } from './lib/audio.mjs';

/** Runs swaz with a clean environment plus `env`; a server that wrongly starts is killed. */
function swaz(args, { env = {}, input, timeoutMs = 10000 } = {}) {
    requireBinary();
    return run(swazBin, args, { env: swazEnv(null, env), input, timeoutMs });
}

/** True when nothing accepts connections on 127.0.0.1:port. */
function refused(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('connect', () => {
            s.destroy();
            resolve(false);
        });
        s.on('error', () => resolve(true));
    });
}

describe('help and version', () => {
    for (const args of [['--help'], ['serve', '--help'], ['scan', '--help'],
        ['migrate', '--help'], ['user', '--help']]) {
        test(`swaz ${args.join(' ')} prints usage and exits 0`, async () => {
            const res = await swaz(args);
            assert.equal(res.code, 0, `exit ${res.code}; stderr: ${res.stderr}`);
            assert.match(res.stdout + res.stderr, /usage/i);
        });
    }

    test('swaz serve --help lists the options', async () => {
        const res = await swaz(['serve', '--help']);
        for (const opt of ['--config', '--listen', '--data-dir', '--music-dirs', '--database-url',
            '--redis-url', '--threads', '--log-level']) {
            assert.ok(res.stdout.includes(opt), `serve --help does not mention ${opt}`);
        }
    });

    test('swaz version prints a version', async () => {
        const res = await swaz(['version']);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /\d+\.\d+\.\d+/);
    });

    test('an unknown subcommand exits non-zero with usage on stderr', async () => {
        const res = await swaz(['frobnicate']);
        assert.notEqual(res.code, 0);
        assert.ok(res.stderr.length > 0);
    });
});

describe('configuration errors exit 2 and name the key', () => {
    let dir;
    let port;
    before(async () => {
        dir = tempDir('swaz-cfg-');
        port = await freePort();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs `swaz serve` expecting exit 2 with `key` in stderr. */
    async function expectConfigError(args, env, key) {
        const res = await swaz(['serve', '--data-dir', path.join(dir, 'data'), ...args], { env });
        assert.ok(!res.timedOut, `swaz ${args.join(' ')} started serving instead of failing`);
        assert.equal(res.code, 2, `exit ${res.code}; stderr: ${res.stderr}`);
        assert.ok(res.stderr.toLowerCase().includes(key),
            `stderr does not name ${key}: ${JSON.stringify(res.stderr)}`);
    }

    test('unknown key in the config file', async () => {
        const file = path.join(dir, 'unknown.conf');
        fs.writeFileSync(file, `listen = 127.0.0.1:${port}\nbogus_key = 1\n`);
        await expectConfigError(['--config', file], {}, 'bogus_key');
    });

    test('bad value in the config file', async () => {
        const file = path.join(dir, 'badvalue.conf');
        fs.writeFileSync(file, `listen = 127.0.0.1:${port}\nthreads = lots\n`);
        await expectConfigError(['--config', file], {}, 'threads');
    });

    test('--threads abc', async () => {
        await expectConfigError(['--listen', `127.0.0.1:${port}`, '--threads', 'abc'], {},
            'threads');
    });

    test('SWAZ_THREADS=0', async () => {
        await expectConfigError(['--listen', `127.0.0.1:${port}`], { SWAZ_THREADS: '0' },
            'threads');
    });

    test('--log-level loud', async () => {
        await expectConfigError(['--listen', `127.0.0.1:${port}`, '--log-level', 'loud'], {},
            'log');
    });

    test('--listen without a port', async () => {
        await expectConfigError(['--listen', 'nonsense'], {}, 'listen');
    });
});

describe('configuration precedence: file < env < flag', () => {
    let dir;
    let library;
    before(async () => {
        dir = tempDir('swaz-prec-');
        library = await testLibrary();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('file sets port A, env port B, flag port C -> serves on C only', async () => {
        const [a, b, c] = [await freePort(), await freePort(), await freePort()];
        const file = path.join(dir, 'abc.conf');
        fs.writeFileSync(file, `# test config\nlisten = 127.0.0.1:${a}\nlog_level = info\n`);
        const server = await startServer({
            listenFlag: false,
            port: c,
            args: ['--config', file, '--listen', `127.0.0.1:${c}`],
            env: { SWAZ_LISTEN: `127.0.0.1:${b}` },
            minSongs: 0,
        });
        try {
            assert.ok(await refused(a), `also listening on the file's port ${a}`);
            assert.ok(await refused(b), `also listening on the env's port ${b}`);
        } finally {
            await server.stop();
        }
    });

    test('file sets port A and the dirs, env port B -> serves the file\'s library on B',
        async () => {
            const [a, b] = [await freePort(), await freePort()];
            const data = path.join(dir, 'data-from-file');
            const file = path.join(dir, 'ab.conf');
            fs.writeFileSync(file, [
                `listen = 127.0.0.1:${a}`,
                `data_dir = ${data}`,
                `music_dirs = ${library}`,
                'threads = 2',
                'log_level = info',
                '',
            ].join('\n'));
            const server = await startServer({
                listenFlag: false,
                dirFlags: false,
                port: b,
                dataDir: data,
                args: ['--config', file],
                env: { SWAZ_LISTEN: `127.0.0.1:${b}` },
            });
            try {
                assert.ok(await refused(a), `listening on the file's port ${a}`);
                // SQLite keeps its database in data_dir; on PostgreSQL it may still be empty.
                if (backend === 'sqlite') {
                    assert.ok(fs.existsSync(data) && fs.readdirSync(data).length > 0,
                        'data_dir from the config file unused');
                }
            } finally {
                await server.stop();
            }
        });
});

describe('migrate, user management, scan', () => {
    let dataDir;
    let db;
    let ctx;
    before(async () => {
        dataDir = tempDir('swaz-cli-');
        db = await createDatabase();
        ctx = { dataDir, dbUrl: db.url };
    });
    after(async () => {
        await db?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('swaz migrate applies migrations and is idempotent', async () => {
        for (let i = 0; i < 2; i++) {
            const res = await swazCli(['migrate'], ctx);
            assert.equal(res.code, 0, `run ${i + 1}: ${res.stderr}`);
            // PostgreSQL: the tables a migration rewrote are vacuumed after the migrations
            // (0014 rewrote song_genres); SQLite analyses instead; nothing applied, nothing to do.
            const applied = Number(/applied (\d+) migration/.exec(res.stdout)?.[1]);
            if (backend === 'postgres' && applied > 0) {
                assert.match(res.stderr, /VACUUM \(ANALYZE\) song_genres done/, res.stderr);
            } else if (applied === 0 || backend === 'sqlite') {
                assert.doesNotMatch(res.stderr, /VACUUM/, res.stderr);
            }
        }
    });

    /** Long tokens of an output: candidates for a printed password. */
    const tokens = (s) => s.split(/\s+/).map((t) => t.replace(/^["'`]|["'`.,]$/g, ''))
        .filter((t) => t.length >= 12);

    test('swaz user add/list/passwd/delete', async () => {
        const add = await swazCli(['user', 'add', 'alice'], ctx);
        assert.equal(add.code, 0, add.stderr);
        const pw = tokens(add.stdout);
        assert.ok(pw.length > 0, `no generated password printed: ${JSON.stringify(add.stdout)}`);

        const admin = await swazCli(['user', 'add', 'root-admin', '--admin'], ctx);
        assert.equal(admin.code, 0, admin.stderr);

        const list = await swazCli(['user', 'list'], ctx);
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /\balice\b/);
        assert.match(list.stdout, /\broot-admin\b/);
        for (const p of pw) assert.ok(!list.stdout.includes(p), 'user list shows a password');

        const fromStdin = await swazCli(['user', 'passwd', 'alice'], { ...ctx,
            input: 'correct horse battery staple\n' });
        assert.equal(fromStdin.code, 0, fromStdin.stderr);
        assert.ok(!fromStdin.stdout.includes('correct horse'), 'passwd echoes the password');

        const generated = await swazCli(['user', 'passwd', 'root-admin'], { ...ctx, input: '' });
        assert.equal(generated.code, 0, generated.stderr);
        assert.ok(tokens(generated.stdout).length > 0,
            `no generated password printed: ${JSON.stringify(generated.stdout)}`);

        const del = await swazCli(['user', 'delete', 'alice'], ctx);
        assert.equal(del.code, 0, del.stderr);
        const after2 = await swazCli(['user', 'list'], ctx);
        assert.equal(after2.code, 0, after2.stderr);
        assert.doesNotMatch(after2.stdout, /\balice\b/);
        assert.match(after2.stdout, /\broot-admin\b/);
    });

    test('swaz scan twice stores the same songs, ignores .hidden/, survives hostile files',
        async () => {
            const library = await testLibrary();
            const scanEnv = { ...ctx, env: { SWAZ_MUSIC_DIRS: library }, timeoutMs: 60000 };
            const listing = [];
            for (let i = 0; i < 2; i++) {
                const res = await swazCli(['scan'], scanEnv);
                assert.equal(res.code, 0, `scan ${i + 1}: ${res.stderr}`);
                const server = await startServer({ dataDir, db, musicDirs: [library],
                    minSongs: TEST_SONGS.length });
                try {
                    const songs = await allSongs(server.port);
                    listing.push(songs.map((s) => `${s.id} ${s.path}`).sort());
                    const paths = songs.map((s) => s.path);
                    for (const want of TEST_SONGS) {
                        assert.ok(paths.includes(want.path), `scan ${i + 1}: no ${want.path}`);
                    }
                    for (const bad of NOT_SONGS) {
                        assert.ok(!paths.includes(bad), `scan ${i + 1}: ${bad} stored`);
                    }
                } finally {
                    await server.stop();
                }
            }
            assert.deepEqual(listing[1], listing[0], 'ids or paths changed on the second scan');
        });
});

describe('a busy database', () => {
    test('swaz scan waits out another writer holding the database and completes', async () => {
        const dataDir = tempDir('swaz-cli-busy-');
        const db = await createDatabase();
        const ctx = { dataDir, dbUrl: db.url };
        try {
            const migrated = await swazCli(['migrate'], ctx);
            assert.equal(migrated.code, 0, migrated.stderr);
            // Another process takes the write lock for 7 s, longer than SQLite's busy
            // timeout (5 s): the scan's writes fail busy at first and must be retried.
            const holdS = 7;
            const marker = path.join(dataDir, 'locked');
            const sqlitePath = path.join(dataDir, 'swaz.db');
            const count = db.url
                ? ['psql', ['-X', '-q', '-A', '-t', '-d', db.url, '-c',
                    'SELECT COUNT(*) FROM songs WHERE missing = 0']]
                : ['sqlite3', [sqlitePath, 'SELECT COUNT(*) FROM songs WHERE missing = 0']];
            const holder = db.url
                ? run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url], {
                    input: `BEGIN;\nLOCK TABLE libraries, songs IN ACCESS EXCLUSIVE MODE;\n` +
                        `\\! touch ${marker}\nSELECT pg_sleep(${holdS});\nCOMMIT;\n`,
                    timeoutMs: 30000 })
                : run('sqlite3', [sqlitePath], { input: `BEGIN IMMEDIATE;\n.shell touch ${marker}\n` +
                    `.shell sleep ${holdS}\nCOMMIT;\n`, timeoutMs: 30000 });
            for (let i = 0; i < 100 && !fs.existsSync(marker); i++) {
                await new Promise((r) => setTimeout(r, 50));
            }
            assert.ok(fs.existsSync(marker), 'the lock is held');
            const t0 = Date.now();
            const scan = await swazCli(['scan'], { ...ctx, env: { SWAZ_MUSIC_DIRS: await testLibrary() },
                timeoutMs: 60000 });
            const took = Date.now() - t0;
            const held = await holder;
            assert.equal(held.code, 0, held.stderr);
            assert.equal(scan.code, 0, `the scan gave up: ${scan.stderr}`);
            assert.ok(took > (holdS - 1) * 1000, `the scan ran in ${took} ms: it did not meet the lock`);
            const n = await run(count[0], count[1]);
            assert.equal(n.code, 0, n.stderr);
            assert.ok(Number(n.stdout.trim()) >= TEST_SONGS.length, `${n.stdout.trim()} songs stored`);
        } finally {
            await db.drop();
            fs.rmSync(dataDir, { recursive: true, force: true });
        }
    });
});

describe('scan progress and interruption', () => {
    let dataDir;
    let db;
    let music;
    const FOLDERS = 60;
    const PER_FOLDER = 20;
    const countSongs = async () => {
        const [cmd, args] = db.url
            ? ['psql', ['-X', '-q', '-A', '-t', '-d', db.url, '-c',
                'SELECT COUNT(*), COUNT(DISTINCT path) FROM songs WHERE missing = 0']]
            : ['sqlite3', ['-separator', '|', path.join(dataDir, 'swaz.db'),
                'SELECT COUNT(*), COUNT(DISTINCT path) FROM songs WHERE missing = 0']];
        const res = await run(cmd, args);
        if (res.code !== 0) return [0, 0]; // no schema yet
        return res.stdout.trim().split('|').map(Number);
    };
    before(async () => {
        dataDir = tempDir('swaz-cli-kill-');
        db = await createDatabase();
        music = tempDir('swaz-cli-kill-music-');
        const one = path.join(music, 'one.mp3');
        await lavfiAudio(one, 'sine=frequency=440:sample_rate=8000:duration=1',
            ['-c:a', 'libmp3lame', '-b:a', '8k'], { artist: 'Many', album: 'Many' });
        for (let f = 0; f < FOLDERS; f++) {
            const dir = path.join(music, `Folder ${String(f).padStart(2, '0')}`);
            fs.mkdirSync(dir);
            for (let i = 0; i < PER_FOLDER; i++) fs.copyFileSync(one, path.join(dir, `${i}.mp3`));
        }
        fs.rmSync(one);
    });
    after(async () => {
        await db?.drop();
        for (const d of [dataDir, music]) if (d) fs.rmSync(d, { recursive: true, force: true });
    });

    test('killed mid-scan, the next scan keeps what was stored and completes the rest', async () => {
        const env = swazEnv(db.url, { SWAZ_DATA_DIR: dataDir, SWAZ_MUSIC_DIRS: music });
        const child = spawn(swazBin, ['scan'], { env, stdio: 'ignore' });
        const exited = new Promise((r) => child.once('exit', r));
        let stored = 0;
        for (let i = 0; i < 600 && stored === 0; i++) {
            [stored] = await countSongs();
            if (stored === 0) await new Promise((r) => setTimeout(r, 20));
        }
        child.kill('SIGKILL');
        await exited;
        [stored] = await countSongs();
        const total = FOLDERS * PER_FOLDER;
        assert.ok(stored > 0 && stored < total, `killed after ${stored} of ${total} songs`);

        const again = await swazCli(['scan'], { dataDir, dbUrl: db.url,
            env: { SWAZ_MUSIC_DIRS: music }, timeoutMs: 120000 });
        assert.equal(again.code, 0, again.stderr);
        const [n, distinct] = await countSongs();
        assert.equal(n, total, 'every file once');
        assert.equal(distinct, total);
        const done = /scan done: .*?(\d+) new, (\d+) changed, (\d+) unchanged, (\d+) missing, (\d+) errors/
            .exec(again.stderr);
        assert.ok(done, again.stderr);
        const [added, changed, unchanged, , errors] = done.slice(1).map(Number);
        assert.equal(errors, 0);
        assert.equal(added + changed + unchanged, total);
        assert.ok(unchanged > 0, `folders finished before the kill are not read again: ${done[0]}`);
        assert.ok(unchanged <= stored, done[0]);
    });

    test('swaz scan draws a bar on a terminal and plain lines otherwise', async () => {
        // Each run scans into a fresh database, so that there is work to report.
        const fresh = async (fn) => {
            const d = tempDir('swaz-cli-progress-');
            const fdb = await createDatabase();
            try {
                return await fn(d, fdb.url);
            } finally {
                await fdb.drop();
                fs.rmSync(d, { recursive: true, force: true });
            }
        };
        const plain = await fresh((d, url) => swazCli(['scan'], { dataDir: d, dbUrl: url,
            env: { SWAZ_MUSIC_DIRS: music }, timeoutMs: 120000 }));
        assert.equal(plain.code, 0, plain.stderr);
        // (a plain "scan: ..." line every 2 s; this scan may take less)
        assert.match(plain.stderr, /^scan done: 1200 files in [\d.]+ s: 1200 new/m);
        assert.doesNotMatch(plain.stderr, /\r|\x1b/, 'no terminal codes when not a terminal');
        // A terminal: `script` gives swaz a pty; the line is redrawn in place with a bar.
        const tty = await fresh((d, url) => run('script', ['-qec', `${swazBin} scan`, '/dev/null'], {
            env: swazEnv(url, { SWAZ_DATA_DIR: d, SWAZ_MUSIC_DIRS: music }), timeoutMs: 120000 }));
        assert.equal(tty.code, 0, tty.stdout + tty.stderr);
        assert.match(tty.stdout, /\r\x1b\[K\[[#.]+\] \d+\/1200 files {2}\d+ files\/s/);
        assert.match(tty.stdout, /scan done: 1200 files/);
    });
});

describe('library names', () => {
    test('music_dirs reordered: scans still run and libraries keep their names', async () => {
        const dataDir = tempDir('swaz-cli-order-');
        const db = await createDatabase();
        const top = tempDir('swaz-cli-order-music-');
        try {
            const library = await testLibrary();
            const [a, b] = ['a', 'b'].map((d) => path.join(top, d, 'music'));
            for (const [dir, song] of [[a, TEST_SONGS[0]], [b, TEST_SONGS[1]]]) {
                fs.mkdirSync(dir, { recursive: true });
                fs.copyFileSync(path.join(library, song.path), path.join(dir, path.basename(song.path)));
            }
            const names = async () => {
                const sql = 'SELECT name, path FROM libraries ORDER BY id';
                const res = db.url
                    ? await run('psql', ['-X', '-q', '-A', '-t', '-d', db.url, '-c', sql])
                    : await run('sqlite3', ['-separator', '|', path.join(dataDir, 'swaz.db'), sql]);
                assert.equal(res.code, 0, res.stderr);
                return res.stdout.trim().split('\n').filter((l) => !l.startsWith('uploads|'));
            };
            for (const [order, want] of [[[a, b], '2 new'], [[b, a], '2 unchanged']]) {
                const res = await swazCli(['scan'], { dataDir, dbUrl: db.url,
                    env: { SWAZ_MUSIC_DIRS: order.join(':') }, timeoutMs: 60000 });
                assert.equal(res.code, 0, `${order.join(':')}: ${res.stderr}`);
                assert.match(res.stderr, new RegExp(`scan done: 2 files .*${want}`));
                assert.deepEqual(await names(), [`music|${a}`, `music-2|${b}`]);
            }
        } finally {
            await db.drop();
            for (const d of [dataDir, top]) fs.rmSync(d, { recursive: true, force: true });
        }
    });
});
