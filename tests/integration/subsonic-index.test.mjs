// getArtists and getIndexes, black-box: written page by page as text, they must still be one
// answer whose XML, JSON and JSONP list the same artists in the same order under the same
// letters; carry each caller's own stars and ratings; hide OpenSubsonic fields from legacy
// clients; and show nothing to a user limited to no library. (Libraries past the old limit
// of 20,000 artists are covered by the unit tests and the bench figures.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { assertWellFormedXml, plainAuth, rest, restJson, restOk } from './lib/subsonic.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;
const ALICE = plainAuth('si_alice', 'alice password 1');
const BOB = plainAuth('si_bob', 'bob password 123');

before(async () => {
    server = await startServer({ minSongs: 1, env: { SWAZ_SUBSONIC_LEGACY_CLIENTS: 'OldApp' } });
    await server.createUser('si_alice', 'alice password 1');
    await server.createUser('si_bob', 'bob password 123');
});

after(async () => {
    await server?.stop();
});

/** [letter, artist id] pairs of a JSON answer's indexes, in order. */
function jsonPairs(top) {
    return top.index.flatMap((i) => i.artist.map((a) => [i.name, a.id]));
}

/** The same pairs read from the XML text (ids are plain hex, names are single letters). */
function xmlPairs(text) {
    const pairs = [];
    let letter = null;
    for (const m of text.matchAll(/<index name="([^"]*)"|<artist id="([^"]*)"/g)) {
        if (m[1] !== undefined) letter = m[1];
        else pairs.push([letter, m[2]]);
    }
    return pairs;
}

for (const [method, elem] of [['getArtists', 'artists'], ['getIndexes', 'indexes']]) {
    test(`${method}: XML, JSON and JSONP are one answer`, async () => {
        const json = (await restOk(server.port, method, ALICE))[elem];
        const pairs = jsonPairs(json);
        assert.ok(pairs.length >= 5, JSON.stringify(json));
        assert.equal(new Set(pairs.map((p) => p[1])).size, pairs.length, 'each artist once');
        const letters = json.index.map((i) => i.name);
        assert.deepEqual(letters, [...letters].sort(), 'letters in order, # first');
        for (const i of json.index) assert.ok(i.artist.length > 0, `empty index ${i.name}`);
        const xml = await rest(server.port, method, { ...ALICE, f: 'xml' });
        assert.equal(xml.status, 200);
        assertWellFormedXml(xml.text());
        assert.deepEqual(xmlPairs(xml.text()), pairs);
        const jsonp = await rest(server.port, method, { ...ALICE, f: 'jsonp', callback: 'cb' });
        assert.match(jsonp.headers['content-type'], /^application\/javascript/);
        const m = /^cb\((.*)\);$/s.exec(jsonp.text());
        assert.ok(m, jsonp.text().slice(0, 200));
        const again = JSON.parse(m[1])['subsonic-response'][elem];
        delete again.lastModified;
        delete json.lastModified;
        assert.deepEqual(again, json);
        // the folder of the test library gives the same list
        const folder = (await restOk(server.port, 'getMusicFolders', ALICE)).musicFolders
            .musicFolder[0];
        const scoped = (await restOk(server.port, method, { ...ALICE, musicFolderId: folder.id }))[elem];
        assert.deepEqual(jsonPairs(scoped), pairs);
    });
}

test('stars and ratings are the caller\'s own, in both methods and formats', async () => {
    const artists = jsonPairs((await restOk(server.port, 'getArtists', ALICE)).artists);
    const [, starred] = artists[0];
    const [, rated] = artists[artists.length - 1];
    await restOk(server.port, 'star', { ...ALICE, artistId: starred });
    await restOk(server.port, 'setRating', { ...ALICE, id: rated, rating: 4 });
    for (const [method, elem] of [['getArtists', 'artists'], ['getIndexes', 'indexes']]) {
        const mine = (await restOk(server.port, method, ALICE))[elem].index.flatMap((i) => i.artist);
        const a = mine.find((x) => x.id === starred);
        assert.match(a.starred, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(mine.find((x) => x.id === rated).userRating, 4);
        assert.equal(mine.filter((x) => x.starred).length, 1);
        assert.equal(mine.filter((x) => x.userRating).length, 1);
        const xml = (await rest(server.port, method, { ...ALICE, f: 'xml' })).text();
        assert.match(xml, new RegExp(`<artist id="${starred}"[^>]* starred="${a.starred}"`));
        assert.match(xml, new RegExp(`<artist id="${rated}"[^>]* userRating="4"`));
        const bobs = (await restOk(server.port, method, BOB))[elem].index.flatMap((i) => i.artist);
        assert.equal(bobs.length, mine.length);
        assert.ok(bobs.every((x) => x.starred === undefined && x.userRating === undefined));
    }
});

test('a legacy client gets the plain Subsonic fields only', async () => {
    const open = (await restOk(server.port, 'getArtists', ALICE)).artists;
    assert.ok(open.index.some((i) => i.artist.some((a) => a.sortName !== undefined)));
    const old = await restJson(server.port, 'getArtists', { ...ALICE, c: 'OldApp' });
    assert.equal(old.status, 'ok');
    assert.equal(old.openSubsonic, undefined);
    const artists = old.artists.index.flatMap((i) => i.artist);
    assert.deepEqual(artists.map((a) => a.id), jsonPairs(open).map((p) => p[1]));
    for (const a of artists) {
        assert.deepEqual(Object.keys(a).filter((k) => k === 'sortName' || k === 'musicBrainzId'),
            []);
    }
});

test('a user limited to no library gets empty indexes', async () => {
    const created = await request(server.port, {
        method: 'POST', path: '/api/users', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'si_nolib', password: 'nolib password 1',
            allLibraries: false, libraryIds: [] }),
    });
    assert.equal(created.status, 201, created.text());
    const NOLIB = plainAuth('si_nolib', 'nolib password 1');
    const artists = (await restOk(server.port, 'getArtists', NOLIB)).artists;
    assert.deepEqual(artists.index, []);
    const xml = (await rest(server.port, 'getIndexes', { ...NOLIB, f: 'xml' })).text();
    assertWellFormedXml(xml);
    assert.match(xml, /<indexes [^>]*\/>/);
});
