/* timefmt.h: RFC 3339 timestamps in the one form airlock writes: "2026-11-23T02:57:38Z". */
#ifndef AIRLOCK_TIMEFMT_H
#define AIRLOCK_TIMEFMT_H

#include <time.h>

#include <airlock/error.h>

#define AL_TIME_LEN 20 /* characters, without the NUL */

/* Formats t (UTC) into out, which has room for AL_TIME_LEN + 1 bytes. */
int al_time_format(time_t t, char out[AL_TIME_LEN + 1]) AL_WUR;

/* Parses exactly the form above (UTC, 'Z', no fraction), checking every field's range. */
int al_time_parse(const char *s, time_t *out) AL_WUR;

#endif
