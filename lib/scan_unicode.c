/*
 * scan_unicode.c: the Unicode properties the scanner needs, all from ICU (no tables of our
 * own), and the two rules built on them: unicode.nfkc (compatibility forms that fold to
 * ASCII letters: fullwidth, mathematical, enclosed, ligatures) and unicode.confusable
 * (tokens, hosts and e-mail addresses that mix Latin with Cyrillic, Greek, Armenian or
 * Cherokee letters, UTS #39).
 */
#include "scan_internal.h"

#include <pthread.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <airlock/utf8.h>

static pthread_once_t icu_once = PTHREAD_ONCE_INIT;
static const UNormalizer2 *nfkc;
static USpoofChecker *spoof;

/* ICU's singletons live for the process: nothing to close. */
static void
icu_init(void)
{
    UErrorCode err = U_ZERO_ERROR;

    nfkc = unorm2_getNFKCInstance(&err);
    if (U_FAILURE(err))
        nfkc = NULL;
    err = U_ZERO_ERROR;
    spoof = uspoof_open(&err);
    if (U_FAILURE(err))
        spoof = NULL;
}

int
al__uc_is_emoji(uint32_t cp)
{
    return u_hasBinaryProperty((UChar32)cp, UCHAR_EXTENDED_PICTOGRAPHIC) ||
           u_hasBinaryProperty((UChar32)cp, UCHAR_EMOJI_PRESENTATION) ||
           u_hasBinaryProperty((UChar32)cp, UCHAR_EMOJI_MODIFIER) ||
           u_hasBinaryProperty((UChar32)cp, UCHAR_REGIONAL_INDICATOR);
}

int
al__uc_is_ideograph(uint32_t cp)
{
    return u_hasBinaryProperty((UChar32)cp, UCHAR_IDEOGRAPHIC) ||
           u_hasBinaryProperty((UChar32)cp, UCHAR_UNIFIED_IDEOGRAPH);
}

int
al__uc_is_rtl(uint32_t cp)
{
    UCharDirection d = u_charDirection((UChar32)cp);

    return d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC;
}

int
al__uc_is_format(uint32_t cp)
{
    return u_charType((UChar32)cp) == U_FORMAT_CHAR;
}

int
al__uc_is_unassigned(uint32_t cp)
{
    return u_charType((UChar32)cp) == U_UNASSIGNED &&
           !u_hasBinaryProperty((UChar32)cp, UCHAR_NONCHARACTER_CODE_POINT);
}

int
al__uc_is_private(uint32_t cp)
{
    return u_charType((UChar32)cp) == U_PRIVATE_USE_CHAR;
}

int
al__uc_is_letter(uint32_t cp)
{
    return u_isUAlphabetic((UChar32)cp) || u_isdigit((UChar32)cp);
}

/* Scripts written with joiners as part of ordinary spelling. */
int
al__uc_joining_script(uint32_t cp)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript((UChar32)cp, &err);

    if (U_FAILURE(err))
        return 0;
    switch (sc) {
    case USCRIPT_ARABIC:
    case USCRIPT_SYRIAC:
    case USCRIPT_DEVANAGARI:
    case USCRIPT_BENGALI:
    case USCRIPT_GURMUKHI:
    case USCRIPT_GUJARATI:
    case USCRIPT_ORIYA:
    case USCRIPT_TAMIL:
    case USCRIPT_TELUGU:
    case USCRIPT_KANNADA:
    case USCRIPT_MALAYALAM:
    case USCRIPT_SINHALA:
    case USCRIPT_MONGOLIAN:
    case USCRIPT_NKO:
        return 1;
    default:
        return 0;
    }
}

/* Writes the UTF-16 string u[0..n) to out if it is all ASCII and fits; its length or 0. */
static size_t
ascii_of(const UChar *u, int32_t n, char out[8])
{
    int32_t i;

    if (n <= 0 || n > 8)
        return 0;
    for (i = 0; i < n; i++) {
        if (u[i] >= 0x80 || u[i] < 0x20)
            return 0;
        out[i] = (char)u[i];
    }
    return (size_t)n;
}

static UScriptCode
script_of(uint32_t cp)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript((UChar32)cp, &err);

    return U_FAILURE(err) ? USCRIPT_INVALID_CODE : sc;
}

/* Scripts whose letters are commonly used as stand-ins for Latin ones. */
static int
lookalike_script(UScriptCode sc)
{
    return sc == USCRIPT_CYRILLIC || sc == USCRIPT_GREEK || sc == USCRIPT_ARMENIAN ||
           sc == USCRIPT_CHEROKEE || sc == USCRIPT_COPTIC;
}

/* The ASCII that NFKC alone makes of cp, or 0. */
static size_t
nfkc_ascii(uint32_t cp, char out[8])
{
    UErrorCode err = U_ZERO_ERROR;
    UChar d[16];
    int32_t n;

    pthread_once(&icu_once, icu_init);
    if (nfkc == NULL || cp < 0x80)
        return 0;
    n = unorm2_getDecomposition(nfkc, (UChar32)cp, d, 16, &err);
    if (U_FAILURE(err) || n <= 0)
        return 0;
    return ascii_of(d, n, out);
}

size_t
al__uc_ascii_fold(uint32_t cp, char out[8])
{
    UErrorCode err = U_ZERO_ERROR;
    UChar in[2], d[16];
    int32_t n, k = 0;
    size_t m;
    UScriptCode sc;
    int upper;

    if (cp < 0x80)
        return 0;
    if ((m = nfkc_ascii(cp, out)) > 0)
        return m;
    sc = script_of(cp);
    if (spoof == NULL || !(lookalike_script(sc) || sc == USCRIPT_LATIN))
        return 0;
    /*
     * UTS #39 skeletons fold every I-like capital to "l" (it is aimed at identifiers): a
     * capital that looks like I is read as I here, so that "ІGNORE" reads as "IGNORE".
     */
    upper = u_isupper((UChar32)cp);
    if (cp > 0xffff) {
        in[k++] = (UChar)(0xd7c0 + (cp >> 10));
        in[k++] = (UChar)(0xdc00 | (cp & 0x3ff));
    } else {
        in[k++] = (UChar)cp;
    }
    n = uspoof_getSkeleton(spoof, 0, in, k, d, 16, &err);
    if (U_FAILURE(err) || (m = ascii_of(d, n, out)) == 0)
        return 0;
    for (k = 0; upper && k < (int32_t)m; k++)
        if (out[k] == 'l')
            out[k] = 'I';
    return m;
}

/* ---- unicode.nfkc ---- */

static void
nfkc_run(struct al__scan_ctx *c, const char *s, size_t a, size_t b, unsigned letters, int fullwidth,
         const char *folded, size_t fn)
{
    if (letters >= 3)
        al__scan_add(c, "unicode.nfkc", AL_SEV_HIGH, a, b, folded, fn,
                     "%u letters in compatibility forms (fullwidth, mathematical, enclosed or "
                     "ligature) that NFKC turns into ASCII: text made to look different to a "
                     "person than to a program",
                     letters);
    else
        al__scan_add(c, "unicode.nfkc", AL_SEV_INFO, a, b, folded, fn,
                     "compatibility characters that NFKC folds (%s)",
                     fullwidth && letters == 0 ? "fullwidth forms" : "a letter or digit");
    (void)s;
}

static void
scan_nfkc(struct al__scan_ctx *c, const char *s, size_t n)
{
    char folded[AL__SCAN_VISIBLE_MAX + 8], ascii[8];
    size_t i = 0, k, m, fn = 0, a = 0, b = 0;
    unsigned letters = 0;
    int in_run = 0, fullwidth = 0;
    uint32_t cp;

    while (i <= n) {
        m = 0;
        k = 1;
        if (i < n && (unsigned char)s[i] >= 0x80 && (k = al_utf8_decode(s + i, n - i, &cp)) > 0)
            m = nfkc_ascii(cp, ascii);
        if (k == 0)
            k = 1;
        /*
         * Ordinary spaces that NFKC also folds (no-break and the typographic spaces) and
         * punctuation such as the ellipsis are not what this rule is about; they join a run
         * but never start one.
         */
        if (m > 0 && !in_run) {
            unsigned j, alnum = 0;

            for (j = 0; j < m; j++)
                alnum += (ascii[j] >= '0' && ascii[j] <= '9') ||
                         ((ascii[j] | 0x20) >= 'a' && (ascii[j] | 0x20) <= 'z');
            if (alnum == 0 && !(cp >= 0xff00 && cp <= 0xffef))
                m = 0;
        }
        if (m > 0) {
            unsigned j;

            if (!in_run) {
                in_run = 1;
                a = i;
                letters = 0;
                fullwidth = 0;
                fn = 0;
            }
            for (j = 0; j < m; j++) {
                if ((ascii[j] | 0x20) >= 'a' && (ascii[j] | 0x20) <= 'z')
                    letters++;
                if (fn < AL__SCAN_VISIBLE_MAX)
                    folded[fn++] = ascii[j];
            }
            fullwidth |= cp >= 0xff00 && cp <= 0xffef;
            b = i + k;
        } else if (in_run) {
            nfkc_run(c, s, a, b, letters, fullwidth, folded, fn);
            in_run = 0;
        }
        i += k;
    }
}

/* ---- unicode.confusable ---- */

/* The length of the token character at s[0..n) (letter, digit, mark, '.', '@', '_'), or 0. */
static size_t
token_char(const char *s, size_t n)
{
    unsigned char ch = (unsigned char)s[0];
    uint32_t cp;
    size_t k;
    int8_t t;

    if (ch < 0x80)
        return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
               ch == '.' || ch == '@' || ch == '_';
    if ((k = al_utf8_decode(s, n, &cp)) == 0)
        return 0;
    t = u_charType((UChar32)cp);
    if (u_isUAlphabetic((UChar32)cp) || u_isdigit((UChar32)cp) || t == U_NON_SPACING_MARK ||
        t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK)
        return k;
    return 0;
}

static void
check_token(struct al__scan_ctx *c, const char *s, size_t a, size_t b)
{
    char skel[AL__SCAN_VISIBLE_MAX + 8], ascii[8];
    size_t i = a, k, m, sn = 0, j;
    int latin = 0, other = 0;
    const char *name = NULL;
    uint32_t cp;
    UScriptCode sc;

    while (i < b) {
        if ((unsigned char)s[i] < 0x80) {
            if (((unsigned char)s[i] | 0x20) >= 'a' && ((unsigned char)s[i] | 0x20) <= 'z')
                latin = 1;
            if (sn < AL__SCAN_VISIBLE_MAX)
                skel[sn++] = s[i];
            i++;
            continue;
        }
        if ((k = al_utf8_decode(s + i, b - i, &cp)) == 0) {
            i++;
            continue;
        }
        sc = script_of(cp);
        if (sc == USCRIPT_LATIN)
            latin = 1;
        else if (lookalike_script(sc) && u_isUAlphabetic((UChar32)cp)) {
            other = 1;
            name = uscript_getName(sc);
        }
        m = al__uc_ascii_fold(cp, ascii);
        for (j = 0; j < (m ? m : k) && sn < AL__SCAN_VISIBLE_MAX; j++)
            skel[sn++] = m ? ascii[j] : s[i + j];
        i += k;
    }
    if (latin && other)
        al__scan_add(c, "unicode.confusable", AL_SEV_HIGH, a, b, skel, sn,
                     "Latin letters mixed with %s look-alikes in one word, host or address "
                     "(it reads as the text shown)",
                     name ? name : "other");
}

static void
scan_confusable(struct al__scan_ctx *c, const char *s, size_t n)
{
    size_t i = 0, a, k;
    int wide;

    while (i < n) {
        if ((k = token_char(s + i, n - i)) == 0) {
            i++;
            continue;
        }
        a = i;
        wide = 0;
        while (i < n && (k = token_char(s + i, n - i)) > 0) {
            wide |= (unsigned char)s[i] >= 0x80;
            i += k;
        }
        /* Only tokens with a non-ASCII letter can mix scripts. */
        if (wide)
            check_token(c, s, a, i);
    }
}

void
al__scan_unicode(struct al__scan_ctx *c, const char *s, size_t n)
{
    pthread_once(&icu_once, icu_init);
    scan_nfkc(c, s, n);
    scan_confusable(c, s, n);
}
