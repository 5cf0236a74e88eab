// JSON requests for the black-box tests of the native API: the body serialised with its
// Content-Type and Content-Length (Node frames a DELETE body with neither otherwise).

import { request } from './http.mjs';

/**
 * `method` `path` on `port` with `body` (when not undefined) as JSON. `token` as in
 * request(): undefined = the admin's, null = none.
 * @param {number} port
 * @param {string} method
 * @param {string} path
 * @param {*} [body]
 * @param {string|null} [token]
 * @returns {ReturnType<typeof request>}
 */
export function jsonRequest(port, method, path, body, token) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return request(port, {
        method,
        path,
        token,
        headers: text === undefined ? {} : { 'Content-Type': 'application/json',
            'Content-Length': String(Buffer.byteLength(text)) },
        body: text,
    });
}
