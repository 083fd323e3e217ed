/*
 * scan.c: the scanner's driver (see scan.h): the set of findings and its JSON form, the
 * layers of decoded content, the folded views and the multi-pattern matcher that the rule
 * families in scan_*.c share.
 */
#include "scan_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/render.h>
#include <airlock/utf8.h>

struct rule_count {
    const char *rule;
    unsigned n;
};

struct al_scan {
    struct al_finding *v;
    size_t n, cap;
    size_t omitted;
    int worst;
    enum al_severity omitted_worst;
    uint64_t text_bytes;
    char **members;
    size_t n_members;
    /* Per-rule counts for the member being scanned (AL__SCAN_PER_RULE_MAX). */
    struct rule_count counts[96];
    size_t n_counts;
    size_t max;
};

void
al_scan_opts_init(struct al_scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->direction = AL_SCAN_OUT;
}

int
al_scan_new(struct al_scan **out)
{
    struct al_scan *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return AL_ENOMEM;
    s->worst = -1;
    *out = s;
    return 0;
}

static void
finding_close(struct al_finding *f)
{
    free(f->message);
    free(f->visible);
}

void
al_scan_free(struct al_scan *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++)
        finding_close(&s->v[i]);
    for (i = 0; i < s->n_members; i++)
        free(s->members[i]);
    free(s->members);
    free(s->v);
    free(s);
}

size_t
al_scan_count(const struct al_scan *s)
{
    return s->n;
}

const struct al_finding *
al_scan_get(const struct al_scan *s, size_t i)
{
    return i < s->n ? &s->v[i] : NULL;
}

size_t
al_scan_omitted(const struct al_scan *s)
{
    return s->omitted;
}

int
al_scan_worst(const struct al_scan *s)
{
    return s->worst;
}

uint64_t
al_scan_text_bytes(const struct al_scan *s)
{
    return s->text_bytes;
}

const char *
al_severity_name(enum al_severity sev)
{
    switch (sev) {
    case AL_SEV_BLOCK:
        return "block";
    case AL_SEV_HIGH:
        return "high";
    default:
        return "info";
    }
}

/*
 * The longest prefix of rendered text r[0..n) that fits in cap bytes without cutting a
 * token (\\, \e, \xNN, \u{...}) or a UTF-8 sequence in half.
 */
static size_t
render_cut(const char *r, size_t n, size_t cap)
{
    size_t i = 0, k;

    while (i < n) {
        unsigned char c = (unsigned char)r[i];

        if (c == '\\') {
            if (i + 1 < n && r[i + 1] == 'u') {
                for (k = i + 2; k < n && r[k] != '}'; k++)
                    ;
                k = k < n ? k + 1 : n;
            } else if (i + 1 < n && r[i + 1] == 'x') {
                k = i + 4 <= n ? i + 4 : n;
            } else {
                k = i + 2 <= n ? i + 2 : n;
            }
        } else if (c >= 0xf0) {
            k = i + 4;
        } else if (c >= 0xe0) {
            k = i + 3;
        } else if (c >= 0xc0) {
            k = i + 2;
        } else {
            k = i + 1;
        }
        if (k > cap || k > n)
            break;
        i = k;
    }
    return i;
}

/*
 * Renders p[0..n) for a message or a visible field: escaped, one line, at most cap bytes of
 * output (and "..." when cut), so that a set's JSON stays small whatever the plan holds.
 */
static char *
render_capped(const char *p, size_t n, size_t cap)
{
    struct al_buf b;
    size_t k = n, cut;

    /* Each input byte renders to at least one byte: no need to render more than cap. */
    if (k > cap) {
        k = cap;
        while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
            k--;
    }
    al_buf_init(&b, 12 * cap + 16);
    if (al_render_escape(p, k, AL_RENDER_ESCAPE_NEWLINE, &b) != 0) {
        al_buf_close(&b);
        return NULL;
    }
    cut = render_cut(b.data ? b.data : "", b.len, cap);
    if (cut < b.len || k < n) {
        b.len = cut;
        if (al_buf_append(&b, "...", 3) != 0) {
            al_buf_close(&b);
            return NULL;
        }
    }
    if (al_buf_appendc(&b, '\0') != 0) {
        al_buf_close(&b);
        return NULL;
    }
    return al_buf_steal(&b, NULL);
}

static struct rule_count *
rule_count(struct al_scan *s, const char *rule)
{
    size_t i;

    for (i = 0; i < s->n_counts; i++)
        if (strcmp(s->counts[i].rule, rule) == 0)
            return &s->counts[i];
    if (s->n_counts == sizeof(s->counts) / sizeof(s->counts[0]))
        return NULL;
    s->counts[s->n_counts].rule = rule;
    s->counts[s->n_counts].n = 0;
    return &s->counts[s->n_counts++];
}

static void
omit(struct al_scan *s, enum al_severity sev)
{
    s->omitted++;
    if (s->omitted == 1 || sev > s->omitted_worst)
        s->omitted_worst = sev;
}

static void
vadd(struct al__scan_ctx *c, const char *rule, enum al_severity sev, int heuristic, size_t start,
     size_t end, const char *visible, size_t vlen, const char *fmt, va_list ap)
{
    struct al_scan *s = c->set;
    struct al_finding *f;
    struct rule_count *rc;
    char msg[AL__SCAN_MSG_MAX + 1], full[AL__SCAN_MSG_MAX + 64];
    size_t i, lo;
    int k;

    if (c->depth > 0) {
        start = c->olo;
        end = c->ohi;
    } else if (c->remap != NULL) {
        al__view_range(c->remap, start, end, &start, &end);
    }
    /* A rule's range never leaves the member, whatever its parser made of the input. */
    if (end > c->len)
        end = c->len;
    if (start > end)
        start = end;
    if ((int)sev > s->worst)
        s->worst = (int)sev;
    /* The same rule at the same range (a layer that repeats its parent) is one finding. */
    lo = s->n > 16 ? s->n - 16 : 0;
    for (i = lo; i < s->n; i++) {
        f = &s->v[i];
        if (f->start == start && f->end == end && f->member == c->member &&
            strcmp(f->rule, rule) == 0) {
            if (sev > f->severity)
                f->severity = sev;
            return;
        }
    }
    rc = rule_count(s, rule);
    if (s->n >= s->max || rc == NULL || rc->n >= AL__SCAN_PER_RULE_MAX) {
        omit(s, sev);
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct al_finding *v = realloc(s->v, cap * sizeof(*v));

        if (v == NULL) {
            c->failed = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    k = c->depth > 0 ? snprintf(full, sizeof(full), "in %s: %s", c->label, msg)
                     : snprintf(full, sizeof(full), "%s", msg);
    if (k < 0)
        k = 0;
    f = &s->v[s->n];
    memset(f, 0, sizeof(*f));
    f->rule = rule;
    f->severity = sev;
    f->heuristic = heuristic;
    f->member = c->member;
    f->start = start;
    f->end = end;
    f->message = render_capped(full, strlen(full), AL__SCAN_MSG_MAX + 60);
    if (visible != NULL)
        f->visible = render_capped(visible, vlen, AL__SCAN_VISIBLE_MAX);
    if (f->message == NULL || (visible != NULL && f->visible == NULL)) {
        finding_close(f);
        c->failed = 1;
        return;
    }
    rc->n++;
    s->n++;
}

int
al__scan_full(struct al__scan_ctx *c, const char *rule)
{
    struct al_scan *s = c->set;
    size_t i;

    if (s->n >= s->max)
        return 1;
    for (i = 0; i < s->n_counts; i++)
        if (strcmp(s->counts[i].rule, rule) == 0)
            return s->counts[i].n >= AL__SCAN_PER_RULE_MAX;
    return 0;
}

void
al__scan_add(struct al__scan_ctx *c, const char *rule, enum al_severity sev, size_t start,
             size_t end, const char *visible, size_t vlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(c, rule, sev, 0, start, end, visible, vlen, fmt, ap);
    va_end(ap);
}

void
al__scan_add_heuristic(struct al__scan_ctx *c, const char *rule, enum al_severity sev, size_t start,
                       size_t end, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(c, rule, sev, 1, start, end, NULL, 0, fmt, ap);
    va_end(ap);
}

const struct al__view *
al__scan_fold(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct al__view *v = &c->views[c->depth];

    /* The layer's text does not change while its rules run: fold it once. */
    if (v->s != NULL && c->fold_built & (1u << c->depth))
        return v;
    if (al__view_fold(s, n, AL__FOLD_LOWER | AL__FOLD_SPACE | AL__FOLD_DECODE, v) != 0) {
        c->failed = 1;
        return NULL;
    }
    c->fold_built |= 1u << c->depth;
    return v;
}

/* Every rule family over one layer. Inject runs last: it reads what the others decoded. */
static void
scan_layer_text(struct al__scan_ctx *c, const char *s, size_t n)
{
    c->fold_built &= ~(1u << c->depth);
    al__scan_chars(c, s, n);
    al__scan_markup(c, s, n);
    al__scan_urls(c, s, n);
    al__scan_unicode(c, s, n);
    al__scan_secrets(c, s, n);
    al__scan_canaries(c, s, n);
    al__scan_encoded(c, s, n);
    al__scan_inject(c, s, n);
}

int
al__scan_layer(struct al__scan_ctx *c, const char *out, size_t n, size_t start, size_t end,
               const char *label)
{
    unsigned max_depth = c->o->max_depth ? c->o->max_depth : AL_SCAN_DEPTH_DEFAULT;
    struct al__scan_ctx saved = *c;

    if (max_depth > AL_SCAN_DEPTH_MAX)
        max_depth = AL_SCAN_DEPTH_MAX;
    if (n == 0 || c->depth >= max_depth || n > c->decode_left)
        return 0;
    c->decode_left -= n;
    if (c->depth == 0) {
        c->olo = start;
        c->ohi = end;
    }
    c->depth++;
    c->label = label;
    scan_layer_text(c, out, n);
    saved.decode_left = c->decode_left;
    saved.failed = c->failed;
    saved.inject_families = c->inject_families;
    saved.fold_built = c->fold_built & ((2u << saved.depth) - 1);
    *c = saved;
    return 1;
}

void
al__scan_canaries_binary(struct al__scan_ctx *c, const char *out, size_t n, size_t start,
                         size_t end)
{
    unsigned max_depth = c->o->max_depth ? c->o->max_depth : AL_SCAN_DEPTH_DEFAULT;
    struct al__scan_ctx saved = *c;

    if (max_depth > AL_SCAN_DEPTH_MAX)
        max_depth = AL_SCAN_DEPTH_MAX;
    if (n == 0 || c->depth >= max_depth || n > c->decode_left || c->canaries == NULL ||
        c->canaries->n == 0)
        return;
    c->decode_left -= n;
    if (c->depth == 0) {
        c->olo = start;
        c->ohi = end;
    }
    c->depth++;
    c->label = "decoded binary data";
    al__scan_canaries(c, out, n);
    saved.decode_left = c->decode_left;
    saved.failed = c->failed;
    saved.fold_built = c->fold_built & ((2u << saved.depth) - 1);
    *c = saved;
}

/* Free text: every byte that is not white space (what a plan can carry to the other side). */
static uint64_t
free_text_bytes(const char *s, size_t n)
{
    uint64_t k = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (!al__isspace((unsigned char)s[i]))
            k++;
    return k;
}

static void
capacity(struct al__scan_ctx *c, size_t n)
{
    const struct al_scan_opts *o = c->o;
    uint64_t total = c->set->text_bytes;
    enum al_severity sev = AL_SEV_INFO;

    if (o->budget_plan == 0 && o->budget_day == 0)
        return;
    if ((o->budget_plan && total > o->budget_plan) ||
        (o->budget_day && o->used_today + total > o->budget_day))
        sev = AL_SEV_HIGH;
    al__scan_add(c, "capacity", sev, 0, n, NULL, 0,
                 "the plan carries %llu bytes of free text (plan budget %llu, today %llu of "
                 "%llu with this plan)",
                 (unsigned long long)total, (unsigned long long)o->budget_plan,
                 (unsigned long long)(o->used_today + total), (unsigned long long)o->budget_day);
}

static void
rollback(struct al_scan *s, size_t n, size_t omitted, int worst, enum al_severity ow,
         uint64_t bytes, size_t members)
{
    while (s->n > n)
        finding_close(&s->v[--s->n]);
    while (s->n_members > members)
        free(s->members[--s->n_members]);
    s->omitted = omitted;
    s->worst = worst;
    s->omitted_worst = ow;
    s->text_bytes = bytes;
}

int
al_scan(struct al_scan *s, const char *member, const char *text, size_t len,
        const struct al_scan_opts *o)
{
    struct al_scan_opts defaults;
    struct al__scan_ctx c;
    struct al__view scratch = {NULL, 0, NULL, 0}, views[AL_SCAN_DEPTH_MAX + 1];
    size_t n0 = s->n, om0 = s->omitted, mem0 = s->n_members, i;
    int worst0 = s->worst;
    enum al_severity ow0 = s->omitted_worst;
    uint64_t bytes0 = s->text_bytes;
    char **mv;
    int r = AL_ENOMEM;

    al_errclear();
    if (o == NULL) {
        al_scan_opts_init(&defaults);
        o = &defaults;
    }
    if (text == NULL && len > 0)
        return al__fail(AL_EINVAL, "scan: no text");
    if (text == NULL)
        text = "";
    if (len > AL_SCAN_MAX_BYTES)
        return al__fail(AL_ETOOBIG, "scan: %zu bytes, more than %u", len, AL_SCAN_MAX_BYTES);
    if (o->n_canaries > AL_SCAN_CANARIES_MAX)
        return al__fail(AL_EINVAL, "scan: %zu canaries, more than %d", o->n_canaries,
                        AL_SCAN_CANARIES_MAX);
    for (i = 0; i < o->n_canaries; i++) {
        size_t k = o->canaries[i] ? strlen(o->canaries[i]) : 0;

        if (k < AL_SCAN_CANARY_MIN || k > AL_SCAN_CANARY_MAX)
            return al__fail(AL_EINVAL, "scan: canary %zu is %zu bytes, not %d to %d", i, k,
                            AL_SCAN_CANARY_MIN, AL_SCAN_CANARY_MAX);
    }
    memset(&c, 0, sizeof(c));
    c.set = s;
    c.o = o;
    c.text = text;
    c.len = len;
    c.decode_left = o->decode_budget ? o->decode_budget : AL_SCAN_DECODE_BUDGET_DEFAULT;
    c.scratch = &scratch;
    memset(views, 0, sizeof(views));
    c.views = views;
    s->max = o->max_findings ? o->max_findings : AL_SCAN_FINDINGS_DEFAULT;
    s->n_counts = 0;
    if (member != NULL) {
        mv = realloc(s->members, (s->n_members + 1) * sizeof(*mv));
        if (mv == NULL)
            goto out;
        s->members = mv;
        if ((mv[s->n_members] = strdup(member)) == NULL)
            goto out;
        c.member = mv[s->n_members++];
    }
    if ((r = al__canaries_new(o->canaries, o->n_canaries, &c.canaries)) != 0)
        goto out;
    r = AL_ENOMEM;
    s->text_bytes += free_text_bytes(text, len);
    scan_layer_text(&c, text, len);
    /*
     * A decoded layer is scanned before its parent's own wording is read: once the whole
     * member is read, heuristic findings take the severity the member's wording adds up to.
     */
    if (al__inject_high(&c)) {
        for (i = n0; i < s->n; i++)
            if (s->v[i].heuristic && s->v[i].severity < AL_SEV_HIGH)
                s->v[i].severity = AL_SEV_HIGH;
        if (s->worst < AL_SEV_HIGH)
            s->worst = AL_SEV_HIGH;
    }
    al__scan_provenance(&c, text, len);
    capacity(&c, len);
    if (c.failed)
        goto out;
    /* success */ r = 0;
out:
    al__view_close(&scratch);
    for (i = 0; i <= AL_SCAN_DEPTH_MAX; i++)
        al__view_close(&views[i]);
    al__canaries_free(c.canaries);
    if (r != 0)
        rollback(s, n0, om0, worst0, ow0, bytes0, mem0);
    return r;
}

int
al_scan_json(const struct al_scan *s, cJSON **out)
{
    cJSON *a = cJSON_CreateArray(), *o;
    const struct al_finding *f;
    size_t i;
    int r = AL_ENOMEM;

    if (a == NULL)
        goto out;
    for (i = 0; i < s->n; i++) {
        f = &s->v[i];
        if ((o = cJSON_CreateObject()) == NULL)
            goto out;
        cJSON_AddItemToArray(a, o); /* transferred */
        if (cJSON_AddStringToObject(o, "rule", f->rule) == NULL ||
            cJSON_AddStringToObject(o, "severity", al_severity_name(f->severity)) == NULL ||
            cJSON_AddNumberToObject(o, "start", (double)f->start) == NULL ||
            cJSON_AddNumberToObject(o, "end", (double)f->end) == NULL ||
            cJSON_AddStringToObject(o, "message", f->message) == NULL ||
            (f->member && cJSON_AddStringToObject(o, "member", f->member) == NULL) ||
            (f->visible && cJSON_AddStringToObject(o, "visible", f->visible) == NULL) ||
            (f->heuristic && cJSON_AddTrueToObject(o, "heuristic") == NULL))
            goto out;
    }
    if (s->omitted > 0) {
        if ((o = cJSON_CreateObject()) == NULL)
            goto out;
        cJSON_AddItemToArray(a, o); /* transferred */
        if (cJSON_AddStringToObject(o, "rule", "scan.omitted") == NULL ||
            cJSON_AddStringToObject(o, "severity", al_severity_name(s->omitted_worst)) == NULL ||
            cJSON_AddNumberToObject(o, "start", 0) == NULL ||
            cJSON_AddNumberToObject(o, "end", 0) == NULL ||
            cJSON_AddNumberToObject(o, "count", (double)s->omitted) == NULL ||
            cJSON_AddStringToObject(o, "message",
                                    "more findings than the caps keep; the worst of them has "
                                    "this severity") == NULL)
            goto out;
    }
    *out = a;
    a = NULL;
    /* success */ r = 0;
out:
    cJSON_Delete(a);
    return r;
}

int
al_scan_json_text(const struct al_scan *s, char **out)
{
    cJSON *a = NULL;
    char *t;
    int r;

    if ((r = al_scan_json(s, &a)) != 0)
        return r;
    t = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    if (t == NULL)
        return AL_ENOMEM;
    *out = t;
    return 0;
}

double
al__entropy(const char *s, size_t n)
{
    unsigned counts[256] = {0};
    double h = 0;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        counts[(unsigned char)s[i]]++;
    for (i = 0; i < 256; i++)
        if (counts[i]) {
            double p = (double)counts[i] / (double)n;
            h -= p * log2(p);
        }
    return h;
}

int
al__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- the multi-pattern matcher ---- */

void
al__matcher_init(struct al__matcher *m)
{
    memset(m, 0, sizeof(*m));
}

int
al__matcher_add(struct al__matcher *m, const char *p, size_t len, unsigned id)
{
    if (len < 4)
        return AL_EINVAL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 32;
        struct al__mpat *v = realloc(m->pats, cap * sizeof(*v));

        if (v == NULL)
            return AL_ENOMEM;
        m->pats = v;
        m->cap = cap;
    }
    m->pats[m->n].p = p;
    m->pats[m->n].len = len;
    m->pats[m->n].id = id;
    m->n++;
    return 0;
}

static uint32_t
load4(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;

    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static uint32_t
bucket(uint32_t key, unsigned bits)
{
    return (key * 0x9e3779b1u) >> (32 - bits);
}

int
al__matcher_build(struct al__matcher *m)
{
    size_t i;
    uint32_t h;

    m->bits = 6;
    while (((size_t)1 << m->bits) < 2 * m->n && m->bits < 20)
        m->bits++;
    free(m->head);
    free(m->next);
    m->head = calloc((size_t)1 << m->bits, sizeof(*m->head));
    m->next = calloc(m->n ? m->n : 1, sizeof(*m->next));
    if (m->head == NULL || m->next == NULL)
        return AL_ENOMEM;
    /* Insert in reverse so that each chain lists patterns in the order they were added. */
    for (i = m->n; i-- > 0;) {
        struct al__mpat *p = &m->pats[i];

        p->key = load4(p->p);
        p->key2 = p->len >= 8 ? load4(p->p + 4) : 0;
        h = bucket(p->key, m->bits);
        m->next[i] = m->head[h];
        m->head[h] = (uint32_t)i + 1;
    }
    return 0;
}

void
al__matcher_run(const struct al__matcher *m, const char *s, size_t n, al__match_cb cb, void *arg)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t key, idx;
    size_t i;

    if (m->n == 0 || m->head == NULL || n < 4)
        return;
    key = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    for (i = 0; i + 4 <= n; i++) {
        key = key << 8 | u[i + 3];
        for (idx = m->head[bucket(key, m->bits)]; idx != 0; idx = m->next[idx - 1]) {
            const struct al__mpat *p = &m->pats[idx - 1];

            if (p->key != key || p->len > n - i || (p->len >= 8 && load4(s + i + 4) != p->key2))
                continue;
            if (p->len <= 8 || memcmp(s + i + 8, p->p + 8, p->len - 8) == 0)
                if (p->len >= 8 || memcmp(s + i + 4, p->p + 4, p->len - 4) == 0)
                    cb(arg, p, i);
        }
    }
}

void
al__matcher_close(struct al__matcher *m)
{
    free(m->pats);
    free(m->head);
    free(m->next);
    memset(m, 0, sizeof(*m));
}

/* ---- folded views ---- */

struct vb {
    struct al__view *v;
    unsigned flags;
    int space; /* the last byte emitted was a folded space */
    int failed;
};

static int
vb_reserve(struct vb *b, size_t cap)
{
    char *s;
    uint32_t *map;

    if (cap <= b->v->cap)
        return 0;
    if ((s = realloc(b->v->s, cap)) == NULL)
        return -1;
    b->v->s = s;
    if ((map = realloc(b->v->map, (cap + 1) * sizeof(*map))) == NULL)
        return -1;
    b->v->map = map;
    b->v->cap = cap;
    return 0;
}

static void
vb_byte(struct vb *b, unsigned char ch, size_t src)
{
    if (b->v->n == b->v->cap) {
        size_t cap = b->v->cap * 2 + 64;
        char *s = realloc(b->v->s, cap);
        uint32_t *map;

        if (s == NULL) {
            b->failed = 1;
            return;
        }
        b->v->s = s;
        map = realloc(b->v->map, (cap + 1) * sizeof(*map));
        if (map == NULL) {
            b->failed = 1;
            return;
        }
        b->v->map = map;
        b->v->cap = cap;
    }
    b->v->s[b->v->n] = (char)ch;
    b->v->map[b->v->n] = (uint32_t)src;
    b->v->n++;
}

static void
vb_ascii(struct vb *b, unsigned char ch, size_t src)
{
    if (ch == '\t' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\f' || ch == '\v') {
        if (b->flags & AL__FOLD_ALNUM)
            return;
        if (b->flags & AL__FOLD_SPACE) {
            if (b->space)
                return;
            b->space = 1;
            vb_byte(b, ' ', src);
            return;
        }
        vb_byte(b, ch, src);
        return;
    }
    if (ch < 0x20 || ch == 0x7f)
        return;
    if ((b->flags & AL__FOLD_ALNUM) && !al__isalnum(ch))
        return;
    if (b->flags & AL__FOLD_LOWER)
        ch = (unsigned char)al__tolower(ch);
    b->space = 0;
    vb_byte(b, ch, src);
}

/* Invisible, format and bidi characters: dropped from every view. */
static int
dropped(uint32_t cp)
{
    if (cp >= 0xe0000 && cp <= 0xe0fff)
        return !(cp >= 0xe0020 && cp <= 0xe007e); /* tag letters are kept, as ASCII */
    return cp >= 0x80 && al_render_is_hidden(cp);
}

static void
vb_cp(struct vb *b, uint32_t cp, const char *src, size_t k, size_t at)
{
    char ascii[8];
    size_t i, m;

    if (cp < 0x80) {
        vb_ascii(b, (unsigned char)cp, at);
        return;
    }
    if (cp >= 0xe0020 && cp <= 0xe007e) {
        vb_ascii(b, (unsigned char)(cp - 0xe0000), at);
        return;
    }
    if (dropped(cp))
        return;
    if ((m = al__uc_ascii_fold(cp, ascii)) > 0) {
        for (i = 0; i < m; i++)
            vb_ascii(b, (unsigned char)ascii[i], at);
        return;
    }
    if ((b->flags & AL__FOLD_ALNUM) && !al__uc_is_letter(cp))
        return;
    b->space = 0;
    for (i = 0; i < k; i++)
        vb_byte(b, (unsigned char)src[i], at);
}

/* The length of the inline escape at s[0..n) (%XX or &#NN;) and its byte, or 0. */
static size_t
inline_escape(const char *s, size_t n, unsigned char *out)
{
    size_t i;
    unsigned v = 0;
    int hex;

    if (s[0] == '%' && n >= 3 && al__hexval(s[1]) >= 0 && al__hexval(s[2]) >= 0) {
        v = (unsigned)(al__hexval(s[1]) * 16 + al__hexval(s[2]));
        if (v >= 0x20 && v < 0x7f) {
            *out = (unsigned char)v;
            return 3;
        }
        return 0;
    }
    if (s[0] == '&' && n >= 4 && s[1] == '#') {
        hex = s[2] == 'x' || s[2] == 'X';
        for (i = hex ? 3 : 2; i < n && i < 10; i++) {
            if (s[i] == ';')
                break;
            if (hex ? al__hexval(s[i]) < 0 : !al__isdigit((unsigned char)s[i]))
                return 0;
            v = v * (hex ? 16 : 10) + (unsigned)al__hexval(s[i]);
        }
        if (i < n && s[i] == ';' && i > (hex ? 3u : 2u) && v >= 0x20 && v < 0x7f) {
            *out = (unsigned char)v;
            return i + 1;
        }
    }
    return 0;
}

/* The start of the UTF-8 character that ends just before s + at (never before lo). */
static size_t
utf8_back(const char *s, size_t lo, size_t at)
{
    size_t i = at - 1;

    while (i > lo && ((unsigned char)s[i] & 0xc0) == 0x80 && at - i < 4)
        i--;
    return i;
}

int
al__view_fold(const char *text, size_t n, unsigned flags, struct al__view *v)
{
    struct vb b;
    size_t i = 0, k, j, e, p;
    uint32_t cp;
    unsigned char dec;

    memset(&b, 0, sizeof(b));
    b.v = v;
    b.flags = flags;
    v->n = 0;
    /* Folding rarely grows text (a ligature or "a.m." sign does): room for all of it. */
    if (vb_reserve(&b, n + n / 8 + 64) != 0)
        return AL_ENOMEM;
    while (i < n && !b.failed) {
        unsigned char ch = (unsigned char)text[i];

        if (ch > 0x20 && ch < 0x7f && !(flags & AL__FOLD_ALNUM) && ch != '%' && ch != '&' &&
            ch != '\\' && v->n < v->cap) {
            /* The common case: a visible ASCII character, kept (lowercased). */
            v->s[v->n] =
                (char)((flags & AL__FOLD_LOWER) && ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
            v->map[v->n++] = (uint32_t)i++;
            b.space = 0;
            continue;
        }
        if (ch < 0x80) {
            /* "\n" written out (JSON, iCalendar, C strings) separates words as a newline. */
            if ((flags & AL__FOLD_DECODE) && ch == '\\' && i + 1 < n &&
                (text[i + 1] == 'n' || text[i + 1] == 'r' || text[i + 1] == 't')) {
                vb_ascii(&b, ' ', i);
                i += 2;
                continue;
            }
            if ((flags & AL__FOLD_DECODE) && (ch == '%' || ch == '&') &&
                (k = inline_escape(text + i, n - i, &dec)) > 0) {
                vb_ascii(&b, dec, i);
                i += k;
                continue;
            }
            vb_ascii(&b, ch, i);
            i++;
            continue;
        }
        if ((k = al_utf8_decode(text + i, n - i, &cp)) == 0) {
            i++;
            continue;
        }
        if (cp == 0x202e) {
            /*
             * A right-to-left override shows the characters up to its PDF (or the end of
             * the line) in reverse: the view holds them in the order a reader sees them.
             */
            for (e = i + k; e < n && text[e] != '\n' && e - i < 65536; e++)
                if (e + 3 <= n && memcmp(text + e, "\xe2\x80\xac", 3) == 0)
                    break;
            for (j = e; j > i + k && !b.failed; j = p) {
                uint32_t c2;
                size_t k2;

                p = utf8_back(text, i + k, j);
                if ((k2 = al_utf8_decode(text + p, j - p, &c2)) == 0)
                    continue;
                vb_cp(&b, c2, text + p, k2, p);
            }
            i = e;
            continue;
        }
        vb_cp(&b, cp, text + i, k, i);
        i += k;
    }
    if (!b.failed) {
        vb_byte(&b, 0, n); /* room for the NUL and map[n] */
        if (!b.failed) {
            v->n--;
            v->map[v->n] = (uint32_t)n;
        }
    }
    if (b.failed) {
        v->n = 0;
        return AL_ENOMEM;
    }
    return 0;
}

void
al__view_close(struct al__view *v)
{
    free(v->s);
    free(v->map);
    memset(v, 0, sizeof(*v));
}

void
al__view_range(const struct al__view *v, size_t a, size_t b, size_t *start, size_t *end)
{
    size_t j;

    if (a > v->n)
        a = v->n;
    if (b > v->n)
        b = v->n;
    *start = v->map[a];
    if (b == 0) {
        *end = *start;
        return;
    }
    /* The end of the last source character used: where the next one starts. */
    for (j = b; j < v->n && v->map[j] == v->map[b - 1]; j++)
        ;
    *end = v->map[j] > *start ? v->map[j] : *start;
}
