// Accounts, black-box: the administrator's CRUD on /api/users; a user attacking every admin
// endpoint (403) and trying to raise their own rights through /api/me or request bodies
// (400); the last administrator protected (409); a password reset ending the user's
// sessions; a disabled account refused at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request, errorCode } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let mallory = '';
let malloryId = '';

/** A JSON request; token undefined = the admin's. */
function api(method, path, body, token) {
    return jsonRequest(server.port, method, path, body, token);
}

before(async () => {
    server = await startServer({ minSongs: 1 });
    await server.createUser('us_mallory', 'mallory password');
    const login = await server.login('us_mallory', 'mallory password');
    mallory = login.accessToken;
    malloryId = (await api('GET', '/api/me', undefined, mallory)).json().id;
});

after(async () => {
    await server?.stop();
});

test('the administrator creates, reads, changes and deletes an account', async () => {
    const created = await api('POST', '/api/users', {
        username: 'us_carol', password: 'carol password', email: 'carol@example.org',
        mayShare: false, maxBitrate: 192,
    });
    assert.equal(created.status, 201, created.text());
    const carol = created.json();
    assert.equal(carol.username, 'us_carol');
    assert.equal(carol.admin, false);
    assert.equal(carol.mayShare, false);
    assert.equal(carol.maxBitrate, 192);
    assert.equal(carol.email, 'carol@example.org');
    assert.equal(carol.allLibraries, true);
    assert.ok(!('password' in carol) && !('passwordHash' in carol));

    const list = await api('GET', '/api/users');
    assert.equal(list.status, 200);
    const names = list.json().items.map((u) => u.username);
    assert.ok(names.includes('admin') && names.includes('us_carol'), names.join());

    const got = await api('GET', `/api/users/${carol.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json().id, carol.id);

    const patched = await api('PATCH', `/api/users/${carol.id}`, { maxBitrate: 320, mayUpload: true });
    assert.equal(patched.status, 200, patched.text());
    assert.equal(patched.json().maxBitrate, 320);
    assert.equal(patched.json().mayUpload, true);

    assert.equal((await api('POST', '/api/users', { username: 'us_carol', password: 'another one' })).status, 409);
    assert.equal((await api('POST', '/api/users', { username: 'us_short', password: 'short' })).status, 400);
    assert.equal((await api('POST', '/api/users', { username: 'bad name', password: 'long enough' })).status, 400);
    assert.equal((await api('POST', '/api/users', { password: 'long enough' })).status, 400);
    assert.equal((await api('PATCH', `/api/users/${carol.id}`, { maxBitrate: 'lots' })).status, 400);
    assert.equal((await api('PATCH', `/api/users/${carol.id}`, { libraryIds: [987654] })).status, 400);

    const del = await api('DELETE', `/api/users/${carol.id}`);
    assert.equal(del.status, 204);
    assert.equal((await api('GET', `/api/users/${carol.id}`)).status, 404);
    assert.equal((await api('DELETE', `/api/users/${carol.id}`)).status, 404);
    assert.equal((await api('GET', '/api/users/nosuchuser')).status, 404);
});

test('bodies cannot set ids, owners or unknown rights', async () => {
    for (const extra of [{ id: 'aaaaaaaaaaaaaaaaaaaaaaaa' }, { role: 'admin' }, { isAdmin: true },
        { passwordHash: 'x' }, { createdAt: 1 }, { owner: 'admin' }]) {
        const res = await api('POST', '/api/users', { username: 'us_sneaky', password: 'sneaky password', ...extra });
        assert.equal(res.status, 400, JSON.stringify(extra));
        const patch = await api('PATCH', `/api/users/${malloryId}`, extra);
        assert.equal(patch.status, 400, JSON.stringify(extra));
    }
    assert.equal((await api('GET', '/api/users')).json().items.some((u) => u.username === 'us_sneaky'), false);
    assert.equal((await api('POST', '/api/users', 'not an object')).status, 400);
});

test('a user gets 403 on every admin endpoint and cannot raise their rights', async () => {
    const adminId = (await api('GET', '/api/me')).json().id;
    const attempts = [
        ['GET', '/api/users'],
        ['POST', '/api/users', { username: 'us_evil', password: 'evil password', admin: true }],
        ['GET', `/api/users/${adminId}`],
        ['GET', `/api/users/${malloryId}`],
        ['PATCH', `/api/users/${malloryId}`, { admin: true }],
        ['PATCH', `/api/users/${adminId}`, { password: 'hijacked password' }],
        ['DELETE', `/api/users/${adminId}`],
    ];
    for (const [method, path, body] of attempts) {
        const res = await api(method, path, body, mallory);
        assert.equal(res.status, 403, `${method} ${path}: ${res.text()}`);
    }
    for (const body of [{ admin: true }, { allLibraries: true }, { mayUpload: true },
        { username: 'admin2' }, { disabled: false }, { email: 'm@example.org', admin: true }]) {
        const res = await api('PATCH', '/api/me', body, mallory);
        assert.equal(res.status, 400, JSON.stringify(body));
    }
    const me = await api('PATCH', '/api/me', { email: 'mallory@example.org' }, mallory);
    assert.equal(me.status, 200, me.text());
    assert.equal(me.json().email, 'mallory@example.org');
    assert.equal(me.json().admin, false);
    assert.equal((await api('GET', '/api/users')).json().items.some((u) => u.username === 'us_evil'), false);
    assert.equal((await api('GET', '/api/me', undefined, null)).status, 401);
});

test('the last administrator cannot be demoted, disabled or deleted', async () => {
    const adminId = (await api('GET', '/api/me')).json().id;
    for (const body of [{ admin: false }, { disabled: true }]) {
        const res = await api('PATCH', `/api/users/${adminId}`, body);
        assert.equal(res.status, 409, JSON.stringify(body));
        assert.equal(errorCode(res), 'last_admin');
    }
    assert.equal((await api('DELETE', `/api/users/${adminId}`)).status, 409);
    // With a second administrator, the first may step down.
    const second = (await api('POST', '/api/users', { username: 'us_admin2', password: 'second admin pw', admin: true })).json();
    assert.equal(second.admin, true);
    const demoted = await api('PATCH', `/api/users/${second.id}`, { admin: false });
    assert.equal(demoted.status, 200);
    assert.equal((await api('DELETE', `/api/users/${second.id}`)).status, 204);
    assert.equal((await api('GET', '/api/me')).json().admin, true);
});

test('a password reset ends the sessions; a disabled account is refused', async () => {
    const dave = (await api('POST', '/api/users', { username: 'us_dave', password: 'dave password 1' })).json();
    const login = await server.login('us_dave', 'dave password 1');
    assert.equal((await api('GET', '/api/me', undefined, login.accessToken)).status, 200);

    assert.equal((await api('PATCH', `/api/users/${dave.id}`, { password: 'dave password 2' })).status, 200);
    const refresh = await request(server.port, {
        method: 'POST', path: '/api/auth/refresh', token: null,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: login.refreshToken }),
    });
    assert.notEqual(refresh.status, 200, 'the old refresh token must be revoked');
    await assert.rejects(server.login('us_dave', 'dave password 1'));
    const fresh = await server.login('us_dave', 'dave password 2');

    assert.equal((await api('PATCH', `/api/users/${dave.id}`, { disabled: true })).status, 200);
    const refused = await api('GET', '/api/songs', undefined, fresh.accessToken);
    assert.ok(refused.status === 401 || refused.status === 403, String(refused.status));
    await assert.rejects(server.login('us_dave', 'dave password 2'));
});
