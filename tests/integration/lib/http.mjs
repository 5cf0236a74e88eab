// Small HTTP clients for the black-box tests: node:http for ordinary requests (full control of
// method and headers, no fetch magic), raw net sockets for malformed or hostile traffic.

import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';

/** @typedef {{status: number, headers: http.IncomingHttpHeaders, rawHeaders: string[],
 *   body: Buffer, text: () => string, json: () => *}} Response */

/** The admin access token of the server on each port (registered by lib/server.mjs). */
const portTokens = new Map();

/** Makes `token` the default bearer token of requests to `port` (null: none). */
export function setPortToken(port, token) {
    if (token) portTokens.set(port, token);
    else portTokens.delete(port);
}

/** The default bearer token of `port`, or undefined. */
export function portToken(port) {
    return portTokens.get(port);
}

/**
 * One request over a fresh connection. `path` is sent exactly as given (no normalisation).
 * Sends `Authorization: Bearer <admin token of the server on that port>` unless the caller
 * gives its own Authorization header, `token` (another token), or `token: null` (none).
 * @param {number} port
 * @param {{method?: string, path: string, headers?: Record<string, string>, body?: string|Buffer,
 *   timeoutMs?: number, token?: string|null}} opts
 * @returns {Promise<Response>}
 */
export function request(port, opts) {
    const { method = 'GET', path, body, timeoutMs = 10000 } = opts;
    let headers = opts.headers ?? {};
    const token = opts.token === undefined ? portTokens.get(port) : opts.token;
    const hasAuth = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
    if (token && !hasAuth) headers = { ...headers, Authorization: `Bearer ${token}` };
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false,
            insecureHTTPParser: false });
        const timer = setTimeout(() => {
            req.destroy(new Error(`${method} ${path.slice(0, 200)}: no answer in ${timeoutMs} ms`));
        }, timeoutMs);
        req.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        req.on('response', (res) => {
            /** @type {Buffer[]} */
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('error', (err) => {
                clearTimeout(timer);
                reject(err);
            });
            res.on('end', () => {
                clearTimeout(timer);
                const buf = Buffer.concat(chunks);
                resolve({
                    status: res.statusCode ?? 0,
                    headers: res.headers,
                    rawHeaders: res.rawHeaders,
                    body: buf,
                    text: () => buf.toString('utf8'),
                    json: () => JSON.parse(buf.toString('utf8')),
                });
            });
        });
        if (body !== undefined) req.write(body);
        req.end();
    });
}

/**
 * GET a JSON document; fails with the body in the message when the status is not `expect`.
 * @param {number} port
 * @param {string} path
 * @param {number} [expect]
 * @param {string|null} [token] as for request()
 */
export async function getJson(port, path, expect = 200, token = undefined) {
    const res = await request(port, { path, token });
    if (res.status !== expect) {
        throw new Error(`GET ${path}: status ${res.status}, expected ${expect}: ` +
            res.text().slice(0, 500));
    }
    return res.json();
}

/**
 * Sends raw bytes and collects whatever comes back until the server closes the connection,
 * `timeoutMs` passes, or (with `untilHead`) a complete response head has arrived.
 * Write errors (the server closing while we still send) are recorded, not thrown.
 * @param {number} port
 * @param {string|Buffer} data
 * @param {{timeoutMs?: number, untilHead?: boolean}} [opts]
 * @returns {Promise<{data: Buffer, closed: boolean, error: Error|null, status: number|null,
 *   head: string}>}
 */
export function rawRequest(port, data, opts = {}) {
    const { timeoutMs = 10000, untilHead = false } = opts;
    return new Promise((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        /** @type {Buffer[]} */
        const chunks = [];
        /** @type {Error|null} */
        let error = null;
        let done = false;
        const finish = (closed) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            sock.destroy();
            const buf = Buffer.concat(chunks);
            const head = headOf(buf);
            resolve({ data: buf, closed, error, status: statusOf(buf), head });
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        sock.on('connect', () => {
            sock.write(data, (err) => {
                if (err) error = err;
            });
        });
        sock.on('data', (c) => {
            chunks.push(c);
            if (untilHead && headOf(Buffer.concat(chunks)) !== '') finish(false);
        });
        sock.on('error', (err) => {
            error = err;
        });
        sock.on('close', () => finish(true));
    });
}

/** The response head (status line and headers) of a raw response, or '' while incomplete. */
export function headOf(buf) {
    const end = buf.indexOf('\r\n\r\n');
    return end < 0 ? '' : buf.subarray(0, end).toString('latin1');
}

/** The status code of the first response in a raw byte buffer, or null. */
export function statusOf(buf) {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, 64).toString('latin1'));
    return m ? Number(m[1]) : null;
}

/** Hex sha256 of a buffer. */
export function sha256(buf) {
    return createHash('sha256').update(buf).digest('hex');
}

/**
 * Asserts the shape of an API error body: {"error":{"code":"snake_case","message":"..."}}.
 * Returns the code.
 * @param {Response} res
 */
export function errorCode(res) {
    const ct = String(res.headers['content-type'] ?? '');
    if (!ct.startsWith('application/json')) {
        throw new Error(`error response has Content-Type ${JSON.stringify(ct)}, expected JSON; ` +
            `body: ${res.text().slice(0, 200)}`);
    }
    const body = res.json();
    const code = body?.error?.code;
    const message = body?.error?.message;
    if (typeof code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(code) ||
        typeof message !== 'string' || message === '') {
        throw new Error(`malformed error body: ${res.text().slice(0, 300)}`);
    }
    return code;
}
