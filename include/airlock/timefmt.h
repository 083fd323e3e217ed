/* timefmt.h: RFC 3339 timestamps in the one form airlock writes: "2026-11-23T02:57:38Z". */
#ifndef AIRLOCK_TIMEFMT_H
#define AIRLOCK_TIMEFMT_H

#include <time.h>

#include <airlock/error.h>

#define AL_TIME_LEN 20 /* characters, without the NUL */
/* The last year accepted: plans store the time as a ustar mtime, which ends in 2242. */
#define AL_TIME_MAX_YEAR 2200

/* Formats t (UTC) into out, which has room for AL_TIME_LEN + 1 bytes; fails (AL_EINVAL)
 * outside the years 1970 to AL_TIME_MAX_YEAR. */
int al_time_format(time_t t, char out[AL_TIME_LEN + 1]) AL_WUR;

/* Parses exactly the form above (UTC, 'Z', no fraction, years 1970 to AL_TIME_MAX_YEAR),
 * checking every field's range. */
int al_time_parse(const char *s, time_t *out) AL_WUR;

/* Milliseconds on the monotonic clock, for deadlines and intervals (not a date). */
long long al_monotonic_ms(void);

#endif
