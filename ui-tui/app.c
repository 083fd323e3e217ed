/*
 * app.c: airlock-tui's connections to airlockd and its one loop.
 *
 * The loop waits on the terminal and on the event connection, at most 250 ms at a time
 * (a followed transcript is fetched that often, and an unreachable daemon is tried again
 * every second). After any event the lists are fetched again whole: they are small, and
 * a client that rebuilds its picture from the daemon's answers cannot drift from it.
 */
#include "tui.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <airlock/timefmt.h>

#define TICK_MS 250

long
tui_now_ms(void)
{
    return (long)al_monotonic_ms();
}

void
tui_note(struct tui *t, enum tui_role role, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->note, sizeof(t->note), fmt, ap);
    va_end(ap);
    t->note_role = role;
}

const char *
tui_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *
tui_find(const cJSON *arr, const char *id)
{
    const cJSON *x;
    const char *s;

    cJSON_ArrayForEach(x, arr)
    {
        if ((s = tui_str(x, "id")) != NULL && strcmp(s, id) == 0)
            return x;
    }
    return NULL;
}

static void
disconnect(struct tui *t)
{
    al_client_free(t->req);
    al_client_free(t->ev);
    t->req = t->ev = NULL;
    t->retry_at = tui_now_ms() + TUI_RETRY_MS;
}

int
tui_call(struct tui *t, const char *what, cJSON *req, cJSON **reply)
{
    int r;

    if (req == NULL) {
        cJSON_Delete(req);
        tui_note(t, TUI_BAD, "%s: out of memory", what);
        return AL_ENOMEM;
    }
    if (t->req == NULL) {
        cJSON_Delete(req);
        tui_note(t, TUI_BAD, "%s: airlockd is not reachable at %s", what, t->sock);
        return -ENOTCONN;
    }
    r = al_client_call(t->req, req, TUI_CALL_MS, reply);
    cJSON_Delete(req);
    if (r != 0) {
        tui_note(t, TUI_BAD, "%s: %s%s%s (%s)", what, al_strerror(r), al_errdetail()[0] ? ": " : "",
                 al_errdetail(), al_errname(r));
        if (r == -EPIPE || r == -ETIMEDOUT || r == -ECONNRESET)
            disconnect(t);
    }
    return r;
}

/* Replaces *slot with member key of reply (detached), when it is there. */
static void
take(cJSON *reply, const char *key, cJSON **slot)
{
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(reply, key);

    if (v == NULL)
        return;
    cJSON_Delete(*slot);
    *slot = v;
}

void
tui_refresh(struct tui *t)
{
    cJSON *reply = NULL;

    if (tui_call(t, "status", al_client_request("status"), &reply) == 0) {
        cJSON_Delete(t->status);
        t->status = reply;
        reply = NULL;
    }
    if (tui_call(t, "sessions", al_client_request("sessions"), &reply) == 0)
        take(reply, "sessions", &t->sessions);
    cJSON_Delete(reply);
    reply = NULL;
    if (tui_call(t, "plans", al_client_request("plans"), &reply) == 0)
        take(reply, "plans", &t->plans);
    cJSON_Delete(reply);
}

/* Appends an egress record, keeping the last TUI_EGRESS_KEEP. */
static void
add_egress(struct tui *t, cJSON *rec)
{
    if (t->egress == NULL && (t->egress = cJSON_CreateArray()) == NULL) {
        cJSON_Delete(rec);
        return;
    }
    cJSON_AddItemToArray(t->egress, rec);
    while (cJSON_GetArraySize(t->egress) > TUI_EGRESS_KEEP)
        cJSON_DeleteItemFromArray(t->egress, 0);
}

static void
connect_daemon(struct tui *t)
{
    cJSON *reply = NULL, *req, *recs, *x;
    int r;

    t->retry_at = tui_now_ms() + TUI_RETRY_MS;
    if ((r = al_client_open(t->sock, &t->req)) != 0) {
        t->req = NULL;
        /* A daemon started with another XDG_RUNTIME_DIR listens elsewhere: the overview
         * names it, and the person decides (a socket they named is theirs to fix). */
        if (t->sock_given ||
            al_client_find_elsewhere(t->sock, t->elsewhere, sizeof(t->elsewhere)) != 1)
            t->elsewhere[0] = '\0';
        return;
    }
    t->elsewhere[0] = '\0';
    if ((r = al_client_open(t->sock, &t->ev)) != 0) {
        disconnect(t);
        return;
    }
    if (tui_call(t, "hello", al_client_request("hello"), &reply) != 0)
        return;
    cJSON_Delete(reply);
    reply = NULL;
    /* The subscription is the event connection's only request: its reply is read by the
     * loop like the events after it. */
    req = al_client_request("subscribe");
    r = req != NULL ? al_client_call(t->ev, req, TUI_CALL_MS, &reply) : AL_ENOMEM;
    cJSON_Delete(req);
    if (r != 0) {
        disconnect(t);
        return;
    }
    cJSON_Delete(reply);
    reply = NULL;
    /* Recent egress decisions, when the daemon keeps them. */
    req = al_client_request("egress");
    r = req != NULL ? al_client_call(t->req, req, TUI_CALL_MS, &reply) : AL_ENOMEM;
    cJSON_Delete(req);
    if (r == 0 && (recs = cJSON_DetachItemFromObjectCaseSensitive(reply, "records")) != NULL) {
        cJSON_Delete(t->egress);
        t->egress = NULL;
        while ((x = cJSON_DetachItemFromArray(recs, 0)) != NULL)
            add_egress(t, x);
        cJSON_Delete(recs);
    }
    cJSON_Delete(reply);
    tui_note(t, TUI_GOOD, "%s airlockd at %s", t->was_connected ? "reconnected to" : "connected to",
             t->sock);
    t->was_connected = 1;
    tui_refresh(t);
}

static void
on_event(struct tui *t, cJSON *msg)
{
    const char *name = tui_str(msg, "event");
    cJSON *rec;

    if (name == NULL) {
        cJSON_Delete(msg);
        return;
    }
    if (strcmp(name, "egress") == 0) {
        /* {"event": "egress", "egress": {record}} (control.md) */
        if ((rec = cJSON_DetachItemFromObjectCaseSensitive(msg, "egress")) != NULL &&
            cJSON_IsObject(rec))
            add_egress(t, rec);
        else
            cJSON_Delete(rec);
    } else {
        tui_refresh(t);
        if (t->view == TUI_SESSION && strncmp(name, "session.", 8) == 0)
            tui_sessview_tick(t);
    }
    cJSON_Delete(msg);
}

static void
read_events(struct tui *t)
{
    cJSON *msg;
    int r;

    if ((r = al_client_read(t->ev)) != 0) {
        tui_note(t, TUI_BAD, "lost airlockd: %s; retrying every second", al_strerror(r));
        disconnect(t);
        return;
    }
    while ((r = al_client_next(t->ev, &msg)) != 0) {
        if (r < 0) {
            disconnect(t);
            return;
        }
        on_event(t, msg);
        if (t->ev == NULL)
            return;
    }
}

void
tui_suspend(struct tui *t)
{
    (void)t;
    def_prog_mode();
    endwin();
}

void
tui_resume(struct tui *t)
{
    (void)t;
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
}

const char *const tui_overview_help[] = {
    "Tab, Shift-Tab   next / previous pane (sessions, plans, egress)",
    "Up, Down, j, k   move in the pane",
    "Enter            sessions: follow the transcript; plans: review",
    "n                new session (offline or online, with a task)",
    "a                attach to the selected session's terminal (Ctrl-] returns)",
    "s                stop the selected session",
    "r                fetch everything again",
    "q                quit",
    NULL,
};

void
tui_help_draw(struct tui *t)
{
    const char *const *lines = t->view == TUI_REVIEW    ? tui_review_help
                               : t->view == TUI_SESSION ? tui_sessview_help
                                                        : tui_overview_help;
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr), y = 2, i, w = cols - 4;

    for (i = 1; i < rows - 2; i++)
        tui_blank(stdscr, i, 0, cols, TUI_NORMAL);
    tui_text(stdscr, 1, 2, w, "Keys (any key closes this)", 26, TUI_TITLE);
    for (i = 0; lines[i] != NULL && y < rows - 3; i++)
        tui_text(stdscr, ++y, 2, w, lines[i], strlen(lines[i]), TUI_NORMAL);
    tui_text(stdscr, y + 2, 2, w, "? shows this help in every view; q or Esc goes back.", 52,
             TUI_DIM);
}

static void
draw(struct tui *t)
{
    erase();
    if (getmaxy(stdscr) < 10 || getmaxx(stdscr) < 40) {
        tui_text(stdscr, 0, 0, getmaxx(stdscr), "airlock: window too small", 25, TUI_BAD);
    } else {
        switch (t->view) {
        case TUI_REVIEW:
            tui_review_draw(t);
            break;
        case TUI_SESSION:
            tui_sessview_draw(t);
            break;
        default:
            tui_overview_draw(t);
            break;
        }
        if (t->help)
            tui_help_draw(t);
    }
    refresh();
}

static void
on_key(struct tui *t, int ch)
{
    if (ch == KEY_RESIZE)
        return;
    if (t->help) {
        t->help = 0;
        return;
    }
    if (ch == '?') {
        t->help = 1;
        return;
    }
    switch (t->view) {
    case TUI_REVIEW:
        tui_review_key(t, ch);
        break;
    case TUI_SESSION:
        tui_sessview_key(t, ch);
        break;
    default:
        tui_overview_key(t, ch);
        break;
    }
}

void
tui_run(struct tui *t)
{
    struct pollfd p[2];
    long last_tick = 0;
    int n, ch;

    while (!t->quit) {
        if (t->req == NULL && tui_now_ms() >= t->retry_at)
            connect_daemon(t);
        draw(t);
        p[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        p[1] = (struct pollfd){.fd = t->ev != NULL ? al_client_fd(t->ev) : -1, .events = POLLIN};
        n = poll(p, 2, TICK_MS);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && t->ev != NULL)
            read_events(t);
        /* After a poll interrupted by SIGWINCH ncurses has a KEY_RESIZE ready. */
        while ((ch = getch()) != ERR && !t->quit)
            on_key(t, ch);
        if (t->view == TUI_SESSION && tui_now_ms() - last_tick >= TICK_MS) {
            last_tick = tui_now_ms();
            tui_sessview_tick(t);
        }
    }
}

void
tui_close(struct tui *t)
{
    if (t->review != NULL)
        tui_review_close(t);
    if (t->sessview != NULL)
        tui_sessview_close(t);
    disconnect(t);
    cJSON_Delete(t->status);
    cJSON_Delete(t->sessions);
    cJSON_Delete(t->plans);
    cJSON_Delete(t->egress);
    t->status = t->sessions = t->plans = t->egress = NULL;
}
