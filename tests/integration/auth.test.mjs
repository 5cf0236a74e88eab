// Authentication end to end: sign-in (same answer and similar time for unknown users and
// wrong passwords), forged tokens refused, refresh rotation and reuse detection, sign-out,
// password change, disabled accounts, cookie sessions with CSRF, media tokens, rate limits,
// X-Forwarded-For only from trusted proxies, and no secret in the server log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, backend, psql, run } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let jwtKey;
const secrets = [];

const b64u = (buf) => Buffer.from(buf).toString('base64url');

/** A JWT signed with `key` (HS256 unless `alg` says otherwise). */
function forge(header, claims, key) {
    const signing = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    const algo = header.alg === 'HS512' ? 'sha512' : 'sha256';
    const sig = key ? b64u(createHmac(algo, key).update(signing).digest()) : '';
    return `${signing}.${sig}`;
}

const post = (port, p, body, opts = {}) => request(port, {
    method: 'POST', path: p, token: opts.token ?? null,
    headers: { 'Content-Type': 'application/json', ...(opts.headers ?? {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
});

/** Runs SQL on the server's database. */
async function sql(srv, text) {
    if (backend === 'postgres') {
        await psql(text, srv.db.url ?? process.env.SWAZ_TEST_DATABASE_URL);
        return;
    }
    const res = await run('sqlite3', [path.join(srv.dataDir, 'swaz.db'), text]);
    assert.equal(res.code, 0, res.stderr);
}

before(async () => {
    server = await startServer({ minSongs: 0, args: ['--auth-rate-address', '100000'] });
    jwtKey = fs.readFileSync(path.join(server.dataDir, 'secrets/jwt.key'));
    const mode = fs.statSync(path.join(server.dataDir, 'secrets/jwt.key')).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.equal(fs.statSync(path.join(server.dataDir, 'secrets')).mode & 0o777, 0o700);
    await server.createUser('alice', 'alice password 1');
    secrets.push(server.admin.password, server.admin.accessToken, server.admin.refreshToken,
        'alice password 1');
});

after(async () => {
    await server?.stop();
});

test('protected routes answer 401 with WWW-Authenticate without credentials', async () => {
    const res = await request(server.port, { path: '/api/songs', token: null });
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.equal(errorCode(res), 'unauthorized');
    const ok = await request(server.port, { path: '/api/songs' });
    assert.equal(ok.status, 200);
    const health = await request(server.port, { path: '/health', token: null });
    assert.equal(health.status, 200);
});

test('login: wrong password and unknown user get the same answer in similar time', async () => {
    const good = await post(server.port, '/api/auth/login',
        { username: 'alice', password: 'alice password 1' });
    assert.equal(good.status, 200);
    const body = good.json();
    assert.equal(body.user.username, 'alice');
    assert.equal(body.user.isAdmin, false);
    assert.equal(body.expiresIn, 3600);
    assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    secrets.push(body.accessToken, body.refreshToken);
    const me = await request(server.port, { path: '/api/auth/me', token: body.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.json().username, 'alice');

    const times = { wrong: [], unknown: [] };
    let wrongBody = '';
    let unknownBody = '';
    for (let i = 0; i < 3; i++) {
        let t = process.hrtime.bigint();
        const wrong = await post(server.port, '/api/auth/login',
            { username: 'admin', password: 'not the password' });
        times.wrong.push(Number(process.hrtime.bigint() - t) / 1e6);
        t = process.hrtime.bigint();
        const unknown = await post(server.port, '/api/auth/login',
            { username: 'nobody-here', password: 'not the password' });
        times.unknown.push(Number(process.hrtime.bigint() - t) / 1e6);
        assert.equal(wrong.status, 401);
        assert.equal(unknown.status, 401);
        wrongBody = wrong.text();
        unknownBody = unknown.text();
        assert.equal(wrongBody, unknownBody);
    }
    const med = (a) => a.sort((x, y) => x - y)[1];
    const [w, u] = [med(times.wrong), med(times.unknown)];
    assert.ok(Math.max(w, u) < 3 * Math.min(w, u) + 50,
        `wrong password ${w} ms vs unknown user ${u} ms`);
    const bad = await post(server.port, '/api/auth/login', { username: 'alice' });
    assert.equal(bad.status, 400);
});

test('forged, tampered, expired and alg=none tokens are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const admin = (await request(server.port, { path: '/api/auth/me' })).json();
    const claims = { sub: admin.id, name: 'admin', adm: true, iat: now, exp: now + 600 };
    const hs = { alg: 'HS256', typ: 'JWT' };
    // Our own forgery with the real key is accepted: the checks below test one thing each.
    const valid = forge(hs, claims, jwtKey);
    assert.equal((await request(server.port, { path: '/api/auth/me', token: valid })).status, 200);
    const t = server.admin.accessToken;
    const [h, p, s] = t.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const cases = {
        tampered: `${h}.${b64u(JSON.stringify({ ...payload, name: 'root' }))}.${s}`,
        badSignature: `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`,
        expired: forge(hs, { ...claims, iat: now - 1000, exp: now - 10 }, jwtKey),
        future: forge(hs, { ...claims, iat: now + 3600, exp: now + 7200 }, jwtKey),
        algNone: forge({ alg: 'none', typ: 'JWT' }, claims, null),
        hs512: forge({ alg: 'HS512', typ: 'JWT' }, claims, jwtKey),
        otherKey: forge(hs, claims, Buffer.alloc(32, 7)),
        mediaScope: forge(hs, { ...claims, scp: 'media' }, jwtKey),
        unknownUser: forge(hs, { ...claims, sub: 'ffffffffffffffffffffffff' }, jwtKey),
        garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(cases)) {
        const res = await request(server.port, { path: '/api/songs', token });
        assert.equal(res.status, 401, `${name}: ${res.status} ${res.text()}`);
        assert.match(String(res.headers['www-authenticate']), /invalid_token/, name);
    }
});

test('refresh rotates; reusing a used refresh token revokes the family', async () => {
    const s = await server.login('alice', 'alice password 1');
    const r1 = await post(server.port, '/api/auth/refresh', { refreshToken: s.refreshToken });
    assert.equal(r1.status, 200);
    const n1 = r1.json();
    assert.notEqual(n1.refreshToken, s.refreshToken);
    assert.equal((await request(server.port, { path: '/api/auth/me', token: n1.accessToken }))
        .json().username, 'alice');
    // Replaying the first token: refused, and the whole family with it.
    const replay = await post(server.port, '/api/auth/refresh', { refreshToken: s.refreshToken });
    assert.equal(replay.status, 401);
    const after = await post(server.port, '/api/auth/refresh', { refreshToken: n1.refreshToken });
    assert.equal(after.status, 401);
    secrets.push(s.refreshToken, n1.refreshToken, n1.accessToken);
});

test('logout revokes one session, logout-all every session', async () => {
    const a = await server.login('alice', 'alice password 1');
    const b = await server.login('alice', 'alice password 1');
    assert.equal((await post(server.port, '/api/auth/logout', { refreshToken: a.refreshToken }))
        .status, 204);
    assert.equal((await post(server.port, '/api/auth/refresh', { refreshToken: a.refreshToken }))
        .status, 401);
    const b2 = await post(server.port, '/api/auth/refresh', { refreshToken: b.refreshToken });
    assert.equal(b2.status, 200);
    const c = await server.login('alice', 'alice password 1');
    const all = await post(server.port, '/api/auth/logout-all', undefined,
        { token: c.accessToken });
    assert.equal(all.status, 204);
    for (const rt of [b2.json().refreshToken, c.refreshToken]) {
        assert.equal((await post(server.port, '/api/auth/refresh', { refreshToken: rt })).status,
            401);
    }
    assert.equal((await post(server.port, '/api/auth/logout-all', undefined)).status, 401);
});

test('a password change revokes refresh tokens; the old password stops working', async () => {
    await server.createUser('carol', 'carol password 1');
    const s = await server.login('carol', 'carol password 1');
    const wrong = await post(server.port, '/api/auth/password',
        { currentPassword: 'nope nope', newPassword: 'carol password 2' }, { token: s.accessToken });
    assert.equal(wrong.status, 403);
    const short = await post(server.port, '/api/auth/password',
        { currentPassword: 'carol password 1', newPassword: 'short' }, { token: s.accessToken });
    assert.equal(short.status, 400);
    const ok = await post(server.port, '/api/auth/password',
        { currentPassword: 'carol password 1', newPassword: 'carol password 2' },
        { token: s.accessToken });
    assert.equal(ok.status, 204);
    assert.equal((await post(server.port, '/api/auth/refresh', { refreshToken: s.refreshToken }))
        .status, 401);
    assert.equal((await post(server.port, '/api/auth/login',
        { username: 'carol', password: 'carol password 1' })).status, 401);
    await server.login('carol', 'carol password 2');
    secrets.push('carol password 1', 'carol password 2', s.refreshToken);
});

test('a disabled user cannot sign in, refresh or use a token', async () => {
    await server.createUser('dave', 'dave password 1');
    const s = await server.login('dave', 'dave password 1');
    await sql(server, "UPDATE users SET disabled = 1 WHERE username = 'dave'");
    assert.equal((await request(server.port, { path: '/api/songs', token: s.accessToken })).status,
        401);
    const login = await post(server.port, '/api/auth/login',
        { username: 'dave', password: 'dave password 1' });
    assert.equal(login.status, 401);
    assert.equal((await post(server.port, '/api/auth/refresh', { refreshToken: s.refreshToken }))
        .status, 401);
});

test('admin routes answer 403 to other users', async () => {
    const s = await server.login('alice', 'alice password 1');
    const res = await request(server.port, { method: 'POST', path: '/api/scan',
        token: s.accessToken });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), 'forbidden');
});

test('setup answers 409 once a user exists', async () => {
    const res = await post(server.port, '/api/auth/setup',
        { username: 'eve', password: 'eve password 1' });
    assert.equal(res.status, 409);
    const status = await request(server.port, { path: '/api/auth/setup', token: null });
    assert.equal(status.status, 200);
    assert.deepEqual(status.json(), { needed: false });
});

/** The cookies of a response as name -> {value, attrs}. */
function cookiesOf(res) {
    const out = {};
    for (const line of res.headers['set-cookie'] ?? []) {
        const [pair, ...attrs] = line.split(';').map((x) => x.trim());
        const i = pair.indexOf('=');
        out[pair.slice(0, i)] = { value: pair.slice(i + 1), attrs: attrs.join('; ') };
    }
    return out;
}

test('cookie sessions: HttpOnly, SameSite=Strict; writes need X-CSRF-Token', async () => {
    const res = await post(server.port, '/api/auth/login',
        { username: 'alice', password: 'alice password 1', cookie: true });
    assert.equal(res.status, 200);
    const c = cookiesOf(res);
    assert.match(c.swaz_session.attrs, /HttpOnly/);
    assert.match(c.swaz_session.attrs, /SameSite=Strict/);
    assert.match(c.swaz_session.attrs, /Path=\/(;|$)/);
    assert.match(c.swaz_refresh.attrs, /HttpOnly/);
    assert.match(c.swaz_refresh.attrs, /Path=\/api\/auth/);
    assert.doesNotMatch(c.swaz_csrf.attrs, /HttpOnly/);
    assert.match(c.swaz_csrf.attrs, /SameSite=Strict/);
    const cookie = `swaz_session=${c.swaz_session.value}; swaz_csrf=${c.swaz_csrf.value}`;
    const read = await request(server.port, { path: '/api/auth/me', token: null,
        headers: { Cookie: cookie } });
    assert.equal(read.status, 200);
    assert.equal(read.json().authMethod, 'cookie');
    const noCsrf = await request(server.port, { method: 'POST', path: '/api/auth/logout-all',
        token: null, headers: { Cookie: cookie } });
    assert.equal(noCsrf.status, 403);
    const wrongCsrf = await request(server.port, { method: 'POST', path: '/api/auth/logout-all',
        token: null, headers: { Cookie: cookie, 'X-CSRF-Token': `${c.swaz_csrf.value}x` } });
    assert.equal(wrongCsrf.status, 403);
    // Refresh through the cookie (with the CSRF header).
    const refreshCookie = `swaz_refresh=${c.swaz_refresh.value}; swaz_csrf=${c.swaz_csrf.value}`;
    const r = await request(server.port, { method: 'POST', path: '/api/auth/refresh', token: null,
        headers: { Cookie: refreshCookie, 'X-CSRF-Token': c.swaz_csrf.value } });
    assert.equal(r.status, 200);
    assert.ok(cookiesOf(r).swaz_session.value);
    const ok = await request(server.port, { method: 'POST', path: '/api/auth/logout-all',
        token: null, headers: { Cookie: cookie, 'X-CSRF-Token': c.swaz_csrf.value } });
    assert.equal(ok.status, 204);
    assert.equal(cookiesOf(ok).swaz_session.value, '');
    secrets.push(c.swaz_session.value, c.swaz_refresh.value);
});

test('media tokens work as ?t= on stream URLs only; access tokens do not', async () => {
    const st = await request(server.port, { path: '/api/auth/stream-token' });
    assert.equal(st.status, 200);
    const { token } = st.json();
    const songs = await request(server.port, { path: `/api/songs?t=${token}`, token: null });
    assert.equal(songs.status, 401);
    const stream = await request(server.port, { path: `/api/songs/nosuchsong/stream?t=${token}`,
        token: null });
    assert.equal(stream.status, 404); // authenticated; the song does not exist
    const withAccess = await request(server.port, {
        path: `/api/songs/nosuchsong/stream?t=${server.admin.accessToken}`, token: null });
    assert.equal(withAccess.status, 401);
    const asBearer = await request(server.port, { path: '/api/songs', token });
    assert.equal(asBearer.status, 401);
    secrets.push(token);
});

test('brute force gets 429 with Retry-After; X-Forwarded-For counts only from trusted proxies',
    async () => {
        const limited = await startServer({ minSongs: 0,
            args: ['--auth-rate-account', '3', '--auth-rate-address', '5'] });
        try {
            const statuses = [];
            for (let i = 0; i < 4; i++) {
                const res = await post(limited.port, '/api/auth/login',
                    { username: 'admin', password: `wrong ${i} password` });
                statuses.push(res.status);
                if (res.status === 429) {
                    assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/);
                    assert.equal(errorCode(res), 'rate_limited');
                }
            }
            assert.deepEqual(statuses, [401, 401, 401, 429]);
            // Even the right password waits now.
            const right = await post(limited.port, '/api/auth/login',
                { username: 'admin', password: limited.admin.password });
            assert.equal(right.status, 429);
            // Per address: other accounts, each from a "different" X-Forwarded-For, which an
            // untrusted peer cannot make us believe.
            const st = [];
            for (let i = 0; i < 4; i++) {
                const res = await post(limited.port, '/api/auth/login',
                    { username: `user${i}`, password: 'whatever pw' },
                    { headers: { 'X-Forwarded-For': `203.0.113.${i + 1}` } });
                st.push(res.status);
            }
            assert.deepEqual(st, [401, 401, 429, 429]);
            // A bad bearer token counts against the address too.
            const bearer = await request(limited.port, { path: '/api/songs', token: 'x.y.z' });
            assert.equal(bearer.status, 429);
        } finally {
            await limited.stop();
        }
        const proxied = await startServer({ minSongs: 0,
            args: ['--auth-rate-address', '2', '--trusted-proxies', '127.0.0.1/32, ::1'] });
        try {
            // Behind a trusted proxy each forwarded client is counted on its own.
            for (let i = 0; i < 3; i++) {
                const res = await post(proxied.port, '/api/auth/login',
                    { username: `user${i}`, password: 'whatever pw' },
                    { headers: { 'X-Forwarded-For': `198.51.100.7, 203.0.113.${i + 1}` } });
                assert.equal(res.status, 401);
            }
            const again = [];
            for (let i = 0; i < 2; i++) {
                const res = await post(proxied.port, '/api/auth/login',
                    { username: 'userx', password: 'whatever pw' },
                    { headers: { 'X-Forwarded-For': '203.0.113.1' } });
                again.push(res.status);
            }
            assert.deepEqual(again, [401, 429]);
        } finally {
            await proxied.stop();
        }
    });

test('reverse-proxy login: the header counts only from trusted proxies', async () => {
    const me = (port, user) => request(port, { path: '/api/auth/me', token: null,
        headers: { 'Remote-User': user } });
    // Not a trusted proxy: the header is ignored.
    const plain = await startServer({ minSongs: 0,
        args: ['--proxy-auth-header', 'Remote-User', '--proxy-auth-create', 'true'] });
    try {
        assert.equal((await me(plain.port, 'admin')).status, 401);
    } finally {
        await plain.stop();
    }
    const proxied = await startServer({ minSongs: 0,
        args: ['--trusted-proxies', '127.0.0.1/32, ::1', '--proxy-auth-header', 'Remote-User',
            '--proxy-auth-create', 'true'] });
    try {
        const admin = await me(proxied.port, 'admin');
        assert.equal(admin.status, 200, admin.text());
        assert.equal(admin.json().username ?? admin.json().user?.username, 'admin');
        // An unknown user is created (as a plain user) because proxy_auth_create is on.
        const carol = await me(proxied.port, 'carol');
        assert.equal(carol.status, 200, carol.text());
        const body = carol.json();
        assert.equal(body.username ?? body.user?.username, 'carol');
        assert.equal(Boolean(body.isAdmin ?? body.user?.isAdmin), false);
        const users = await request(proxied.port, { path: '/api/users' });
        assert.ok(JSON.stringify(users.json()).includes('"carol"'));
        // A name the proxy cannot mean is refused, not created.
        assert.equal((await me(proxied.port, '../evil')).status, 401);
    } finally {
        await proxied.stop();
    }
});

test('secret keys: a group-readable key file stops the server', async () => {
    const s = await startServer({ minSongs: 0 });
    const dataDir = s.dataDir;
    s.ownsDataDir = false;
    s.ownsDb = false;
    await s.stop();
    try {
        fs.chmodSync(path.join(dataDir, 'secrets/jwt.key'), 0o640);
        const res = await run(process.env.SWAZ_BIN ?? path.resolve('../../build-test/swaz'),
            ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--scan-on-start',
                'false'], { env: { ...process.env, DATABASE_URL: s.db.url ?? '' }, timeoutMs: 20000 });
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /jwt\.key.*0600/);
    } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
        await s.db.drop().catch(() => {});
    }
});

test('no password, token or key reaches the server log', async () => {
    const log = server.log();
    assert.ok(log.includes('ACCESS'), 'the log has access lines');
    for (const s of secrets.filter(Boolean)) {
        assert.ok(!log.includes(s), `the log contains a secret (${s.slice(0, 6)}...)`);
    }
    assert.ok(!log.includes(jwtKey.toString('hex')));
    assert.ok(!log.includes(jwtKey.toString('base64')));
});
