// The Subsonic API framework, black-box: every authentication mechanism and its errors
// (10, 40 alike for known and unknown users, 41, 43, 44), rate limiting, XML / JSON / JSONP
// from the same answer, /rest/x and /rest/x.view, GET and form POST, the version check, the
// per-client compatibility table, and the system methods.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { assertWellFormedXml, encAuth, errorOf, plainAuth, query, rest, restJson, restOk,
    tokenAuth } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
let alice = '';
let apiKey = '';
let appPassword = '';
const ALICE = plainAuth('ss_alice', 'alice password 1');

before(async () => {
    server = await startServer({ minSongs: 1, env: { SWAZ_AUTH_RATE_ACCOUNT: '6' } });
    await server.createUser('ss_alice', 'alice password 1');
    await server.createUser('ss_bob', 'bob password 123');
    alice = (await server.login('ss_alice', 'alice password 1')).accessToken;
    const key = await request(server.port, {
        method: 'POST', path: '/api/keys', token: alice,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'app' }),
    });
    assert.equal(key.status, 201, key.text());
    apiKey = key.json().key;
    const pw = await request(server.port, { method: 'POST', path: '/api/me/app-password',
        token: alice });
    assert.equal(pw.status, 201, pw.text());
    appPassword = pw.json().password;
});

after(async () => {
    await server?.stop();
});

test('ping answers the envelope with the OpenSubsonic fields', async () => {
    const body = await restOk(server.port, 'ping', ALICE);
    assert.equal(body.version, '1.16.1');
    assert.equal(body.type, 'swaz');
    assert.equal(typeof body.serverVersion, 'string');
    assert.equal(body.openSubsonic, true);
});

test('each mechanism signs in: plain, enc:, token with the app password, apiKey', async () => {
    await restOk(server.port, 'ping', ALICE);
    await restOk(server.port, 'ping', encAuth('ss_alice', 'alice password 1'));
    await restOk(server.port, 'ping', tokenAuth('ss_alice', appPassword));
    await restOk(server.port, 'ping', { apiKey });
    // enc: accepts upper-case hex too
    await restOk(server.port, 'ping', { u: 'ss_alice',
        p: `enc:${Buffer.from('alice password 1').toString('hex').toUpperCase()}` });
});

test('credential errors have their codes and answer HTTP 200', async () => {
    const cases = [
        [{}, 10],
        [{ u: 'ss_alice' }, 10],
        [{ u: 'ss_alice', t: 'abc' }, 10],
        [{ u: 'ss_alice', p: 'wrong password' }, 40],
        [{ u: 'ss_nobody', p: 'wrong password' }, 40],
        [{ u: 'ss_alice', p: 'enc:zz' }, 40],
        [tokenAuth('ss_alice', 'not the app password'), 40],
        [tokenAuth('ss_bob', 'bob password 123'), 41],
        [{ ...ALICE, apiKey }, 43],
        [{ u: 'ss_alice', p: 'x', t: 'y', s: 'z' }, 43],
        [{ apiKey: 'not-a-key' }, 44],
    ];
    for (const [params, code] of cases) {
        const res = await rest(server.port, 'ping', { f: 'json', ...params });
        assert.equal(res.status, 200, JSON.stringify(params));
        const body = res.json()['subsonic-response'];
        assert.equal(body.status, 'failed', JSON.stringify(params));
        assert.equal(body.error.code, code, JSON.stringify(params));
        assert.equal(typeof body.error.message, 'string');
    }
    // a known and an unknown user cannot be told apart
    const known = await restJson(server.port, 'ping', { u: 'ss_bob', p: 'nope nope' });
    const unknown = await restJson(server.port, 'ping', { u: 'ss_ghost', p: 'nope nope' });
    assert.deepEqual(known.error, unknown.error);
});

test('tokenInfo names the owner of an API key and refuses other mechanisms', async () => {
    const body = await restOk(server.port, 'tokenInfo', { apiKey });
    assert.deepEqual(body.tokenInfo, { username: 'ss_alice' });
    assert.equal(errorOf(await restJson(server.port, 'tokenInfo', ALICE)), 42);
});

test('getOpenSubsonicExtensions answers without credentials', async () => {
    const body = await restOk(server.port, 'getOpenSubsonicExtensions');
    const names = body.openSubsonicExtensions.map((e) => e.name);
    assert.ok(names.includes('apiKeyAuthentication'));
    assert.ok(names.includes('formPost'));
    for (const e of body.openSubsonicExtensions) {
        assert.ok(Array.isArray(e.versions) && e.versions.every(Number.isInteger));
    }
    // getLicense is not public
    assert.equal(errorOf(await restJson(server.port, 'getLicense')), 10);
    assert.equal((await restOk(server.port, 'getLicense', ALICE)).license.valid, true);
});

test('XML is the default, JSON and JSONP carry the same answer', async () => {
    const xml = await rest(server.port, 'getLicense', ALICE);
    assert.equal(xml.status, 200);
    assert.match(xml.headers['content-type'], /^text\/xml/);
    assert.match(xml.text(), /^<\?xml version="1.0" encoding="UTF-8"\?>\n?<subsonic-response xmlns="http:\/\/subsonic.org\/restapi" status="ok" version="1.16.1" type="swaz" serverVersion="[^"]+" openSubsonic="true"><license valid="true"\/><\/subsonic-response>$/);
    const jsonp = await rest(server.port, 'getLicense', { ...ALICE, f: 'jsonp', callback: 'cb.x_1' });
    assert.match(jsonp.headers['content-type'], /^application\/javascript/);
    const m = /^cb\.x_1\((.*)\);$/s.exec(jsonp.text());
    assert.ok(m, jsonp.text());
    assert.equal(JSON.parse(m[1])['subsonic-response'].license.valid, true);
    // a callback that is not a plain name is refused (as JSON, never echoed)
    for (const callback of ['alert(1)//', '1abc', '', 'a'.repeat(65)]) {
        const bad = await rest(server.port, 'ping', { ...ALICE, f: 'jsonp', callback });
        assert.match(bad.headers['content-type'], /^application\/json/);
        const body = bad.json()['subsonic-response'];
        assert.equal(body.status, 'failed');
        assert.equal(body.error.code, callback === '' ? 10 : 0);
    }
    // errors come in the format asked for
    const err = await rest(server.port, 'ping', { u: 'ss_alice', p: 'bad' });
    assert.match(err.text(), /<error code="40" message="Wrong username or password"\/>/);
});

test('/rest/x.view, form POST and repeated parameters work', async () => {
    const res = await request(server.port, { path: `/rest/ping.view?${query({ ...ALICE, f: 'json' })}`,
        token: null });
    assert.equal(res.json()['subsonic-response'].status, 'ok');
    await restOk(server.port, 'ping', ALICE, { post: true });
    await restOk(server.port, 'tokenInfo', { apiKey }, { post: true });
    // credentials in the body, format in the query
    const mixed = await request(server.port, {
        method: 'POST', path: '/rest/ping?f=json', token: null,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body: query({ ...ALICE, c: 'test' }),
    });
    assert.equal(mixed.json()['subsonic-response'].status, 'ok');
    // a body that is not a form is not read as parameters
    const notForm = await request(server.port, {
        method: 'POST', path: '/rest/ping?f=json', token: null,
        headers: { 'Content-Type': 'text/plain' }, body: query(ALICE),
    });
    assert.equal(notForm.json()['subsonic-response'].error.code, 10);
    // a form body with many more pairs than a query string may hold
    const many = query({ ...ALICE, f: 'json', id: Array.from({ length: 300 }, (_, i) => i) });
    const big = await request(server.port, { method: 'POST', path: '/rest/ping', token: null,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: many });
    assert.equal(big.json()['subsonic-response'].status, 'ok');
    // ...but not without bound, and a bad escape is refused cleanly
    const tooMany = query({ ...ALICE, f: 'json', id: Array.from({ length: 1100 }, (_, i) => i) });
    const over = await request(server.port, { method: 'POST', path: '/rest/ping?f=json', token: null,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: tooMany });
    assert.equal(over.status, 200);
    assert.equal(over.json()['subsonic-response'].error.code, 0);
    const badEscape = await request(server.port, { method: 'POST', path: '/rest/ping?f=json',
        token: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `${query(ALICE)}&x=%zz` });
    assert.equal(badEscape.json()['subsonic-response'].error.code, 0);
});

test('unknown methods are 404 with error 0; method names are exact', async () => {
    for (const name of ['nope', 'PING', 'ping.view.view', '']) {
        const res = await rest(server.port, name, { ...ALICE, f: 'json' });
        assert.equal(res.status, 404, name);
        assert.equal(res.json()['subsonic-response'].error.code, 0);
    }
});

test('the protocol version is checked when given', async () => {
    assert.equal(errorOf(await restJson(server.port, 'ping', { ...ALICE, v: '1.17.0' })), 30);
    assert.equal(errorOf(await restJson(server.port, 'ping', { ...ALICE, v: '2.0.0' })), 30);
    assert.equal(errorOf(await restJson(server.port, 'ping', { ...ALICE, v: '0.9.0' })), 20);
    assert.equal(errorOf(await restJson(server.port, 'ping', { ...ALICE, v: '1.2.0' })), null);
    assert.equal(errorOf(await restJson(server.port, 'ping', { ...ALICE, v: undefined })), null);
});

test('clients in the compatibility table get plain Subsonic 1.16.1', async () => {
    const body = await restOk(server.port, 'ping', { ...ALICE, c: 'DSub' });
    assert.deepEqual(body, { status: 'ok', version: '1.16.1' });
    const xml = await rest(server.port, 'ping', { ...ALICE, c: 'dsub' });
    assert.doesNotMatch(xml.text(), /openSubsonic|serverVersion/);
    const other = await restOk(server.port, 'ping', { ...ALICE, c: 'DSub2' });
    assert.equal(other.openSubsonic, true);
});

test('failed sign-ins are rate limited per account, and the limit is not a password oracle',
    async () => {
        await server.createUser('ss_carol', 'carol password 1');
        for (let i = 0; i < 6; i++) {
            const body = await restJson(server.port, 'ping', { u: 'ss_carol', p: `wrong ${i}` });
            assert.equal(errorOf(body), 40);
        }
        const res = await rest(server.port, 'ping', { f: 'json', u: 'ss_carol',
            p: 'carol password 1' });
        assert.equal(res.status, 429);
        assert.ok(Number(res.headers['retry-after']) > 0);
        assert.equal(res.json()['subsonic-response'].status, 'failed');
        // another account is not affected
        await restOk(server.port, 'ping', ALICE);
    });

test('hostile text stays well-formed XML and valid JSON', async () => {
    // the test library holds titles with quotes, percent signs and thousands of characters
    const xml = await rest(server.port, 'search3', { ...ALICE, query: '', songCount: 500 });
    assertWellFormedXml(xml.text());
    assert.match(xml.text(), /title="It&apos;s a &quot;quoted&quot; 100% song"/);
    const json = await restJson(server.port, 'search3', { ...ALICE, query: '', songCount: 500 });
    assert.ok(json.searchResult3.song.some((s) => s.title === 'It\'s a "quoted" 100% song'));
    assert.ok(json.searchResult3.song.some((s) => s.title.startsWith('Very long title') &&
        s.title.length > 4000));
    // the checker itself refuses what is broken
    assert.throws(() => assertWellFormedXml('<?xml version="1.0" encoding="UTF-8"?><a b="&"/>'));
    assert.throws(() => assertWellFormedXml('<?xml version="1.0" encoding="UTF-8"?><a><b></a>'));
    assert.throws(() => assertWellFormedXml('<?xml version="1.0" encoding="UTF-8"?><a x="1" x="2"/>'));
});

test('a user limited to no library sees nothing through /rest/ either', async () => {
    const created = await request(server.port, {
        method: 'POST', path: '/api/users', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'ss_nolib', password: 'nolib password 1',
            allLibraries: false, libraryIds: [] }),
    });
    assert.equal(created.status, 201, created.text());
    const NOLIB = plainAuth('ss_nolib', 'nolib password 1');
    const song = (await restOk(server.port, 'search3', { ...ALICE, query: 'aurora' }))
        .searchResult3.song[0];
    assert.ok(song);
    assert.deepEqual((await restOk(server.port, 'getMusicFolders', NOLIB)).musicFolders,
        { musicFolder: [] });
    assert.deepEqual((await restOk(server.port, 'getAlbumList2',
        { ...NOLIB, type: 'alphabeticalByName' })).albumList2, { album: [] });
    const everything = (await restOk(server.port, 'search3', { ...NOLIB, query: '' })).searchResult3;
    assert.deepEqual(everything, { artist: [], album: [], song: [] });
    assert.deepEqual((await restOk(server.port, 'search3', { ...NOLIB, query: 'aurora' }))
        .searchResult3.song, []);
    for (const [method, params] of [['getSong', { id: song.id }], ['getAlbum', { id: song.albumId }],
        ['getArtist', { id: song.artistId }], ['star', { id: song.id }],
        ['scrobble', { id: song.id }], ['getLyricsBySongId', { id: song.id }],
        ['getIndexes', { musicFolderId: 1 }]]) {
        const body = await restJson(server.port, method, { ...NOLIB, ...params });
        assert.equal(errorOf(body), 70, `${method}: ${JSON.stringify(body)}`);
    }
    const stream = await rest(server.port, 'stream', { ...NOLIB, id: song.id, f: 'json' });
    assert.equal(stream.json()['subsonic-response'].error.code, 70);
});

test('credentials never reach the log', async () => {
    await restOk(server.port, 'ping', ALICE, { post: true });
    const log = server.log();
    assert.match(log, /ACCESS \S+ GET \/rest\/ping\?.*p=\*\*\*/);
    for (const secret of ['alice password 1', apiKey, appPassword,
        Buffer.from('alice password 1').toString('hex')]) {
        assert.ok(!log.includes(secret), 'a secret is in the log');
    }
});
