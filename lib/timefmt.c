/* timefmt.c: the one timestamp form used in manifests and trusted comments. */
#include <airlock/timefmt.h>

#include <stdio.h>
#include <string.h>

int
al_time_format(time_t t, char out[AL_TIME_LEN + 1])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1970 ||
        tm.tm_year + 1900 > AL_TIME_MAX_YEAR)
        return AL_EINVAL;
    if (strftime(out, AL_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != AL_TIME_LEN)
        return AL_EINVAL;
    return 0;
}

static int
digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int
al_time_parse(const char *s, time_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se, leap;
    struct tm tm;
    time_t t;

    if (strlen(s) != AL_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return AL_EFIELD;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return AL_EFIELD;
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > AL_TIME_MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
        return AL_EFIELD;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    if ((t = timegm(&tm)) == (time_t)-1)
        return AL_EFIELD;
    *out = t;
    return 0;
}

long long
al_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
