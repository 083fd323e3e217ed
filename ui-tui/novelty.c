/*
 * novelty.c: what a plan mentions that no plan approved before did: hosts, IP addresses
 * and file paths. A plan that suddenly names a new host or ~/.ssh stands out, however
 * ordinary its wording.
 *
 * The mentions come from a small tokenizer, not a regular expression library: hosts from
 * URLs (scheme://[user@]host[:port]) and from bare domain-like words (labels with a
 * top-level domain that is not a common file extension), IPv4 literals in dotted decimal,
 * IPv6 literals (checked and spelled canonically by inet_pton/inet_ntop), absolute paths
 * and ~/ paths starting a word. Every pass is linear in the text. The plans approved
 * before are fetched once each (the plan op) and their mentions remembered by id.
 */
#include "review.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <airlock/render.h>
#include <airlock/utf8.h>

#define NOVELTY_CACHE 64   /* plans whose mentions are remembered */
#define NOVELTY_ITEMS 4096 /* mentions of each kind kept per plan */
#define HOST_MAX 253
#define PATH_MAX_LEN 256

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}

static int
is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void
tui__strset_finish(struct tui__strset *s)
{
    size_t i, k = 0;

    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(*s->v), str_cmp);
    for (i = 0; i < s->n; i++) {
        if (k > 0 && strcmp(s->v[k - 1], s->v[i]) == 0)
            free(s->v[i]);
        else
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

int
tui__strset_has(const struct tui__strset *s, const char *x)
{
    return s->n > 0 && bsearch(&x, s->v, s->n, sizeof(*s->v), str_cmp) != NULL;
}

void
tui__strset_free(struct tui__strset *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
    s->full = 0;
}

/* Adds s[0..n) (folded to lowercase when fold), keeping at most max distinct items. Out
 * of memory drops the item: the display shows less, never something else. */
static void
add(struct tui__strset *set, const char *s, size_t n, int fold, size_t max)
{
    char **v, *x;
    size_t i;

    if (n == 0 || set->full)
        return;
    if (set->n >= max) {
        tui__strset_finish(set); /* duplicates may have filled it */
        if ((set->full = set->n >= max))
            return;
    }
    if (set->n == set->cap) {
        if ((v = realloc(set->v, (set->cap ? set->cap * 2 : 16) * sizeof(*v))) == NULL)
            return;
        set->v = v;
        set->cap = set->cap ? set->cap * 2 : 16;
    }
    if ((x = malloc(n + 1)) == NULL)
        return;
    for (i = 0; i < n; i++)
        x[i] = fold ? (char)lower((unsigned char)s[i]) : s[i];
    x[n] = '\0';
    set->v[set->n++] = x;
}

/* Whether s[0..n) is an IPv4 address in dotted decimal (four parts of 0..255). */
static int
ipv4(const char *s, size_t n)
{
    size_t i, digits = 0;
    int parts = 1, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (digits == 0)
                return 0;
            parts++;
            digits = 0;
            v = 0;
        } else if (is_digit((unsigned char)s[i]) && digits < 3) {
            v = v * 10 + (s[i] - '0');
            if (v > 255)
                return 0;
            digits++;
        } else {
            return 0;
        }
    }
    return parts == 4 && digits > 0;
}

/* Adds s[0..n) to addrs in inet_ntop's spelling when it is an IPv6 address. */
static int
ipv6(const char *s, size_t n, struct tui__strset *addrs, size_t max)
{
    char buf[INET6_ADDRSTRLEN + 1], out[INET6_ADDRSTRLEN];
    unsigned char a[16];
    size_t i, colons = 0, hex = 0;

    if (n < 3 || n > INET6_ADDRSTRLEN)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (is_hex((unsigned char)s[i]))
            hex++;
        else if (s[i] != '.')
            return 0;
    }
    if (colons < 2 || hex == 0)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1 || inet_ntop(AF_INET6, a, out, sizeof(out)) == NULL)
        return 0;
    add(addrs, out, strlen(out), 0, max);
    return 1;
}

/* Top-level domains that are also common file extensions: "notes.md" is a file. */
static const char *const not_tld[] = {"ac", "am", "cc", "cs", "db", "el", "gz", "hh", "hs",
                                      "in", "js", "md", "mk", "ml", "pl", "pm", "ps", "py",
                                      "rb", "rs", "sh", "so", "tf", "ts", "ui", "xz"};
/* Longer ones worth knowing; anything else with three letters or more (txt, html, json) is
 * taken for a file extension. */
static const char *const long_tld[] = {
    "agency", "app",     "arpa",  "art",    "biz",       "blog", "cloud",    "club",
    "com",    "company", "corp",  "design", "dev",       "edu",  "email",    "example",
    "gov",    "group",   "home",  "host",   "info",      "int",  "internal", "invalid",
    "lan",    "link",    "live",  "local",  "localhost", "mil",  "mobi",     "name",
    "net",    "network", "news",  "onion",  "online",    "org",  "page",     "pro",
    "shop",   "site",    "space", "store",  "systems",   "tech", "test",     "today",
    "top",    "travel",  "vip",   "web",    "website",   "work", "world",    "xyz",
};

static int
in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    size_t i, k;

    for (i = 0; i < count; i++) {
        if (strlen(list[i]) != n)
            continue;
        for (k = 0; k < n && lower((unsigned char)s[k]) == list[i][k]; k++)
            ;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Whether s[0..n) looks like a host name: two labels or more of letters, digits and
 * hyphens, ending in a top-level domain that is not a file extension. */
static int
domain(const char *s, size_t n)
{
    size_t i, label = 0, labels = 1, tld = 0, alpha = 1;

    if (n < 4 || n > HOST_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            labels++;
            label = 0;
            tld = i + 1;
            alpha = 1;
            continue;
        }
        if (!is_alnum(c) && !(c == '-' && label > 0))
            return 0;
        if (++label > 63)
            return 0;
        alpha = alpha && is_alpha(c);
    }
    if (labels < 2 || label < 2 || label > 24 || !alpha)
        return 0;
    if (label == 2)
        return !in_list(s + tld, 2, not_tld, sizeof(not_tld) / sizeof(not_tld[0]));
    return in_list(s + tld, label, long_tld, sizeof(long_tld) / sizeof(long_tld[0]));
}

/* A word may start at i: the character before it is not part of a word, a path or a URL.
 * A hidden one (a zero-width space, a tag) separates, so that it cannot hide a host from
 * this list; a visible letter of another script joins. */
static int
word_start(const char *s, size_t i)
{
    unsigned char p;
    uint32_t cp;
    size_t k = i;

    if (i == 0)
        return 1;
    p = (unsigned char)s[i - 1];
    if (p < 0x80)
        return !(is_alnum(p) || strchr("._-/\\~%+:", p) != NULL);
    while (k > 0 && i - k < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
        k--;
    if (k == 0 || al_utf8_decode(s + k - 1, i - k + 1, &cp) != i - k + 1)
        return 1;
    return al_render_is_hidden(cp);
}

/* A path may start at i: at the start of the text, after white space or an opening mark;
 * not after '<', where "/p" is the end of an HTML element (</p>), not a file. */
static int
path_start(const char *s, size_t i)
{
    unsigned char p;

    if (i == 0)
        return 1;
    p = (unsigned char)s[i - 1];
    if (p == '<' && s[i] == '/')
        return 0;
    return is_space(p) || strchr("\"'`([{<=,:;*>|", p) != NULL;
}

static size_t
path_end(const char *s, size_t len, size_t i)
{
    while (i < len && !is_space((unsigned char)s[i]) && (unsigned char)s[i] >= 0x20 &&
           strchr("\"'`<>|;,()[]{}*", s[i]) == NULL)
        i++;
    return i;
}

/* Adds the absolute or ~/ path that starts at s[i] (without trailing punctuation);
 * returns where it ends. */
static size_t
path(const char *s, size_t len, size_t i, struct tui__strset *paths, size_t max)
{
    size_t e = path_end(s, len, i), j = s[i] == '~' ? i + 2 : i + 1;

    while (e > i && strchr(".,:;!?", s[e - 1]) != NULL)
        e--;
    if (j < e && e - i <= PATH_MAX_LEN &&
        (is_alnum((unsigned char)s[j]) || strchr("._~-", s[j]) != NULL ||
         (unsigned char)s[j] >= 0x80))
        add(paths, s + i, e - i, 0, max);
    return e > i ? e : i + 1;
}

/* The host of the URL whose authority starts at s[i]; returns where the URL ends. */
static size_t
url(const char *s, size_t len, size_t i, struct tui__strset *hosts, struct tui__strset *addrs,
    size_t max)
{
    size_t a = i, e, h, he;

    e = a;
    while (e < len && !is_space((unsigned char)s[e]) && (unsigned char)s[e] >= 0x20 &&
           strchr("/?#\"'<>`)]}", s[e]) == NULL)
        e++;
    if (e < len && s[e] == ']') /* an IPv6 literal's closing bracket */
        e++;
    for (h = e; h > a && s[h - 1] != '@'; h--) /* after any user:password@ */
        ;
    if (h < e && s[h] == '[') {
        for (he = h + 1; he < e && s[he] != ']'; he++)
            ;
        ipv6(s + h + 1, he - h - 1, addrs, max);
    } else {
        for (he = h; he < e && s[he] != ':'; he++)
            ;
        while (he > h && s[he - 1] == '.')
            he--;
        if (ipv4(s + h, he - h))
            add(addrs, s + h, he - h, 0, max);
        else if (he > h && he - h <= HOST_MAX)
            add(hosts, s + h, he - h, 1, max);
    }
    return path_end(s, len, e);
}

void
tui__mentions(const char *s, size_t len, struct tui__strset *hosts, struct tui__strset *addrs,
              struct tui__strset *paths, size_t max)
{
    size_t i = 0, j, e, colon;
    unsigned char c;

    while (i < len) {
        c = (unsigned char)s[i];
        if (is_alpha(c) && word_start(s, i)) {
            for (j = i; j < len && (is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '-' ||
                                    s[j] == '.');
                 j++)
                ;
            if (j + 3 <= len && memcmp(s + j, "://", 3) == 0) {
                /* file:///path and file://host/path name a file, not a destination. */
                if (j - i == 4 && strncasecmp(s + i, "file", 4) == 0) {
                    for (i = j + 3; i < len && s[i] != '/' && !is_space((unsigned char)s[i]); i++)
                        ;
                    if (i < len && s[i] == '/')
                        i = path(s, len, i, paths, max);
                    continue;
                }
                i = url(s, len, j + 3, hosts, addrs, max);
                continue;
            }
        }
        if ((c == '/' || (c == '~' && i + 1 < len && s[i + 1] == '/')) && path_start(s, i)) {
            i = path(s, len, i, paths, max);
            continue;
        }
        if ((is_alnum(c) || (c == ':' && i + 1 < len && s[i + 1] == ':')) && word_start(s, i)) {
            for (j = i; j < len && (is_alnum((unsigned char)s[j]) || strchr(".-:", s[j]) != NULL);
                 j++)
                ;
            e = j;
            while (e > i && (s[e - 1] == '.' || s[e - 1] == '-'))
                e--;
            if (!ipv6(s + i, e - i, addrs, max)) {
                /* A port after a host or an IPv4 address is not part of it. */
                for (colon = i; colon < e && s[colon] != ':'; colon++)
                    ;
                if (ipv4(s + i, colon - i))
                    add(addrs, s + i, colon - i, 0, max);
                else if (domain(s + i, colon - i))
                    add(hosts, s + i, colon - i, 1, max);
            }
            i = j;
            continue;
        }
        i++;
    }
}

void
tui__novelty_free(struct tui__novelty *n)
{
    tui__strset_free(&n->hosts);
    tui__strset_free(&n->addrs);
    tui__strset_free(&n->paths);
}

/* The mentions of plans approved before, by id. */
static struct tui__seen {
    char id[AL_ID_HEXLEN + 1];
    struct tui__strset hosts, addrs, paths;
    unsigned long used;
} seen[NOVELTY_CACHE];
static unsigned long seen_clock;

static void
mentions_of(const struct al_artifact *a, struct tui__strset *h, struct tui__strset *ad,
            struct tui__strset *p)
{
    const struct al_manifest *m = al_artifact_manifest(a);
    const char *d;
    size_t i, n;

    for (i = 0; i < m->n_entries; i++) {
        al_artifact_member(a, i, &d, &n);
        tui__mentions(d, n, h, ad, p, NOVELTY_ITEMS);
    }
    tui__strset_finish(h);
    tui__strset_finish(ad);
    tui__strset_finish(p);
}

/* The remembered mentions of approved plan id, fetched when not yet known; NULL when it
 * cannot be fetched or read. */
static const struct tui__seen *
seen_plan(struct tui *t, const char *id)
{
    struct al_plan_limits lim;
    struct al_artifact *a = NULL;
    struct tui__seen *s = &seen[0];
    cJSON *reply = NULL;
    char *bytes = NULL;
    size_t len, i;

    for (i = 0; i < NOVELTY_CACHE; i++) {
        if (strcmp(seen[i].id, id) == 0) {
            seen[i].used = ++seen_clock;
            return &seen[i];
        }
        if (seen[i].used < s->used)
            s = &seen[i];
    }
    if (t->req == NULL || tui__review_fetch(t, id, &reply, &bytes, &len) != 0)
        return NULL;
    cJSON_Delete(reply);
    al_plan_limits_default(&lim);
    lim.max_total = lim.max_member = AL_PLAN_HARD_MAX_BYTES;
    if (al_artifact_read(bytes, len, &lim, &a) != 0) {
        free(bytes);
        return NULL;
    }
    free(bytes);
    tui__strset_free(&s->hosts);
    tui__strset_free(&s->addrs);
    tui__strset_free(&s->paths);
    mentions_of(a, &s->hosts, &s->addrs, &s->paths);
    al_artifact_free(a);
    memcpy(s->id, id, AL_ID_HEXLEN + 1);
    s->used = ++seen_clock;
    return s;
}

/* Moves the items of cur that no plan in before[0..n) has into out. */
static void
keep_new(struct tui__strset *cur, const struct tui__seen *const *before, size_t n, size_t which,
         struct tui__strset *out)
{
    size_t i, k;

    for (i = 0; i < cur->n; i++) {
        for (k = 0; k < n; k++) {
            const struct tui__strset *s = which == 0   ? &before[k]->hosts
                                          : which == 1 ? &before[k]->addrs
                                                       : &before[k]->paths;

            if (tui__strset_has(s, cur->v[i]))
                break;
        }
        if (k == n)
            add(out, cur->v[i], strlen(cur->v[i]), 0, NOVELTY_ITEMS);
    }
    tui__strset_finish(out);
}

void
tui__novelty_prepare(struct tui *t, struct tui_review *r)
{
    const char *ids[TUI__NOVELTY_PLANS], *st, *id;
    size_t n = 0, i, k;
    int failed = 0;
    const cJSON *p;

    /* The most recent first: t->plans is oldest first. */
    for (k = (size_t)cJSON_GetArraySize(t->plans); k > 0 && n < TUI__NOVELTY_PLANS; k--) {
        p = cJSON_GetArrayItem(t->plans, (int)k - 1);
        st = tui_str(p, "state");
        id = tui_str(p, "id");
        if (st == NULL || id == NULL || strcmp(id, r->id) == 0 || al_id_check(id) != 0 ||
            (strcmp(st, "approved") != 0 && strcmp(st, "delivering") != 0 &&
             strcmp(st, "delivered") != 0))
            continue;
        ids[n++] = id;
    }
    r->nbefore = 0;
    for (i = 0; i < n; i++) {
        if ((r->before[r->nbefore] = seen_plan(t, ids[i])) != NULL)
            r->nbefore++;
        else
            failed = 1;
    }
    r->nov.compared = failed && r->nbefore == 0 ? -1 : (int)r->nbefore;
}

void
tui__novelty_compute(struct tui_review *r)
{
    struct tui__strset cur[3] = {{0}};
    size_t i;

    mentions_of(r->art, &cur[0], &cur[1], &cur[2]);
    r->nov.mentioned = cur[0].n + cur[1].n + cur[2].n;
    for (i = 0; i < 3; i++)
        keep_new(&cur[i], r->before, r->nbefore, i,
                 i == 0   ? &r->nov.hosts
                 : i == 1 ? &r->nov.addrs
                          : &r->nov.paths);
    for (i = 0; i < 3; i++)
        tui__strset_free(&cur[i]);
}
