// GET /health: shape, backends, and 503 while PostgreSQL refuses connections.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, swazCli, backend, redisConfigured, psql, freshPgDatabases,
} from './lib/server.mjs';
import { request } from './lib/http.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;

before(async () => {
    server = await startServer();
});

after(async () => {
    await server?.stop();
});

async function waitForHealth(status, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = null;
    for (;;) {
        const res = await request(server.port, { path: '/health', timeoutMs: 5000 });
        last = res;
        if (res.status === status) return res;
        if (Date.now() > deadline) {
            throw new Error(`/health stayed ${last.status} (${last.text().slice(0, 300)}), ` +
                `expected ${status}`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
}

test('GET /health -> 200 with status, version, uptime, database and redis', async () => {
    const res = await request(server.port, { path: '/health' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const h = res.json();
    assert.equal(h.status, 'ok');
    assert.equal(typeof h.version, 'string');
    assert.ok(h.version.length > 0);
    assert.equal(typeof h.uptime_s, 'number');
    assert.ok(Number.isInteger(h.uptime_s) && h.uptime_s >= 0, `uptime_s ${h.uptime_s}`);
    assert.equal(h.database?.kind, backend);
    assert.equal(h.database?.ok, true);
    assert.equal(h.redis?.configured, redisConfigured);
    assert.equal(typeof h.redis?.ok, 'boolean');
    if (redisConfigured) assert.equal(h.redis.ok, true);
});

test('HEAD /health answers like GET without a body', async () => {
    const res = await request(server.port, { method: 'HEAD', path: '/health' });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
});

test('`swaz version` prints the version /health reports', async () => {
    const h = (await request(server.port, { path: '/health' })).json();
    const res = await swazCli(['version'], { dataDir: server.dataDir, dbUrl: null });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(res.stdout.includes(h.version), `stdout ${JSON.stringify(res.stdout)}`);
});

test('503 "unavailable" while PostgreSQL refuses connections, 200 again afterwards',
    { skip: freshPgDatabases ? false
        : 'needs the PostgreSQL run (SWAZ_TEST_DATABASE_URL and SWAZ_TEST_PG_URL)' },
    async () => {
        const name = server.db.name;
        assert.ok(name, 'server database name unknown');
        try {
            await psql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
            await psql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity ' +
                `WHERE datname = '${name}'`);
            const down = await waitForHealth(503, 15000);
            const h = down.json();
            assert.equal(h.status, 'unavailable');
            assert.equal(h.database.ok, false);
            assert.equal(h.database.kind, 'postgres');
        } finally {
            await psql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        }
        const up = await waitForHealth(200, 15000);
        assert.equal(up.json().status, 'ok');
        // And the API works again, not only the health check.
        const songs = await request(server.port, { path: '/api/songs?limit=1' });
        assert.equal(songs.status, 200);
    });
