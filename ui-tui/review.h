/*
 * review.h: the parts of the review view shared by review.c (loading, drawing, moving),
 * approve.c (approve, edit, reject) and novelty.c (what is new compared with plans
 * approved before). The rest of the UI uses only the tui_review_* functions in tui.h.
 */
#ifndef AIRLOCK_TUI_REVIEW_H
#define AIRLOCK_TUI_REVIEW_H

#include "tui.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <airlock/artifact.h>
#include <airlock/config.h>
#include <airlock/scan.h>

/* Keys typed this soon after the view appears are thrown away: they were meant for the
 * screen before it. */
#define TUI_REVIEW_KEY_DELAY_MS 1000

/* A sorted set of strings, each malloc'd. */
struct tui__strset {
    char **v;
    size_t n, cap;
    int full; /* reached its maximum: later items are dropped */
};

/* What this plan mentions that no plan approved before did. */
struct tui__novelty {
    struct tui__strset hosts, addrs, paths; /* new ones, sorted */
    size_t mentioned; /* hosts, addresses and paths this plan mentions at all */
    int compared;     /* approved plans compared with; -1 when they could not be fetched */
};

/* Bytes [start, end) of a member covered by findings, drawn in the worst one's colour. */
struct tui__mark {
    size_t start, end;
    int sev;
};

/* Where the rows of one line start when it is wrapped to width columns; computed as far
 * as needed, so a huge line costs only what is looked at. */
struct tui__wrap {
    size_t line;
    int width;
    size_t *starts;
    size_t n, cap;
    int done; /* every row of the line is in starts */
    unsigned long used;
};

#define TUI__HEADING SIZE_MAX /* a line that is a member's heading, not text */
#define TUI__NOVELTY_PLANS 50 /* the most recent approved plans compared with */

struct tui__seen; /* novelty.c: the mentions of one plan approved before */

struct tui_review {
    char id[AL_ID_HEXLEN + 1];
    char *bytes; /* the artifact exactly as fetched and checked: approval signs these */
    size_t len;
    unsigned char hash[AL_HASH_LEN]; /* its BLAKE2b-256, as listed by airlockd */
    struct al_plan_limits lim;
    struct al_artifact *art;
    const struct al_manifest *m;
    char fetched_state[16]; /* the plan's state when it was fetched */
    int daemon_findings;    /* airlockd's count, or -1 */

    uint64_t max_bytes; /* plans.max_bytes of the configuration */
    char cfg_note[200]; /* why the configuration could not be used, or "" */
    int provenance;     /* an index of the workspace was used */

    /*
     * The scan runs on a thread of its own, so that a large plan (or a large workspace to
     * index) is on screen at once. While scanning is set, the thread owns the fields from
     * cfg to nov below; the view reads them only once tui__review_ready() has joined it.
     * The thread only reads the rest (the artifact's members).
     */
    pthread_t scanner;
    int scanning;       /* the thread was started and not yet joined */
    atomic_int scanned; /* set by the thread as its last act */
    int ready;          /* joined (or scanned without a thread): the fields are the view's */
    int scan_rc;        /* 0, or why the plan could not be scanned (scan_err) */
    char scan_err[200];
    struct al_config *cfg;
    const struct tui__seen *before[TUI__NOVELTY_PLANS]; /* approved plans to compare with */
    size_t nbefore;

    struct al_scan *scan;
    size_t *order; /* the findings listed (al_scan_get indexes), by place in the plan */
    size_t nlisted;
    size_t *fmember; /* member of each al_scan_get index */
    int sev[3];      /* listed findings by severity */
    int worst;       /* al_scan_worst: kept and omitted, -1 for none */

    size_t nmembers;
    size_t *mfirst; /* first line of each member (its heading when there are several) */
    size_t *lines;  /* offset in its member where each line starts, or TUI__HEADING */
    size_t nlines;
    struct tui__mark **marks;
    size_t *nmarks;

    size_t top_line, top_off; /* the first row on screen: a line, and where its row starts */
    int width, body_h;        /* of the body, as last laid out */
    struct tui__wrap wrap[2];
    unsigned long wrap_clock;
    int seen_end; /* the end of the plan has been on screen */
    long opened_ms;

    int pane;    /* the findings list is shown */
    size_t fsel; /* selected row of the findings list */
    long cur;    /* the finding last jumped to (index in order), or -1 */

    struct tui__novelty nov;
};

/* review.c */
/* 1 once the scan is done and its results are the view's (joins a finished thread
 * without waiting); 0 while it runs. */
int tui__review_ready(struct tui_review *r);
/* Waits for the scan to finish (closing the view, tests). */
void tui__review_wait(struct tui_review *r);
/* The plan's state as the daemon last listed it. */
const char *tui__review_state(struct tui *t);
/* 1 when the plan can still be acted on; otherwise notes why not and returns 0. */
int tui__review_actionable(struct tui *t, const char *what);
/* Fetches plan id with the plan op: *reply is the daemon's answer, *bytes (malloc'd) the
 * artifact decoded, not yet checked. Sets the note and returns the code on failure. */
int tui__review_fetch(struct tui *t, const char *id, cJSON **reply, char **bytes, size_t *len);
/* Shows listed finding i (an index in order) in the body, marked, and names it in the
 * message line. */
void tui__review_show(struct tui *t, size_t i);
/* The member and bytes of finding f (an al_scan_get index). */
void tui__review_span(const struct tui_review *r, size_t f, const char **data, size_t *len);
/* Loads the configuration as the daemon uses it (see tui_review_load); never NULL unless
 * out of memory. why receives the reason when the file could not be used. */
struct al_config *tui__review_config(struct tui *t, char *why, size_t whylen);

/* approve.c */
void tui__review_approve(struct tui *t);
void tui__review_edit(struct tui *t);
void tui__review_reject(struct tui *t);

/* novelty.c */
/* Adds the hosts, addresses and paths text[0..len) mentions to the three sets (sorted and
 * deduplicated by tui__strset_finish), at most max items in each. */
void tui__mentions(const char *text, size_t len, struct tui__strset *hosts,
                   struct tui__strset *addrs, struct tui__strset *paths, size_t max);
void tui__strset_finish(struct tui__strset *s);
int tui__strset_has(const struct tui__strset *s, const char *x);
void tui__strset_free(struct tui__strset *s);
/* Finds the mentions of the last plans approved (fetched with the plan op, remembered by
 * id) for r->before; sets r->nov.compared. On the UI's thread (it talks to airlockd). */
void tui__novelty_prepare(struct tui *t, struct tui_review *r);
/* Fills r->nov with what this plan mentions that none of r->before does. On the scan's
 * thread: it reads only r's artifact and the remembered plans in r->before. */
void tui__novelty_compute(struct tui_review *r);
void tui__novelty_free(struct tui__novelty *n);

#endif
