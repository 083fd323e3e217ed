/*
 * tui.h: airlock-tui's parts, shared between its files.
 *
 * One struct tui holds everything: the two connections to airlockd (requests, answered
 * one at a time; and a subscribed one for events), the last lists the daemon sent, the
 * views' state. Every view has a draw function that paints the whole screen from that
 * state and a key function; the main loop (main.c) calls them.
 *
 * Nothing from the daemon (plan text, task, session output, host and file names, error
 * details) reaches the terminal except through tui_text() in draw.c, which draws pieces
 * from al_render_next(): tokens for everything a terminal would obey or hide.
 */
#ifndef AIRLOCK_TUI_H
#define AIRLOCK_TUI_H

#include <curses.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include <airlock/client.h>
#include <airlock/config.h>
#include <airlock/paths.h>
#include <airlock/render.h>

#define TUI_EGRESS_KEEP 100
#define TUI_CALL_MS 30000 /* a request that takes longer means the daemon is stuck */
#define TUI_RETRY_MS 1000 /* between attempts to reach a daemon that went away */

/* What a piece of the screen is; tui_attr() turns it into colours or plain attributes. */
enum tui_role {
    TUI_NORMAL,
    TUI_DIM,
    TUI_TITLE,
    TUI_SELECTED,
    TUI_TOKEN,    /* a visible token standing for hidden or control bytes */
    TUI_OUTBOUND, /* offline -> online: leaving your computer */
    TUI_INBOUND,  /* online -> offline: untrusted content coming in */
    TUI_DENIED,   /* an egress refusal */
    TUI_GOOD,
    TUI_INFO,  /* a finding of severity info */
    TUI_HIGH,  /* ... high */
    TUI_BLOCK, /* ... block */
    TUI_BAD,   /* an error message */
    TUI__ROLES
};

enum tui_view {
    TUI_OVERVIEW,
    TUI_REVIEW,
    TUI_SESSION,
};

struct tui_review;   /* review.c */
struct tui_sessview; /* sessview.c */

struct tui {
    char sock[4096];       /* the control socket */
    int sock_given;        /* sock came from --socket or AIRLOCK_SOCKET, not the default */
    char keypath[4096];    /* the approver's secret key */
    char configpath[4096]; /* the configuration, for canaries, budget and workspace */
    int color;             /* colours in use: a colour terminal and NO_COLOR unset */
    int utf8;              /* the locale's codeset is UTF-8: the UI's own lines may use "·" */

    struct al_client *req; /* requests; NULL while the daemon is unreachable */
    struct al_client *ev;  /* subscribed to events; NULL likewise */
    long retry_at;         /* when to try to reach the daemon again (tui_now_ms) */
    int was_connected;     /* reached the daemon at least once */
    /* While unreachable at the default socket: another standard place where an airlockd
     * answers (al_client_find_elsewhere), named on the overview but never used unasked;
     * "" when there is none. */
    char elsewhere[AL_PATHS_SOCKET_MAX];

    cJSON *status;   /* the last status reply, or NULL */
    cJSON *sessions; /* array, oldest first, or NULL */
    cJSON *plans;    /* array, oldest first, or NULL */
    cJSON *egress;   /* array of the last TUI_EGRESS_KEEP egress records, oldest first */

    char note[512]; /* the message line, plain text (drawn through tui_text) */
    enum tui_role note_role;

    enum tui_view view;
    int help;   /* the key list is shown over the view */
    int pane;   /* overview: 0 sessions, 1 plans, 2 egress */
    int row[3]; /* overview: selected row of each pane */
    struct tui_review *review;
    struct tui_sessview *sessview;
    int quit;
};

/* app.c */
/* The loop: draws the current view, waits for keys and events, until t->quit. */
void tui_run(struct tui *t);
/* Closes the views and connections and frees the lists. */
void tui_close(struct tui *t);
long tui_now_ms(void);
/* Sets the message line (printf-style; the text is rendered when drawn). */
void tui_note(struct tui *t, enum tui_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends req (consumed) on the request connection and waits for the reply (owned by the
 * caller). On failure sets the message line to what went wrong (prefixed with what) and
 * returns the code; a lost connection also marks the daemon unreachable. */
int tui_call(struct tui *t, const char *what, cJSON *req, cJSON **reply);
/* Fetches status, sessions and plans again. */
void tui_refresh(struct tui *t);
/* The element of array arr whose "id" is id, or NULL. */
const cJSON *tui_find(const cJSON *arr, const char *id);
/* The string member key of obj, or NULL. */
const char *tui_str(const cJSON *obj, const char *key);
/* Leaves curses for a program that wants the terminal (an editor, an attached session),
 * and comes back. */
void tui_suspend(struct tui *t);
void tui_resume(struct tui *t);

/* draw.c */
void tui_colors_init(struct tui *t);
attr_t tui_attr(enum tui_role role);
/*
 * Draws s[0..n) at (y, x) on one line, at most width columns, in role's attributes with
 * tokens in TUI_TOKEN's; a line break is drawn as a token. Returns the columns used.
 * This is the only way anything but the UI's own fixed strings reaches the screen.
 */
int tui_text(WINDOW *w, int y, int x, int width, const char *s, size_t n, enum tui_role role);
/* The same for a string the scanner already rendered (al_render_escape(): its findings'
 * messages and visible forms): still filtered piece by piece, but its doubled backslashes
 * are drawn as they are, not doubled again. */
int tui_text_rendered(WINDOW *w, int y, int x, int width, const char *s, enum tui_role role);
/*
 * Draws one piece from al_render_next() at (y, x) in attributes a: cols is the columns it
 * takes there (a tab's expansion), room the columns left. A tab becomes blanks, a token is
 * cut at room (tokens are ASCII), a character is drawn whole or not at all. Returns the
 * columns drawn. Every byte the UI puts on the screen passes through here.
 */
int tui_piece(WINDOW *w, int y, int x, const struct al_render_piece *p, int cols, int room,
              attr_t a);
int tui_textf(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Fills columns [x, x+width) of line y with blanks in role's attributes. */
void tui_blank(WINDOW *w, int y, int x, int width, enum tui_role role);
/* The columns s[0..n) takes when drawn by tui_text (tokens included). */
int tui_text_width(const char *s, size_t n);
/* "12 KiB", "3.4 MiB". */
void tui_size(unsigned long long bytes, char *out, size_t outlen);
/* "5s", "12m", "3h", "2d" since an RFC 3339 time, or "?" */
void tui_age(const char *rfc3339, char *out, size_t outlen);
/* The title bar (line 0) and the key bar plus message line (the last two lines). */
void tui_frame(struct tui *t, const char *title, enum tui_role role, const char *keys);

/* prompt.c */
#define TUI_PROMPT_SECRET 0x1 /* echo nothing (a passphrase) */
#define TUI_PROMPT_FLUSH 0x2  /* discard keys typed before the prompt appeared */
/*
 * Asks for one line on the bottom of the screen. Returns 1 with out filled (UTF-8,
 * NUL-terminated) on Enter, 0 when the person pressed Esc or Ctrl-C. Modal: the daemon's
 * events wait until it returns.
 */
int tui_prompt(struct tui *t, const char *question, char *out, size_t outlen, unsigned flags);
/* One key from a set of choices ("y/n"); returns the key, or 0 for Esc. */
int tui_choose(struct tui *t, const char *question, const char *keys, unsigned flags);

/* overview.c */
void tui_overview_draw(struct tui *t);
void tui_overview_key(struct tui *t, int ch);
/* Asks for a side and a task and starts a session. */
void tui_new_session(struct tui *t);
/* Asks whether to stop session s (an element of t->sessions) and stops it. */
void tui_stop_session(struct tui *t, const cJSON *s);

/* help (app.c): the keys of the current view over it */
void tui_help_draw(struct tui *t);

/* review.c: a plan full-screen */
int tui_review_open(struct tui *t, const char *plan_id);
/* The review of a plan held in memory, without the daemon's plan op (tui_review_open
 * fetches, then calls this; the benchmark calls it directly): artifact[0..len) is copied,
 * checked against plan_obj's "hash" when it has one, read strictly, matched with plan_obj's
 * id, from and to, scanned and indexed; the view opens. Keys are ignored for its first
 * TUI_REVIEW_KEY_DELAY_MS (review.h). Returns 0, or the code with the note set. */
int tui_review_load(struct tui *t, const char *artifact, size_t len, const cJSON *plan_obj);
void tui_review_draw(struct tui *t);
void tui_review_key(struct tui *t, int ch);
void tui_review_close(struct tui *t);
extern const char *const tui_review_help[];

/* sessview.c: a session's transcript, followed; attach; hand-off */
int tui_sessview_open(struct tui *t, const char *session_id);
void tui_sessview_draw(struct tui *t);
void tui_sessview_key(struct tui *t, int ch);
/* Called about every 250 ms and on session events: fetches new transcript bytes. */
void tui_sessview_tick(struct tui *t);
void tui_sessview_close(struct tui *t);
/* Attaches the terminal to a running session until Ctrl-] (or its end). */
int tui_attach(struct tui *t, const char *session_id);
extern const char *const tui_sessview_help[];

extern const char *const tui_overview_help[];

#endif
