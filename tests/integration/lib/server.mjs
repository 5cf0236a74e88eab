// Starts and stops the real swaz binary for the black-box tests.
//
// Environment (all optional):
//   SWAZ_BIN               the binary (default: <repo>/build-test/swaz)
//   SWAZ_TEST_LIBRARY      where the test music library is generated once and reused
//                          (default: a directory under the system temp dir keyed by the
//                          generator's content); an existing non-empty directory is used as is
//   SWAZ_TEST_DATABASE_URL set: this is the PostgreSQL run. With SWAZ_TEST_PG_URL also set,
//                          every server and CLI run gets a fresh database (CREATE DATABASE
//                          swaz_<random> through SWAZ_TEST_PG_URL, dropped afterwards);
//                          without it, SWAZ_TEST_DATABASE_URL is used as is
//   SWAZ_TEST_PG_URL       PostgreSQL superuser URL to the maintenance db, as printed by
//                          scripts/services.sh start (alone it does not select PostgreSQL)
//   SWAZ_TEST_REDIS_URL    REDIS_URL for every server
//   SWAZ_TEST_LOG_DIR      where server logs go (default: <repo>/.test-out/integration)
// Without SWAZ_TEST_DATABASE_URL the server uses its default (SQLite in the data dir).

import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, setPortToken } from './http.mjs';
import { TEST_SONGS } from './library.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const swazBin = path.resolve(process.env.SWAZ_BIN ?? path.join(repoRoot, 'build-test/swaz'));
export const logDir = path.resolve(process.env.SWAZ_TEST_LOG_DIR ??
    path.join(repoRoot, '.test-out/integration'));

/** Which database this run uses, for tests that only make sense on one backend. */
export const backend = process.env.SWAZ_TEST_DATABASE_URL ? 'postgres' : 'sqlite';
/** True when each server can get a fresh PostgreSQL database of its own. */
export const freshPgDatabases = backend === 'postgres' && Boolean(process.env.SWAZ_TEST_PG_URL);
export const redisConfigured = Boolean(process.env.SWAZ_TEST_REDIS_URL);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Throws a readable error when the binary has not been built. */
export function requireBinary() {
    if (!fs.existsSync(swazBin)) {
        throw new Error(`swaz binary not found at ${swazBin} (build it, or set SWAZ_BIN)`);
    }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            const port = typeof addr === 'object' && addr ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'swaz-it-') {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs a program and collects its output.
 * @param {string} file
 * @param {string[]} args
 * @param {{env?: NodeJS.ProcessEnv, input?: string, timeoutMs?: number, cwd?: string}} [opts]
 * @returns {Promise<{code: number|null, signal: string|null, stdout: string, stderr: string,
 *   timedOut: boolean}>}
 */
export function run(file, args, opts = {}) {
    const { env = process.env, input, timeoutMs = 30000, cwd } = opts;
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
        child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, timeoutMs);
        child.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr, timedOut });
        });
        child.stdin.on('error', () => {});
        if (input !== undefined) child.stdin.write(input);
        child.stdin.end();
    });
}

/** The generated test library (scripts/gen-library.sh DIR test), made once and reused. */
let libraryPromise = null;
export function testLibrary() {
    libraryPromise ??= makeLibrary();
    return libraryPromise;
}

async function makeLibrary() {
    const script = path.join(repoRoot, 'scripts/gen-library.sh');
    let dir = process.env.SWAZ_TEST_LIBRARY;
    if (!dir) {
        // The library depends on the script and on the APE writer it runs.
        const hash = createHash('sha256').update(fs.readFileSync(script))
            .update(fs.readFileSync(path.join(repoRoot, 'scripts/ape-encode.py'))).digest('hex');
        dir = path.join(os.tmpdir(), `swaz-test-library-${hash.slice(0, 16)}`);
    }
    dir = path.resolve(dir);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) return dir;
    // Generate beside it and rename into place, so that parallel test files never see half
    // a library.
    const tmp = `${dir}.gen-${process.pid}-${randomBytes(3).toString('hex')}`;
    const res = await run(script, [tmp, 'test'], { timeoutMs: 120000 });
    if (res.code !== 0) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw new Error(`gen-library.sh failed (${res.code}): ${res.stderr}`);
    }
    try {
        fs.renameSync(tmp, dir);
    } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        if (!fs.existsSync(dir)) throw err;
    }
    return dir;
}

/** Runs SQL as the PostgreSQL superuser of SWAZ_TEST_PG_URL (or against `url`). */
export async function psql(sql, url = process.env.SWAZ_TEST_PG_URL) {
    if (!url) throw new Error('psql: SWAZ_TEST_PG_URL is not set');
    const res = await run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url,
        '-c', sql], { timeoutMs: 30000 });
    if (res.code !== 0) throw new Error(`psql ${sql}: ${res.stderr}`);
    return res.stdout.trim();
}

/** Replaces the database name of a libpq URL, keeping its query string. */
function withDbName(url, name) {
    const m = /^(postgres(?:ql)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/.exec(url);
    if (!m) throw new Error(`cannot parse SWAZ_TEST_PG_URL ${url}`);
    return `${m[1]}/${name}${m[2] ?? ''}`;
}

/**
 * The database for one server or CLI run: null for the default SQLite; in the PostgreSQL run a
 * fresh database (when SWAZ_TEST_PG_URL is set) or SWAZ_TEST_DATABASE_URL as is.
 * @returns {Promise<{url: string|null, name: string|null, drop: () => Promise<void>}>}
 */
export async function createDatabase() {
    const pg = process.env.SWAZ_TEST_PG_URL;
    if (!freshPgDatabases || !pg) {
        return { url: process.env.SWAZ_TEST_DATABASE_URL || null, name: null, drop: async () => {} };
    }
    const name = `swaz_${randomBytes(6).toString('hex')}`;
    await psql(`CREATE DATABASE ${name}`);
    return {
        url: withDbName(pg, name),
        name,
        drop: async () => {
            await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
    };
}

/**
 * The environment for a swaz process: ours without any SWAZ_*, DATABASE_URL or REDIS_URL
 * (so the caller's shell cannot leak into a test), plus the test backends and `extra`.
 * @param {string|null} dbUrl
 * @param {Record<string, string>} [extra]
 */
export function swazEnv(dbUrl, extra = {}) {
    /** @type {Record<string, string>} */
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (v === undefined || k.startsWith('SWAZ_') || k === 'DATABASE_URL' || k === 'REDIS_URL') {
            continue;
        }
        env[k] = v;
    }
    if (dbUrl) env.DATABASE_URL = dbUrl;
    if (process.env.SWAZ_TEST_REDIS_URL) {
        env.REDIS_URL = process.env.SWAZ_TEST_REDIS_URL;
        // Test servers share one Redis but not one database: keep their caches apart (the
        // instances of one database share it, as one site's do).
        const site = createHash('sha256').update(dbUrl ?? 'sqlite').digest('hex').slice(0, 12);
        env.SWAZ_REDIS_PREFIX = `swaz-test-${site}:`;
    }
    return { ...env, ...extra };
}

/**
 * Resolves with the exit status, or null after `timeoutMs` (without keeping the event loop
 * alive once the process has exited).
 * @template T
 * @param {Promise<T>} exited
 * @param {number} timeoutMs
 * @returns {Promise<T|null>}
 */
export function waitExit(exited, timeoutMs) {
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
    });
    return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
}

/** Sanitizer or crash markers that must never appear in a server's stderr. */
const BAD_LOG = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|Segmentation fault/;

/** Every server still running, killed if the test process exits early. */
const live = new Set();
process.on('exit', () => {
    for (const s of live) s.proc.kill('SIGKILL');
});

let serverCount = 0;

export class Server {
    /** @param {{proc: import('node:child_process').ChildProcess, port: number,
     *   dataDir: string, musicDirs: string[], logPath: string, db: Awaited<ReturnType<
     *   typeof createDatabase>>, ownsDataDir: boolean, ownsDb: boolean}} f */
    constructor(f) {
        this.proc = f.proc;
        this.port = f.port;
        this.dataDir = f.dataDir;
        this.musicDirs = f.musicDirs;
        this.logPath = f.logPath;
        this.db = f.db;
        this.ownsDataDir = f.ownsDataDir;
        this.ownsDb = f.ownsDb;
        /** @type {Promise<{code: number|null, signal: string|null}>} */
        this.exited = new Promise((resolve) => {
            f.proc.on('exit', (code, signal) => resolve({ code, signal }));
        });
        this.exitStatus = null;
        this.exited.then((s) => {
            this.exitStatus = s;
            live.delete(this);
        });
        this.stopped = false;
        /** The administrator created before `serve` (tokens filled by waitReady()).
         * @type {{username: string, password: string, accessToken: string|null,
         *   refreshToken: string|null}} */
        this.admin = { username: 'admin', password: f.adminPassword ?? '', accessToken: null,
            refreshToken: null };
        this.cliArgs = f.cliArgs ?? [];
        this.env = f.env ?? {};
    }

    /**
     * Signs in through POST /api/auth/login; resolves with the response body
     * ({accessToken, refreshToken, expiresIn, user}) or throws with the status and body.
     * @param {string} username
     * @param {string} password
     * @param {{cookie?: boolean}} [opts]
     */
    async login(username, password, opts = {}) {
        const res = await request(this.port, {
            method: 'POST', path: '/api/auth/login', token: null,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username, password, ...(opts.cookie ? { cookie: true } : {}) }),
        });
        if (res.status !== 200) {
            throw new Error(`login ${username}: ${res.status} ${res.text().slice(0, 200)}`);
        }
        return res.json();
    }

    /**
     * Creates a user with the CLI (same data dir, database and settings as the server).
     * @param {string} name
     * @param {string} password
     * @param {{admin?: boolean}} [opts]
     */
    async createUser(name, password, opts = {}) {
        const res = await run(swazBin, ['user', 'add', name, ...(opts.admin ? ['--admin'] : []),
            '--password-stdin', ...this.cliArgs], {
            env: swazEnv(this.db.url, this.env), input: `${password}\n`, timeoutMs: 30000,
        });
        if (res.code !== 0) {
            throw new Error(`swaz user add ${name} failed (${res.code}): ${res.stderr}`);
        }
    }

    /** Signs the administrator in (once) and makes its token the default for this port. */
    async loginAdmin() {
        if (this.admin.accessToken || !this.admin.password) return;
        const body = await this.login(this.admin.username, this.admin.password);
        this.admin.accessToken = body.accessToken;
        this.admin.refreshToken = body.refreshToken;
        setPortToken(this.port, body.accessToken);
    }

    get baseUrl() {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Everything the server wrote to stderr so far. */
    log() {
        try {
            return fs.readFileSync(this.logPath, 'utf8');
        } catch {
            return '';
        }
    }

    /** The last lines of the log, for error messages. */
    logTail(lines = 40) {
        return `--- ${this.logPath} (last ${lines} lines) ---\n` +
            this.log().split('\n').slice(-lines).join('\n');
    }

    /**
     * Waits until GET /health answers 200 and, unless `minSongs` is 0, until the start-up
     * scan has stored at least `minSongs` songs and the count stopped changing.
     */
    async waitReady({ minSongs = 1, timeoutMs = 30000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let last = '';
        const alive = () => {
            if (this.exitStatus) {
                throw new Error(`swaz exited early (${JSON.stringify(this.exitStatus)})\n` +
                    this.logTail());
            }
        };
        for (;;) {
            alive();
            try {
                const res = await request(this.port, { path: '/health', timeoutMs: 2000 });
                if (res.status === 200) break;
                last = `health ${res.status}: ${res.text().slice(0, 200)}`;
            } catch (err) {
                last = String(err);
            }
            if (Date.now() > deadline) {
                throw new Error(`swaz not healthy after ${timeoutMs} ms: ${last}\n${this.logTail()}`);
            }
            await sleep(100);
        }
        await this.loginAdmin();
        if (minSongs === 0) return;
        let prev = -1;
        for (;;) {
            alive();
            const res = await request(this.port, { path: '/api/songs?limit=500', timeoutMs: 5000 });
            let n = -1;
            if (res.status === 200) {
                n = res.json().items.length;
                if (n >= minSongs && n === prev) return;
            }
            last = `/api/songs ${res.status}: ${n >= 0 ? `${n} songs` : res.text().slice(0, 200)}`;
            prev = n;
            if (Date.now() > deadline) {
                throw new Error(`scan not done after ${timeoutMs} ms: ${last}\n${this.logTail()}`);
            }
            await sleep(300);
        }
    }

    /**
     * Sends SIGTERM, waits for the exit and checks it was clean (exit code `expectCode`, no
     * sanitizer report); drops the test database and the data dir. Safe to call twice.
     */
    async stop({ expectCode = 0, timeoutMs = 15000 } = {}) {
        if (this.stopped) return;
        this.stopped = true;
        if (this.admin.accessToken) setPortToken(this.port, null);
        try {
            if (!this.exitStatus) this.proc.kill('SIGTERM');
            const status = await waitExit(this.exited, timeoutMs);
            if (!status) {
                this.proc.kill('SIGKILL');
                await this.exited;
                throw new Error(`swaz did not exit within ${timeoutMs} ms of SIGTERM\n` +
                    this.logTail());
            }
            if (status.code !== expectCode) {
                throw new Error(`swaz exited with ${JSON.stringify(status)}, expected code ` +
                    `${expectCode}\n${this.logTail()}`);
            }
            const bad = BAD_LOG.exec(this.log());
            if (bad) throw new Error(`swaz log contains "${bad[0]}"\n${this.logTail(80)}`);
        } finally {
            if (this.ownsDb) await this.db.drop().catch(() => {});
            if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
        }
    }
}

/**
 * Starts `swaz serve` on a free port with a fresh data dir and (by default) the test library.
 * @param {{musicDirs?: string[], dataDir?: string, args?: string[], env?: Record<string,string>,
 *   listenFlag?: boolean, dirFlags?: boolean, port?: number, minSongs?: number,
 *   wait?: boolean, db?: Awaited<ReturnType<typeof createDatabase>>}} [opts]
 *   listenFlag=false leaves --listen to the caller (config file, env); port is then the one
 *   to wait on. dirFlags=false leaves --data-dir and --music-dirs to the caller. minSongs
 *   defaults to every song of the test library when musicDirs is not given. A database or
 *   data dir passed in is not dropped or removed by stop().
 * @returns {Promise<Server>}
 */
export async function startServer(opts = {}) {
    requireBinary();
    const musicDirs = opts.musicDirs ?? [await testLibrary()];
    const minSongs = opts.minSongs ?? (opts.musicDirs ? 1 : TEST_SONGS.length);
    const port = opts.port ?? await freePort();
    const ownsDataDir = !opts.dataDir;
    const dataDir = opts.dataDir ?? tempDir('swaz-data-');
    const ownsDb = !opts.db;
    const db = opts.db ?? await createDatabase();
    fs.mkdirSync(logDir, { recursive: true });
    serverCount += 1;
    const logPath = path.join(logDir,
        `${path.basename(process.argv[1] ?? 'test', '.mjs')}-${process.pid}-${serverCount}.log`);
    const logFd = fs.openSync(logPath, 'w');
    const args = ['serve'];
    if (opts.listenFlag ?? true) args.push('--listen', `127.0.0.1:${port}`);
    if (opts.dirFlags ?? true) args.push('--data-dir', dataDir, '--music-dirs', musicDirs.join(':'));
    args.push(...(opts.args ?? []));
    // Every server gets an administrator, made with the CLI on the same settings before
    // `serve` (a data dir reused by a second server gets the new password), and long-lived
    // access tokens so that long test files need no refresh.
    const env = { SWAZ_ACCESS_TOKEN_TTL: '3600', ...(opts.env ?? {}) };
    const cliArgs = args.slice(1);
    const adminPassword = `admin-${randomBytes(12).toString('hex')}`;
    const cliEnv = swazEnv(db.url, env);
    const added = await run(swazBin, ['user', 'add', 'admin', '--admin', '--password-stdin',
        ...cliArgs], { env: cliEnv, input: `${adminPassword}\n`, timeoutMs: 60000 });
    if (added.code !== 0) {
        await run(swazBin, ['user', 'passwd', 'admin', '--password-stdin', ...cliArgs],
            { env: cliEnv, input: `${adminPassword}\n`, timeoutMs: 60000 });
    }
    const proc = spawn(swazBin, args, {
        env: swazEnv(db.url, env),
        stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    const server = new Server({ proc, port, dataDir, musicDirs, logPath, db, ownsDataDir, ownsDb,
        adminPassword, cliArgs, env });
    live.add(server);
    if (opts.wait ?? true) {
        try {
            await server.waitReady({ minSongs });
        } catch (err) {
            await server.stop().catch(() => {});
            throw err;
        }
    }
    return server;
}

/**
 * Runs a swaz CLI command with a data dir and database, e.g. swazCli(['user', 'list'], ctx).
 * @param {string[]} args
 * @param {{dataDir: string, dbUrl: string|null, env?: Record<string,string>, input?: string,
 *   timeoutMs?: number}} ctx
 */
export function swazCli(args, ctx) {
    requireBinary();
    return run(swazBin, args, {
        env: swazEnv(ctx.dbUrl, { SWAZ_DATA_DIR: ctx.dataDir, ...(ctx.env ?? {}) }),
        input: ctx.input,
        timeoutMs: ctx.timeoutMs ?? 30000,
    });
}

/** All songs, following `next` with the given page size. */
export async function allSongs(port, limit = 500) {
    const items = [];
    let after = null;
    for (let i = 0; i < 1000; i++) {
        const q = `/api/songs?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const res = await request(port, { path: q });
        if (res.status !== 200) {
            const shown = q.length > 120 ? `${q.slice(0, 60)}...<${q.length} chars>` : q;
            throw new Error(`paging stopped after ${items.length} songs: GET ${shown}: ` +
                `${res.status} ${res.text().slice(0, 200)}`);
        }
        const page = res.json();
        items.push(...page.items);
        if (page.next === null) return items;
        after = page.next;
    }
    throw new Error('paging did not end after 1000 pages');
}
