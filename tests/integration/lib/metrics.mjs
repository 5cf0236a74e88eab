// Reading GET /metrics in the black-box tests: the Prometheus text format parsed strictly.

import assert from 'node:assert/strict';
import { request } from './http.mjs';

/** Parses the text format into a Map of "name{labels}" → number, checking every line. */
export function parseMetrics(text) {
    const values = new Map();
    const typed = new Set();
    for (const line of text.split('\n')) {
        if (line === '') continue;
        const type = /^# TYPE (\w+) (counter|gauge)$/.exec(line);
        if (type) {
            assert.ok(!typed.has(type[1]), `TYPE twice for ${type[1]}`);
            typed.add(type[1]);
            continue;
        }
        if (line.startsWith('# HELP ')) continue;
        const m = /^(\w+)(\{[^}]*\})? (-?\d+(?:\.\d+)?)$/.exec(line);
        assert.ok(m, `not a sample line: ${line}`);
        assert.ok(typed.has(m[1]), `sample before its TYPE: ${line}`);
        values.set(m[1] + (m[2] ?? ''), Number(m[3]));
    }
    return values;
}

/** GET /metrics as the port's administrator, parsed. */
export async function scrape(port) {
    const res = await request(port, { path: '/metrics' });
    assert.equal(res.status, 200, res.text().slice(0, 200));
    return parseMetrics(res.text());
}
