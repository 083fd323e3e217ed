/*
 * sessview.c: one session full-screen. A header says which compartment it runs in, its
 * state, task and the plan it started from; the body is its transcript, fetched from
 * airlockd a chunk at a time and followed while the session runs.
 *
 * A session is untrusted: its transcript is what an agent (perhaps steered by a web page)
 * wrote to its terminal. The view draws it piece by piece from al_render_next, so an
 * escape sequence shows as a token (\e[31m) instead of recolouring or moving anything,
 * and the pty's CRLF is one line break. Attaching is the one exception, on purpose: the
 * person asked for the session's terminal, so its bytes go to theirs unchanged, with the
 * UI out of the way (tui_suspend) until Ctrl-] or the session's end.
 *
 * The transcript is held whole (the daemon records at most 4 MiB), so a selection is a
 * byte range of it that the hand-off names exactly. Lines are wrapped once per width and
 * then only from near the end as bytes arrive: a 4 MiB transcript costs one pass, and a
 * redraw renders just the lines on screen.
 */
#include "tui.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <airlock/buf.h>
#include <airlock/file.h>
#include <airlock/render.h>

/* The daemon's transcript cap (4 MiB) and the note it appends when it stops recording. */
#define HOLD_MAX (4 * 1024 * 1024 + 4096)
#define CHUNK_MAX (1024 * 1024) /* the daemon's largest transcript reply */
#define FETCHES_PER_TICK 4      /* a whole transcript on opening; then it keeps up */
#define RETRY_MS 5000           /* after a failed fetch: do not ask every tick */
/* The rendering of the last bytes can change when more arrive: half a UTF-8 character, a
 * CR whose LF comes next, a run of tag characters (4 bytes each, 32 to a token), a
 * character whose combining marks come next. Lines are wrapped again from before them. */
#define TAIL_BYTES (4 * AL_RENDER_TAG_MAX + 64)
#define HEAD_ROWS 5 /* title, side and state, task, plan, the transcript's bar */
#define TABSTOP 8

struct tui_sessview {
    char id[128];
    struct al_buf data; /* the transcript from its first byte */
    uint64_t size;      /* what the daemon had recorded at the last fetch */
    long retry_at;      /* no fetch before this (tui_now_ms) after a failure */
    int done;           /* ended and read to the end, or full: nothing more to fetch */

    /* The visual lines at width `wrapped`: the byte each starts at, ascending. */
    uint32_t *line;
    size_t nlines, linecap;
    int wrapped; /* 0: lines to be made */

    size_t top;    /* the first line on screen */
    int follow;    /* stick to the end as output arrives */
    int selecting; /* lines between anchor and cursor are selected */
    size_t anchor, cursor;
};

const char *const tui_sessview_help[] = {
    "Up, Down, j, k   scroll a line (with a selection: move its end)",
    "PgUp, PgDn       scroll a page (also b and Space)",
    "Home, g          the first line",
    "End, G           the last line, and follow new output; scrolling up stops",
    "a                attach to the session's terminal: its output goes to your",
    "                 terminal raw, what you type goes to it; Ctrl-] returns",
    "v                select from the top line; move to extend; v again proposes",
    "                 the selected lines to the other side as a plan",
    "h                propose the whole transcript to the other side as a plan",
    "s                stop the session",
    "Esc              cancel the selection; q or Esc: back to the overview",
    NULL,
};

static int
body_rows(void)
{
    int h = getmaxy(stdscr) - HEAD_ROWS - 2;

    return h > 1 ? h : 1;
}

static int
body_cols(void)
{
    int w = getmaxx(stdscr) - 2; /* a gutter on the left for the selection's end */

    return w > 1 ? w : 1;
}

/* The bytes of line i. */
static size_t
line_end(const struct tui_sessview *v, size_t i)
{
    return i + 1 < v->nlines ? v->line[i + 1] : v->data.len;
}

/* The line that holds byte pos. */
static size_t
line_of(const struct tui_sessview *v, size_t pos)
{
    size_t lo = 0, hi = v->nlines;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (v->line[mid] <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int
push_line(struct tui_sessview *v, size_t pos)
{
    uint32_t *p;
    size_t cap;

    if (v->nlines == v->linecap) {
        cap = v->linecap != 0 ? v->linecap * 2 : 1024;
        if ((p = realloc(v->line, cap * sizeof(*p))) == NULL)
            return AL_ENOMEM;
        v->line = p;
        v->linecap = cap;
    }
    v->line[v->nlines++] = (uint32_t)pos; /* pos < HOLD_MAX */
    return 0;
}

/* Columns a piece takes at column col: a tab reaches the next tab stop. */
static int
piece_cols(const struct al_render_piece *p, int col)
{
    return p->kind == AL_PIECE_TAB ? TABSTOP - col % TABSTOP : p->width;
}

/*
 * The piece at pos, with CRs before a line feed taken into the line break: on a pty a
 * program's \r\n arrives as \r\r\n, which a terminal shows as one break, and a CR there
 * has nothing to hide. A CR anywhere else (a progress line drawn over itself) stays a
 * token.
 */
static void
next_piece(const struct tui_sessview *v, size_t pos, struct al_render_piece *p)
{
    const char *s = v->data.data;
    size_t i;

    al_render_next(s, v->data.len, pos, AL_RENDER_KEEP_TAB, p);
    if (p->kind != AL_PIECE_TOKEN || s[pos] != '\r' || p->end != pos + 1)
        return;
    for (i = pos; i < v->data.len && s[i] == '\r'; i++)
        continue;
    if (i < v->data.len && s[i] == '\n') {
        p->kind = AL_PIECE_NEWLINE;
        p->end = i + 1;
        p->width = 0;
        p->len = 0;
        p->text[0] = '\0';
    }
}

/* Appends the lines from pos (where a line starts) to the end, width columns each. A
 * piece is never split: one wider than a line (a long token) gets a line and is cut when
 * drawn. */
static int
wrap_from(struct tui_sessview *v, size_t pos, int width)
{
    struct al_render_piece p;
    int col = 0, w, r;

    if ((r = push_line(v, pos)) != 0)
        return r;
    while (pos < v->data.len) {
        next_piece(v, pos, &p);
        if (p.kind == AL_PIECE_NEWLINE) {
            pos = p.end;
            col = 0;
            if (pos < v->data.len && (r = push_line(v, pos)) != 0)
                return r;
            continue;
        }
        w = piece_cols(&p, col);
        if (col > 0 && col + w > width) {
            if ((r = push_line(v, pos)) != 0)
                return r;
            col = 0;
            w = piece_cols(&p, col);
        }
        col += w;
        pos = p.end;
    }
    return 0;
}

/* The byte line i starts at, for an index that may be past the end. */
static size_t
start_of(const struct tui_sessview *v, size_t i)
{
    return v->nlines == 0 ? 0 : v->line[i < v->nlines ? i : v->nlines - 1];
}

/* Makes the lines fit the window: all again for a new width, keeping the top line and the
 * selection on the bytes they showed; else from before the end of what had been wrapped
 * (old_len), the only place where more bytes can change a line. */
static void
rewrap(struct tui *t, size_t old_len)
{
    struct tui_sessview *v = t->sessview;
    int width = body_cols(), full = v->wrapped != width || v->nlines == 0;
    size_t top = start_of(v, v->top), anchor = start_of(v, v->anchor);
    size_t cursor = start_of(v, v->cursor), from = 0, k;

    if (!full) {
        k = line_of(v, old_len > TAIL_BYTES ? old_len - TAIL_BYTES : 0);
        from = v->line[k];
        v->nlines = k;
    } else {
        v->nlines = 0;
    }
    v->wrapped = width;
    if (wrap_from(v, from, width) != 0) {
        /* Out of memory: what was wrapped is shown; the next draw tries again. */
        v->wrapped = 0;
        tui_note(t, TUI_BAD, "session: out of memory wrapping the transcript");
    }
    if (v->nlines == 0)
        return;
    if (full) {
        v->top = line_of(v, top);
        v->anchor = line_of(v, anchor);
        v->cursor = line_of(v, cursor);
    }
    if (v->top >= v->nlines)
        v->top = v->nlines - 1;
    if (v->anchor >= v->nlines)
        v->anchor = v->nlines - 1;
    if (v->cursor >= v->nlines)
        v->cursor = v->nlines - 1;
}

/* Forgets the transcript held (the daemon's is another one: it restarted without it). */
static void
forget(struct tui_sessview *v)
{
    al_buf_reset(&v->data);
    v->nlines = 0;
    v->wrapped = 0;
    v->top = v->anchor = v->cursor = 0;
    v->selecting = 0;
    v->follow = 1;
}

static const cJSON *
session_of(struct tui *t)
{
    return tui_find(t->sessions, t->sessview->id);
}

static int
has_ended(const cJSON *s)
{
    const char *state = tui_str(s, "state");

    return state != NULL && strcmp(state, "ended") == 0;
}

/* Asks for the bytes after those held, a few chunks at most. */
static void
fetch(struct tui *t)
{
    struct tui_sessview *v = t->sessview;
    int ended = has_ended(session_of(t)), i, r;
    uint64_t next = 0, size = 0;
    size_t old, room;
    cJSON *req, *reply;

    for (i = 0; i < FETCHES_PER_TICK; i++) {
        old = v->data.len;
        room = HOLD_MAX - old;
        if (room == 0) {
            v->done = 1;
            tui_note(t, TUI_BAD, "the transcript is longer than the %d KiB this view holds",
                     HOLD_MAX / 1024);
            return;
        }
        req = al_client_request("transcript");
        if (req != NULL &&
            (cJSON_AddStringToObject(req, "session", v->id) == NULL ||
             cJSON_AddNumberToObject(req, "offset", (double)old) == NULL ||
             cJSON_AddNumberToObject(req, "max", (double)(room < CHUNK_MAX ? room : CHUNK_MAX)) ==
                 NULL)) {
            cJSON_Delete(req);
            req = NULL;
        }
        reply = NULL;
        if (tui_call(t, "transcript", req, &reply) != 0) {
            v->retry_at = tui_now_ms() + RETRY_MS;
            return;
        }
        r = al_client_transcript(reply, old, &v->data, &next, &size);
        cJSON_Delete(reply);
        if (r != 0) {
            tui_note(t, TUI_BAD, "transcript: %s: %s", al_strerror(r), al_errdetail());
            v->retry_at = tui_now_ms() + RETRY_MS;
            return;
        }
        if (size < old) {
            forget(v);
            continue;
        }
        v->size = size;
        if (v->data.len > old || v->wrapped == 0)
            rewrap(t, old);
        if (next >= size) {
            /* The state was read before the fetch: an ended session has no more to say. */
            v->done = ended;
            return;
        }
    }
}

void
tui_sessview_tick(struct tui *t)
{
    struct tui_sessview *v = t->sessview;

    if (v == NULL || v->done || t->req == NULL || tui_now_ms() < v->retry_at)
        return;
    fetch(t);
}

int
tui_sessview_open(struct tui *t, const char *session_id)
{
    struct tui_sessview *v;

    if (strlen(session_id) >= sizeof(v->id)) {
        tui_note(t, TUI_BAD, "session: an id longer than %zu bytes", sizeof(v->id) - 1);
        return AL_EFIELD;
    }
    if (t->sessview != NULL)
        tui_sessview_close(t);
    if ((v = calloc(1, sizeof(*v))) == NULL) {
        tui_note(t, TUI_BAD, "session: out of memory");
        return AL_ENOMEM;
    }
    memcpy(v->id, session_id, strlen(session_id) + 1);
    al_buf_init(&v->data, HOLD_MAX);
    v->follow = 1;
    t->sessview = v;
    t->view = TUI_SESSION;
    tui_sessview_tick(t);
    return 0;
}

void
tui_sessview_close(struct tui *t)
{
    struct tui_sessview *v = t->sessview;

    if (v == NULL)
        return;
    al_buf_close(&v->data);
    free(v->line);
    free(v);
    t->sessview = NULL;
    t->view = TUI_OVERVIEW;
}

/* Keeps top in range, at the end while following, and the selection's end on screen. */
static void
clamp(struct tui_sessview *v)
{
    size_t h = (size_t)body_rows(), max = v->nlines > h ? v->nlines - h : 0;

    if (v->follow)
        v->top = max;
    if (v->selecting) {
        if (v->cursor < v->top)
            v->top = v->cursor;
        if (v->cursor >= v->top + h)
            v->top = v->cursor - h + 1;
    }
    if (v->top > max)
        v->top = max;
}

/* Draws line i at screen line y; the pieces as tui_text draws them, tabs expanded. */
static void
draw_line(const struct tui_sessview *v, size_t i, int y, enum tui_role role)
{
    size_t pos = v->line[i], end = line_end(v, i);
    int width = body_cols(), col = 0, w;
    struct al_render_piece p;

    while (pos < end && col < width) {
        next_piece(v, pos, &p);
        if (p.kind == AL_PIECE_NEWLINE)
            break;
        w = piece_cols(&p, col);
        if (p.kind == AL_PIECE_TEXT && col + w > width)
            break;
        w = tui_piece(stdscr, y, 1 + col, &p, w, width - col,
                      tui_attr(p.kind == AL_PIECE_TOKEN ? TUI_TOKEN : role));
        col += w;
        pos = p.end;
    }
    wattrset(stdscr, A_NORMAL);
}

/* The selection's lines, first and last. */
static void
selection(const struct tui_sessview *v, size_t *a, size_t *b)
{
    *a = v->anchor < v->cursor ? v->anchor : v->cursor;
    *b = v->anchor < v->cursor ? v->cursor : v->anchor;
}

static const char *
other_side(const char *id)
{
    return strncmp(id, "offline", 7) == 0 ? "online" : "offline";
}

static void
draw_head(struct tui *t, const cJSON *s)
{
    struct tui_sessview *v = t->sessview;
    const char *side = tui_str(s, "side"), *state = tui_str(s, "state");
    const char *reason = tui_str(s, "reason"), *task = tui_str(s, "task");
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(s, "plan");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(s, "status");
    int cols = getmaxx(stdscr), x = 1, offline;
    char age[16], sz[32];

    if (side == NULL)
        side = strncmp(v->id, "offline", 7) == 0 ? "offline" : "online";
    offline = strcmp(side, "offline") == 0;
    x += tui_text(stdscr, 1, x, cols - x - 1,
                  offline ? " offline: your files, no network "
                          : " online: network, none of your files ",
                  offline ? 33 : 37, offline ? TUI_GOOD : TUI_INBOUND);
    x += 2;
    if (s == NULL) {
        tui_text(stdscr, 1, x, cols - x - 1, "not in airlockd's list of sessions", 34, TUI_DIM);
    } else if (!has_ended(s)) {
        tui_age(tui_str(s, "started"), age, sizeof(age));
        x += tui_textf(stdscr, 1, x, cols - x - 1, TUI_GOOD, "%.20s", state ? state : "?");
        tui_textf(stdscr, 1, x, cols - x - 1, TUI_NORMAL, ", started %s ago", age);
    } else {
        tui_age(tui_str(s, "ended"), age, sizeof(age));
        x += tui_textf(stdscr, 1, x, cols - x - 1, TUI_NORMAL, "ended %s ago", age);
        if (reason != NULL) {
            /* A limit that ended a session is news, as in the overview. */
            int limit = strstr(reason, "limit") != NULL || strcmp(reason, "failed to start") == 0;

            x += tui_text(stdscr, 1, x, cols - x - 1, ": ", 2, TUI_NORMAL);
            x += tui_text(stdscr, 1, x, cols - x - 1, reason, strlen(reason),
                          limit ? TUI_HIGH : TUI_NORMAL);
        }
        if (cJSON_IsNumber(status))
            tui_textf(stdscr, 1, x, cols - x - 1, TUI_NORMAL, ", status %d",
                      (int)status->valuedouble);
    }
    x = 1 + tui_text(stdscr, 2, 1, cols - 2, "task  ", 6, TUI_DIM);
    if (task != NULL)
        tui_text(stdscr, 2, x, cols - x - 1, task, strlen(task), TUI_NORMAL);
    x = 1 + tui_text(stdscr, 3, 1, cols - 2, "plan  ", 6, TUI_DIM);
    if (cJSON_IsString(plan)) {
        const cJSON *p = tui_find(t->plans, plan->valuestring);
        const char *from = tui_str(p, "from");

        x += tui_text(stdscr, 3, x, cols - x - 1, plan->valuestring, strlen(plan->valuestring),
                      TUI_NORMAL);
        if (from != NULL)
            tui_textf(stdscr, 3, x, cols - x - 1, TUI_DIM, ", approved, from the %.20s side", from);
    } else {
        tui_text(stdscr, 3, x, cols - x - 1, "none: started from the task typed here", 38, TUI_DIM);
    }
    tui_size(v->data.len, sz, sizeof(sz));
    tui_blank(stdscr, 4, 0, cols, TUI_DIM);
    if (v->selecting) {
        size_t a, b;
        char ssz[32];

        selection(v, &a, &b);
        tui_size(line_end(v, b) - v->line[a], ssz, sizeof(ssz));
        tui_textf(stdscr, 4, 1, cols - 2, TUI_SELECTED,
                  "selected lines %zu-%zu (%s): v proposes them to the %s side, Esc cancels", a + 1,
                  b + 1, ssz, other_side(v->id));
    } else {
        int h = body_rows();
        size_t last = v->top + (size_t)h < v->nlines ? v->top + (size_t)h : v->nlines;

        tui_textf(stdscr, 4, 1, cols - 2, TUI_DIM, "transcript %s, lines %zu-%zu of %zu%s", sz,
                  v->nlines > 0 ? v->top + 1 : 0, last, v->nlines,
                  v->follow ? ", following" : "; End follows");
    }
}

void
tui_sessview_draw(struct tui *t)
{
    struct tui_sessview *v = t->sessview;
    int h = body_rows(), y;
    size_t i, a = 0, b = 0;
    char title[160];

    if (v == NULL)
        return;
    if (v->wrapped != body_cols())
        rewrap(t, v->data.len);
    clamp(v);
    snprintf(title, sizeof(title), "airlock   session %s", v->id);
    tui_frame(t, title, TUI_TITLE,
              v->selecting ? "Up/Down extend  v propose these lines  Esc cancel  ? help"
                           : "a attach  v select  h propose all  s stop  End follow  ? help  "
                             "q back");
    draw_head(t, session_of(t));
    if (v->data.len == 0) {
        tui_text(stdscr, HEAD_ROWS, 1, body_cols(),
                 v->done ? "(the session wrote nothing)" : "(nothing yet)", v->done ? 27 : 13,
                 TUI_DIM);
        return;
    }
    if (v->selecting)
        selection(v, &a, &b);
    for (y = 0, i = v->top; y < h && i < v->nlines; y++, i++) {
        int sel = v->selecting && i >= a && i <= b;

        if (sel)
            tui_blank(stdscr, HEAD_ROWS + y, 0, getmaxx(stdscr), TUI_SELECTED);
        if (v->selecting && i == v->cursor)
            tui_text(stdscr, HEAD_ROWS + y, 0, 1, ">", 1, TUI_SELECTED);
        draw_line(v, i, HEAD_ROWS + y, sel ? TUI_SELECTED : TUI_NORMAL);
    }
}

/* Puts the new plan under the overview's cursor: pending plans come first, oldest first. */
static void
select_plan(struct tui *t, const char *id)
{
    const cJSON *x;
    const char *st, *pid;
    int n = 0;

    cJSON_ArrayForEach(x, t->plans)
    {
        st = tui_str(x, "state");
        pid = tui_str(x, "id");
        if (st == NULL || strcmp(st, "pending") != 0)
            continue;
        if (pid != NULL && strcmp(pid, id) == 0) {
            t->pane = 1;
            t->row[1] = n;
            return;
        }
        n++;
    }
}

/* Proposes the selected lines, or the whole transcript, to the other side. */
static void
handoff(struct tui *t, int whole)
{
    struct tui_sessview *v = t->sessview;
    const char *to = other_side(v->id), *id;
    size_t a, b, off = 0, len = v->data.len;
    cJSON *req, *reply = NULL;
    const cJSON *plan;
    char q[256], sz[32];

    if (!whole) {
        selection(v, &a, &b);
        off = v->line[a];
        len = line_end(v, b) - off;
    }
    if (len == 0) {
        tui_note(t, TUI_BAD, "nothing to propose: the %s is empty",
                 whole ? "transcript" : "selection");
        return;
    }
    tui_size(len, sz, sizeof(sz));
    if (whole)
        snprintf(q, sizeof(q), "Propose the whole transcript (%s) to the %s side as a plan? y/n",
                 sz, to);
    else
        snprintf(q, sizeof(q), "Propose lines %zu-%zu (%s) to the %s side as a plan? y/n", a + 1,
                 b + 1, sz, to);
    if (tui_choose(t, q, "yn", TUI_PROMPT_FLUSH) != 'y') {
        tui_note(t, TUI_DIM, "nothing proposed");
        return;
    }
    req = al_client_request("handoff");
    if (req != NULL &&
        (cJSON_AddStringToObject(req, "session", v->id) == NULL ||
         (!whole && (cJSON_AddNumberToObject(req, "offset", (double)off) == NULL ||
                     cJSON_AddNumberToObject(req, "length", (double)len) == NULL)))) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (tui_call(t, "hand-off", req, &reply) != 0)
        return;
    plan = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(reply, "plans"), 0);
    id = tui_str(plan, "id");
    if (tui_str(plan, "to") != NULL)
        to = tui_str(plan, "to");
    tui_note(t, TUI_GOOD, "plan %.8s proposed for the %.20s side; review it in the overview",
             id != NULL ? id : "?", to);
    tui_refresh(t);
    if (id != NULL)
        select_plan(t, id);
    cJSON_Delete(reply);
    tui_sessview_close(t);
}

static void
scroll_up(struct tui_sessview *v, size_t n)
{
    if (v->selecting) {
        v->cursor = v->cursor > n ? v->cursor - n : 0;
        return;
    }
    if (v->top == 0)
        return;
    v->top = v->top > n ? v->top - n : 0;
    v->follow = 0;
}

static void
scroll_down(struct tui_sessview *v, size_t n)
{
    size_t h = (size_t)body_rows(), max = v->nlines > h ? v->nlines - h : 0;

    if (v->selecting) {
        v->cursor = v->cursor + n < v->nlines ? v->cursor + n : v->nlines - 1;
        return;
    }
    v->top = v->top + n < max ? v->top + n : max;
    /* Reaching the end by scrolling down follows again, as End does. */
    if (v->top == max)
        v->follow = 1;
}

void
tui_sessview_key(struct tui *t, int ch)
{
    struct tui_sessview *v = t->sessview;
    size_t page = body_rows() > 2 ? (size_t)body_rows() - 1 : 1;

    if (v == NULL)
        return;
    clamp(v);
    switch (ch) {
    case KEY_UP:
    case 'k':
        scroll_up(v, 1);
        break;
    case KEY_DOWN:
    case 'j':
        scroll_down(v, 1);
        break;
    case KEY_PPAGE:
    case 'b':
        scroll_up(v, page);
        break;
    case KEY_NPAGE:
    case ' ':
        scroll_down(v, page);
        break;
    case KEY_HOME:
    case 'g':
        scroll_up(v, v->nlines);
        break;
    case KEY_END:
    case 'G':
        if (v->selecting)
            v->cursor = v->nlines > 0 ? v->nlines - 1 : 0;
        else
            v->follow = 1;
        break;
    case 'a':
        tui_attach(t, v->id);
        break;
    case 'v':
        if (v->selecting) {
            handoff(t, 0);
        } else if (v->nlines > 0 && v->data.len > 0) {
            v->selecting = 1;
            v->follow = 0;
            v->anchor = v->cursor = v->top;
        }
        break;
    case 'h':
        handoff(t, 1);
        break;
    case 's':
        if (session_of(t) != NULL && !has_ended(session_of(t)))
            tui_stop_session(t, session_of(t));
        else
            tui_note(t, TUI_DIM, "%.40s is not running", v->id);
        break;
    case 27: /* Esc */
        if (v->selecting) {
            v->selecting = 0;
            break;
        }
        tui_sessview_close(t);
        break;
    case 'q':
        tui_sessview_close(t);
        break;
    default:
        break;
    }
}

/*
 * What a session may have left the person's terminal in: a character set of line-drawing
 * glyphs, a scroll region, mouse or bracketed-paste reporting. DECSTR (soft reset) undoes
 * the first ones, the private modes the others; curses then repaints the whole screen.
 */
static const char term_reset[] = "\033[!p\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?2004l";

/* Over the attached terminal, on a cleared screen (the UI's own bytes). */
static const char hint_head[] = "\033[H\033[2J[airlock-tui: attached to ";
static const char hint_tail[] = "; Ctrl-] returns]\r\n";

/* The note after an attach: how it ended. */
static void
attach_note(struct tui *t, const char *id, int r)
{
    if (r == AL_RELAY_DETACHED)
        tui_note(t, TUI_GOOD, "detached from %.40s; it goes on", id);
    else if (r >= 0)
        tui_note(t, TUI_DIM, "%.40s ended while attached", id);
    else
        tui_note(t, TUI_BAD, "attach: %s%s%s (%s)", al_strerror(r), al_errdetail()[0] ? ": " : "",
                 al_errdetail(), al_errname(r));
}

int
tui_attach(struct tui *t, const char *id)
{
    struct al_client *c = NULL;
    struct termios saved, raw;
    struct winsize ws;
    struct al_buf hint;
    cJSON *req, *reply = NULL;
    const char *early;
    size_t nearly;
    int r, w, suspended = 0, restore = 0, rows = getmaxy(stdscr), cols = getmaxx(stdscr);

    al_buf_init(&hint, 1024);
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        rows = ws.ws_row;
        cols = ws.ws_col;
    }
    /* A connection of its own: after the reply it carries the terminal, not JSON. The
     * handshake comes before the UI steps aside, so a refusal (the session ended) is
     * shown in it. */
    if ((r = al_client_open(t->sock, &c)) != 0) {
        c = NULL;
        goto out;
    }
    req = al_client_request("attach");
    if (req != NULL && (cJSON_AddStringToObject(req, "session", id) == NULL ||
                        cJSON_AddNumberToObject(req, "rows", rows) == NULL ||
                        cJSON_AddNumberToObject(req, "cols", cols) == NULL)) {
        cJSON_Delete(req);
        req = NULL;
    }
    r = req != NULL ? al_client_call(c, req, TUI_CALL_MS, &reply) : AL_ENOMEM;
    cJSON_Delete(req);
    /* The screen is cleared first, so the session's output starts under the hint, not
     * after whatever an earlier attach left there. */
    if (r != 0 || (r = al_buf_append(&hint, hint_head, sizeof(hint_head) - 1)) != 0 ||
        (r = al_render_escape(id, strlen(id), AL_RENDER_ESCAPE_NEWLINE, &hint)) != 0 ||
        (r = al_buf_append(&hint, hint_tail, sizeof(hint_tail) - 1)) != 0)
        goto out;
    tui_suspend(t);
    suspended = 1;
    if (tcgetattr(STDIN_FILENO, &saved) != 0) {
        r = al__fail(-errno, "reading the terminal's settings");
        goto out;
    }
    raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
        r = al__fail(-errno, "switching the terminal to raw mode");
        goto out;
    }
    restore = 1;
    /* From here on the session's bytes go to the terminal unchanged: that is what
     * attaching means (the person asked for its terminal). What came with the reply line
     * is already its output. */
    nearly = al_client_pending(c, &early);
    if ((r = al_write_all(STDOUT_FILENO, hint.data, hint.len)) != 0 ||
        (nearly > 0 && (r = al_write_all(STDOUT_FILENO, early, nearly)) != 0))
        goto out;
    r = al_client_relay(al_client_fd(c), STDIN_FILENO, STDOUT_FILENO, NULL);
    /* A terminal that cannot take this cannot take the repaint either; r says why. */
    w = al_write_all(STDOUT_FILENO, term_reset, sizeof(term_reset) - 1);
    if (r >= 0 && w != 0)
        r = al__fail(w, "resetting the terminal");
out:
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (suspended)
        tui_resume(t);
    attach_note(t, id, r);
    al_client_free(c);
    cJSON_Delete(reply);
    al_buf_close(&hint);
    /* The session may have ended meanwhile: the events say so, but only once read. */
    if (suspended)
        tui_refresh(t);
    return r < 0 ? r : 0;
}
