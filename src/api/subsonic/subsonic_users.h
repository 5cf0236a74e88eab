/*
 * subsonic_users.h - user management of the Subsonic API: getUser, getUsers, createUser,
 * updateUser, deleteUser, changePassword, over auth/auth_user.h.
 *
 * A non-administrator may read only itself and change only its own password; everything
 * else is for administrators (error 50). The Subsonic roles map to the account's rights:
 * adminRole, downloadRole, uploadRole and shareRole are stored; settings, stream, playlist,
 * cover art, comment and scrobbling are always granted; podcast, jukebox and video
 * conversion never (the server has none). Folders are library ids. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_USERS_H
#define SWAZ_SUBSONIC_USERS_H

#include "api/subsonic/subsonic.h"

/* getUser?username=: one user (oneself, or anyone for an administrator). Returns 0 or an
 * error for the dispatcher. */
int subsonic_users_get(SubsonicCall *call);

/* getUsers (administrators): every user. Returns as above. */
int subsonic_users_list(SubsonicCall *call);

/* createUser?username=&password=&email=&adminRole=...&musicFolderId=... (administrators).
 * Returns as above. */
int subsonic_users_create(SubsonicCall *call);

/* updateUser?username=&... (administrators): only the parameters given change. */
int subsonic_users_update(SubsonicCall *call);

/* deleteUser?username= (administrators; never the last administrator). */
int subsonic_users_delete(SubsonicCall *call);

/* changePassword?username=&password= (oneself, or anyone for an administrator). */
int subsonic_users_password(SubsonicCall *call);

#endif
