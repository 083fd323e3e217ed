/*
 * scan_internal.h: what the scanner's files share (see scan.h and
 * docs/internals/scan.md). Nothing outside lib/scan*.c includes this.
 */
#ifndef AIRLOCK_SCAN_INTERNAL_H
#define AIRLOCK_SCAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/buf.h>
#include <airlock/scan.h>

/* Caps that keep one finding, and so the JSON of a whole set, small. */
#define AL__SCAN_MSG_MAX 240
#define AL__SCAN_VISIBLE_MAX 400
/* At most this many findings of one rule per member; the rest are counted as omitted. */
#define AL__SCAN_PER_RULE_MAX 32

/*
 * A multi-pattern matcher: every pattern is at least 4 bytes; one pass over the text
 * looks up each 4-byte window in a hash table of the patterns' first four bytes, so the
 * cost is linear in the text whatever the number of patterns.
 */
struct al__mpat {
    const char *p; /* not owned */
    size_t len;
    unsigned id;
    uint32_t key, key2; /* bytes 0-3 and 4-7 (0 past the end): cheap checks before memcmp */
};

struct al__matcher {
    struct al__mpat *pats;
    size_t n, cap;
    uint32_t *head; /* bucket -> pattern index + 1 */
    uint32_t *next; /* pattern index -> next index + 1 */
    unsigned bits;
};

typedef void (*al__match_cb)(void *arg, const struct al__mpat *p, size_t at);

void al__matcher_init(struct al__matcher *m);
int al__matcher_add(struct al__matcher *m, const char *p, size_t len, unsigned id) AL_WUR;
int al__matcher_build(struct al__matcher *m) AL_WUR;
void al__matcher_run(const struct al__matcher *m, const char *s, size_t n, al__match_cb cb,
                     void *arg);
void al__matcher_close(struct al__matcher *m);

/*
 * A view: a transformed copy of (part of) a member's text with, for each byte, the offset
 * in the member it came from, so that anything found in the view is reported at the
 * member's bytes. map has n + 1 entries; map[n] is the end of the last source character.
 */
struct al__view {
    char *s;
    size_t n;
    uint32_t *map;
    size_t cap; /* bytes allocated for s (map has cap + 1 entries) */
};

#define AL__FOLD_LOWER 0x1  /* ASCII lowercase, and non-ASCII case folded by ICU */
#define AL__FOLD_SPACE 0x2  /* runs of white space become one space */
#define AL__FOLD_ALNUM 0x4  /* keep letters and digits only */
#define AL__FOLD_DECODE 0x8 /* inline %XX and &#NN; decoding */

/*
 * Builds a view of text[0..n) in which tag characters become their ASCII letters,
 * invisible, format and bidi characters are dropped, text under a right-to-left override
 * is put in the order it is displayed, and non-ASCII letters that NFKC or the UTS #39
 * skeleton turn into ASCII become that ASCII; flags add the folds above.
 */
int al__view_fold(const char *text, size_t n, unsigned flags, struct al__view *v) AL_WUR;
/* Frees a view's memory. A view can be folded into again and again without closing it:
 * its buffers are reused (one scratch view per al_scan() call, see al__scan_ctx). */
void al__view_close(struct al__view *v);
/* The member range of view bytes [a, b). */
void al__view_range(const struct al__view *v, size_t a, size_t b, size_t *start, size_t *end);

/* What one al_scan() call carries through the rule families. */
struct al__scan_ctx {
    struct al_scan *set;
    const char *member; /* the set's copy */
    const struct al_scan_opts *o;
    const char *text; /* the member's text (depth 0) */
    size_t len;
    unsigned depth;      /* 0 for the member itself, 1+ inside decoded content */
    size_t olo, ohi;     /* at depth > 0: the encoded run in the member */
    const char *label;   /* at depth > 0: "base64-decoded text", ... */
    size_t decode_left;  /* decode budget still available */
    int inject_families; /* bit set of inject.* families seen in this member */
    unsigned fold_built; /* bit per depth: views[depth] holds this layer's fold */
    struct al__canaries *canaries;
    const struct al__view *remap; /* at depth 0: findings' offsets are in this view */
    struct al__view *scratch;     /* a view the rules fold into, in turn */
    struct al__view *views;       /* per depth: the layer's folded view (al__scan_fold) */
    int failed;                   /* an allocation failed; al_scan() reports AL_ENOMEM */
};

/*
 * Records a finding. At depth > 0 the range becomes the encoded run and the message says
 * where the content was found. fmt's result is cut to AL__SCAN_MSG_MAX; visible (may be
 * NULL) is rendered with al_render_escape() and cut to AL__SCAN_VISIBLE_MAX.
 */
void al__scan_add(struct al__scan_ctx *c, const char *rule, enum al_severity sev, size_t start,
                  size_t end, const char *visible, size_t vlen, const char *fmt, ...)
    AL_PRINTF(8, 9);
/*
 * True when another finding of rule would only be counted as omitted: a rule can then skip
 * the work of making its message and visible text (which keeps hostile input linear).
 */
int al__scan_full(struct al__scan_ctx *c, const char *rule);
/* Same, for a heuristic finding (inject.*). */
void al__scan_add_heuristic(struct al__scan_ctx *c, const char *rule, enum al_severity sev,
                            size_t start, size_t end, const char *fmt, ...) AL_PRINTF(6, 7);

/*
 * Scans decoded content out[0..n) found at member range [start, end) as a new layer
 * (depth + 1), if the depth and the decode budget allow. Returns 1 if it was scanned.
 */
int al__scan_layer(struct al__scan_ctx *c, const char *out, size_t n, size_t start, size_t end,
                   const char *label);

/*
 * The current layer's text folded for reading (AL__FOLD_LOWER | AL__FOLD_SPACE |
 * AL__FOLD_DECODE), built once per layer and shared by the canary and injection rules.
 * NULL when out of memory (c->failed is set).
 */
const struct al__view *al__scan_fold(struct al__scan_ctx *c, const char *s, size_t n);

/* Searches decoded binary data for the canaries only (it is not text to scan). */
void al__scan_canaries_binary(struct al__scan_ctx *c, const char *out, size_t n, size_t start,
                              size_t end);

/* The rule families, each over text[0..n) of the current layer. */
void al__scan_chars(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_markup(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_urls(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_encoded(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_secrets(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_canaries(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_inject(struct al__scan_ctx *c, const char *s, size_t n);
void al__scan_provenance(struct al__scan_ctx *c, const char *s, size_t n);
/* True when the injection wording seen in this member adds up to a high finding. */
int al__inject_high(const struct al__scan_ctx *c);
void al__scan_unicode(struct al__scan_ctx *c, const char *s, size_t n);

/* Canary patterns, built once per al_scan() call (scan_secret.c). */
struct al__canaries {
    struct al__matcher raw, fold;
    char **owned;
    size_t n_owned;
    const char *const *values;
    size_t n;
};
int al__canaries_new(const char *const *v, size_t n, struct al__canaries **out) AL_WUR;
void al__canaries_free(struct al__canaries *k);

/* Shannon entropy of s[0..n) in bits per byte. */
double al__entropy(const char *s, size_t n);

/* Unicode properties, all from ICU (scan_unicode.c). */
int al__uc_is_emoji(uint32_t cp);      /* Extended_Pictographic or Emoji_Presentation */
int al__uc_is_ideograph(uint32_t cp);  /* Ideographic or Unified_Ideograph */
int al__uc_is_rtl(uint32_t cp);        /* bidi class R or AL */
int al__uc_is_format(uint32_t cp);     /* general category Cf */
int al__uc_is_unassigned(uint32_t cp); /* general category Cn and not a noncharacter */
int al__uc_is_private(uint32_t cp);    /* general category Co */
int al__uc_is_letter(uint32_t cp);
int al__uc_joining_script(uint32_t cp); /* Arabic, Syriac, Indic ...: ZWJ/ZWNJ are spelling */
/*
 * The ASCII that NFKC (or, for letters of confusable scripts, the UTS #39 skeleton) makes
 * of cp, written to out (at most 8 bytes) and its length; 0 when there is none.
 */
size_t al__uc_ascii_fold(uint32_t cp, char out[8]);

/*
 * ASCII character classes. The scanner never uses <ctype.h>: its answers depend on the
 * locale (a single-byte locale can call 0xE9 a letter), and findings must not.
 */
static inline int
al__isdigit(int c)
{
    return c >= '0' && c <= '9';
}
static inline int
al__islower(int c)
{
    return c >= 'a' && c <= 'z';
}
static inline int
al__isupper(int c)
{
    return c >= 'A' && c <= 'Z';
}
static inline int
al__isalpha(int c)
{
    return al__islower(c) || al__isupper(c);
}
static inline int
al__isalnum(int c)
{
    return al__isalpha(c) || al__isdigit(c);
}
static inline int
al__isxdigit(int c)
{
    return al__isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int
al__isspace(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline int
al__tolower(int c)
{
    return al__isupper(c) ? c + ('a' - 'A') : c;
}
static inline int
al__toupper(int c)
{
    return al__islower(c) ? c - ('a' - 'A') : c;
}

/* Decoders shared by the views and the encoded-blob rules. */
int al__hexval(int c);

#endif
