/* render.c: visible tokens for everything a terminal would hide or obey (see render.h). */
#include <airlock/render.h>

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <airlock/utf8.h>

/*
 * Ranges of code points with no visible glyph of their own, or that change how the text
 * around them is shown: C1 controls; every Unicode format character (Cf): soft hyphen,
 * the Arabic, Syriac and other prepended number and abbreviation marks, the Arabic letter
 * mark, zero-width and bidi controls, word joiner and invisible operators, BOM,
 * interlinear annotation, Kaithi, Egyptian hieroglyph, shorthand and musical-notation
 * format controls, tag characters; and the invisible-by-design: combining grapheme
 * joiner, Hangul fillers, Mongolian free variation selectors, Khmer inherent vowels and
 * the variation selectors with their supplement.
 */
static const uint32_t hidden[][2] = {
    {0x0080, 0x009f},   {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x0600, 0x0605},
    {0x061c, 0x061c},   {0x06dd, 0x06dd},   {0x070f, 0x070f},   {0x0890, 0x0891},
    {0x08e2, 0x08e2},   {0x115f, 0x1160},   {0x17b4, 0x17b5},   {0x180b, 0x180f},
    {0x200b, 0x200f},   {0x2028, 0x202e},   {0x2060, 0x206f},   {0x3164, 0x3164},
    {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},   {0xffa0, 0xffa0},   {0xfff0, 0xfffb},
    {0x110bd, 0x110bd}, {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
    {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
};

int
al_render_is_hidden(uint32_t cp)
{
    size_t i;

    if (cp < 0x20 || cp == 0x7f)
        return 1;
    for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        if (cp >= hidden[i][0] && cp <= hidden[i][1])
            return 1;
    return 0;
}

/*
 * Internal to this file: the piece rules of al_render_escape(), which writes text for a
 * stream (a terminal or a file) rather than for cells. Every code point that is not hidden
 * passes as it is, whatever the locale thinks of it, and tags, CR and LF are taken one by one.
 */
#define STREAM 0x100

#define TAG_FIRST 0xe0020
#define TAG_LAST 0xe007e

static void
token_done(struct al_render_piece *p, int n)
{
    p->kind = AL_PIECE_TOKEN;
    p->len = n > 0 ? (size_t)n : 0;
    p->width = (int)p->len;
}

static void
token_byte(struct al_render_piece *p, unsigned char c)
{
    static const char *const names[] = {
        ['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r", [0x1b] = "\\e", [0] = "\\0"};

    if (c < sizeof(names) / sizeof(names[0]) && names[c] != NULL)
        token_done(p, snprintf(p->text, sizeof(p->text), "%s", names[c]));
    else
        token_done(p, snprintf(p->text, sizeof(p->text), "\\x%02X", c));
}

static void
token_cp(struct al_render_piece *p, uint32_t cp)
{
    token_done(p, snprintf(p->text, sizeof(p->text), "\\u{%04X}", (unsigned)cp));
}

/* The width a terminal gives cp, or -1 when it would not print it as a glyph. */
static int
width_of(uint32_t cp, unsigned flags)
{
    if (al_render_is_hidden(cp))
        return -1;
    if ((flags & STREAM) || cp < 0x80)
        return 1;
    return wcwidth((wchar_t)cp);
}

/* A run of tag characters at s[pos..n) as one token spelling the ASCII they hide. */
static void
tag_run(const char *s, size_t n, size_t pos, struct al_render_piece *p)
{
    size_t i = pos, k, len = 0, count = 0;
    uint32_t cp;
    char c;

    memcpy(p->text, "\\tag{", 5);
    len = 5;
    while (i < n && count < AL_RENDER_TAG_MAX && (k = al_utf8_decode(s + i, n - i, &cp)) != 0 &&
           cp >= TAG_FIRST && cp <= TAG_LAST) {
        c = (char)(cp - 0xe0000);
        if (c == '}' || c == '\\')
            p->text[len++] = '\\';
        p->text[len++] = c;
        i += k;
        count++;
    }
    p->text[len++] = '}';
    p->text[len] = '\0';
    p->kind = AL_PIECE_TOKEN;
    p->len = len;
    p->width = (int)len;
    p->end = i;
}

void
al_render_next(const char *s, size_t n, size_t pos, unsigned flags, struct al_render_piece *p)
{
    unsigned char c = (unsigned char)s[pos];
    size_t k, marks;
    uint32_t cp;
    int w;

    p->start = pos;
    p->end = pos + 1;
    p->text[0] = '\0';
    if (c == '\\') {
        memcpy(p->text, "\\\\", 3);
        p->kind = AL_PIECE_TEXT;
        p->len = 2;
        p->width = 2;
        return;
    }
    if (c == '\n' && !(flags & AL_RENDER_ESCAPE_NEWLINE)) {
        p->kind = AL_PIECE_NEWLINE;
        p->len = 0;
        p->width = 0;
        return;
    }
    if (c == '\r' && pos + 1 < n && s[pos + 1] == '\n' &&
        !(flags & (AL_RENDER_ESCAPE_NEWLINE | STREAM))) {
        p->kind = AL_PIECE_NEWLINE;
        p->len = 0;
        p->width = 0;
        p->end = pos + 2;
        return;
    }
    if (c == '\t' && (flags & AL_RENDER_KEEP_TAB)) {
        p->kind = AL_PIECE_TAB;
        p->len = 0;
        p->width = 1;
        return;
    }
    if (c < 0x20 || c == 0x7f) {
        token_byte(p, c);
        return;
    }
    if (c < 0x80) {
        cp = c;
        k = 1;
    } else if ((k = al_utf8_decode(s + pos, n - pos, &cp)) == 0) {
        token_byte(p, c);
        return;
    }
    if (cp >= TAG_FIRST && cp <= TAG_LAST && !(flags & STREAM)) {
        tag_run(s, n, pos, p);
        return;
    }
    p->end = pos + k;
    if ((w = width_of(cp, flags)) <= 0) {
        /* Hidden, unprintable in this locale, or a combining mark with no base. */
        token_cp(p, cp);
        return;
    }
    memcpy(p->text, s + pos, k);
    p->len = k;
    p->kind = AL_PIECE_TEXT;
    p->width = w;
    /* Combining marks go with their base, a few of them: a pile of hundreds would paint
     * over the lines around it in some terminals; the rest become tokens one by one. */
    for (marks = 0; !(flags & STREAM) && marks < AL_RENDER_MARKS_MAX && p->end < n; marks++) {
        k = al_utf8_decode(s + p->end, n - p->end, &cp);
        if (k == 0 || cp < 0x300 || al_render_is_hidden(cp) || wcwidth((wchar_t)cp) != 0 ||
            p->len + k >= sizeof(p->text))
            break;
        memcpy(p->text + p->len, s + p->end, k);
        p->len += k;
        p->end += k;
    }
    p->text[p->len] = '\0';
}

int
al_render_escape(const char *s, size_t n, unsigned flags, struct al_buf *out)
{
    struct al_render_piece p;
    size_t i = 0;
    int r = 0;

    while (i < n && r == 0) {
        al_render_next(s, n, i, flags | STREAM, &p);
        if (p.kind == AL_PIECE_NEWLINE)
            r = al_buf_appendc(out, '\n');
        else if (p.kind == AL_PIECE_TAB)
            r = al_buf_appendc(out, '\t');
        else
            r = al_buf_append(out, p.text, p.len);
        i = p.end;
    }
    return r;
}
