/*
 * subsonic_routes.h - the table of Subsonic methods, one line each (subsonic_routes.c).
 * Read-only; any thread.
 */
#ifndef SWAZ_SUBSONIC_ROUTES_H
#define SWAZ_SUBSONIC_ROUTES_H

#include "api/subsonic/subsonic.h"

#include <stddef.h>

/* Returns the method called `name` (exact, case-sensitive, without ".view"), or NULL. */
const SubsonicMethod *subsonic_routes_find(const char *name, size_t len);

#endif
