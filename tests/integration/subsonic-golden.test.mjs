// Golden request/response files of the Subsonic API (tests/data/subsonic/), checked in XML
// and JSON on whichever database backend this run uses.
//
// Each case is tests/data/subsonic/<method>/<case>.req: one line, the query string after
// /rest/<method>? without f=, in which {auth} stands for the golden user's u+p, {apiKey} for
// an API key of that user and {id:<kind>:<name>} for the id of an artist, album or song
// found by name through the native search (see idOf). Beside it <case>.xml and <case>.json hold the expected
// answers after normalisation (lib/subsonic.mjs: ids become <id:N> in order of appearance,
// times and the server version become placeholders). UPDATE_GOLDEN=1 rewrites them. A
// <case>.body beside the .req is POSTed as the JSON body (getTranscodeDecision's ClientInfo).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, startServer, testLibrary } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { assertWellFormedXml, normaliseJson, normaliseXml, setGoldenLibraryName } from
    './lib/subsonic.mjs';

const GOLDEN = path.join(repoRoot, 'tests/data/subsonic');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const USER = 'golden';
const PASSWORD = 'golden password 1';

/** @type {import('./lib/server.mjs').Server} */
let server;
let apiKey = '';

before(async () => {
    setGoldenLibraryName(path.basename(await testLibrary()));
    server = await startServer();
    await server.createUser(USER, PASSWORD);
    const token = (await server.login(USER, PASSWORD)).accessToken;
    const res = await request(server.port, {
        method: 'POST', path: '/api/keys', token,
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'golden' }),
    });
    assert.equal(res.status, 201, res.text());
    apiKey = res.json().key;
});

after(async () => {
    await server?.stop();
});

/** Every case: {method, name, file}. */
function cases() {
    const out = [];
    for (const method of fs.readdirSync(GOLDEN).sort()) {
        const dir = path.join(GOLDEN, method);
        for (const f of fs.readdirSync(dir).sort()) {
            if (f.endsWith('.req')) out.push({ method, name: f.slice(0, -4), dir });
        }
    }
    return out;
}

/** The id of `kind` (artist, album, song) called `name`, through the native search. */
async function idOf(kind, name) {
    const res = await request(server.port, {
        path: `/api/search?type=${kind}&limit=100&q=${encodeURIComponent(name)}` });
    assert.equal(res.status, 200, res.text());
    const list = res.json()[`${kind}s`];
    const hit = list.find((x) => (x.name ?? x.title) === name);
    assert.ok(hit, `no ${kind} named ${name}`);
    return hit.id;
}

/** Expands the placeholders of a .req line. */
async function resolveIds(line) {
    let q = line.trim()
        .replace('{auth}', `u=${USER}&p=${encodeURIComponent(PASSWORD)}`)
        .replace('{apiKey}', `apiKey=${encodeURIComponent(apiKey)}`)
        // {admin}: the administrator's u+p, for the methods only administrators may call
        .replace('{admin}', `u=admin&p=${encodeURIComponent(server.admin.password)}`);
    for (const m of [...q.matchAll(/\{id:(artist|album|song):([^}]+)\}/g)]) {
        q = q.replace(m[0], encodeURIComponent(await idOf(m[1], decodeURIComponent(m[2]))));
    }
    return q;
}

test('golden files match', async (t) => {
    const all = cases();
    assert.ok(all.length > 0);
    for (const c of all) {
        await t.test(`${c.method}/${c.name}`, async () => {
            const q = await resolveIds(fs.readFileSync(path.join(c.dir, `${c.name}.req`), 'utf8'));
            const bodyFile = path.join(c.dir, `${c.name}.body`);
            const body = fs.existsSync(bodyFile) ? fs.readFileSync(bodyFile, 'utf8') : null;
            for (const [f, normalise] of [['xml', normaliseXml], ['json', normaliseJson]]) {
                const res = await request(server.port, {
                    path: `/rest/${c.method}?${q}${q ? '&' : ''}f=${f}&c=golden&v=1.16.1`,
                    token: null,
                    ...(body === null ? {} : {
                        method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
                    }),
                });
                if (f === 'xml') assertWellFormedXml(res.text());
                else JSON.parse(res.text());
                const got = normalise(res.text());
                const file = path.join(c.dir, `${c.name}.${f}`);
                if (UPDATE) fs.writeFileSync(file, got);
                assert.equal(got, fs.readFileSync(file, 'utf8'), `${c.method}/${c.name}.${f}`);
            }
        });
    }
});
