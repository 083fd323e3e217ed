/*
 * scan_secret.c: credentials and canaries.
 *
 * Credentials: the public formats of common providers' keys and tokens (AWS access key
 * ids, GitHub, Slack, Stripe, Google, OpenAI and Anthropic keys), private key blocks,
 * JSON Web Tokens and password assignments, each recognised by a hand-written scan of a
 * token from its prefix (no regular expressions), with checks that turn away the
 * documentation's placeholders (EXAMPLE, XXXX, your-token, ${VAR}, changeme).
 *
 * Canaries: strings the person seeded in their files. Each is matched in the raw text; in
 * a folded view (letters and digits only, lowercased, %XX and &#NN; decoded, invisible
 * characters dropped, tag characters read as ASCII, look-alikes folded), which finds it
 * spaced out, split over lines, in another case or with zero-width characters between its
 * letters; reversed; in every Caesar shift (ROT13 among them); as decimal byte values; and
 * as hex, base64 and base32 (precomputed, so short encodings below the blob detectors'
 * thresholds are found too); and in the string values
 * of JSON joined together. Decoded layers (scan_encoded.c) are searched again.
 */
#include "scan_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <airlock/render.h>
#include <airlock/utf8.h>

/* ---- credentials ---- */

static int
b64url_char(unsigned char ch)
{
    return al__isalnum(ch) || ch == '-' || ch == '_';
}

static size_t
run(const char *s, size_t n, size_t i, int (*ok)(unsigned char))
{
    size_t j = i;

    while (j < n && ok((unsigned char)s[j]))
        j++;
    return j - i;
}

static int
alnum_char(unsigned char ch)
{
    return al__isalnum(ch);
}

static int
word_char(unsigned char ch)
{
    return al__isalnum(ch) || ch == '_';
}

static int
upper_digit(unsigned char ch)
{
    return al__isupper(ch) || al__isdigit(ch);
}

static unsigned
distinct(const char *s, size_t n)
{
    unsigned char seen[256] = {0};
    unsigned k = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (!seen[(unsigned char)s[i]]++)
            k++;
    return k;
}

static unsigned
digits(const char *s, size_t n)
{
    unsigned k = 0;
    size_t i;

    for (i = 0; i < n; i++)
        k += al__isdigit((unsigned char)s[i]) != 0;
    return k;
}

static int
has(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit), i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(s + i, lit, k) == 0)
            return 1;
    return 0;
}

static void
secret(struct al__scan_ctx *c, const char *rule, enum al_severity sev, size_t a, size_t b,
       const char *s, const char *what)
{
    char shown[8];
    size_t k = b - a < 4 ? b - a : 4;

    memcpy(shown, s + a, k);
    shown[k] = '\0';
    al__scan_add(c, rule, sev, a, b, NULL, 0, "%s (starts \"%s...\"): never let it cross", what,
                 shown);
}

/* A private key block: header, then a body line or the END line. */
static size_t
private_key(struct al__scan_ctx *c, const char *s, size_t n, size_t i)
{
    size_t j = i + 11, e, body;
    int found;

    while (j < n && j - i < 64 && (al__isupper((unsigned char)s[j]) || s[j] == ' '))
        j++;
    if (!(j >= i + 11 + 11 && (has(s + i, j - i, "PRIVATE KEY") || has(s + i, j - i, "PRIVATE"))))
        return 0;
    if (j + 5 > n || memcmp(s + j, "-----", 5) != 0)
        return 0;
    j += 5;
    /* Skip the line end and any "Proc-Type:"-style headers, then expect key material. */
    e = j;
    while (e < n && (s[e] == '\r' || s[e] == '\n'))
        e++;
    body = run(s, n, e, alnum_char) + 0;
    {
        size_t k = e;

        while (k < n &&
               (al__isalnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '/' || s[k] == '='))
            k++;
        body = k - e;
    }
    if (body < 20 && !(e + 9 <= n && memcmp(s + e, "-----END ", 9) == 0))
        return 0;
    /* The block runs to its END line when there is one nearby. */
    for (found = 0, e = j; e + 9 <= n && e - j < 65536; e++)
        if (memcmp(s + e, "-----END ", 9) == 0) {
            e += 9;
            while (e < n && s[e] != '\n' && s[e] != '-')
                e++;
            while (e < n && s[e] == '-')
                e++;
            found = 1;
            break;
        }
    if (!found)
        e = j;
    secret(c, "secret.private_key", AL_SEV_BLOCK, i, e, s, "private key block");
    return e - i;
}

/* password=..., "api_key": "...": an assignment to a credential-named key. */
static const char *const cred_names[] = {
    "password", "passwd",      "pwd",           "passphrase", "secret",
    "token",    "api_key",     "apikey",        "api-key",    "access_key",
    "auth_key", "private_key", "client_secret", "secret_key", "access_token"};

static const char *const placeholders[] = {"changeme",    "password", "example", "redacted",
                                           "placeholder", "your",     "xxxx",    "null",
                                           "none",        "true",     "false"};

static void
assignment(struct al__scan_ctx *c, const char *s, size_t n, size_t a, size_t b)
{
    size_t j = b, v, e, k, i;
    char q = 0;
    int named = 0;

    /* Most words are not followed by '=' or ':': look there before at the name. */
    while (j < n && j - b < 3 && (s[j] == '"' || s[j] == '\'' || s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j >= n || (s[j] != '=' && s[j] != ':'))
        return;
    j = b;
    for (i = 0; i < sizeof(cred_names) / sizeof(cred_names[0]) && !named; i++) {
        k = strlen(cred_names[i]);
        named = b - a >= k && strncasecmp(s + b - k, cred_names[i], k) == 0;
    }
    if (!named)
        return;
    if (j < n && (s[j] == '"' || s[j] == '\''))
        j++;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j >= n || (s[j] != '=' && s[j] != ':'))
        return;
    j++;
    if (j < n && (s[j] == '=' || s[j] == '>'))
        j++;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j < n && (s[j] == '"' || s[j] == '\''))
        q = s[j++];
    v = j;
    for (e = v; e < n && e - v < 256; e++) {
        if (q ? s[e] == q : (al__isspace((unsigned char)s[e]) || strchr(",;)]}\"'", s[e])))
            break;
        if (s[e] == '\n')
            break;
    }
    k = e - v;
    if (k < 8 || s[v] == '$' || s[v] == '<' || s[v] == '%' || s[v] == '{' || s[v] == '*')
        return;
    for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
        if (k >= strlen(placeholders[i]) &&
            strncasecmp(s + v, placeholders[i], strlen(placeholders[i])) == 0)
            return;
    {
        unsigned m = 0;
        size_t x;

        for (x = v; x < e; x++) {
            unsigned char ch = (unsigned char)s[x];

            m |= al__islower(ch) ? 1u : al__isupper(ch) ? 2u : al__isdigit(ch) ? 4u : 0u;
        }
        if ((m & 1) + (m >> 1 & 1) + (m >> 2 & 1) < 2 || distinct(s + v, k) < 6 ||
            al__entropy(s + v, k) < 3.0)
            return;
    }
    secret(c, "secret.generic_password", AL_SEV_HIGH, a, q && e < n ? e + 1 : e, s,
           "credential assigned to a password, secret or token field");
}

/* Checks the token starting at s[i]; returns how far to skip (0: nothing found). */
static size_t
token(struct al__scan_ctx *c, const char *s, size_t n, size_t i)
{
    size_t k, t;

    switch (s[i]) {
    case 'A':
        if (n - i >= 20 && (memcmp(s + i, "AKIA", 4) == 0 || memcmp(s + i, "ASIA", 4) == 0 ||
                            memcmp(s + i, "ABIA", 4) == 0 || memcmp(s + i, "ACCA", 4) == 0 ||
                            memcmp(s + i, "A3T", 3) == 0)) {
            t = run(s, n, i, alnum_char);
            if (t == 20 && run(s, n, i, upper_digit) == 20 && !has(s + i, 20, "EXAMPLE") &&
                distinct(s + i + 4, 16) >= 8) {
                secret(c, "secret.aws_access_key", AL_SEV_BLOCK, i, i + 20, s, "AWS access key id");
                return 20;
            }
        }
        if (n - i >= 39 && memcmp(s + i, "AIza", 4) == 0) {
            t = run(s, n, i, b64url_char);
            if (t == 39 && distinct(s + i + 4, 35) >= 12) {
                secret(c, "secret.google_api_key", AL_SEV_BLOCK, i, i + t, s, "Google API key");
                return t;
            }
        }
        return 0;
    case 'g':
        if (n - i >= 40 && s[i + 1] == 'h' && strchr("pousr", s[i + 2]) && s[i + 3] == '_') {
            t = run(s, n, i + 4, alnum_char);
            if (t >= 36 && t <= 255 && distinct(s + i + 4, t) >= 12) {
                secret(c, "secret.github_token", AL_SEV_BLOCK, i, i + 4 + t, s, "GitHub token");
                return 4 + t;
            }
        }
        if (n - i >= 11 + 82 && memcmp(s + i, "github_pat_", 11) == 0) {
            t = run(s, n, i + 11, word_char);
            if (t >= 82 && distinct(s + i + 11, t) >= 12) {
                secret(c, "secret.github_token", AL_SEV_BLOCK, i, i + 11 + t, s,
                       "GitHub fine-grained token");
                return 11 + t;
            }
        }
        return 0;
    case 'x':
        if (n - i >= 25 &&
            ((memcmp(s + i, "xox", 3) == 0 && strchr("baprse", s[i + 3]) && s[i + 4] == '-') ||
             memcmp(s + i, "xapp-", 5) == 0)) {
            t = run(s, n, i + 5, b64url_char);
            if (t >= 20 && digits(s + i + 5, t) >= 8) {
                secret(c, "secret.slack_token", AL_SEV_BLOCK, i, i + 5 + t, s, "Slack token");
                return 5 + t;
            }
        }
        return 0;
    case 'h':
        if (n - i >= 45 && memcmp(s + i, "hooks.slack.com/services/", 25) == 0) {
            for (t = i + 25;
                 t < n && (al__isalnum((unsigned char)s[t]) || s[t] == '/' || s[t] == '_'); t++)
                ;
            if (t - i - 25 >= 20) {
                secret(c, "secret.slack_token", AL_SEV_BLOCK, i, t, s, "Slack webhook URL");
                return t - i;
            }
        }
        return 0;
    case 's':
    case 'r':
        if (n - i >= 18 && s[i + 1] == 'k' && s[i + 2] == '_' &&
            (memcmp(s + i + 3, "live_", 5) == 0 || memcmp(s + i + 3, "test_", 5) == 0 ||
             memcmp(s + i + 3, "prod_", 5) == 0)) {
            t = run(s, n, i + 8, alnum_char);
            if (t >= 16 && distinct(s + i + 8, t) >= 10) {
                secret(c, "secret.stripe_key", AL_SEV_BLOCK, i, i + 8 + t, s, "Stripe secret key");
                return 8 + t;
            }
        }
        if (s[i] == 's' && n - i >= 23 && memcmp(s + i, "sk-", 3) == 0) {
            t = run(s, n, i, b64url_char);
            if ((memcmp(s + i, "sk-ant-api03-", 13) == 0 ||
                 memcmp(s + i, "sk-ant-admin01-", 15) == 0) &&
                t >= 13 + 80) {
                secret(c, "secret.anthropic_key", AL_SEV_BLOCK, i, i + t, s, "Anthropic API key");
                return t;
            }
            if (t >= 40 && has(s + i, t, "T3BlbkFJ")) {
                secret(c, "secret.openai_key", AL_SEV_BLOCK, i, i + t, s, "OpenAI API key");
                return t;
            }
        }
        return 0;
    case 'e':
        if (n - i >= 40 && memcmp(s + i, "eyJ", 3) == 0) {
            size_t a = run(s, n, i, b64url_char), b2, c3;

            if (a < 10 || i + a + 4 >= n || s[i + a] != '.' || memcmp(s + i + a + 1, "eyJ", 3) != 0)
                return 0;
            b2 = run(s, n, i + a + 1, b64url_char);
            if (b2 < 10 || i + a + 1 + b2 >= n || s[i + a + 1 + b2] != '.')
                return 0;
            c3 = run(s, n, i + a + 2 + b2, b64url_char);
            if (c3 < 16)
                return 0;
            k = a + 2 + b2 + c3;
            secret(c, "secret.jwt", AL_SEV_BLOCK, i, i + k, s, "JSON Web Token");
            return k;
        }
        return 0;
    case '-':
        if (n - i >= 30 && memcmp(s + i, "-----BEGIN ", 11) == 0)
            return private_key(c, s, n, i);
        return 0;
    default:
        return 0;
    }
}

static int
ident_char(unsigned char ch)
{
    return al__isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

static void
scan_secrets_in(struct al__scan_ctx *c, const char *s, size_t n)
{
    size_t i = 0, k, e;

    while (i < n) {
        unsigned char ch = (unsigned char)s[i];

        /*
         * A token starts where a longer alphanumeric run does not go on: "notes-ghp_..."
         * holds a GitHub token after its dash.
         */
        if (i > 0 && al__isalnum((unsigned char)s[i - 1]) && ch != '-') {
            i++;
            continue;
        }
        if ((k = token(c, s, n, i)) > 0) {
            i += k;
            continue;
        }
        /* An identifier (password, DB_PASSWORD, smtp.password) may be assigned a secret. */
        if (al__isalpha(ch) && (i == 0 || !ident_char((unsigned char)s[i - 1]))) {
            for (e = i; e < n && ident_char((unsigned char)s[e]); e++)
                ;
            assignment(c, s, n, i, e);
        }
        i++;
    }
}

static int
token_ascii(unsigned char ch)
{
    return al__isalnum(ch) || ch == '_' || ch == '-';
}

/*
 * True if folding would change a non-ASCII character (drop it or make it ASCII) that
 * touches an ASCII token character: only then can a credential be hiding behind it. A
 * Greek or Cyrillic word between spaces folds too, but cannot join a token.
 */
static int
foldable(const char *s, size_t n)
{
    char ascii[8];
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        if ((k = al_utf8_decode(s + i, n - i, &cp)) == 0) {
            i++;
            continue;
        }
        if ((i > 0 && token_ascii((unsigned char)s[i - 1])) ||
            (i + k < n && token_ascii((unsigned char)s[i + k])))
            if (al_render_is_hidden(cp) || al__uc_ascii_fold(cp, ascii) > 0)
                return 1;
        i += k;
    }
    return 0;
}

void
al__scan_secrets(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct al__view *v = c->scratch;
    size_t i;
    int wide = 0;

    scan_secrets_in(c, s, n);
    for (i = 0; i < n && !wide; i++)
        wide = (unsigned char)s[i] >= 0x80;
    /*
     * Hidden or look-alike characters inside a credential: scan the text as it reads with
     * them removed or folded; the findings are mapped back to the member's bytes. (A
     * decoded layer reports at its encoded run anyway.)
     */
    if (!wide || c->depth > 0 || !foldable(s, n))
        return;
    if (al__view_fold(s, n, 0, v) != 0) {
        c->failed = 1;
        return;
    }
    c->remap = v;
    scan_secrets_in(c, v->s, v->n);
    c->remap = NULL;
}

/* ---- canaries ---- */

/*
 * What a match found: the value in one of these forms. A Caesar shift of s letters is kind
 * K_SHIFT + s - 1, so a pattern's id (canary * K_KINDS + kind) names the shift too.
 */
enum {
    K_RAW,
    K_FOLD,
    K_REVERSED,
    K_HEX,
    K_BASE64,
    K_BASE32,
    K_DECIMAL,
    K_DECIMAL3,
    K_SHIFT,
    K_KINDS = K_SHIFT + 25
};

static const char *const kind_names[K_SHIFT] = {
    "as written",
    "spread out, split, re-cased or with hidden characters between its letters",
    "reversed",
    "hex-encoded",
    "base64-encoded",
    "base32-encoded",
    "as decimal byte values",
    "as decimal byte values"};

static char *
keep(struct al__canaries *k, char *p)
{
    char **v;

    if (p == NULL)
        return NULL;
    v = realloc(k->owned, (k->n_owned + 1) * sizeof(*v));
    if (v == NULL) {
        free(p);
        return NULL;
    }
    k->owned = v;
    v[k->n_owned++] = p;
    return p;
}

static char *
fold_alnum(const char *s, size_t n, size_t *len)
{
    char *o = malloc(n + 1);
    size_t i, k = 0;

    if (o == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        if (al__isalnum((unsigned char)s[i]))
            o[k++] = (char)al__tolower((unsigned char)s[i]);
    o[k] = '\0';
    *len = k;
    return o;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/*
 * The base64 characters of v that do not depend on the bytes around it when it starts at
 * byte offset off of a longer encoded message: whole groups only, first group dropped
 * when off > 0.
 */
static char *
base64_core(const char *v, size_t n, unsigned off, size_t *len)
{
    size_t total = off + n, groups = total / 3, i, k = 0;
    unsigned char *in = calloc(total + 3, 1);
    char *o = malloc(groups * 4 + 1);

    if (in == NULL || o == NULL) {
        free(in);
        free(o);
        return NULL;
    }
    memcpy(in + off, v, n);
    for (i = 0; i < groups; i++) {
        unsigned x = (unsigned)in[3 * i] << 16 | (unsigned)in[3 * i + 1] << 8 | in[3 * i + 2];

        if (off > 0 && i == 0)
            continue;
        o[k++] = b64[x >> 18 & 63];
        o[k++] = b64[x >> 12 & 63];
        o[k++] = b64[x >> 6 & 63];
        o[k++] = b64[x & 63];
    }
    free(in);
    o[k] = '\0';
    *len = k;
    return o;
}

static char *
base32_core(const char *v, size_t n, size_t *len)
{
    size_t groups = n / 5, i, j, k = 0;
    char *o = malloc(groups * 8 + 1);

    if (o == NULL)
        return NULL;
    for (i = 0; i < groups; i++) {
        uint64_t x = 0;

        for (j = 0; j < 5; j++)
            x = x << 8 | (unsigned char)v[5 * i + j];
        for (j = 0; j < 8; j++)
            o[k++] = b32[x >> (35 - 5 * j) & 31];
    }
    o[k] = '\0';
    *len = k;
    return o;
}

static int
add_folded(struct al__canaries *k, char *p, size_t len, unsigned id, int min)
{
    char *f;
    size_t fl;

    if (p == NULL)
        return AL_ENOMEM;
    f = fold_alnum(p, len, &fl);
    free(p);
    if (keep(k, f) == NULL)
        return AL_ENOMEM;
    if ((int)fl < min)
        return 0;
    return al__matcher_add(&k->fold, f, fl, id);
}

int
al__canaries_new(const char *const *v, size_t n, struct al__canaries **out)
{
    struct al__canaries *k = calloc(1, sizeof(*k));
    size_t i, j, len, fl, hl;
    unsigned off, shift, pad;
    char *f, *t, *dec = NULL;
    int r = AL_ENOMEM;

    if (k == NULL)
        return AL_ENOMEM;
    al__matcher_init(&k->raw);
    al__matcher_init(&k->fold);
    k->values = v;
    k->n = n;
    for (i = 0; i < n; i++) {
        unsigned id = (unsigned)i * K_KINDS;

        len = strlen(v[i]);
        if ((r = al__matcher_add(&k->raw, v[i], len, id + K_RAW)) != 0)
            goto out;
        r = AL_ENOMEM;
        if ((f = keep(k, fold_alnum(v[i], len, &fl))) == NULL)
            goto out;
        /* Folded forms of very short values would match ordinary words. */
        if (fl < 6)
            continue;
        if ((r = al__matcher_add(&k->fold, f, fl, id + K_FOLD)) != 0)
            goto out;
        r = AL_ENOMEM;
        if ((t = keep(k, malloc(fl + 1))) == NULL)
            goto out;
        for (j = 0; j < fl; j++)
            t[j] = f[fl - 1 - j];
        t[fl] = '\0';
        if ((r = al__matcher_add(&k->fold, t, fl, id + K_REVERSED)) != 0)
            goto out;
        /*
         * Every Caesar shift, ROT13 among them: 25 more patterns per value cost the
         * automaton little, and a shift is as easy to ask of an agent as ROT13 is.
         */
        for (shift = 1; shift < 26; shift++) {
            r = AL_ENOMEM;
            if ((t = keep(k, malloc(fl + 1))) == NULL)
                goto out;
            for (j = 0; j < fl; j++)
                t[j] = al__isalpha((unsigned char)f[j])
                           ? (char)('a' + (f[j] - 'a' + (int)shift) % 26)
                           : f[j];
            t[fl] = '\0';
            if (strcmp(t, f) != 0 &&
                (r = al__matcher_add(&k->fold, t, fl, id + K_SHIFT + shift - 1)) != 0)
                goto out;
        }
        /*
         * Decimal byte values ("102 101 110", "102,101,110" or zero-padded "045"): the
         * folded view keeps the digits and drops what separates them, so the value's
         * digits, joined, are what to look for.
         */
        for (pad = 0; pad < 2; pad++) {
            r = AL_ENOMEM;
            if ((t = keep(k, malloc(3 * len + 1))) == NULL)
                goto out;
            for (j = 0, hl = 0; j < len; j++) {
                unsigned b = (unsigned char)v[i][j];

                if (b >= 100 || pad)
                    t[hl++] = (char)('0' + b / 100);
                if (b >= 10 || pad)
                    t[hl++] = (char)('0' + b / 10 % 10);
                t[hl++] = (char)('0' + b % 10);
            }
            t[hl] = '\0';
            if (pad && strcmp(t, dec) == 0)
                continue;
            dec = t;
            if ((r = al__matcher_add(&k->fold, t, hl, id + (pad ? K_DECIMAL3 : K_DECIMAL))) != 0)
                goto out;
        }
        r = AL_ENOMEM;
        hl = 2 * len;
        if ((t = keep(k, malloc(hl + 1))) == NULL)
            goto out;
        for (j = 0; j < len; j++) {
            t[2 * j] = "0123456789abcdef"[(unsigned char)v[i][j] >> 4];
            t[2 * j + 1] = "0123456789abcdef"[(unsigned char)v[i][j] & 15];
        }
        t[hl] = '\0';
        if ((r = al__matcher_add(&k->fold, t, hl, id + K_HEX)) != 0)
            goto out;
        for (off = 0; off < 3; off++) {
            size_t bl = 0;
            char *e = base64_core(v[i], len, off, &bl);

            if ((r = add_folded(k, e, bl, id + K_BASE64, 8)) != 0)
                goto out;
        }
        {
            size_t bl = 0;
            char *e = base32_core(v[i], len, &bl);

            if ((r = add_folded(k, e, bl, id + K_BASE32, 8)) != 0)
                goto out;
        }
    }
    if ((r = al__matcher_build(&k->raw)) != 0 || (r = al__matcher_build(&k->fold)) != 0)
        goto out;
    *out = k;
    k = NULL;
    /* success */ r = 0;
out:
    al__canaries_free(k);
    return r;
}

void
al__canaries_free(struct al__canaries *k)
{
    size_t i;

    if (k == NULL)
        return;
    al__matcher_close(&k->raw);
    al__matcher_close(&k->fold);
    for (i = 0; i < k->n_owned; i++)
        free(k->owned[i]);
    free(k->owned);
    free(k);
}

struct hit {
    unsigned canary;
    size_t a, b;
};

struct canary_run {
    struct al__scan_ctx *c;
    const struct al__view *view; /* NULL: offsets are the layer's */
    const uint32_t *map;         /* for the JSON join: offsets into the layer */
    struct hit hits[64];
    size_t n_hits;
};

static void
on_canary(void *arg, const struct al__mpat *p, size_t at)
{
    struct canary_run *cr = arg;
    struct al__scan_ctx *c = cr->c;
    unsigned canary = p->id / K_KINDS, kind = p->id % K_KINDS;
    const char *value = c->canaries->values[canary];
    size_t a, b, i, vl = strlen(value);
    char shown[8], how[96];

    if (cr->view != NULL) {
        al__view_range(cr->view, at, at + p->len, &a, &b);
    } else if (cr->map != NULL) {
        a = cr->map[at];
        b = cr->map[at + p->len - 1] + 1;
    } else {
        a = at;
        b = at + p->len;
    }
    for (i = 0; i < cr->n_hits; i++)
        if (cr->hits[i].canary == canary && a < cr->hits[i].b && cr->hits[i].a < b)
            return;
    if (cr->n_hits < sizeof(cr->hits) / sizeof(cr->hits[0]))
        cr->hits[cr->n_hits++] = (struct hit){canary, a, b};
    memcpy(shown, value, vl < 4 ? vl : 4);
    shown[vl < 4 ? vl : 4] = '\0';
    if (kind == K_SHIFT + 12)
        snprintf(how, sizeof(how), "in ROT13");
    else if (kind >= K_SHIFT)
        snprintf(how, sizeof(how), "with its letters shifted %u along the alphabet",
                 kind - K_SHIFT + 1);
    else
        snprintf(how, sizeof(how), "%s", kind_names[kind]);
    al__scan_add(c, "canary", AL_SEV_BLOCK, a, b, NULL, 0,
                 "canary %u (\"%s...\") found %s: this plan carries a seeded secret", canary + 1,
                 shown, how);
}

/* The letters and digits of JSON string values ("key": "value"), joined, lowercased. */
static int
json_values(const char *s, size_t n, char **out, uint32_t **map, size_t *len)
{
    size_t i, k = 0, j;
    char *o = NULL;
    uint32_t *m = NULL;

    /* Most text holds no `: "`: look for one before allocating. */
    for (i = 0; i + 1 < n; i++)
        if (s[i] == ':' && (s[i + 1] == '"' || (s[i + 1] == ' ' && i + 2 < n && s[i + 2] == '"')))
            break;
    if (i + 1 >= n) {
        *len = 0;
        return 0;
    }
    o = malloc(n + 1);
    m = malloc((n + 1) * sizeof(*m));
    if (o == NULL || m == NULL) {
        free(o);
        free(m);
        return AL_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        if (s[i] != ':')
            continue;
        j = i + 1;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= n || s[j] != '"')
            continue;
        for (j++; j < n && s[j] != '"' && s[j] != '\n'; j++)
            if (al__isalnum((unsigned char)s[j])) {
                o[k] = (char)al__tolower((unsigned char)s[j]);
                m[k++] = (uint32_t)j;
            }
        i = j;
    }
    o[k] = '\0';
    *out = o;
    *map = m;
    *len = k;
    return 0;
}

void
al__scan_canaries(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct canary_run cr;
    struct al__view *v = c->scratch;
    const struct al__view *f;
    size_t i, k;
    char *jv = NULL;
    uint32_t *jm = NULL;
    size_t jn = 0;

    if (c->canaries == NULL || c->canaries->n == 0)
        return;
    memset(&cr, 0, sizeof(cr));
    cr.c = c;
    al__matcher_run(&c->canaries->raw, s, n, on_canary, &cr);
    if (c->canaries->fold.n == 0)
        return;
    /* The letters and digits of the layer's folded view, mapped to the member's bytes. */
    if ((f = al__scan_fold(c, s, n)) == NULL)
        return;
    if (v->cap < f->n + 1) {
        char *ns = realloc(v->s, f->n + 1);
        uint32_t *nm;

        if (ns == NULL) {
            c->failed = 1;
            return;
        }
        v->s = ns;
        if ((nm = realloc(v->map, (f->n + 2) * sizeof(*nm))) == NULL) {
            c->failed = 1;
            return;
        }
        v->map = nm;
        v->cap = f->n + 1;
    }
    for (i = 0, k = 0; i < f->n; i++) {
        unsigned char ch = (unsigned char)f->s[i];

        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            v->s[k] = (char)ch;
            v->map[k++] = f->map[i];
        }
    }
    v->n = k;
    v->s[k] = '\0';
    v->map[k] = f->map[f->n];
    cr.view = v;
    al__matcher_run(&c->canaries->fold, v->s, v->n, on_canary, &cr);
    cr.view = NULL;
    if (json_values(s, n, &jv, &jm, &jn) != 0) {
        c->failed = 1;
        return;
    }
    if (jn > 0) {
        cr.map = jm;
        al__matcher_run(&c->canaries->fold, jv, jn, on_canary, &cr);
    }
    free(jv);
    free(jm);
}
