/* utf8.h: strict UTF-8 validation and decoding. */
#ifndef AIRLOCK_UTF8_H
#define AIRLOCK_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/error.h>

/*
 * Checks that s[0..n) is well-formed UTF-8: no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncated sequence. Returns 0, or AL_EUTF8 with *bad (if not NULL)
 * set to the offset of the first bad byte.
 */
int al_utf8_validate(const char *s, size_t n, size_t *bad) AL_WUR;

/*
 * Decodes one code point at s[0..n). Returns the number of bytes it used (1 to 4), or 0
 * if the bytes there are not well-formed UTF-8 (then *cp is the byte value).
 */
size_t al_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Checks text for plan members: valid UTF-8 and no NUL (AL_ENUL). */
int al_utf8_check_text(const char *s, size_t n, size_t *bad) AL_WUR;

#endif
