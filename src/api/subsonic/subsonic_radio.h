/*
 * subsonic_radio.h - internet radio stations of the Subsonic API:
 * getInternetRadioStations for every user; createInternetRadioStation,
 * updateInternetRadioStation and deleteInternetRadioStation for administrators, over
 * library/library_radio.h. Stations are URLs the client plays itself. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_RADIO_H
#define SWAZ_SUBSONIC_RADIO_H

#include "api/subsonic/subsonic.h"

/* getInternetRadioStations: every station by name. Returns 0 or an error for the
 * dispatcher. */
int subsonic_radio_list(SubsonicCall *call);

/* createInternetRadioStation?streamUrl=&name=&homepageUrl=: http/https URLs only. */
int subsonic_radio_create(SubsonicCall *call);

/* updateInternetRadioStation?id=&streamUrl=&name=&homepageUrl=: replaces all three. */
int subsonic_radio_update(SubsonicCall *call);

/* deleteInternetRadioStation?id=. */
int subsonic_radio_delete(SubsonicCall *call);

#endif
