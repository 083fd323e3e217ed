/*
 * scan_chars.c: characters a person cannot see or a terminal would obey: C0 and C1
 * controls, ESC sequences (named: CSI, OSC 8 hyperlinks, OSC 52 clipboard, DCS, APC, ...),
 * bare CR and backspace (overprinting), tag characters (decoded; a well-formed subdivision
 * flag is legitimate), zero-width and other format characters (emoji ZWJ sequences and
 * joiners in scripts that spell with them are legitimate), bidi controls (shown in display
 * order), variation-selector runs (decoded), private-use, unassigned and non-characters,
 * invalid UTF-8, and content pushed below the fold with blank lines or spaces.
 */
#include "scan_internal.h"

#include <stdio.h>
#include <string.h>

#include <airlock/utf8.h>

#define BLANK_LINES_MIN 20
#define SPACE_RUN_MIN 200
/* An ESC string (OSC, DCS, ...) longer than this is reported up to here. */
#define ESC_STRING_MAX 4096
/* Zero-width characters this close together are one finding. */
#define ZW_GAP 4

static const char *const c0_names[32] = {
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT",  "LF",
    "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
    "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US",
};

/* What an OSC command number does, for the message. */
static const char *
osc_name(unsigned num, const char *body, size_t blen)
{
    switch (num) {
    case 0:
    case 1:
    case 2:
        return "sets the window or icon title";
    case 4:
    case 10:
    case 11:
    case 12:
    case 104:
        return "changes or queries the palette colours";
    case 7:
        return "reports a working directory";
    case 8:
        return "hyperlink: the text shown need not be where it leads";
    case 9:
    case 777:
        return "desktop notification";
    case 52:
        /* OSC 52 ; selection ; data: "?" asks the terminal to send the clipboard back. */
        return blen > 0 && body[blen - 1] == '?' ? "clipboard READ (the terminal types it back)"
                                                 : "clipboard write";
    case 1337:
        return "iTerm2 command (file transfer, ...)";
    default:
        return "operating system command";
    }
}

static const char *
csi_name(unsigned char final, const char *params, size_t plen)
{
    switch (final) {
    case 'm':
        return memchr(params, '8', plen) ? "SGR attributes (may conceal text)"
                                         : "SGR colours or attributes";
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
    case 'G':
    case 'H':
    case 'f':
    case 'd':
        return "moves the cursor (text can be overwritten)";
    case 'J':
    case 'K':
    case 'X':
    case 'P':
        return "erases the screen or line";
    case 'h':
    case 'l':
        return "changes a terminal mode";
    case 'n':
    case 'c':
        return "asks the terminal to answer (input injection)";
    case 't':
        return "window operation";
    case 'q':
        return "cursor style or LEDs";
    case 'r':
        return "sets the scrolling region";
    default:
        return "control sequence";
    }
}

/* Reports the ESC sequence at s[i] and returns its length. */
static size_t
esc_sequence(struct al__scan_ctx *c, const char *s, size_t n, size_t i)
{
    size_t j = i + 1, a, cap;
    unsigned num = 0;
    unsigned char b;
    char what[96];

    if (j >= n) {
        al__scan_add(c, "control.esc", AL_SEV_BLOCK, i, j, s + i, 1, "ESC at the end of the text");
        return 1;
    }
    b = (unsigned char)s[j];
    cap = n - i < ESC_STRING_MAX ? n : i + ESC_STRING_MAX;
    if (b == '[') {
        a = ++j;
        while (j < cap && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x3f)
            j++;
        if (j < cap && (unsigned char)s[j] >= 0x40 && (unsigned char)s[j] <= 0x7e) {
            snprintf(what, sizeof(what), "CSI %s", csi_name((unsigned char)s[j], s + a, j - a));
            j++;
        } else {
            snprintf(what, sizeof(what), "unterminated CSI");
        }
    } else if (b == ']' || b == 'P' || b == '_' || b == '^' || b == 'X') {
        a = ++j;
        if (b == ']')
            while (j < cap && s[j] >= '0' && s[j] <= '9' && num < 100000)
                num = num * 10 + (unsigned)(s[j++] - '0');
        while (j < cap && s[j] != '\a' && s[j] != 0x1b && (unsigned char)s[j] != 0x9c &&
               !(j + 1 < cap && (unsigned char)s[j] == 0xc2 && (unsigned char)s[j + 1] == 0x9c))
            j++;
        if (b == ']')
            snprintf(what, sizeof(what), "OSC %u: %s", num, osc_name(num, s + a, j - a));
        else
            snprintf(what, sizeof(what), "%s string (passed to the terminal)",
                     b == 'P'   ? "DCS"
                     : b == '_' ? "APC"
                     : b == '^' ? "PM"
                                : "SOS");
        if (j < cap && s[j] == '\a')
            j++;
        else if (j + 1 < cap && s[j] == 0x1b && s[j + 1] == '\\')
            j += 2;
        else if (j + 1 < cap && (unsigned char)s[j] == 0xc2)
            j += 2;
    } else if (b == '(' || b == ')' || b == '*' || b == '+' || b == '-' || b == '.' || b == '#' ||
               b == '%' || b == ' ') {
        j = j + 2 <= n ? j + 2 : n;
        snprintf(what, sizeof(what), "%s",
                 b == '#' ? "DEC line or screen operation" : "character set designation");
    } else {
        j++;
        snprintf(what, sizeof(what), "%s",
                 b == 'c'               ? "full terminal reset"
                 : b == 'M'             ? "reverse index (moves the cursor up)"
                 : b == '7' || b == '8' ? "saves or restores the cursor (overwrite)"
                                        : "escape sequence");
    }
    al__scan_add(c, "control.esc", AL_SEV_BLOCK, i, j, s + i, j - i, "terminal escape sequence: %s",
                 what);
    /* A BEL (or other C0) inside the sequence, as its terminator: reported as itself too. */
    for (a = i + 1; a < j; a++)
        if ((unsigned char)s[a] < 0x20 && s[a] != 0x1b)
            al__scan_add(c, "control.c0", AL_SEV_BLOCK, a, a + 1, NULL, 0,
                         "control character %s (0x%02X) inside an escape sequence",
                         c0_names[(unsigned char)s[a]], (unsigned char)s[a]);
    return j - i;
}

static const char *
c1_name(uint32_t cp)
{
    switch (cp) {
    case 0x9b:
        return "CSI (8-bit control sequence introducer)";
    case 0x9d:
        return "OSC (8-bit operating system command)";
    case 0x90:
        return "DCS (8-bit device control string)";
    case 0x9c:
        return "ST (8-bit string terminator)";
    case 0x85:
        return "NEL (next line)";
    case 0x9e:
    case 0x9f:
        return "PM/APC (8-bit)";
    default:
        return "C1 control";
    }
}

static int
zero_width(uint32_t cp)
{
    return (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
           cp == 0x180e || cp == 0x00ad || cp == 0x034f || cp == 0x115f || cp == 0x1160 ||
           cp == 0x3164 || cp == 0xffa0 || cp == 0x17b4 || cp == 0x17b5;
}

static int
bidi_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static int
variation_selector(uint32_t cp)
{
    return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

static int
noncharacter(uint32_t cp)
{
    return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/* The code point at s[i] (0 at the end or on a bad byte); *k its length. */
static uint32_t
cp_at(const char *s, size_t n, size_t i, size_t *k)
{
    uint32_t cp = 0;

    *k = i < n ? al_utf8_decode(s + i, n - i, &cp) : 0;
    return *k ? cp : 0;
}

/* Emoji, or the modifiers and selectors that stay inside an emoji sequence. */
static int
emoji_part(uint32_t cp)
{
    return cp == 0xfe0f || (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp == 0x20e3 || al__uc_is_emoji(cp);
}

/*
 * Text written in invisible characters (a binary code of zero-width characters, tag
 * characters carrying ASCII) is high coming in, where the reader sees it decoded and may
 * still want the page. Going out it is block: a person cannot check what they cannot see,
 * and a rubber-stamp confirmation of a high finding is exactly how it would leave
 * (docs/bench-attacks.md measured that). Plain words are the only way out.
 */
static enum al_severity
hidden_text_severity(const struct al__scan_ctx *c)
{
    return c->o->direction == AL_SCAN_OUT ? AL_SEV_BLOCK : AL_SEV_HIGH;
}

/* Whether the n bytes decoded from a zero-width code are UTF-8 text; when they filled the
 * buffer (of cap bytes), a character cut in two at the end is allowed. */
static int
hidden_utf8(const unsigned char *b, size_t n, size_t cap)
{
    size_t bad;

    if (al_utf8_validate((const char *)b, n, &bad) == 0)
        return 1;
    return n == cap && bad + 4 > n && (b[bad] & 0xc0) == 0xc0;
}

/*
 * A run of zero-width characters: decoded when it is a binary code (two of the
 * characters standing for 0 and 1, others as separators), and scanned again as text;
 * otherwise shown as the text it is woven through with the invisible characters removed.
 */
static void
zw_report(struct al__scan_ctx *c, const char *s, size_t n, size_t a, size_t b, unsigned count)
{
    char vis[AL__SCAN_VISIBLE_MAX + 8];
    unsigned char bytes[1024];
    size_t i = a, k, vn = 0, nb = 0, va, vb;
    unsigned bits = 0, acc = 0, textual = 0, other = 0;
    uint32_t cp, zero = 0, one = 0;
    int order;

    /* The two most common of U+200B/200C/200D stand for the bits. */
    for (order = 0; order < 2; order++) {
        zero = order ? 0x200c : 0x200b;
        one = order ? 0x200b : 0x200c;
        nb = bits = acc = textual = other = 0;
        for (i = a; i < b && nb < sizeof(bytes); i += k ? k : 1) {
            cp = cp_at(s, b, i, &k);
            if (cp == zero || cp == one) {
                acc = acc << 1 | (cp == one);
                if (++bits == 8) {
                    bytes[nb++] = (unsigned char)acc;
                    /* Text of more than one line counts too: a whole file hidden this
                     * way must be decoded, or a canary in it would cross unseen. */
                    textual +=
                        (acc >= 0x20 && acc != 0x7f) || acc == '\n' || acc == '\t' || acc == '\r';
                    bits = acc = 0;
                }
            } else if (!zero_width(cp)) {
                other++;
            }
        }
        if (other == 0 && nb >= 2 && textual == nb && hidden_utf8(bytes, nb, sizeof(bytes)))
            break;
    }
    if (order < 2) {
        al__scan_add(c, "unicode.zero_width", hidden_text_severity(c), a, b, (const char *)bytes,
                     nb,
                     "%u zero-width characters encode %zu bytes of hidden text (U+%04X = 0, "
                     "U+%04X = 1)",
                     count, nb, (unsigned)zero, (unsigned)one);
        al__scan_layer(c, (const char *)bytes, nb, a, b, "text hidden in zero-width characters");
        return;
    }
    /* Show the whole words the characters are woven through. */
    for (va = a; va > 0 && a - va < 64 && !al__isspace((unsigned char)s[va - 1]); va--)
        ;
    for (vb = b; vb < n && vb - b < 64 && !al__isspace((unsigned char)s[vb]); vb++)
        ;
    for (i = va; i < vb && vn < AL__SCAN_VISIBLE_MAX; i += k ? k : 1) {
        cp = cp_at(s, vb, i, &k);
        if (k == 0 || zero_width(cp))
            continue;
        memcpy(vis + vn, s + i, k < AL__SCAN_VISIBLE_MAX - vn ? k : AL__SCAN_VISIBLE_MAX - vn);
        vn += k;
    }
    al__scan_add(c, "unicode.zero_width", AL_SEV_HIGH, a, b, vn ? vis : NULL, vn,
                 "%u invisible zero-width or filler character%s%s", count, count == 1 ? "" : "s",
                 vn ? " woven through the text shown" : "");
}

/* Tag characters from s[i]; returns the run's length in bytes. */
static size_t
tag_run(struct al__scan_ctx *c, const char *s, size_t n, size_t i, uint32_t prev)
{
    char vis[AL__SCAN_VISIBLE_MAX + 8];
    size_t j = i, k, vn = 0;
    unsigned count = 0, flag_letters = 0;
    int flag_shape = 1, terminated = 0;
    uint32_t cp;

    while (j < n && (cp = cp_at(s, n, j, &k)) >= 0xe0000 && cp <= 0xe007f) {
        count++;
        if (terminated)
            flag_shape = 0;
        if (cp == 0xe007f)
            terminated = 1;
        else if ((cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a))
            flag_letters++;
        else
            flag_shape = 0;
        if (cp >= 0xe0020 && cp <= 0xe007e && vn < AL__SCAN_VISIBLE_MAX)
            vis[vn++] = (char)(cp - 0xe0000);
        j += k;
    }
    /* U+1F3F4, 2 to 6 tag letters or digits, CANCEL TAG: a subdivision flag (England). */
    if (prev == 0x1f3f4 && flag_shape && terminated && flag_letters >= 2 && flag_letters <= 6)
        return j - i;
    al__scan_add(c, "unicode.tag", vn >= 2 ? hidden_text_severity(c) : AL_SEV_HIGH, i, j,
                 vn ? vis : NULL, vn, "%u invisible Unicode tag characters%s", count,
                 vn ? " carrying the ASCII text shown" : "");
    return j - i;
}

/* Variation selectors from s[i]; returns the run's length in bytes. */
static size_t
vs_run(struct al__scan_ctx *c, const char *s, size_t n, size_t i, uint32_t prev)
{
    char vis[AL__SCAN_VISIBLE_MAX + 8];
    size_t j = i, k, vn = 0;
    unsigned count = 0, printable = 0, supplement = 0, low = 0;
    uint32_t cp;
    unsigned v;

    while (j < n && variation_selector(cp = cp_at(s, n, j, &k))) {
        count++;
        v = cp >= 0xe0100 ? cp - 0xe0100 + 16 : cp - 0xfe00;
        supplement += cp >= 0xe0100;
        low += cp <= 0xfe0d;
        printable += v >= 0x20 && v < 0x7f;
        if (vn < AL__SCAN_VISIBLE_MAX)
            vis[vn++] = (char)v;
        j += k;
    }
    if (count >= 2 || (supplement && !al__uc_is_ideograph(prev)) ||
        (low && prev < 0x80 &&
         ((prev | 0x20) >= 'a' && (prev | 0x20) <= 'z' ? 1 : (prev >= '0' && prev <= '9'))))
        al__scan_add(c, "unicode.variation_selector", AL_SEV_HIGH, i, j,
                     count >= 2 && printable * 2 >= count ? vis : NULL, vn,
                     "%u variation selector%s where none belongs%s", count, count == 1 ? "" : "s",
                     count >= 2 && printable * 2 >= count ? " (as bytes they spell the text shown)"
                                                          : "");
    if (count >= 2 && printable == count)
        al__scan_layer(c, vis, vn, i, j, "text hidden in variation selectors");
    return j - i;
}

/*
 * The bidi control at s[i]: shows what the reader sees up to its closing PDF or PDI or the
 * end of the line. Returns the offset of the closing control it took in, or (size_t)-1.
 */
static size_t
bidi(struct al__scan_ctx *c, const char *s, size_t n, size_t i, uint32_t cp, size_t k)
{
    char vis[AL__SCAN_VISIBLE_MAX + 8];
    size_t e = i + k, vn = 0, p, kk = 0, closer = (size_t)-1;
    uint32_t x = 0;

    /* Past the rule's cap the finding is only counted: skip the look-ahead. */
    if (al__scan_full(c, "unicode.bidi")) {
        al__scan_add(c, "unicode.bidi", AL_SEV_HIGH, i, i + k, NULL, 0, "bidi control");
        return closer;
    }
    while (e < n && s[e] != '\n' && e - i < 4096) {
        x = cp_at(s, n, e, &kk);
        if (kk == 0 || x == 0x202c || x == 0x2069)
            break;
        e += kk;
    }
    if (cp == 0x202e || cp == 0x202b) {
        /* Display order of an override: the characters reversed. */
        for (p = e; p > i + k && vn + 4 < AL__SCAN_VISIBLE_MAX;) {
            size_t q = p - 1;

            while (q > i + k && ((unsigned char)s[q] & 0xc0) == 0x80)
                q--;
            memcpy(vis + vn, s + q, p - q);
            vn += p - q;
            p = q;
        }
    }
    /* The range ends after the closing PDF or PDI when there is one. */
    if (e < n && kk > 0 && (x == 0x202c || x == 0x2069) && cp != 0x202c && cp != 0x2069) {
        closer = e;
        e += kk;
    }
    al__scan_add(c, "unicode.bidi", AL_SEV_HIGH, i, e, vn ? vis : NULL, vn,
                 "bidi control U+%04X %s%s", (unsigned)cp,
                 cp == 0x202c || cp == 0x2069 ? "closes a reordering it did not open"
                                              : "reorders the text after it",
                 vn ? " (as displayed it reads as shown)" : "");
    return closer;
}

/* The implicit marks (LRM, RLM, ALM): ordinary next to right-to-left text. */
static void
bidi_mark(struct al__scan_ctx *c, const char *s, size_t n, size_t i, uint32_t cp, size_t k)
{
    size_t a = i > 64 ? i - 64 : 0, b = i + k + 64 < n ? i + k + 64 : n, j, kk;
    uint32_t x;
    int rtl = 0;

    for (j = a; j < b && !rtl; j += kk ? kk : 1) {
        x = cp_at(s, n, j, &kk);
        rtl = kk && x != 0x200e && x != 0x200f && x != 0x061c && al__uc_is_rtl(x);
    }
    al__scan_add(c, "unicode.bidi", rtl ? AL_SEV_INFO : AL_SEV_HIGH, i, i + k, NULL, 0,
                 "invisible direction mark U+%04X%s", (unsigned)cp,
                 rtl ? " next to right-to-left text" : " with no right-to-left text near it");
}

struct zw {
    size_t a, b;
    unsigned count;
};

static void
zw_flush(struct al__scan_ctx *c, const char *s, size_t n, struct zw *z)
{
    if (z->count)
        zw_report(c, s, n, z->a, z->b, z->count);
    z->count = 0;
}

void
al__scan_chars(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct zw z = {0, 0, 0};
    size_t i = 0, k, run_a = 0, blank_a = 0, line_a = 0, bs_a = 0, closer = (size_t)-1;
    unsigned spaces = 0, blank_lines = 0, bs = 0;
    int line_blank = 1;
    uint32_t cp, prev = 0, next;

    while (i <= n) {
        unsigned char ch = i < n ? (unsigned char)s[i] : '\n';

        if (z.count && i >= z.b + ZW_GAP)
            zw_flush(c, s, n, &z);
        if (bs && !(i < n && (ch == 0x08 || ch == 0x7f))) {
            al__scan_add(c, "control.backspace", AL_SEV_HIGH, bs_a, i, NULL, 0,
                         "%u backspace or DEL character%s (text printed over other text)", bs,
                         bs == 1 ? "" : "s");
            bs = 0;
        }
        if (ch == ' ' || ch == '\t') {
            if (spaces++ == 0)
                run_a = i;
            i++;
            prev = ch;
            continue;
        }
        if (spaces >= SPACE_RUN_MIN)
            al__scan_add(c, "layout.whitespace_run", AL_SEV_HIGH, run_a, i, NULL, 0,
                         "%u spaces or tabs in a row push what follows out of view", spaces);
        spaces = 0;
        if (ch == '\n' || (ch == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            if (ch == '\r')
                i++;
            if (line_blank) {
                if (blank_lines++ == 0)
                    blank_a = line_a;
            } else {
                blank_lines = 0;
            }
            line_blank = 1;
            line_a = ++i;
            prev = '\n';
            if (i > n)
                break;
            continue;
        }
        if (blank_lines >= BLANK_LINES_MIN)
            al__scan_add(c, "layout.whitespace_run", AL_SEV_HIGH, blank_a, line_a, NULL, 0,
                         "%u blank lines in a row push what follows out of view", blank_lines);
        blank_lines = 0;
        line_blank = 0;
        if (ch >= 0x20 && ch < 0x7f) {
            prev = ch;
            i++;
            continue;
        }
        if (ch < 0x80) {
            if (ch == 0x1b) {
                i += esc_sequence(c, s, n, i);
            } else if (ch == '\r') {
                al__scan_add(c, "control.bare_cr", AL_SEV_HIGH, i, i + 1, NULL, 0,
                             "carriage return without a line feed: what follows is printed "
                             "over the start of the line");
                i++;
            } else if (ch == 0x08 || ch == 0x7f) {
                if (bs++ == 0)
                    bs_a = i;
                i++;
            } else {
                al__scan_add(c, "control.c0", AL_SEV_BLOCK, i, i + 1, NULL, 0,
                             "control character %s (0x%02X)", c0_names[ch], ch);
                i++;
            }
            prev = ch;
            continue;
        }
        if ((k = al_utf8_decode(s + i, n - i, &cp)) == 0) {
            al__scan_add(c, "unicode.invalid", AL_SEV_BLOCK, i, i + 1, NULL, 0,
                         "byte 0x%02X is not valid UTF-8", ch);
            i++;
            prev = 0xfffd;
            continue;
        }
        if (cp <= 0x9f) {
            al__scan_add(c, "control.c1", AL_SEV_BLOCK, i, i + k, NULL, 0, "C1 control U+%04X: %s",
                         (unsigned)cp, c1_name(cp));
        } else if (cp >= 0xe0000 && cp <= 0xe007f) {
            k = tag_run(c, s, n, i, prev);
        } else if (zero_width(cp)) {
            next = cp_at(s, n, i + k, &(size_t){0});
            if (cp == 0x200d && emoji_part(prev) && al__uc_is_emoji(next)) {
                /* inside an emoji ZWJ sequence */
            } else if ((cp == 0x200c || cp == 0x200d) && al__uc_joining_script(prev) &&
                       al__uc_joining_script(next)) {
                al__scan_add(c, "unicode.zero_width", AL_SEV_INFO, i, i + k, NULL, 0,
                             "joiner U+%04X inside a word of a script that uses it", (unsigned)cp);
            } else if (cp == 0xfeff && i == 0) {
                al__scan_add(c, "unicode.zero_width", AL_SEV_INFO, i, i + k, NULL, 0,
                             "byte order mark at the start of the text");
            } else {
                if (z.count == 0)
                    z.a = i;
                z.b = i + k;
                z.count++;
            }
        } else if (bidi_control(cp)) {
            if (i != closer)
                closer = bidi(c, s, n, i, cp, k);
        } else if (cp == 0x200e || cp == 0x200f || cp == 0x061c) {
            bidi_mark(c, s, n, i, cp, k);
        } else if (variation_selector(cp)) {
            k = vs_run(c, s, n, i, prev);
        } else if (noncharacter(cp)) {
            al__scan_add(c, "unicode.noncharacter", AL_SEV_HIGH, i, i + k, NULL, 0,
                         "noncharacter U+%04X (never text)", (unsigned)cp);
        } else if (al__uc_is_private(cp)) {
            al__scan_add(c, "unicode.private_use", AL_SEV_HIGH, i, i + k, NULL, 0,
                         "private-use character U+%04X (no agreed meaning or glyph)", (unsigned)cp);
        } else if (al__uc_is_unassigned(cp)) {
            al__scan_add(c, "unicode.unassigned", AL_SEV_HIGH, i, i + k, NULL, 0,
                         "unassigned code point U+%04X", (unsigned)cp);
        } else if (al__uc_is_format(cp) || cp == 0x2028 || cp == 0x2029) {
            /* Interlinear annotations hide their text; the number marks are spelling. */
            al__scan_add(c, "unicode.format",
                         cp >= 0xfff9 && cp <= 0xfffb ? AL_SEV_HIGH : AL_SEV_INFO, i, i + k, NULL,
                         0, "invisible format character U+%04X", (unsigned)cp);
        }
        prev = cp;
        i += k;
    }
    zw_flush(c, s, n, &z);
}
