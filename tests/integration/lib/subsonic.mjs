// Helpers for the Subsonic API tests: calling /rest/ methods with each kind of credentials,
// reading the envelope in XML or JSON, and the golden-file normalisation shared by
// subsonic-golden.test.mjs.

import { createHash, randomBytes } from 'node:crypto';
import { request } from './http.mjs';

/** md5 hex, as Subsonic's token authentication uses it. */
export function md5(s) {
    return createHash('md5').update(s).digest('hex');
}

/** Query parameters for user `u` with password `p` sent plain. */
export function plainAuth(u, p) {
    return { u, p };
}

/** Query parameters for user `u` with password `p` sent as enc:hex. */
export function encAuth(u, p) {
    return { u, p: `enc:${Buffer.from(p, 'utf8').toString('hex')}` };
}

/** Query parameters for token authentication (t = md5(secret + salt)). */
export function tokenAuth(u, secret) {
    const s = randomBytes(6).toString('hex');
    return { u, t: md5(secret + s), s };
}

/** Builds a query string; array values repeat the key. */
export function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
    }
    return q.toString();
}

/**
 * Calls /rest/<method> with `params` (c=swaz-test and v=1.16.1 unless given) as a GET, or as a
 * form POST with `{post: true}`. Resolves with the raw response.
 */
export function rest(port, method, params = {}, opts = {}) {
    const all = { c: 'swaz-test', v: '1.16.1', ...params };
    const qs = query(all);
    if (opts.post) {
        return request(port, {
            method: 'POST', path: `/rest/${method}`, token: null,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: qs,
        });
    }
    return request(port, { path: `/rest/${method}?${qs}`, token: null });
}

/** Calls a method with f=json and returns the subsonic-response object (HTTP 200 checked). */
export async function restJson(port, method, params = {}, opts = {}) {
    const res = await rest(port, method, { f: 'json', ...params }, opts);
    if (res.status !== 200) {
        throw new Error(`${method}: HTTP ${res.status}: ${res.text().slice(0, 300)}`);
    }
    return res.json()['subsonic-response'];
}

/** Calls a method that must succeed (f=json) and returns the subsonic-response object. */
export async function restOk(port, method, params = {}, opts = {}) {
    const body = await restJson(port, method, params, opts);
    if (body.status !== 'ok') {
        throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    }
    return body;
}

/** The error code of a JSON envelope, or null for "ok". */
export function errorOf(body) {
    return body.status === 'ok' ? null : body.error.code;
}

// Golden files: volatile values become stable placeholders before comparing.

/** Keys whose values are ids: each distinct id becomes <id:N> in order of appearance. */
const ID_KEYS = new Set(['id', 'parent', 'albumId', 'artistId', 'coverArt', 'playlistId',
    'mediaFileId']);
/** Keys whose values change from run to run (times, versions). */
const VOLATILE_KEYS = new Set(['serverVersion', 'created', 'starred', 'played', 'changed',
    'lastPlayed', 'lastModified', 'scanTime', 'expires', 'lastVisited']);
// Also the last scan's time and share links (they hold the random share id and the port).
for (const k of ['lastScan', 'url']) VOLATILE_KEYS.add(k);
// transcodeParams hold an expiry and a MAC under the server's own random key.
VOLATILE_KEYS.add('transcodeParams');

/** The music folder's base name (a temporary directory's, so it differs between runs). */
let libraryName = null;

/** Golden files show the music folder named `name` as <library>. */
export function setGoldenLibraryName(name) {
    libraryName = name;
}

function stableValue(key, value, ids) {
    if (libraryName !== null && value === libraryName) return '<library>';
    if (ID_KEYS.has(key)) {
        const s = String(value);
        if (!ids.has(s)) ids.set(s, `<id:${ids.size + 1}>`);
        return ids.get(s);
    }
    if (VOLATILE_KEYS.has(key)) return `<${key}>`;
    return value;
}

/** A JSON answer, normalised and pretty-printed. */
export function normaliseJson(text) {
    const ids = new Map();
    const walk = (v, key) => {
        if (Array.isArray(v)) return v.map((x) => walk(x, key));
        if (v && typeof v === 'object') {
            const out = {};
            for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
            return out;
        }
        return key === undefined ? v : stableValue(key, v, ids);
    };
    return `${JSON.stringify(walk(JSON.parse(text)), null, 2)}\n`;
}

/** An XML answer, normalised the same way, one element per line. */
export function normaliseXml(text) {
    const ids = new Map();
    const attrs = text.replace(/ ([A-Za-z]+)="([^"]*)"/g,
        (_, k, v) => ` ${k}="${stableValue(k, v, ids)}"`);
    return `${attrs.replace(/></g, '>\n<')}\n`;
}

/**
 * Checks that `text` is a well-formed XML document of the shape the Subsonic writer makes
 * (a declaration, then elements with quoted attributes and escaped text; no comments, CDATA
 * or doctype): tags balance, names are names, every '&' starts a known entity or a character
 * reference, attributes are unique. Throws with the offset of the first problem.
 */
export function assertWellFormedXml(text) {
    const fail = (i, what) => { throw new Error(`XML not well-formed at ${i}: ${what}: ` +
        JSON.stringify(text.slice(Math.max(0, i - 40), i + 40))); };
    const decl = '<?xml version="1.0" encoding="UTF-8"?>';
    if (!text.startsWith(decl)) fail(0, 'no declaration');
    const entity = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;
    const checkText = (s, at) => {
        for (let k = s.indexOf('&'); k >= 0; k = s.indexOf('&', k + 1)) {
            if (!entity.test(s.slice(k))) fail(at + k, 'bad entity');
        }
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s)) fail(at, 'control character');
    };
    const name = /^[A-Za-z_][A-Za-z0-9_.-]*/;
    const stack = [];
    let i = decl.length;
    let roots = 0;
    while (i < text.length) {
        const lt = text.indexOf('<', i);
        const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
        if (chunk.includes('>')) fail(i, "raw '>' in text");
        if (stack.length === 0 && chunk.trim()) fail(i, 'text outside the root');
        checkText(chunk, i);
        if (lt < 0) break;
        i = lt + 1;
        if (text[i] === '/') {
            const m = name.exec(text.slice(i + 1));
            if (!m || text[i + 1 + m[0].length] !== '>') fail(i, 'bad end tag');
            if (stack.pop() !== m[0]) fail(i, `end tag ${m[0]} does not match`);
            i += 2 + m[0].length;
            continue;
        }
        const m = name.exec(text.slice(i));
        if (!m) fail(i, 'bad tag name');
        if (stack.length === 0 && ++roots > 1) fail(i, 'second root element');
        i += m[0].length;
        const seen = new Set();
        for (;;) {
            const a = /^\s+([A-Za-z_][A-Za-z0-9_.:-]*)="([^"<]*)"/.exec(text.slice(i));
            if (!a) break;
            if (seen.has(a[1])) fail(i, `attribute ${a[1]} twice`);
            seen.add(a[1]);
            checkText(a[2], i);
            i += a[0].length;
        }
        if (text.startsWith('/>', i)) {
            i += 2;
        } else if (text[i] === '>') {
            stack.push(m[0]);
            i += 1;
        } else {
            fail(i, 'bad attribute or tag end');
        }
    }
    if (stack.length) fail(text.length, `unclosed ${stack.at(-1)}`);
    if (roots !== 1) fail(0, 'no root element');
}
