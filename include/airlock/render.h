/*
 * render.h: turning untrusted text into bytes that are safe to put on a terminal.
 *
 * Plan text is never written raw. Every control character, every invisible or
 * direction-changing code point and every byte that is not valid UTF-8 becomes a visible
 * token, and a literal backslash is doubled so that a token can never be forged by text:
 *
 *   \\        a literal backslash        \n  kept as a line break
 *   \t        a tab (unless AL_RENDER_KEEP_TAB)
 *   \r \e \0  CR, ESC, NUL; other C0 and DEL as \xNN
 *   \u{202E}  an invisible, format, bidi, tag or C1 code point
 *   \xNN      a byte that is not part of valid UTF-8
 */
#ifndef AIRLOCK_RENDER_H
#define AIRLOCK_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/buf.h>

#define AL_RENDER_KEEP_TAB 0x1
#define AL_RENDER_ESCAPE_NEWLINE 0x2 /* for one-line fields such as the task or a path */

/* True for code points a terminal would not show as a glyph of their own. */
int al_render_is_hidden(uint32_t cp);

/* Appends the safe rendering of s[0..n) to out. */
int al_render_escape(const char *s, size_t n, unsigned flags, struct al_buf *out) AL_WUR;

#endif
