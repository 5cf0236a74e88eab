/*
 * subsonic_shares.h - the sharing methods of the Subsonic API: getShares, createShare,
 * updateShare, deleteShare over library/library_share.h. A share holds one song, album or
 * playlist, or (made from several ids) the fixed list of their songs; its url is the public
 * page /s/{id} on the host the client called. Only the owner sees and changes a share;
 * creating one needs the share right. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_SHARES_H
#define SWAZ_SUBSONIC_SHARES_H

#include "api/subsonic/subsonic.h"

/* getShares: the caller's shares, newest first, with their songs as entry items. Returns 0
 * or an error for the dispatcher. */
int subsonic_shares_list(SubsonicCall *call);

/* createShare?id=&description=&expires=: shares one song, album or playlist; with several
 * id= the songs they name, in order, at most LIMIT_SHARE_SONGS (expires in ms since the
 * epoch, absent or 0 for never). Answers the new share. */
int subsonic_shares_create(SubsonicCall *call);

/* updateShare?id=&description=&expires=: changes what is given (expires=0: never). */
int subsonic_shares_update(SubsonicCall *call);

/* deleteShare?id=: revokes the link. */
int subsonic_shares_delete(SubsonicCall *call);

#endif
