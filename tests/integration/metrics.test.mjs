// GET /metrics: who may read it (admins, or anyone with metrics_public), the Prometheus text
// format, and counters that move with the traffic they count.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backend, startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { parseMetrics, scrape } from './lib/metrics.mjs';

/** @type {import('./lib/server.mjs').Server} */
let server;

before(async () => {
    server = await startServer({ minSongs: 0 });
});

after(async () => {
    await server?.stop();
});

test('admins read the metrics; other users get 403, anonymous 401', async () => {
    const res = await request(server.port, { path: '/metrics' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.text());
    assert.ok(m.get('process_resident_memory_bytes') > 1e6, 'process RSS');
    assert.ok(m.get('process_open_fds') > 3, 'open files');
    for (const name of ['swaz_http_requests_total{class="2xx"}', 'swaz_live_streams',
        'swaz_transcodes_started_total', 'swaz_transcode_cache_requests_total{result="hit"}',
        'swaz_transcode_cache_evictions_total', 'swaz_transcode_cache_bytes',
        'swaz_http_handler_jobs_total', 'swaz_http_handler_queue']) {
        assert.ok(m.has(name), `${name} missing`);
    }
    const anon = await request(server.port, { path: '/metrics', token: null });
    assert.equal(anon.status, 401);
    await server.createUser('metrics-user', 'metrics user password');
    const { accessToken } = await server.login('metrics-user', 'metrics user password');
    const user = await request(server.port, { path: '/metrics', token: accessToken });
    assert.equal(user.status, 403);
});

test('status classes count every response', async () => {
    const before = await scrape(server.port);
    for (let i = 0; i < 3; i++) {
        assert.equal((await request(server.port, { path: '/api/no-such-thing' })).status, 404);
    }
    assert.equal((await request(server.port, { path: '/health' })).status, 200);
    // A response is counted when it completes, just after the client has it: settle first.
    const four = 'swaz_http_requests_total{class="4xx"}';
    const two = 'swaz_http_requests_total{class="2xx"}';
    let after;
    for (let i = 0; i < 20; i++) {
        after = await scrape(server.port);
        // /health, the first scrape and every scrape but this one.
        if (after.get(four) - before.get(four) >= 3 && after.get(two) - before.get(two) >= 2 + i) {
            break;
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(after.get(four) - before.get(four), 3);
    assert.ok(after.get(two) - before.get(two) >= 2);
});

test('metrics_public opens /metrics to anonymous scrapers', async () => {
    const open = await startServer({ minSongs: 0, env: { SWAZ_METRICS_PUBLIC: 'true' } });
    try {
        const res = await request(open.port, { path: '/metrics', token: null });
        assert.equal(res.status, 200);
        assert.ok(parseMetrics(res.text()).has('swaz_transcodes_running'));
    } finally {
        await open.stop();
    }
});

test('handler jobs count the requests handed to handler threads, not kept pages sent at once',
    async () => {
        const jobs = 'swaz_http_handler_jobs_total';
        const path = '/api/genres?limit=7';
        const first = await scrape(server.port);
        assert.equal(first.get('swaz_http_handler_queue'), 0, 'nothing waits at rest');
        assert.equal((await request(server.port, { path })).status, 200); // rendered: a job
        const rendered = await scrape(server.port);
        // This scrape and the page: each went to a handler thread.
        assert.ok(rendered.get(jobs) >= first.get(jobs) + 2, 'the rendered page was a job');
        for (let i = 0; i < 20; i++) {
            assert.equal((await request(server.port, { path })).status, 200);
        }
        const kept = await scrape(server.port);
        const handed = kept.get(jobs) - rendered.get(jobs) - 1; // less this scrape
        assert.ok(handed >= 0 && handed <= 20, `${handed} jobs for 20 kept pages`);
        if (backend === 'postgres') {
            // Generations arrive by notification: a kept page for a known token never needs
            // the database, so it is answered on the event thread. (On SQLite the event thread
            // sends a request to read the table once the last read is 1 ms old: at this pace,
            // most of them.)
            assert.ok(handed <= 2, `${handed} of 20 kept pages went to a handler thread`);
        }
    });
