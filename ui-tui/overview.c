/*
 * overview.c: the first screen. Three panes: the sessions of both compartments, the plans
 * (those waiting for the person first), and the proxy's recent decisions, refusals in
 * their own colour. Everything in them comes from the daemon and is drawn by tui_text.
 */
#include "tui.h"

#include <stdio.h>
#include <string.h>

#define ROWS_MAX 512

enum { PANE_SESSIONS, PANE_PLANS, PANE_EGRESS, PANES };

/* The items of a pane in the order shown. */
static int
items(struct tui *t, int pane, const cJSON **out, int max)
{
    const cJSON *x;
    int n = 0, i, k;

    switch (pane) {
    case PANE_SESSIONS: /* newest first */
        for (i = cJSON_GetArraySize(t->sessions) - 1; i >= 0 && n < max; i--)
            out[n++] = cJSON_GetArrayItem(t->sessions, i);
        break;
    case PANE_PLANS: /* pending, oldest first (a queue); then the rest, newest first */
        cJSON_ArrayForEach(x, t->plans)
        {
            const char *st = tui_str(x, "state");

            if (n < max && st != NULL && strcmp(st, "pending") == 0)
                out[n++] = x;
        }
        for (i = cJSON_GetArraySize(t->plans) - 1; i >= 0 && n < max; i--) {
            const char *st = tui_str(x = cJSON_GetArrayItem(t->plans, i), "state");

            if (st == NULL || strcmp(st, "pending") != 0)
                out[n++] = x;
        }
        break;
    default: /* newest first; the "open" record of a request is followed by its "end" */
        k = cJSON_GetArraySize(t->egress);
        for (i = k - 1; i >= 0 && n < max; i--) {
            const char *ph = tui_str(x = cJSON_GetArrayItem(t->egress, i), "phase");

            if (ph == NULL || strcmp(ph, "open") != 0)
                out[n++] = x;
        }
        break;
    }
    return n;
}

static void
session_row(const cJSON *s, int y, int width, int selected)
{
    const char *state = tui_str(s, "state"), *reason = tui_str(s, "reason");
    const char *task = tui_str(s, "task"), *id = tui_str(s, "id");
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(s, "plan");
    enum tui_role role = selected ? TUI_SELECTED : TUI_NORMAL;
    char age[16];
    int x = 2;

    tui_age(tui_str(s, "started"), age, sizeof(age));
    tui_blank(stdscr, y, 0, width, role);
    x += tui_textf(stdscr, y, x, width - x, role, "%-17.40s %-8.10s %4s  ", id ? id : "?",
                   state ? state : "?", age);
    if (state != NULL && strcmp(state, "ended") == 0 && reason != NULL) {
        /* A limit that ended a session is news: show it before the task. */
        int limit = strstr(reason, "limit") != NULL || strcmp(reason, "failed to start") == 0;

        x += tui_textf(stdscr, y, x, width - x,
                       selected ? role
                       : limit  ? TUI_HIGH
                                : TUI_DIM,
                       "[%.40s] ", reason);
    }
    if (cJSON_IsString(plan))
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DIM, "plan %.8s ",
                       plan->valuestring);
    if (task != NULL)
        tui_text(stdscr, y, x, width - x, task, strlen(task), role);
}

static void
plan_row(const cJSON *p, int y, int width, int selected)
{
    const char *from = tui_str(p, "from"), *state = tui_str(p, "state"), *id = tui_str(p, "id");
    const char *worst = tui_str(p, "worst"), *task = tui_str(p, "task");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(p, "size");
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(p, "findings");
    int out = from != NULL && strcmp(from, "offline") == 0, pending;
    enum tui_role role = selected ? TUI_SELECTED : TUI_NORMAL;
    char sz[32];
    int x = 2;

    pending = state != NULL && strcmp(state, "pending") == 0;
    tui_size(cJSON_IsNumber(size) ? (unsigned long long)size->valuedouble : 0, sz, sizeof(sz));
    tui_blank(stdscr, y, 0, width, role);
    x += tui_textf(stdscr, y, x, width - x,
                   selected  ? role
                   : pending ? TUI_TITLE
                             : TUI_DIM,
                   "%.8s %-9.10s ", id ? id : "?", state ? state : "?");
    x += tui_textf(stdscr, y, x, width - x,
                   selected ? role
                   : out    ? TUI_OUTBOUND
                            : TUI_INBOUND,
                   "%s", out ? "OUT leaving your computer" : "IN untrusted, coming in");
    x += tui_textf(stdscr, y, x, width - x, role, " %8s ", sz);
    if (cJSON_IsNumber(nf) && nf->valuedouble > 0) {
        enum tui_role fr = worst == NULL                 ? TUI_INFO
                           : strcmp(worst, "block") == 0 ? TUI_BLOCK
                           : strcmp(worst, "high") == 0  ? TUI_HIGH
                                                         : TUI_INFO;

        x += tui_textf(stdscr, y, x, width - x, selected ? role : fr, "%d finding%s%s%.8s ",
                       (int)nf->valuedouble, nf->valuedouble == 1 ? "" : "s", worst ? ", " : "",
                       worst ? worst : "");
    } else {
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_GOOD, "no findings ");
    }
    if (task != NULL)
        tui_text(stdscr, y, x, width - x, task, strlen(task), selected ? role : TUI_DIM);
}

static void
egress_row(const cJSON *e, int y, int width, int selected)
{
    const char *verdict = tui_str(e, "verdict"), *host = tui_str(e, "host");
    const char *rule = tui_str(e, "rule"), *reason = tui_str(e, "reason");
    const char *time = tui_str(e, "time"), *session = tui_str(e, "session");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(e, "port");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(e, "bytes_up");
    const cJSON *down = cJSON_GetObjectItemCaseSensitive(e, "bytes_down");
    int deny = verdict == NULL || strcmp(verdict, "allow") != 0;
    enum tui_role role = selected ? TUI_SELECTED : TUI_NORMAL;
    char u[32] = "", d[32] = "";
    int x = 2;

    tui_blank(stdscr, y, 0, width, role);
    if (time != NULL && strlen(time) >= 19)
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DIM, "%.8s ", time + 11);
    x += tui_textf(
        stdscr, y, x, width - x,
        selected ? role
        : deny   ? TUI_DENIED
                 : TUI_GOOD,
        "%-7s", deny ? (verdict && strcmp(verdict, "error") == 0 ? "ERROR" : "DENIED") : "allowed");
    x += tui_textf(stdscr, y, x, width - x, role, " %.120s:%d ", host ? host : "?",
                   cJSON_IsNumber(port) ? (int)port->valuedouble : 0);
    if (deny && reason != NULL)
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DENIED, "%.120s ", reason);
    else if (rule != NULL)
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DIM, "rule %.120s ", rule);
    if (cJSON_IsNumber(up) && cJSON_IsNumber(down)) {
        tui_size((unsigned long long)up->valuedouble, u, sizeof(u));
        tui_size((unsigned long long)down->valuedouble, d, sizeof(d));
        x += tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DIM, "up %s down %s ", u, d);
    }
    if (session != NULL)
        tui_textf(stdscr, y, x, width - x, selected ? role : TUI_DIM, "%.40s", session);
}

/* A line of the UI's own at (y, x). */
static void
say(int y, int x, int cols, const char *s, enum tui_role role)
{
    tui_text(stdscr, y, x, cols - x, s, strlen(s), role);
}

/*
 * While airlockd cannot be reached: where the UI looks, and how to start it, or another
 * standard place where one answers (t->elsewhere). Paths have lines of their own, so that
 * only a very long one is cut at the window's edge. Drawn from line y0 above the panes,
 * which keep what the daemon last said. Returns the lines used.
 */
static int
unreachable(struct tui *t, int y0, int cols)
{
    int y = y0;

    say(y++, 2, cols, "airlockd is not reachable at", TUI_BAD);
    say(y++, 4, cols, t->sock, TUI_NORMAL);
    if (t->elsewhere[0] != '\0') {
        say(y++, 2, cols, "but one is listening at", TUI_NORMAL);
        say(y++, 4, cols, t->elsewhere, TUI_HIGH);
        say(y++, 2, cols, "to use it, quit (q) and run airlock-tui --socket with that path",
            TUI_NORMAL);
    } else if (t->sock_given) {
        say(y++, 2, cols, "is it running? That socket was named by --socket or AIRLOCK_SOCKET.",
            TUI_NORMAL);
    } else {
        say(y++, 2, cols, "start it in a shell: airlockd --daemon", TUI_NORMAL);
        say(y++, 2, cols, "or, with its systemd unit: systemctl --user start airlockd", TUI_NORMAL);
    }
    say(y++, 2, cols, "this screen connects by itself once airlockd listens there", TUI_DIM);
    return y - y0 + 1;
}

static const char *const titles[PANES] = {"Sessions", "Plans",
                                          "Egress (the online side's requests)"};

/* Draws pane p in lines [y0, y0+h): a header and as many rows as fit, scrolled so that the
 * selected one shows. */
static void
pane(struct tui *t, int p, int y0, int h, int cols)
{
    const cJSON *list[ROWS_MAX];
    int n = items(t, p, list, ROWS_MAX), top, i, focus = t->pane == p;
    char head[160];

    if (h < 1) /* a small window, with the unreachable notice over the panes */
        return;
    if (t->row[p] >= n)
        t->row[p] = n > 0 ? n - 1 : 0;
    if (t->req == NULL && n == 0) { /* no count to give: nothing was ever listed */
        snprintf(head, sizeof(head), "%s %s", focus ? ">" : " ", titles[p]);
    } else if (p == PANE_PLANS) {
        int pending = 0;

        for (i = 0; i < n; i++)
            pending +=
                strcmp(tui_str(list[i], "state") ? tui_str(list[i], "state") : "", "pending") == 0;
        snprintf(head, sizeof(head), "%s %s: %d waiting for you", focus ? ">" : " ", titles[p],
                 pending);
    } else {
        snprintf(head, sizeof(head), "%s %s (%d)", focus ? ">" : " ", titles[p], n);
    }
    tui_blank(stdscr, y0, 0, cols, focus ? TUI_TITLE : TUI_DIM);
    tui_text(stdscr, y0, 0, cols, head, strlen(head), focus ? TUI_TITLE : TUI_DIM);
    h--;
    if (n == 0 && h > 0) {
        const char *none = t->req == NULL       ? "not known: airlockd is not reachable"
                           : p == PANE_SESSIONS ? "none yet: press n to start one"
                           : p == PANE_PLANS    ? "none yet: a session proposes one by writing "
                                                  "to /airlock/outbox"
                                                : "no requests yet";

        tui_text(stdscr, y0 + 1, 2, cols - 2, none, strlen(none), TUI_DIM);
        return;
    }
    top = t->row[p] >= h ? t->row[p] - h + 1 : 0;
    for (i = 0; i < h && top + i < n; i++) {
        int sel = focus && top + i == t->row[p];

        if (p == PANE_SESSIONS)
            session_row(list[top + i], y0 + 1 + i, cols, sel);
        else if (p == PANE_PLANS)
            plan_row(list[top + i], y0 + 1 + i, cols, sel);
        else
            egress_row(list[top + i], y0 + 1 + i, cols, sel);
    }
}

void
tui_overview_draw(struct tui *t)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr), avail = rows - 3, hs, hp, he, k = 0;
    const cJSON *plans = cJSON_GetObjectItemCaseSensitive(t->status, "plans");
    const cJSON *pend = cJSON_GetObjectItemCaseSensitive(plans, "pending");
    const cJSON *running = cJSON_GetObjectItemCaseSensitive(t->status, "sessions");
    const char *approver = tui_str(t->status, "approver");
    const char *dot = t->utf8 ? " · " : " - ";
    char title[256];

    /* Counts and the approver come from the daemon's status: while it is unreachable they
     * are not known, and a missing key must not be claimed from a missing answer. */
    if (t->req == NULL || t->status == NULL)
        snprintf(title, sizeof(title), "airlock");
    else
        snprintf(title, sizeof(title), "airlock   %d running%s%d plan%s waiting%sapprover %.16s",
                 cJSON_IsNumber(running) ? (int)running->valuedouble : 0, dot,
                 cJSON_IsNumber(pend) ? (int)pend->valuedouble : 0,
                 cJSON_IsNumber(pend) && pend->valuedouble == 1 ? "" : "s", dot,
                 approver ? approver : "not configured");
    tui_frame(t, title, TUI_TITLE, "n new  Enter open  a attach  s stop  Tab pane  ? help  q quit");
    if (t->req == NULL) {
        k = unreachable(t, 1, cols);
        avail -= k;
    }
    hs = avail * 3 / 10;
    hp = avail * 4 / 10;
    he = avail - hs - hp;
    pane(t, PANE_SESSIONS, 1 + k, hs, cols);
    pane(t, PANE_PLANS, 1 + k + hs, hp, cols);
    pane(t, PANE_EGRESS, 1 + k + hs + hp, he, cols);
}

static const cJSON *
selected(struct tui *t, int p)
{
    const cJSON *list[ROWS_MAX];
    int n = items(t, p, list, ROWS_MAX);

    return t->row[p] < n ? list[t->row[p]] : NULL;
}

void
tui_new_session(struct tui *t)
{
    char task[4096];
    cJSON *req, *reply = NULL;
    const char *id;
    int side;

    side = tui_choose(t,
                      "New session in which compartment? o offline (your files, no network) / "
                      "n online (network, no files); Esc cancels",
                      "on", TUI_PROMPT_FLUSH);
    if (side == 0)
        return;
    if (!tui_prompt(t, side == 'o' ? "Task for the offline side:" : "Task for the online side:",
                    task, sizeof(task), 0) ||
        task[0] == '\0') {
        tui_note(t, TUI_DIM, "no session started");
        return;
    }
    req = al_client_request("start");
    if (req != NULL &&
        (cJSON_AddStringToObject(req, "side", side == 'o' ? "offline" : "online") == NULL ||
         cJSON_AddStringToObject(req, "task", task) == NULL)) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (tui_call(t, "start", req, &reply) != 0)
        return;
    id = tui_str(cJSON_GetObjectItemCaseSensitive(reply, "session"), "id");
    tui_note(t, TUI_GOOD, "started %.40s", id ? id : "a session");
    tui_refresh(t);
    t->pane = PANE_SESSIONS;
    t->row[PANE_SESSIONS] = 0;
    cJSON_Delete(reply);
}

void
tui_stop_session(struct tui *t, const cJSON *s)
{
    const char *id = tui_str(s, "id");
    cJSON *req, *reply = NULL;
    char q[160];

    if (id == NULL)
        return;
    snprintf(q, sizeof(q), "Stop session %.40s? y/n", id);
    if (tui_choose(t, q, "yn", TUI_PROMPT_FLUSH) != 'y')
        return;
    req = al_client_request("stop");
    if (req != NULL && cJSON_AddStringToObject(req, "session", id) == NULL) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (tui_call(t, "stop", req, &reply) == 0)
        tui_note(t, TUI_GOOD, "stopped %.40s", id);
    cJSON_Delete(reply);
    tui_refresh(t);
}

void
tui_overview_key(struct tui *t, int ch)
{
    const cJSON *list[ROWS_MAX], *sel;
    int n = items(t, t->pane, list, ROWS_MAX);
    const char *id;

    switch (ch) {
    case '\t':
        t->pane = (t->pane + 1) % PANES;
        break;
    case KEY_BTAB:
        t->pane = (t->pane + PANES - 1) % PANES;
        break;
    case KEY_DOWN:
    case 'j':
        if (t->row[t->pane] + 1 < n)
            t->row[t->pane]++;
        break;
    case KEY_UP:
    case 'k':
        if (t->row[t->pane] > 0)
            t->row[t->pane]--;
        break;
    case KEY_HOME:
    case 'g':
        t->row[t->pane] = 0;
        break;
    case 'n':
        if (t->req == NULL)
            tui_note(t, TUI_BAD, "airlockd is not reachable: start it first (airlockd --daemon)");
        else
            tui_new_session(t);
        break;
    case 'r':
        tui_refresh(t);
        tui_note(t, TUI_DIM, "fetched again");
        break;
    case 'q':
        t->quit = 1;
        break;
    case '\n':
    case '\r':
    case KEY_ENTER:
        if ((sel = selected(t, t->pane)) == NULL || (id = tui_str(sel, "id")) == NULL)
            break;
        if (t->pane == PANE_SESSIONS)
            tui_sessview_open(t, id);
        else if (t->pane == PANE_PLANS)
            tui_review_open(t, id);
        break;
    case 'a':
        if (t->pane == PANE_SESSIONS && (sel = selected(t, PANE_SESSIONS)) != NULL &&
            (id = tui_str(sel, "id")) != NULL)
            tui_attach(t, id);
        break;
    case 's':
        if (t->pane == PANE_SESSIONS && (sel = selected(t, PANE_SESSIONS)) != NULL)
            tui_stop_session(t, sel);
        break;
    default:
        break;
    }
}
