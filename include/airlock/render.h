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

/*
 * The same rendering one piece at a time, for a program that draws on a screen itself and
 * must know which source bytes each cell stands for (to mark findings, to wrap lines, to
 * tell tokens apart by colour). A piece is one of:
 *
 *   AL_PIECE_TEXT     one printable character with its combining marks (at most
 *                     AL_RENDER_MARKS_MAX), or the doubled backslash; text is its UTF-8
 *   AL_PIECE_TOKEN    a visible token standing for hidden or control bytes, as above;
 *                     a run of tag characters (U+E0020..E007E) becomes one token
 *                     \tag{...} with the ASCII they spell (a } or \ in it doubled as \} \\)
 *   AL_PIECE_NEWLINE  a line break: \n, or \r\n taken together
 *   AL_PIECE_TAB      a tab, only with AL_RENDER_KEEP_TAB; the caller expands it
 *
 * Widths come from wcwidth() in the caller's locale (call setlocale() first): a code point
 * the locale does not know as printable, or a combining mark with nothing to combine with,
 * becomes a token too, so a piece's width is never negative and its text never moves the
 * cursor other than by width columns. text holds only printable characters and is
 * NUL-terminated.
 */
enum al_piece_kind {
    AL_PIECE_TEXT = 0,
    AL_PIECE_TOKEN = 1,
    AL_PIECE_NEWLINE = 2,
    AL_PIECE_TAB = 3,
};

#define AL_RENDER_MARKS_MAX 4
#define AL_RENDER_TAG_MAX 32 /* tag characters per \tag{} token */
#define AL_PIECE_MAX 80

struct al_render_piece {
    enum al_piece_kind kind;
    size_t start, end; /* the source bytes s[start..end) this piece stands for */
    int width;         /* columns (0 for a line break) */
    size_t len;        /* bytes in text */
    char text[AL_PIECE_MAX];
};

/* Renders the piece that starts at s[pos] (pos < n) into *p; p->end is where the next one
 * starts. flags: AL_RENDER_KEEP_TAB, AL_RENDER_ESCAPE_NEWLINE (no NEWLINE pieces). */
void al_render_next(const char *s, size_t n, size_t pos, unsigned flags, struct al_render_piece *p);

/* True for code points a terminal would not show as a glyph of their own. */
int al_render_is_hidden(uint32_t cp);

/* Appends the safe rendering of s[0..n) to out. */
int al_render_escape(const char *s, size_t n, unsigned flags, struct al_buf *out) AL_WUR;

#endif
