/* utf8.c: strict UTF-8 (RFC 3629), the only text encoding a plan may use. */
#include <airlock/utf8.h>

#include <string.h>

size_t
al_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c, min;
    size_t len, i;

    if (n == 0) {
        *cp = 0;
        return 0;
    }
    c = p[0];
    *cp = c;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        c &= 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        c &= 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

int
al_utf8_validate(const char *s, size_t n, size_t *bad)
{
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        /* ASCII runs are the common case: skip them eight bytes at a time. */
        if (n - i >= 8) {
            uint64_t w;

            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        if ((k = al_utf8_decode(s + i, n - i, &cp)) == 0) {
            if (bad != NULL)
                *bad = i;
            return AL_EUTF8;
        }
        i += k;
    }
    return 0;
}

int
al_utf8_check_text(const char *s, size_t n, size_t *bad)
{
    const char *z = memchr(s, '\0', n);

    if (z != NULL) {
        if (bad != NULL)
            *bad = (size_t)(z - s);
        return AL_ENUL;
    }
    return al_utf8_validate(s, n, bad);
}
