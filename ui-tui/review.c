/*
 * review.c: a plan full-screen, read in full before it is approved.
 *
 * The view works on the artifact's bytes as airlockd sent them once, checked against the
 * BLAKE2b-256 hash the daemon lists for the plan. Those bytes are read strictly, scanned
 * again here (the UI takes neither the daemon's copy nor its findings on trust), drawn,
 * and on approval signed (approve.c): nothing is fetched a second time.
 *
 * A plan can be 64 MiB, so the body is laid out lazily. The start of every line is indexed
 * once (memchr); the first row on screen is a line and the offset in it where one of its
 * wrapped rows starts; only the rows drawn are wrapped, and the row starts of the two lines
 * last used are cached as far as they were needed. A redraw costs what the screen shows,
 * whatever the size of the plan; only a jump into the middle of one huge line costs that
 * line's length, once.
 *
 * Every byte of the plan reaches the screen as a piece from al_render_next(): printable
 * characters as they are, everything else as a visible token. Findings are marked inline
 * (their bytes underlined in their severity's colour, a '!' in the left margin).
 */
#include "review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/paths.h>
#include <airlock/render.h>

#define BODY_Y 6           /* the title bar and five header lines above the body */
#define GUTTER 2           /* a finding mark and a continuation mark left of each row */
#define CONTEXT_ROWS 2     /* shown above a finding jumped to */
#define INDEX_TTL_MS 60000 /* the workspace index is built again after a minute */

const char *const tui_review_help[] = {
    "Up, Down, j, k         one row",
    "PgDn, Space / PgUp, b  one screen down / up",
    "Home, g / End, G       the start / the end of the plan",
    "f                      the findings list (Up/Down choose, Enter shows it in the plan)",
    "n, N                   the next / previous finding",
    "a                      approve and sign, once you have read to the end",
    "e                      edit a copy in $VISUAL or $EDITOR: the edit is a new plan to review",
    "r                      reject, with an optional reason",
    "q, Esc                 back to the overview",
    "",
    "A plan with a high finding asks you to type what it names (a host, or the last",
    "characters of the flagged text); one with a block finding cannot be approved.",
    NULL,
};

/* ---- the document: members, lines, wrapped rows ---- */

static void
member(const struct tui_review *r, size_t m, const char **data, size_t *len)
{
    al_artifact_member(r->art, m, data, len);
}

void
tui__review_span(const struct tui_review *r, size_t f, const char **data, size_t *len)
{
    member(r, r->fmember[f], data, len);
}

/* The last i in [lo, hi) with a[i] <= key, for a sorted and a[lo] <= key. */
static size_t
last_le(const size_t *a, size_t lo, size_t hi, size_t key)
{
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (a[mid] <= key)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static size_t
member_of(const struct tui_review *r, size_t line)
{
    return last_le(r->mfirst, 0, r->nmembers, line);
}

static enum tui_role
sev_role(int sev)
{
    return sev >= AL_SEV_BLOCK ? TUI_BLOCK : sev == AL_SEV_HIGH ? TUI_HIGH : TUI_INFO;
}

/* The worst severity of the marks over bytes [s, e) of member m, or -1. */
static int
mark_at(const struct tui_review *r, size_t m, size_t s, size_t e)
{
    const struct tui__mark *k;
    size_t lo = 0, hi;
    int sev = -1;

    if (!r->ready) /* the marks are the scan's until it is done */
        return -1;
    k = r->marks[m];
    hi = r->nmarks[m];
    while (lo < hi) { /* the first mark that ends after s */
        size_t mid = lo + (hi - lo) / 2;

        if (k[mid].end <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < r->nmarks[m] && k[lo].start < e; lo++)
        if (k[lo].sev > sev)
            sev = k[lo].sev;
    return sev;
}

/* Whether bytes [s, e) of member m belong to the finding last jumped to. */
static int
in_current(const struct tui_review *r, size_t m, size_t s, size_t e)
{
    const struct al_finding *f;
    size_t fe;

    if (r->cur < 0 || !r->ready)
        return 0;
    f = al_scan_get(r->scan, r->order[r->cur]);
    if (r->fmember[r->order[r->cur]] != m || strcmp(f->rule, "provenance") == 0)
        return 0;
    fe = f->end > f->start ? f->end : f->start + 1;
    return s < fe && e > f->start;
}

/*
 * Where the row of member m that starts at off ends, r->width columns wide: the offset
 * where the next row of the same line starts, or SIZE_MAX when the line ends in this row.
 * Rows break after the last space or tab that fits, or inside a word longer than the row.
 * A tab reaches the next multiple of 8; a piece wider than the whole row (a long token in
 * a narrow window) stands alone, and is cut when drawn.
 */
static size_t
row_end(const struct tui_review *r, size_t m, size_t off)
{
    struct al_render_piece p;
    const char *d;
    size_t n, brk = 0;
    int col = 0, w;

    member(r, m, &d, &n);
    for (;;) {
        if (off >= n)
            return SIZE_MAX;
        al_render_next(d, n, off, AL_RENDER_KEEP_TAB, &p);
        if (p.kind == AL_PIECE_NEWLINE)
            return SIZE_MAX;
        w = p.kind == AL_PIECE_TAB ? 8 - col % 8 : p.width;
        if (col > 0 && col + w > r->width)
            return brk != 0 ? brk : off;
        col += w;
        off = p.end;
        if (p.kind == AL_PIECE_TAB || (p.kind == AL_PIECE_TEXT && p.text[0] == ' ' && p.len == 1))
            brk = off;
    }
}

/* Draws on line y the row of member m that starts at off, as row_end() lays it out, and
 * returns its row_end(). *marked becomes the worst severity of a finding drawn in it. */
static size_t
draw_row(const struct tui_review *r, size_t m, size_t off, int y, int *marked)
{
    struct al_render_piece p;
    size_t end = row_end(r, m, off), n;
    const char *d;
    int col = 0, w, s, room;
    attr_t a;

    member(r, m, &d, &n);
    while (off < n && off < end) {
        al_render_next(d, n, off, AL_RENDER_KEEP_TAB, &p);
        if (p.kind == AL_PIECE_NEWLINE)
            break;
        w = p.kind == AL_PIECE_TAB ? 8 - col % 8 : p.width;
        room = r->width - col;
        s = mark_at(r, m, p.start, p.end);
        if (s > *marked)
            *marked = s;
        a = p.kind == AL_PIECE_TOKEN ? tui_attr(TUI_TOKEN)
            : s >= 0                 ? tui_attr(sev_role(s))
                                     : tui_attr(TUI_NORMAL);
        if (s >= 0)
            a |= A_UNDERLINE;
        if (in_current(r, m, p.start, p.end))
            a |= A_REVERSE;
        tui_piece(stdscr, y, GUTTER + col, &p, w, room, a);
        col += w;
        off = p.end;
    }
    wattrset(stdscr, A_NORMAL);
    return end;
}

static int
wrap_push(struct tui__wrap *w, size_t off)
{
    size_t *p;

    if (w->n == w->cap) {
        if ((p = realloc(w->starts, (w->cap ? w->cap * 2 : 16) * sizeof(*p))) == NULL)
            return -1;
        w->starts = p;
        w->cap = w->cap ? w->cap * 2 : 16;
    }
    w->starts[w->n++] = off;
    return 0;
}

/* The row starts of line, from the cache (two lines, least recently used goes). */
static struct tui__wrap *
wrap_of(struct tui_review *r, size_t line)
{
    struct tui__wrap *w;
    int i;

    for (i = 0; i < 2; i++) {
        w = &r->wrap[i];
        if (w->n > 0 && w->line == line && w->width == r->width)
            goto found;
    }
    w = r->wrap[0].used <= r->wrap[1].used ? &r->wrap[0] : &r->wrap[1];
    w->line = line;
    w->width = r->width;
    w->n = 0;
    /* Out of memory leaves a line of one row: drawn in full, scrolled past in one step. */
    w->done = wrap_push(w, r->lines[line]) != 0 || r->lines[line] == TUI__HEADING;
found:
    w->used = ++r->wrap_clock;
    return w;
}

/* Makes the cache hold row k of its line, or all of the line's rows when it has fewer. */
static void
wrap_ensure(struct tui_review *r, struct tui__wrap *w, size_t k)
{
    size_t m = member_of(r, w->line), e;

    while (w->n <= k && !w->done) {
        e = row_end(r, m, w->starts[w->n - 1]);
        if (e == SIZE_MAX || wrap_push(w, e) != 0)
            w->done = 1;
    }
}

/* The row of w's line that holds byte off. */
static size_t
wrap_row(struct tui_review *r, struct tui__wrap *w, size_t off)
{
    while (!w->done && w->starts[w->n - 1] <= off)
        wrap_ensure(r, w, w->n);
    return last_le(w->starts, 0, w->n, off);
}

static int
next_row(struct tui_review *r, size_t *line, size_t *off)
{
    struct tui__wrap *w = wrap_of(r, *line);
    size_t i = wrap_row(r, w, *off);

    wrap_ensure(r, w, i + 1);
    if (i + 1 < w->n) {
        *off = w->starts[i + 1];
        return 1;
    }
    if (*line + 1 >= r->nlines)
        return 0;
    *off = r->lines[++*line];
    return 1;
}

static int
prev_row(struct tui_review *r, size_t *line, size_t *off)
{
    struct tui__wrap *w = wrap_of(r, *line);
    size_t i = wrap_row(r, w, *off);

    if (i > 0) {
        *off = w->starts[i - 1];
        return 1;
    }
    if (*line == 0)
        return 0;
    w = wrap_of(r, --*line);
    wrap_ensure(r, w, SIZE_MAX);
    *off = w->starts[w->n - 1];
    return 1;
}

static void
scroll_up(struct tui_review *r, size_t k)
{
    while (k-- > 0 && prev_row(r, &r->top_line, &r->top_off))
        ;
}

/* Down by k rows, but never so far that the last row leaves the bottom of the body. */
static void
scroll_down(struct tui_review *r, size_t k)
{
    size_t line = r->top_line, off = r->top_off, below = 0, h = (size_t)r->body_h, steps;

    while (below < k + h && next_row(r, &line, &off))
        below++;
    steps = below + 1 > h ? below + 1 - h : 0;
    if (steps > k)
        steps = k;
    while (steps-- > 0 && next_row(r, &r->top_line, &r->top_off))
        ;
}

static void
go_end(struct tui_review *r)
{
    struct tui__wrap *w;

    if (r->nlines == 0)
        return;
    r->top_line = r->nlines - 1;
    w = wrap_of(r, r->top_line);
    wrap_ensure(r, w, SIZE_MAX);
    r->top_off = w->starts[w->n - 1];
    scroll_up(r, (size_t)r->body_h - 1);
}

/* Moves the top back when fewer rows than the body holds are left below it, as scrolling
 * there would. */
static void
clamp_end(struct tui_review *r)
{
    size_t line = r->top_line, off = r->top_off, below = 0, h = (size_t)r->body_h;

    while (below + 1 < h && next_row(r, &line, &off))
        below++;
    if (below + 1 < h)
        go_end(r);
}

/* Shows byte off of line near the top, with a little context above it. */
static void
go_to(struct tui_review *r, size_t line, size_t off)
{
    struct tui__wrap *w = wrap_of(r, line);

    r->top_line = line;
    r->top_off = w->starts[wrap_row(r, w, off)];
    scroll_up(r, CONTEXT_ROWS);
    clamp_end(r);
}

/* The line of member m that holds byte off. */
static size_t
line_of(const struct tui_review *r, size_t m, size_t off)
{
    return last_le(r->lines, r->mfirst[m] + (r->nmembers > 1),
                   m + 1 < r->nmembers ? r->mfirst[m + 1] : r->nlines, off);
}

/* Lays the view out for the window's size; a new width moves the top to the start of the
 * row that now holds it. */
static void
geometry(struct tui_review *r)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr), avail = rows - BODY_Y - 2, ph = 0;
    struct tui__wrap *w;

    if (r->pane && r->ready) {
        ph = (int)r->nlisted + 1 + (al_scan_omitted(r->scan) > 0);
        if (ph < 2)
            ph = 2;
        if (ph > avail / 2)
            ph = avail / 2;
    }
    r->body_h = avail - ph > 1 ? avail - ph : 1;
    if (cols - GUTTER != r->width) {
        r->width = cols - GUTTER > 1 ? cols - GUTTER : 1;
        if (r->nlines > 0) {
            w = wrap_of(r, r->top_line);
            r->top_off = w->starts[wrap_row(r, w, r->top_off)];
        }
    }
}

/* ---- loading ---- */

struct al_config *
tui__review_config(struct tui *t, char *why, size_t whylen)
{
    const char *cfg_home = getenv("XDG_CONFIG_HOME"), *path = NULL;
    const cJSON *reported = cJSON_GetObjectItemCaseSensitive(t->status, "config");
    char home[4096], dflt[4096];
    struct al_config *c = NULL;
    int r;

    why[0] = '\0';
    if (al_paths_home(home, sizeof(home)) != 0)
        memcpy(home, "/", 2);
    /* The file airlockd uses: --config, else the one it reports (null: its embedded
     * defaults), else the default place when the daemon has not said. */
    if (t->configpath[0] != '\0')
        path = t->configpath;
    else if (cJSON_IsString(reported))
        path = reported->valuestring;
    else if (!cJSON_IsNull(reported) && al_paths_config(AL_CONFIG_NAME, 0, dflt, sizeof(dflt)) == 0)
        path = dflt;
    if (path != NULL) {
        r = al_config_load(path, home, cfg_home, &c);
        if (r == 0)
            return c;
        if (!(r == -ENOENT && path == dflt))
            snprintf(why, whylen, "%s (%s): scanned without its canaries", al_strerror(r),
                     al_errdetail());
    }
    if (al_config_defaults(home, cfg_home, &c) != 0)
        return NULL;
    return c;
}

/* The provenance index of the workspace, built at most once a minute: a workspace of
 * 100 MiB takes about a second and a half. */
static struct {
    char dir[4096];
    struct al_scan_index *ix;
    long built;
} index_cache;

static const struct al_scan_index *
workspace_index(const char *dir)
{
    long now = tui_now_ms();
    struct al_scan_index *ix = NULL;

    if (dir == NULL || strlen(dir) >= sizeof(index_cache.dir))
        return NULL;
    if (index_cache.ix != NULL && strcmp(index_cache.dir, dir) == 0 &&
        now - index_cache.built < INDEX_TTL_MS)
        return index_cache.ix;
    al_scan_index_free(index_cache.ix);
    index_cache.ix = NULL;
    if (al_scan_index_new(1u << 18, &ix) != 0)
        return NULL;
    if (al_scan_index_add_dir(ix, dir) != 0) {
        al_scan_index_free(ix);
        return NULL;
    }
    memcpy(index_cache.dir, dir, strlen(dir) + 1);
    index_cache.ix = ix;
    index_cache.built = now;
    return ix;
}

struct pos {
    size_t member, start, end, idx;
};

static int
pos_cmp(const void *a, const void *b)
{
    const struct pos *x = a, *y = b;

    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* Whether finding f is shown in the list: the capacity figure is in the header instead,
 * unless the plan is over its budget. */
static int
listed(const struct al_finding *f)
{
    return !(strcmp(f->rule, "capacity") == 0 && f->severity == AL_SEV_INFO);
}

/* Runs the scanner over every member as airlockd does (direction by origin, the
 * configured canaries, for outbound plans the workspace), and orders the findings. */
static int
scan(struct tui_review *r, const struct al_config *c)
{
    struct al_scan_opts o;
    struct pos *ps = NULL;
    const char *d;
    size_t i, n, k, len;
    int rc;

    al_scan_opts_init(&o);
    o.direction = r->m->from == AL_SIDE_OFFLINE ? AL_SCAN_OUT : AL_SCAN_IN;
    o.canaries = (const char *const *)c->plans.canaries;
    o.n_canaries = c->plans.n_canaries;
    o.budget_plan = c->plans.max_bytes;
    if (r->m->from == AL_SIDE_OFFLINE)
        o.workspace = workspace_index(c->side[AL_SIDE_OFFLINE].workspace);
    r->provenance = o.workspace != NULL;
    if ((rc = al_scan_new(&r->scan)) != 0)
        return rc;
    for (i = 0; i < r->nmembers; i++) {
        member(r, i, &d, &len);
        if ((rc = al_scan(r->scan, r->m->entries[i].path, d, len, &o)) != 0)
            return rc;
    }
    n = al_scan_count(r->scan);
    r->worst = al_scan_worst(r->scan);
    if ((r->fmember = calloc(n + 1, sizeof(*r->fmember))) == NULL ||
        (r->order = calloc(n + 1, sizeof(*r->order))) == NULL ||
        (ps = calloc(n + 1, sizeof(*ps))) == NULL) {
        free(ps);
        return AL_ENOMEM;
    }
    for (i = 0, k = 0; i < n; i++) {
        const struct al_finding *f = al_scan_get(r->scan, i);
        size_t m;

        for (m = 0; m < r->nmembers; m++)
            if (f->member != NULL && strcmp(f->member, r->m->entries[m].path) == 0)
                break;
        r->fmember[i] = m < r->nmembers ? m : 0;
        if (!listed(f))
            continue;
        ps[k++] = (struct pos){r->fmember[i], f->start, f->end, i};
        if (f->severity <= AL_SEV_BLOCK)
            r->sev[f->severity]++;
    }
    qsort(ps, k, sizeof(*ps), pos_cmp);
    for (i = 0; i < k; i++)
        r->order[i] = ps[i].idx;
    r->nlisted = k;
    free(ps);
    return 0;
}

/* The marks of member m: the bytes of its findings cut where any starts or ends, each
 * piece in the worst colour over it. A finding over the whole member (provenance's
 * share) is a figure, not a place: it is in the list only. */
static int
marks(struct tui_review *r, size_t m)
{
    size_t *b = NULL, nb = 0, i, j, len, s, e;
    struct tui__mark *k = NULL;
    const char *d;
    int sev, rc = AL_ENOMEM;

    member(r, m, &d, &len);
    if ((b = calloc(2 * r->nlisted + 1, sizeof(*b))) == NULL ||
        (k = calloc(2 * r->nlisted + 1, sizeof(*k))) == NULL)
        goto out;
    for (i = 0; i < r->nlisted; i++) {
        const struct al_finding *f = al_scan_get(r->scan, r->order[i]);

        if (r->fmember[r->order[i]] != m || strcmp(f->rule, "provenance") == 0 || f->start >= len)
            continue;
        b[nb++] = f->start;
        b[nb++] = f->end > f->start && f->end <= len ? f->end : f->start + 1;
    }
    qsort(b, nb, sizeof(*b), size_cmp);
    r->nmarks[m] = 0;
    for (j = 0; j + 1 < nb; j++) {
        if ((s = b[j]) == (e = b[j + 1]))
            continue;
        sev = -1;
        for (i = 0; i < r->nlisted; i++) {
            const struct al_finding *f = al_scan_get(r->scan, r->order[i]);
            size_t fe = f->end > f->start ? f->end : f->start + 1;

            if (r->fmember[r->order[i]] == m && strcmp(f->rule, "provenance") != 0 &&
                f->start <= s && fe >= e && (int)f->severity > sev)
                sev = (int)f->severity;
        }
        if (sev < 0)
            continue;
        if (r->nmarks[m] > 0 && k[r->nmarks[m] - 1].end == s && k[r->nmarks[m] - 1].sev == sev)
            k[r->nmarks[m] - 1].end = e;
        else
            k[r->nmarks[m]++] = (struct tui__mark){s, e, sev};
    }
    r->marks[m] = k;
    k = NULL;
    rc = 0;
out:
    free(b);
    free(k);
    return rc;
}

/* Indexes where every line starts: a heading line per member when there are several,
 * then a line at the start and after every line feed but a final one. */
static int
index_lines(struct tui_review *r)
{
    const char *d, *nl;
    size_t m, len, n = 0, at, pass;

    if ((r->mfirst = calloc(r->nmembers + 1, sizeof(*r->mfirst))) == NULL ||
        (r->marks = calloc(r->nmembers + 1, sizeof(*r->marks))) == NULL ||
        (r->nmarks = calloc(r->nmembers + 1, sizeof(*r->nmarks))) == NULL)
        return AL_ENOMEM;
    for (pass = 0; pass < 2; pass++) {
        n = 0;
        for (m = 0; m < r->nmembers; m++) {
            member(r, m, &d, &len);
            r->mfirst[m] = n;
            if (r->nmembers > 1) {
                if (pass)
                    r->lines[n] = TUI__HEADING;
                n++;
            }
            if (pass)
                r->lines[n] = 0;
            n++;
            for (at = 0; len > 0 && (nl = memchr(d + at, '\n', len - 1 - at)) != NULL;) {
                at = (size_t)(nl - d) + 1;
                if (pass)
                    r->lines[n] = at;
                n++;
            }
        }
        if (pass == 0 && (r->lines = calloc(n + 1, sizeof(*r->lines))) == NULL)
            return AL_ENOMEM;
    }
    r->nlines = n;
    return 0;
}

/* The scan's thread: the scanner, the marks, what is new. Touches only what review.h says
 * it owns, and says it is done as its last act. */
static void *
scan_main(void *arg)
{
    struct tui_review *r = arg;
    size_t i;
    int rc;

    rc = scan(r, r->cfg);
    for (i = 0; rc == 0 && i < r->nmembers; i++)
        rc = marks(r, i);
    if (rc != 0)
        snprintf(r->scan_err, sizeof(r->scan_err), "%s%s%s", al_strerror(rc),
                 al_errdetail()[0] ? ": " : "", al_errdetail());
    tui__novelty_compute(r);
    r->scan_rc = rc;
    atomic_store(&r->scanned, 1);
    return NULL;
}

/* How long opening a plan waits for its scan before showing it: a plan of a megabyte or
 * less is then shown with its findings at once, a larger one without them for a moment. */
#define SCAN_WAIT_MS 50

static void
scan_start(struct tui_review *r)
{
    struct timespec ms = {0, 1000000};
    long until = tui_now_ms() + SCAN_WAIT_MS;

    if (pthread_create(&r->scanner, NULL, scan_main, r) != 0) {
        scan_main(r); /* no thread to be had: scan now, the view waits */
        r->ready = 1;
        return;
    }
    r->scanning = 1;
    while (!atomic_load(&r->scanned) && tui_now_ms() < until)
        nanosleep(&ms, NULL);
    tui__review_ready(r);
}

int
tui__review_ready(struct tui_review *r)
{
    if (r->ready)
        return 1;
    if (!r->scanning || !atomic_load(&r->scanned))
        return 0;
    tui__review_wait(r);
    return 1;
}

void
tui__review_wait(struct tui_review *r)
{
    if (r->scanning) {
        pthread_join(r->scanner, NULL);
        r->scanning = 0;
        r->ready = 1;
    }
}

static void
review_free(struct tui_review *r)
{
    size_t i;

    if (r == NULL)
        return;
    tui__review_wait(r);
    al_config_free(r->cfg);
    if (r->marks != NULL)
        for (i = 0; i < r->nmembers; i++)
            free(r->marks[i]);
    free(r->marks);
    free(r->nmarks);
    free(r->mfirst);
    free(r->lines);
    free(r->order);
    free(r->fmember);
    free(r->wrap[0].starts);
    free(r->wrap[1].starts);
    al_scan_free(r->scan);
    al_artifact_free(r->art);
    tui__novelty_free(&r->nov);
    free(r->bytes);
    free(r);
}

/*
 * Builds the review of the artifact held in bytes[0..len) (taken over, freed on every
 * path) for plan, the daemon's object for it. Sets the note and returns the code on
 * failure.
 */
static int
load(struct tui *t, char *bytes, size_t len, const cJSON *plan)
{
    struct tui_review *r = NULL;
    unsigned char want[AL_HASH_LEN];
    const char *id = tui_str(plan, "id"), *hash = tui_str(plan, "hash");
    const char *from = tui_str(plan, "from"), *to = tui_str(plan, "to");
    const char *state = tui_str(plan, "state");
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(plan, "findings");
    size_t hn;
    int rc = AL_EPROTO;

    if (id == NULL || from == NULL || to == NULL || al_id_check(id) != 0) {
        tui_note(t, TUI_BAD, "review: airlockd's plan object lacks an id or a direction");
        goto out;
    }
    if ((r = calloc(1, sizeof(*r))) == NULL) {
        rc = AL_ENOMEM;
        tui_note(t, TUI_BAD, "review: out of memory");
        goto out;
    }
    r->bytes = bytes;
    r->len = len;
    bytes = NULL;
    r->cur = -1;
    r->daemon_findings = cJSON_IsNumber(nf) ? (int)nf->valuedouble : -1;
    r->wrap[0].line = r->wrap[1].line = SIZE_MAX;
    memcpy(r->id, id, AL_ID_HEXLEN + 1);
    snprintf(r->fetched_state, sizeof(r->fetched_state), "%s", state ? state : "?");
    crypto_generichash(r->hash, sizeof(r->hash), (const unsigned char *)r->bytes, r->len, NULL, 0);
    if (hash != NULL &&
        (sodium_hex2bin(want, sizeof(want), hash, strlen(hash), NULL, &hn, NULL) != 0 ||
         hn != sizeof(want) || sodium_memcmp(want, r->hash, sizeof(want)) != 0)) {
        rc = AL_EHASH;
        tui_note(t, TUI_BAD,
                 "plan %.8s: the bytes airlockd sent do not match the BLAKE2b-256 hash it "
                 "lists for the plan: not shown",
                 id);
        goto out;
    }
    /* Any size airlockd could have queued: the configured cap may have been lowered since. */
    al_plan_limits_default(&r->lim);
    r->lim.max_total = r->lim.max_member = AL_PLAN_HARD_MAX_BYTES;
    if ((rc = al_artifact_read(r->bytes, r->len, &r->lim, &r->art)) != 0) {
        tui_note(t, TUI_BAD, "plan %.8s: %s: %s (%s)", id, al_strerror(rc), al_errdetail(),
                 al_errname(rc));
        goto out;
    }
    r->m = al_artifact_manifest(r->art);
    r->nmembers = r->m->n_entries;
    if (strcmp(r->m->id, id) != 0 || strcmp(from, al_side_name(r->m->from)) != 0 ||
        strcmp(to, al_side_name(r->m->to)) != 0) {
        rc = AL_EPROTO;
        tui_note(t, TUI_BAD,
                 "plan %.8s: the manifest's id or direction is not the one airlockd lists: "
                 "not shown",
                 id);
        goto out;
    }
    if ((r->cfg = tui__review_config(t, r->cfg_note, sizeof(r->cfg_note))) == NULL) {
        rc = AL_ENOMEM;
        tui_note(t, TUI_BAD, "review: out of memory");
        goto out;
    }
    r->max_bytes = r->cfg->plans.max_bytes;
    if ((rc = index_lines(r)) != 0) {
        tui_note(t, TUI_BAD, "review: out of memory");
        goto out;
    }
    /* The review before goes first: its scan may still be using what the next one's
     * preparation changes (the remembered plans, the workspace index). */
    if (t->review != NULL)
        tui_review_close(t);
    tui__novelty_prepare(t, r);
    t->review = r;
    r = NULL;
    t->view = TUI_REVIEW;
    t->help = 0;
    scan_start(t->review);
    geometry(t->review);
    if (t->review->cfg_note[0] != '\0')
        tui_note(t, TUI_HIGH, "configuration: %s", t->review->cfg_note);
    else
        t->note[0] = '\0';
    /* Keys typed before the view appeared, and in its first second, were meant for the
     * screen before it. */
    flushinp();
    t->review->opened_ms = tui_now_ms();
    rc = 0;
out:
    free(bytes);
    review_free(r);
    return rc;
}

int
tui_review_load(struct tui *t, const char *artifact, size_t len, const cJSON *plan_obj)
{
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        tui_note(t, TUI_BAD, "review: out of memory");
        return AL_ENOMEM;
    }
    memcpy(copy, artifact, len);
    return load(t, copy, len, plan_obj);
}

int
tui__review_fetch(struct tui *t, const char *id, cJSON **reply, char **bytes, size_t *len)
{
    struct al_plan_limits lim;
    cJSON *req, *rep = NULL;
    const cJSON *plan;
    const char *b64, *pid;
    char *b = NULL;
    size_t room, got;
    int rc;

    req = al_client_request("plan");
    if (req != NULL && cJSON_AddStringToObject(req, "id", id) == NULL) {
        cJSON_Delete(req);
        req = NULL;
    }
    if ((rc = tui_call(t, "plan", req, &rep)) != 0)
        goto out;
    rc = AL_EPROTO;
    plan = cJSON_GetObjectItemCaseSensitive(rep, "plan");
    pid = tui_str(plan, "id");
    b64 = tui_str(rep, "artifact");
    if (pid == NULL || strcmp(pid, id) != 0 || b64 == NULL || tui_str(plan, "hash") == NULL) {
        tui_note(t, TUI_BAD,
                 "plan %.8s: airlockd's reply names another plan, or lacks its artifact or hash",
                 id);
        goto out;
    }
    al_plan_limits_default(&lim);
    lim.max_total = lim.max_member = AL_PLAN_HARD_MAX_BYTES;
    room = strlen(b64) / 4 * 3;
    if (room > al_artifact_max_bytes(&lim) || (b = malloc(room + 1)) == NULL ||
        sodium_base642bin((unsigned char *)b, room + 1, b64, strlen(b64), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        tui_note(t, TUI_BAD, "plan %.8s: the artifact airlockd sent is too large or not base64",
                 id);
        goto out;
    }
    *reply = rep;
    rep = NULL;
    *bytes = b;
    b = NULL;
    *len = got;
    rc = 0;
out:
    free(b);
    cJSON_Delete(rep);
    return rc;
}

int
tui_review_open(struct tui *t, const char *plan_id)
{
    cJSON *reply = NULL;
    char *bytes = NULL;
    size_t len;
    int rc;

    if ((rc = tui__review_fetch(t, plan_id, &reply, &bytes, &len)) != 0)
        return rc;
    /* The hash the daemon lists is checked in load(), before anything else. */
    rc = load(t, bytes, len, cJSON_GetObjectItemCaseSensitive(reply, "plan")); /* transferred */
    cJSON_Delete(reply);
    return rc;
}

void
tui_review_close(struct tui *t)
{
    review_free(t->review);
    t->review = NULL;
    if (t->view == TUI_REVIEW)
        t->view = TUI_OVERVIEW;
}

const char *
tui__review_state(struct tui *t)
{
    const struct tui_review *r = t->review;
    const char *s = tui_str(tui_find(t->plans, r->id), "state");

    return s != NULL ? s : r->fetched_state;
}

int
tui__review_actionable(struct tui *t, const char *what)
{
    const char *s = tui__review_state(t);

    if (strcmp(s, "pending") == 0)
        return 1;
    tui_note(t, TUI_BAD, "cannot %s: this plan is %.20s, no longer pending", what, s);
    return 0;
}

/* ---- drawing ---- */

static const char *
sev_label(int sev)
{
    return sev >= AL_SEV_BLOCK ? "BLOCK" : sev == AL_SEV_HIGH ? "HIGH" : "info";
}

/* Draws a set's first items after x on line y, after a ';' when a set was drawn before
 * it (*drawn); returns the columns used. */
static int
draw_set(int y, int x, int cols, const char *label, const struct tui__strset *s, int *drawn)
{
    int used = 0;
    size_t i;

    if (s->n == 0)
        return 0;
    used += tui_textf(stdscr, y, x + used, cols - x - used, TUI_NORMAL, "%s %s%s ",
                      *drawn ? ";" : "", label, s->n == 1 ? "" : "s");
    *drawn = 1;
    for (i = 0; i < s->n && x + used < cols - 1; i++) {
        used += tui_text(stdscr, y, x + used, cols - x - used, s->v[i], strlen(s->v[i]), TUI_HIGH);
        if (i + 1 < s->n)
            used += tui_text(stdscr, y, x + used, cols - x - used, ", ", 2, TUI_NORMAL);
    }
    return used;
}

/* The findings line after x: counts by severity, and airlockd's count when it differs. */
static void
draw_counts(const struct tui_review *r, int x, int cols)
{
    if (r->sev[AL_SEV_BLOCK] || r->worst == AL_SEV_BLOCK)
        x += tui_textf(stdscr, 2, x, cols - 1 - x, TUI_BLOCK, " %d block", r->sev[AL_SEV_BLOCK]);
    if (r->sev[AL_SEV_HIGH])
        x += tui_textf(stdscr, 2, x, cols - 1 - x, TUI_HIGH, " %d high", r->sev[AL_SEV_HIGH]);
    if (r->sev[AL_SEV_INFO])
        x += tui_textf(stdscr, 2, x, cols - 1 - x, TUI_INFO, " %d info", r->sev[AL_SEV_INFO]);
    if (al_scan_omitted(r->scan) > 0)
        x += tui_textf(stdscr, 2, x, cols - 1 - x, TUI_DIM, " +%zu not listed",
                       al_scan_omitted(r->scan));
    /* The daemon scanned the same bytes when it queued them; a different count means a
     * different configuration, workspace or scanner, which the person should know. */
    if (r->daemon_findings >= 0 &&
        (size_t)r->daemon_findings != r->nlisted + (al_scan_omitted(r->scan) > 0))
        x += tui_textf(stdscr, 2, x, cols - 1 - x, TUI_HIGH, "; airlockd counted %d",
                       r->daemon_findings);
    if (r->nlisted > 0)
        tui_text(stdscr, 2, x, cols - 1 - x, " (f lists them)", 15, TUI_DIM);
}

static void
draw_header(struct tui *t, struct tui_review *r, int cols)
{
    const char *st = tui__review_state(t), *task = r->m->task;
    int out = r->m->from == AL_SIDE_OFFLINE, x, pending = strcmp(st, "pending") == 0;
    uint64_t text = r->ready ? al_scan_text_bytes(r->scan) : 0, total = 0;
    char title[200], sz[32], tx[32], cap[32];
    size_t i, nnew;

    for (i = 0; i < r->nmembers; i++)
        total += r->m->entries[i].size;
    snprintf(title, sizeof(title), "%s  plan %.8s  %s",
             out ? "LEAVING YOUR COMPUTER: offline -> online"
                 : "UNTRUSTED CONTENT COMING IN: online -> offline",
             r->id, st);
    tui_frame(t, title, out ? TUI_OUTBOUND : TUI_INBOUND,
              "a approve  e edit  r reject  f findings  n/N next  Space page  ? help  q back");

    x = 1 + tui_text(stdscr, 1, 1, cols - 2, "Task: ", 6, TUI_DIM);
    if (task[0] != '\0')
        tui_text(stdscr, 1, x, cols - 1 - x, task, strlen(task), TUI_TITLE);
    else
        tui_text(stdscr, 1, x, cols - 1 - x, "(none recorded)", 15, TUI_DIM);

    if (!r->ready)
        x = 1 + tui_textf(stdscr, 2, 1, cols - 2, TUI_DIM, "Scanner: scanning...");
    else if (r->scan_rc != 0)
        x = 1 + tui_textf(stdscr, 2, 1, cols - 2, TUI_BAD, "Scanner failed: %s", r->scan_err);
    else if (r->nlisted == 0 && al_scan_omitted(r->scan) == 0)
        x = 1 + tui_text(stdscr, 2, 1, cols - 2, "Scanner: no findings", 20, TUI_GOOD);
    else
        x = 1 + tui_text(stdscr, 2, 1, cols - 2, "Scanner findings:", 17, TUI_NORMAL);
    if (r->ready && r->scan_rc == 0)
        draw_counts(r, x, cols);

    tui_size(total, sz, sizeof(sz));
    tui_size(text, tx, sizeof(tx));
    tui_size(r->max_bytes, cap, sizeof(cap));
    x = 1 + tui_textf(stdscr, 3, 1, cols - 2, TUI_NORMAL, "Size: %s in %zu file%s", sz, r->nmembers,
                      r->nmembers == 1 ? "" : "s");
    if (r->ready && r->scan_rc == 0)
        tui_textf(stdscr, 3, x, cols - 1 - x, text > r->max_bytes ? TUI_HIGH : TUI_NORMAL,
                  "; free text %s of the %s budget (%d%%)", tx, cap,
                  r->max_bytes ? (int)(text * 100 / r->max_bytes) : 0);

    nnew = r->ready ? r->nov.hosts.n + r->nov.addrs.n + r->nov.paths.n : 0;
    if (!r->ready || r->scan_rc != 0) {
        tui_text(stdscr, 4, 1, cols - 2, "New: compared once the scan is done", 35, TUI_DIM);
    } else if (r->nov.compared < 0) {
        tui_text(stdscr, 4, 1, cols - 2, "New: plans approved before could not be fetched", 47,
                 TUI_DIM);
    } else if (r->nov.mentioned == 0) {
        tui_text(stdscr, 4, 1, cols - 2, "New: no hosts, addresses or file paths in this plan", 51,
                 TUI_DIM);
    } else if (nnew == 0) {
        tui_textf(stdscr, 4, 1, cols - 2, TUI_GOOD,
                  "New: nothing: its hosts, addresses and paths were in plans approved before");
    } else {
        int drawn = 0;

        x = 1 + tui_textf(stdscr, 4, 1, cols - 2, TUI_NORMAL,
                          "New vs %d approved plan%s:", r->nov.compared,
                          r->nov.compared == 1 ? "" : "s");
        x += draw_set(4, x, cols, "host", &r->nov.hosts, &drawn);
        x += draw_set(4, x, cols, "address", &r->nov.addrs, &drawn);
        draw_set(4, x, cols, "path", &r->nov.paths, &drawn);
    }

    tui_blank(stdscr, 5, 0, cols, TUI_DIM);
    if (!pending)
        tui_textf(stdscr, 5, 1, cols - 2, TUI_BAD,
                  "This plan is %.20s: it can no longer be approved, edited or rejected.", st);
    else if (!r->ready)
        tui_textf(stdscr, 5, 1, cols - 2, TUI_DIM,
                  "Line %zu of %zu. Scanning: the findings are marked when it is done.",
                  r->nlines ? r->top_line + 1 : 0, r->nlines);
    else if (r->scan_rc != 0)
        tui_textf(stdscr, 5, 1, cols - 2, TUI_BAD,
                  "Not scanned: this plan cannot be approved here, only edited or rejected.");
    else if (r->worst == AL_SEV_BLOCK)
        tui_textf(stdscr, 5, 1, cols - 2, TUI_BLOCK,
                  "A block finding: this plan cannot be approved, only edited (e) or rejected "
                  "(r).");
    else if (!r->seen_end)
        tui_textf(stdscr, 5, 1, cols - 2, TUI_DIM,
                  "Line %zu of %zu. Read to the end to approve (Space pages down).",
                  r->nlines ? r->top_line + 1 : 0, r->nlines);
    else
        tui_textf(stdscr, 5, 1, cols - 2, TUI_GOOD, "You have read to the end: a approves%s",
                  r->worst == AL_SEV_HIGH ? " after you type what a high finding names" : "");
}

static void
draw_body(struct tui_review *r)
{
    size_t line = r->top_line, off = r->top_off, next, m;
    int y, x, marked;
    const char *name;
    char sz[32];

    if (r->nlines == 0) {
        tui_text(stdscr, BODY_Y, GUTTER, r->width, "(this plan has no files)", 24, TUI_DIM);
        r->seen_end = 1;
        return;
    }
    for (y = 0; y < r->body_h; y++) {
        m = member_of(r, line);
        if (r->lines[line] == TUI__HEADING) {
            name = r->m->entries[m].path;
            tui_size(r->m->entries[m].size, sz, sizeof(sz));
            tui_blank(stdscr, BODY_Y + y, 0, r->width + GUTTER, TUI_SELECTED);
            x = GUTTER + tui_textf(stdscr, BODY_Y + y, GUTTER, r->width, TUI_SELECTED,
                                   "file %zu of %zu: ", m + 1, r->nmembers);
            x += tui_text(stdscr, BODY_Y + y, x, GUTTER + r->width - x, name, strlen(name),
                          TUI_SELECTED);
            tui_textf(stdscr, BODY_Y + y, x, GUTTER + r->width - x, TUI_SELECTED, "  (%s)", sz);
            next = SIZE_MAX;
        } else {
            marked = -1;
            next = draw_row(r, m, off, BODY_Y + y, &marked);
            if (marked >= 0)
                tui_text(stdscr, BODY_Y + y, 0, 1, "!", 1, sev_role(marked));
            if (off != r->lines[line])
                tui_text(stdscr, BODY_Y + y, 1, 1, ">", 1, TUI_DIM);
        }
        if (next != SIZE_MAX) {
            off = next;
            continue;
        }
        if (line + 1 >= r->nlines) {
            r->seen_end = 1;
            break;
        }
        off = r->lines[++line];
    }
}

static void
draw_findings(struct tui_review *r, int y0, int h, int cols)
{
    size_t top, i;
    int y, x;

    tui_blank(stdscr, y0, 0, cols, TUI_TITLE);
    tui_textf(stdscr, y0, 1, cols - 2, TUI_TITLE,
              "Findings (%zu): Up/Down choose, Enter shows it in the plan, f closes", r->nlisted);
    if (r->nlisted == 0 || h < 2) {
        tui_text(stdscr, y0 + 1, 2, cols - 3, "none", r->nlisted == 0 ? 4 : 0, TUI_GOOD);
        return;
    }
    if (r->fsel >= r->nlisted)
        r->fsel = r->nlisted - 1;
    top = r->fsel >= (size_t)(h - 1) ? r->fsel - (size_t)(h - 2) : 0;
    for (y = 1, i = top; y < h && i < r->nlisted; y++, i++) {
        const struct al_finding *f = al_scan_get(r->scan, r->order[i]);
        int sel = i == r->fsel;

        if (sel)
            tui_blank(stdscr, y0 + y, 0, cols, TUI_SELECTED);
        x = 1 + tui_textf(stdscr, y0 + y, 1, 6, sel ? TUI_SELECTED : sev_role((int)f->severity),
                          "%-5s", sev_label((int)f->severity));
        x += tui_textf(stdscr, y0 + y, x, cols - 1 - x, sel ? TUI_SELECTED : TUI_NORMAL, " %s%s",
                       f->rule, f->heuristic ? " (heuristic)" : "");
        if (r->nmembers > 1 && f->member != NULL)
            x += tui_textf(stdscr, y0 + y, x, cols - 1 - x, sel ? TUI_SELECTED : TUI_DIM,
                           " in %.100s", f->member);
        x += tui_text(stdscr, y0 + y, x, cols - 1 - x, ": ", 2, sel ? TUI_SELECTED : TUI_NORMAL);
        if (f->message != NULL)
            x += tui_text_rendered(stdscr, y0 + y, x, cols - 1 - x, f->message,
                                   sel ? TUI_SELECTED : TUI_NORMAL);
        if (f->visible != NULL) {
            x += tui_text(stdscr, y0 + y, x, cols - 1 - x, "  shows ", 8,
                          sel ? TUI_SELECTED : TUI_DIM);
            tui_text_rendered(stdscr, y0 + y, x, cols - 1 - x, f->visible,
                              sel ? TUI_SELECTED : TUI_NORMAL);
        }
    }
    if (y < h && al_scan_omitted(r->scan) > 0)
        tui_textf(stdscr, y0 + y, 2, cols - 3, TUI_DIM,
                  "%zu more not listed (the scanner keeps %d; their severity is counted above)",
                  al_scan_omitted(r->scan), AL_SCAN_FINDINGS_DEFAULT);
}

void
tui_review_draw(struct tui *t)
{
    struct tui_review *r = t->review;
    int cols = getmaxx(stdscr), rows = getmaxy(stdscr);

    if (r == NULL)
        return;
    tui__review_ready(r);
    geometry(r);
    draw_body(r);
    /* After the body: the header says whether the end has been seen. */
    draw_header(t, r, cols);
    if (r->pane && r->ready)
        draw_findings(r, BODY_Y + r->body_h, rows - 2 - BODY_Y - r->body_h, cols);
}

/* ---- keys ---- */

void
tui__review_show(struct tui *t, size_t i)
{
    struct tui_review *r = t->review;
    const struct al_finding *f;
    size_t m;

    if (r->nlisted == 0) {
        tui_note(t, TUI_GOOD, "no findings");
        return;
    }
    r->cur = (long)i;
    r->fsel = i;
    f = al_scan_get(r->scan, r->order[i]);
    m = r->fmember[r->order[i]];
    go_to(r, line_of(r, m, f->start), f->start);
    tui_note(t, sev_role((int)f->severity), "finding %zu of %zu: %s %s%s", i + 1, r->nlisted,
             sev_label((int)f->severity), f->rule, f->heuristic ? " (heuristic)" : "");
}

void
tui_review_key(struct tui *t, int ch)
{
    struct tui_review *r = t->review;
    size_t page;

    if (r == NULL)
        return;
    if (tui_now_ms() - r->opened_ms < TUI_REVIEW_KEY_DELAY_MS)
        return;
    tui__review_ready(r);
    geometry(r);
    page = r->body_h > 1 ? (size_t)r->body_h - 1 : 1;
    if (r->pane) {
        switch (ch) {
        case KEY_UP:
        case 'k':
            if (r->fsel > 0)
                r->fsel--;
            return;
        case KEY_DOWN:
        case 'j':
            if (r->fsel + 1 < r->nlisted)
                r->fsel++;
            return;
        case '\n':
        case '\r':
        case KEY_ENTER:
            if (r->fsel < r->nlisted)
                tui__review_show(t, r->fsel);
            return;
        case 27:
            r->pane = 0;
            return;
        default:
            break;
        }
    }
    switch (ch) {
    case KEY_DOWN:
    case 'j':
        scroll_down(r, 1);
        break;
    case KEY_UP:
    case 'k':
        scroll_up(r, 1);
        break;
    case KEY_NPAGE:
    case ' ':
        scroll_down(r, page);
        break;
    case KEY_PPAGE:
    case 'b':
        scroll_up(r, page);
        break;
    case KEY_HOME:
    case 'g':
        r->top_line = 0;
        r->top_off = r->nlines ? r->lines[0] : 0;
        break;
    case KEY_END:
    case 'G':
        go_end(r);
        break;
    case 'f':
    case 'n':
    case 'N':
        if (!r->ready) {
            tui_note(t, TUI_DIM, "still scanning: the findings come when it is done");
        } else if (ch == 'f') {
            r->pane = !r->pane;
            if (r->cur >= 0)
                r->fsel = (size_t)r->cur;
        } else if (ch == 'n') {
            tui__review_show(t, r->cur + 1 < (long)r->nlisted ? (size_t)(r->cur + 1) : 0);
        } else {
            tui__review_show(t, r->cur > 0 ? (size_t)(r->cur - 1) : r->nlisted - 1);
        }
        break;
    case 'a':
        tui__review_approve(t);
        break;
    case 'e':
        tui__review_edit(t);
        break;
    case 'r':
        tui__review_reject(t);
        break;
    case 'q':
    case 27:
        tui_review_close(t);
        break;
    default:
        break;
    }
}
