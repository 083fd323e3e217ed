/*
 * scan_encoded.c: encoded blobs: base64 and base64url, base32, hex, percent-encoding,
 * numeric HTML character references and quoted-printable, above a length threshold.
 * Each is decoded (bounded by the layer depth and the call's decode budget) and, when it
 * decodes to text, that text is scanned again as a layer of its own, so a canary, a
 * secret, an escape or injection phrasing inside it is found. What decodes to text is
 * high (text has no reason to hide in an encoding); what decodes to binary (hashes,
 * keys, ids) is information only unless it is large.
 */
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>

#include <airlock/utf8.h>

#define BASE64_MIN 20
#define BASE32_MIN 24
#define HEX_MIN 24
#define ESCAPES_MIN 6
/* A binary blob at least this long is high anyway: a plan has no use for one. */
#define OPAQUE_MIN 256
/*
 * Runs up to this long are also tried from their second, third and fourth character and
 * around their separators (at most 36 decodes of one run); longer ones are decoded whole.
 */
#define ALIGN_TRY_MAX 4096

static int
b64_char(unsigned char ch)
{
    return al__isalnum(ch) || ch == '+' || ch == '/' || ch == '-' || ch == '_';
}

static int
b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

static size_t
decode_base64(const char *s, size_t n, unsigned char *out)
{
    unsigned acc = 0, bits = 0;
    size_t i, k = 0;
    int v;

    for (i = 0; i < n; i++) {
        if ((v = b64_value((unsigned char)s[i])) < 0)
            continue;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(acc >> bits);
        }
    }
    return k;
}

static size_t
decode_base32(const char *s, size_t n, unsigned char *out)
{
    unsigned acc = 0, bits = 0;
    size_t i, k = 0;
    int v;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)al__toupper((unsigned char)s[i]);

        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= '2' && ch <= '7')
            v = ch - '2' + 26;
        else
            continue;
        acc = (acc << 5 | (unsigned)v) & 0xffff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(acc >> bits);
        }
    }
    return k;
}

static size_t
decode_hex(const char *s, size_t n, unsigned char *out)
{
    size_t i, k = 0;

    for (i = 0; i + 1 < n; i += 2)
        out[k++] = (unsigned char)(al__hexval(s[i]) << 4 | al__hexval(s[i + 1]));
    return k;
}

/* Text: valid UTF-8, no NUL, and nine in ten characters printable or white space. */
static int
texty(const unsigned char *p, size_t n)
{
    size_t i, bad = 0;

    if (n < 4 || al_utf8_validate((const char *)p, n, NULL) != 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (p[i] == 0)
            return 0;
        bad += p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r';
    }
    return bad * 10 <= n;
}

static int
ascii_only(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return 0;
    return 1;
}

/* Reports a decoded blob and scans it again. */
static void
blob(struct al__scan_ctx *c, const char *rule, const char *name, size_t a, size_t b,
     const unsigned char *d, size_t dn, int text)
{
    enum al_severity sev = text || b - a >= OPAQUE_MIN ? AL_SEV_HIGH : AL_SEV_INFO;

    /* A JOSE (JWT) header on its own says only which algorithm is used. */
    if (text && dn >= 8 && (memcmp(d, "{\"alg\"", 6) == 0 || memcmp(d, "{\"typ\"", 6) == 0) &&
        d[dn - 1] == '}' && b - a < OPAQUE_MIN) {
        al__scan_add(c, rule, AL_SEV_INFO, a, b, (const char *)d, dn,
                     "%zu %s characters decode to a JSON Web Token header (shown)", b - a, name);
        return;
    }

    if (text) {
        al__scan_add(c, rule, sev, a, b, (const char *)d, dn,
                     "%zu %s characters decode to %zu bytes of text (shown): scanned again", b - a,
                     name, dn);
        al__scan_layer(c, (const char *)d, dn, a, b,
                       strcmp(name, "base64") == 0   ? "base64-decoded text"
                       : strcmp(name, "hex") == 0    ? "hex-decoded text"
                       : strcmp(name, "base32") == 0 ? "base32-decoded text"
                                                     : "decoded text");
    } else {
        al__scan_add(c, rule, sev, a, b, NULL, 0,
                     "%zu %s characters decode to %zu bytes of binary data (a hash, key or "
                     "id, or data hidden from the reader)",
                     b - a, name, dn);
        al__scan_canaries_binary(c, (const char *)d, dn, a, b);
    }
}

/* Tries the run and the pieces after its first separators; the first that reads as text. */
static void
base64_run(struct al__scan_ctx *c, const char *s, size_t a, size_t b, unsigned char *buf)
{
    size_t starts[9], ends[4], ns = 0, ne = 0, i, dn;
    unsigned up = 0, lo = 0, dg = 0;

    for (i = a; i < b; i++) {
        unsigned char ch = (unsigned char)s[i];

        up += al__isupper(ch) != 0;
        lo += al__islower(ch) != 0;
        dg += al__isdigit(ch) != 0;
    }
    if (!(up && lo && dg))
        return;
    starts[ns++] = a;
    /*
     * A run can begin with a letter that is not part of the blob ("\\nVE9E..." in a JSON
     * string, "id" glued on): try the next three starting points too, while the run is
     * short enough that the extra decodes stay cheap.
     */
    for (i = 1; i <= 3 && b - a <= ALIGN_TRY_MAX && b - a - i >= BASE64_MIN; i++)
        starts[ns++] = a + i;
    for (i = a; i < b && ns < 9 && b - a <= ALIGN_TRY_MAX; i++)
        if (strchr("-_/+", s[i]) && b - i - 1 >= BASE64_MIN)
            starts[ns++] = i + 1;
    ends[ne++] = b;
    for (i = b; i > a && ne < 4 && b - a <= ALIGN_TRY_MAX; i--)
        if (strchr("-_/+.", s[i - 1]) && i - 1 - a >= BASE64_MIN)
            ends[ne++] = i - 1;
    for (size_t x = 0; x < ns; x++)
        for (size_t y = 0; y < ne; y++) {
            if (ends[y] <= starts[x] || ends[y] - starts[x] < BASE64_MIN)
                continue;
            dn = decode_base64(s + starts[x], ends[y] - starts[x], buf);
            if (texty(buf, dn)) {
                blob(c, "encoded.base64", "base64", starts[x], ends[y], buf, dn, 1);
                return;
            }
        }
    dn = decode_base64(s + a, b - a, buf);
    blob(c, "encoded.base64", "base64", a, b, buf, dn, 0);
}

static void
alphabet_run(struct al__scan_ctx *c, const char *s, size_t a, size_t b, unsigned char *buf)
{
    size_t i, n = b - a, core = b, dn;
    int hex = 1, b32u = 1, b32l = 1, letters = 0, numbers = 0;

    while (core > a && s[core - 1] == '=')
        core--;
    for (i = a; i < core; i++) {
        unsigned char ch = (unsigned char)s[i];

        hex &= al__isxdigit(ch) != 0;
        b32u &= (al__isupper(ch) || (ch >= '2' && ch <= '7'));
        b32l &= (al__islower(ch) || (ch >= '2' && ch <= '7'));
        letters |= al__isalpha(ch) != 0;
        numbers |= al__isdigit(ch) != 0;
    }
    if (hex && core - a >= HEX_MIN && letters && numbers)
        return; /* the hex pass has it */
    if ((b32u || b32l) && n >= BASE32_MIN && letters && numbers) {
        dn = decode_base32(s + a, core - a, buf);
        if (texty(buf, dn)) {
            blob(c, "encoded.base32", "base32", a, b, buf, dn, 1);
            return;
        }
    }
    if (n >= BASE64_MIN)
        base64_run(c, s, a, b, buf);
}

/*
 * Hex runs: maximal runs of hex digits not inside a longer word (a prefix such as
 * "quote_" or a host's dots may surround them), with both digits and letters.
 */
static void
hex_runs(struct al__scan_ctx *c, const char *s, size_t n, unsigned char *buf)
{
    size_t i = 0, a, dn;
    int letters, numbers;

    while (i < n) {
        if (!al__isxdigit((unsigned char)s[i]) || (i > 0 && al__isalnum((unsigned char)s[i - 1]))) {
            i++;
            continue;
        }
        a = i;
        letters = numbers = 0;
        while (i < n && al__isxdigit((unsigned char)s[i])) {
            letters |= al__isalpha((unsigned char)s[i]) != 0;
            numbers |= al__isdigit((unsigned char)s[i]) != 0;
            i++;
        }
        if (i < n && al__isalnum((unsigned char)s[i]))
            continue;
        /*
         * Digits alone are numbers, except in long runs: a hex-encoded ASCII string with no
         * letter among its digits (digits encode as 3x) is still text.
         */
        if (i - a >= HEX_MIN && numbers && (letters || i - a >= 32)) {
            size_t e = a + ((i - a) & ~(size_t)1);

            dn = decode_hex(s + a, e - a, buf);
            if (letters || texty(buf, dn))
                blob(c, "encoded.hex", "hex", a, e, buf, dn, texty(buf, dn));
        }
    }
}

/* %XX, &#NN; or =XX runs from s[i]: decodes them; returns the run's end. */
static size_t
escapes(const char *s, size_t n, size_t i, char kind, unsigned char *out, size_t *dn,
        unsigned *count)
{
    size_t j = i, k = 0;
    unsigned v;

    *count = 0;
    while (j < n) {
        if (kind != '&' && s[j] == kind && j + 2 < n && al__hexval(s[j + 1]) >= 0 &&
            al__hexval(s[j + 2]) >= 0 && (kind == '%' || !al__islower((unsigned char)s[j + 1]))) {
            out[k++] = (unsigned char)(al__hexval(s[j + 1]) << 4 | al__hexval(s[j + 2]));
            j += 3;
        } else if (kind == '&' && s[j] == '&' && j + 3 < n && s[j + 1] == '#') {
            size_t e = j + 2;
            int hx = s[e] == 'x' || s[e] == 'X';
            char enc[4];
            size_t el = 0;

            v = 0;
            for (e += hx; e < n && e - j < 12 && s[e] != ';'; e++) {
                int d =
                    hx ? al__hexval(s[e]) : (al__isdigit((unsigned char)s[e]) ? s[e] - '0' : -1);

                if (d < 0)
                    break;
                v = v * (hx ? 16u : 10u) + (unsigned)d;
            }
            if (e >= n || s[e] != ';' || e == j + 2 + (size_t)hx || v == 0 || v > 0x10ffff ||
                (v >= 0xd800 && v < 0xe000))
                break;
            /* UTF-8 of v */
            if (v < 0x80) {
                enc[el++] = (char)v;
            } else if (v < 0x800) {
                enc[el++] = (char)(0xc0 | v >> 6);
                enc[el++] = (char)(0x80 | (v & 63));
            } else if (v < 0x10000) {
                enc[el++] = (char)(0xe0 | v >> 12);
                enc[el++] = (char)(0x80 | (v >> 6 & 63));
                enc[el++] = (char)(0x80 | (v & 63));
            } else {
                enc[el++] = (char)(0xf0 | v >> 18);
                enc[el++] = (char)(0x80 | (v >> 12 & 63));
                enc[el++] = (char)(0x80 | (v >> 6 & 63));
                enc[el++] = (char)(0x80 | (v & 63));
            }
            memcpy(out + k, enc, el);
            k += el;
            j = e + 1;
        } else {
            break;
        }
        (*count)++;
    }
    *dn = k;
    return j;
}

static void
escape_runs(struct al__scan_ctx *c, const char *s, size_t n, unsigned char *buf)
{
    size_t i = 0, e, dn;
    unsigned count;
    char kind;

    while (i < n) {
        kind = s[i];
        if (!(kind == '%' || kind == '&' || kind == '=')) {
            i++;
            continue;
        }
        e = escapes(s, n, i, kind, buf, &dn, &count);
        if (count >= ESCAPES_MIN) {
            int ascii = ascii_only(buf, dn) && texty(buf, dn);
            const char *rule = kind == '%'   ? "encoded.percent"
                               : kind == '&' ? "encoded.html_entity"
                                             : "encoded.quoted_printable";
            const char *name = kind == '%'   ? "percent-escaped"
                               : kind == '&' ? "character-reference"
                                             : "quoted-printable";

            if (ascii) {
                blob(c, rule, name, i, e, buf, dn, 1);
            } else {
                /* Encoded non-ASCII text (a Cyrillic path, CJK entities) is ordinary. */
                al__scan_add(c, rule, AL_SEV_INFO, i, e, texty(buf, dn) ? (char *)buf : NULL, dn,
                             "%u %s escapes of non-ASCII text", count, name);
            }
        }
        i = e > i ? e : i + 1;
    }
}

void
al__scan_encoded(struct al__scan_ctx *c, const char *s, size_t n)
{
    unsigned char *buf = malloc(n + 1);
    size_t i = 0, a;

    if (buf == NULL) {
        c->failed = 1;
        return;
    }
    while (i < n) {
        if (!b64_char((unsigned char)s[i])) {
            i++;
            continue;
        }
        a = i;
        while (i < n && b64_char((unsigned char)s[i]))
            i++;
        for (size_t pad = 0; pad < 2 && i < n && s[i] == '='; pad++)
            i++;
        if (i - a >= BASE64_MIN)
            alphabet_run(c, s, a, i, buf);
    }
    hex_runs(c, s, n, buf);
    escape_runs(c, s, n, buf);
    free(buf);
}
