// API keys, black-box: created and shown once, listed without the secret, usable as
// X-API-Key; user B can neither see nor revoke user A's keys (404); a revoked key is refused.
// The Subsonic app password: shown once, replaced, removed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { jsonRequest } from './lib/json.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let alice = '';
let bob = '';

function api(method, path, body, token) {
    return jsonRequest(server.port, method, path, body, token);
}

function withKey(path, key) {
    return request(server.port, { path, token: null, headers: { 'X-API-Key': key } });
}

before(async () => {
    server = await startServer({ minSongs: 1 });
    await server.createUser('ky_alice', 'alice password 1');
    await server.createUser('ky_bob', 'bob password 123');
    alice = (await server.login('ky_alice', 'alice password 1')).accessToken;
    bob = (await server.login('ky_bob', 'bob password 123')).accessToken;
});

after(async () => {
    await server?.stop();
});

test('a key is shown once, listed without its secret, and works', async () => {
    const res = await api('POST', '/api/keys', { name: 'phone' }, alice);
    assert.equal(res.status, 201, res.text());
    assert.equal(res.headers['cache-control'], 'no-store');
    const k = res.json();
    assert.match(k.key, /^swz_[A-Za-z0-9_-]{43}$/);
    assert.equal(k.name, 'phone');
    const list = await api('GET', '/api/keys', undefined, alice);
    assert.equal(list.status, 200);
    const items = list.json().items;
    assert.equal(items.length, 1);
    assert.equal(items[0].id, k.id);
    assert.ok(!('key' in items[0]) && !list.text().includes(k.key));
    assert.equal((await withKey('/api/songs?limit=1', k.key)).status, 200);
    const again = (await api('GET', '/api/keys', undefined, alice)).json().items[0];
    assert.ok(again.lastUsedAt === null || Number.isInteger(again.lastUsedAt));
});

test('bad bodies are refused', async () => {
    for (const body of [{}, { name: '' }, { name: 7 }, { name: 'x', userId: 'someone' }, { name: 'x'.repeat(129) }]) {
        assert.equal((await api('POST', '/api/keys', body, alice)).status, 400, JSON.stringify(body));
    }
    assert.equal((await api('POST', '/api/keys', { name: 'anon' }, null)).status, 401);
});

test("B can neither see nor revoke A's keys; a revoked key is refused", async () => {
    const k = (await api('POST', '/api/keys', { name: 'laptop' }, alice)).json();
    const bobs = (await api('GET', '/api/keys', undefined, bob)).json().items;
    assert.equal(bobs.length, 0);
    assert.equal((await api('DELETE', `/api/keys/${k.id}`, undefined, bob)).status, 404);
    assert.equal((await withKey('/api/songs?limit=1', k.key)).status, 200);
    // The admin cannot revoke another user's key through this endpoint either.
    assert.equal((await api('DELETE', `/api/keys/${k.id}`)).status, 404);

    assert.equal((await api('DELETE', `/api/keys/${k.id}`, undefined, alice)).status, 204);
    assert.equal((await api('DELETE', `/api/keys/${k.id}`, undefined, alice)).status, 404);
    assert.equal((await withKey('/api/songs?limit=1', k.key)).status, 401);
    assert.equal((await withKey('/api/songs?limit=1', `${k.key.slice(0, -1)}A`)).status, 401);
    assert.equal((await withKey('/api/songs?limit=1', 'swz_nonsense')).status, 401);
    assert.ok(!(await api('GET', '/api/keys', undefined, alice)).json().items.some((x) => x.id === k.id));
});

test('a user key gives user rights only', async () => {
    const k = (await api('POST', '/api/keys', { name: 'scripts' }, bob)).json();
    assert.equal((await withKey('/api/users', k.key)).status, 403);
});

test('the app password is shown once and can be replaced and removed', async () => {
    const first = await api('POST', '/api/me/app-password', undefined, alice);
    assert.equal(first.status, 201, first.text());
    assert.equal(first.headers['cache-control'], 'no-store');
    const pw = first.json().password;
    assert.equal(typeof pw, 'string');
    assert.equal(pw.length, 24);
    assert.equal((await api('GET', '/api/me', undefined, alice)).json().hasAppPassword, true);
    assert.ok(!(await api('GET', '/api/me', undefined, alice)).text().includes(pw));
    const second = (await api('POST', '/api/me/app-password', undefined, alice)).json().password;
    assert.notEqual(second, pw);
    assert.equal((await api('DELETE', '/api/me/app-password', undefined, alice)).status, 204);
    assert.equal((await api('GET', '/api/me', undefined, alice)).json().hasAppPassword, false);
    assert.equal((await api('GET', '/api/me', undefined, bob)).json().hasAppPassword, false);
});
