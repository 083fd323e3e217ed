/* render.c: visible tokens for everything a terminal would hide or obey (see render.h). */
#include <airlock/render.h>

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

static int
control(unsigned char c, unsigned flags, struct al_buf *out)
{
    switch (c) {
    case '\n':
        return (flags & AL_RENDER_ESCAPE_NEWLINE) ? al_buf_append(out, "\\n", 2)
                                                  : al_buf_appendc(out, '\n');
    case '\t':
        return (flags & AL_RENDER_KEEP_TAB) ? al_buf_appendc(out, '\t')
                                            : al_buf_append(out, "\\t", 2);
    case '\r':
        return al_buf_append(out, "\\r", 2);
    case 0x1b:
        return al_buf_append(out, "\\e", 2);
    case 0:
        return al_buf_append(out, "\\0", 2);
    default:
        return al_buf_printf(out, "\\x%02X", c);
    }
}

int
al_render_escape(const char *s, size_t n, unsigned flags, struct al_buf *out)
{
    size_t i = 0, k;
    uint32_t cp;
    int r = 0;

    while (i < n && r == 0) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\\') {
            r = al_buf_append(out, "\\\\", 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            r = control(c, flags, out);
            i++;
        } else if (c < 0x80) {
            r = al_buf_appendc(out, (char)c);
            i++;
        } else if ((k = al_utf8_decode(s + i, n - i, &cp)) == 0) {
            r = al_buf_printf(out, "\\x%02X", c);
            i++;
        } else {
            r = al_render_is_hidden(cp) ? al_buf_printf(out, "\\u{%04X}", (unsigned)cp)
                                        : al_buf_append(out, s + i, k);
            i += k;
        }
    }
    return r;
}
