/*
 * subsonic_system.h - Subsonic system methods: ping, getLicense, getOpenSubsonicExtensions
 * and tokenInfo. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_SYSTEM_H
#define SWAZ_SUBSONIC_SYSTEM_H

#include "api/subsonic/subsonic.h"

/* ping: the empty "ok" envelope (it proves the credentials). Returns 0. */
int subsonic_system_ping(SubsonicCall *call);

/* getLicense: always valid (there is no licence to buy). Returns 0. */
int subsonic_system_license(SubsonicCall *call);

/* getOpenSubsonicExtensions: the extensions this server implements, without
 * authentication. Returns 0. */
int subsonic_system_extensions(SubsonicCall *call);

/* tokenInfo: the name of the user an apiKey belongs to; error 42 for other mechanisms.
 * Returns 0 or SUBSONIC_FAILED. */
int subsonic_system_token_info(SubsonicCall *call);

#endif
