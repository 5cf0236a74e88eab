/*
 * native_auth.h - /api/auth/...: sign-in, token refresh, sign-out, who am I, password change,
 * first-run setup and media (?t=) tokens. JSON in and out; errors through api_error.h.
 * Any server thread.
 */
#ifndef SWAZ_NATIVE_AUTH_H
#define SWAZ_NATIVE_AUTH_H

#include "http/http_request.h"

/* POST /api/auth/login {username, password, cookie?}: tokens and the user; with cookie:true
 * also the swaz_session, swaz_refresh and swaz_csrf cookies. 401 (same body whether the user
 * is unknown, the password wrong or the account disabled), 429 past the rate limits. */
int native_auth_login(HttpRequest *req, HttpResponse *res);

/* POST /api/auth/refresh {refreshToken} (or the swaz_refresh cookie with X-CSRF-Token):
 * rotates the refresh token and issues a new access token. 401 when it is not current. */
int native_auth_refresh(HttpRequest *req, HttpResponse *res);

/* POST /api/auth/logout {refreshToken} (or the cookie): revokes that session; 204. */
int native_auth_logout(HttpRequest *req, HttpResponse *res);

/* POST /api/auth/logout-all: revokes every refresh token of the caller; 204. */
int native_auth_logout_all(HttpRequest *req, HttpResponse *res);

/* GET /api/auth/me: the caller's id, username and rights. */
int native_auth_me(HttpRequest *req, HttpResponse *res);

/* POST /api/auth/password {currentPassword, newPassword}: changes the caller's password and
 * revokes all its refresh tokens; 204, 403 for a wrong current password, 400 for a bad new
 * one. */
int native_auth_password(HttpRequest *req, HttpResponse *res);

/* GET /api/auth/setup: {"needed": true} while the server has no user yet (the web player
 * then shows its first-run page), else {"needed": false}. Public. Returns 0. */
int native_auth_setup_status(HttpRequest *req, HttpResponse *res);

/* POST /api/auth/setup {username, password}: creates the first administrator while no user
 * exists (201 with tokens as for login), else 409. */
int native_auth_setup(HttpRequest *req, HttpResponse *res);

/* GET /api/auth/stream-token: {token, expiresIn}, a short-lived token accepted only as ?t=
 * on GET/HEAD of stream and cover URLs (for <audio src> and <img src>). */
int native_auth_stream_token(HttpRequest *req, HttpResponse *res);

#endif
