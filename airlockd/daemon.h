/*
 * daemon.h: the pieces of airlockd and what they share.
 *
 * One libuv loop, one thread. airlockd.c starts and stops it; server.c serves the control
 * socket; session.c runs sessions (a compartment, its terminal, its transcript, attached
 * clients); crossing.c moves proposals into the plan store and approved plans into new
 * sessions. docs/internals/airlockd.md explains the whole.
 */
#ifndef AIRLOCKD_DAEMON_H
#define AIRLOCKD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include <airlock/artifact.h>
#include <airlock/audit.h>
#include <airlock/buf.h>
#include <airlock/config.h>
#include <airlock/ctl.h>
#include <airlock/manifest.h>
#include <airlock/sign.h>
#include <airlock/store.h>

#include "../compartments/compartment.h"
#include "proxy.h"

#define AIRLOCKD_VERSION "0.1.0"
#define TRANSCRIPT_MAX (4 * 1024 * 1024)       /* bytes recorded per session */
#define TRANSCRIPT_READ_MAX (1024 * 1024)      /* bytes per transcript request */
#define CONN_WRITE_QUEUE_MAX (8 * 1024 * 1024) /* a slower reader is disconnected */
#define SESSIONS_MAX 64                        /* sessions remembered, running or ended */
#define SESSION_ID_LEN 16                      /* "offline-" + 8 hex, or "online-" + 8 hex */
#define EGRESS_KEEP 100                        /* recent egress requests kept for the egress op */

struct conn;
struct session;

enum session_state { SESSION_RUNNING, SESSION_ENDED };

struct session {
    struct daemon *d;
    struct session *next;
    char id[SESSION_ID_LEN + 1];
    enum al_side side;
    enum session_state state;
    char *task;                  /* owned */
    char plan[AL_ID_HEXLEN + 1]; /* the plan it was started with, or "" */
    time_t started, ended;
    int status;               /* exit code, 128 + signal */
    const char *reason;       /* static: why it ended */
    struct al_compartment *c; /* NULL once freed */
    uv_poll_t pty_poll;       /* readable (and writable while input is queued) */
    uv_poll_t pid_poll;       /* the pidfd: readable when the session ends */
    uv_timer_t wall;          /* the wall-clock limit */
    int handles;              /* handles not yet closed */
    int pty_open, pid_open;
    struct al_buf input; /* bytes from attached clients not yet written */
    int transcript_fd;
    uint64_t transcript_bytes;
    int transcript_full;
    uint32_t proposals; /* accepted from its outbox */
    size_t n_digests;
    unsigned char (*digests)[AL_HASH_LEN];  /* proposals already taken, so none twice */
    struct proxy *proxy;                    /* online: the egress proxy serving its listener */
    uint64_t egress_allowed, egress_denied; /* requests the proxy let through or refused */
    struct conn **attached;                 /* clients attached to its terminal */
    size_t n_attached;
};

/* One recent egress request: its latest record (the egress event's object), kept so a
 * client that connects later can show what the proxies decided. */
struct egress_entry {
    char session[SESSION_ID_LEN + 1];
    uint64_t request; /* the proxy's request id, per session */
    cJSON *rec;       /* owned */
};

struct daemon {
    uv_loop_t *loop;
    const char *config_path; /* --config, or NULL for the default place */
    char config_used[4096];  /* the file in force, or "" for the embedded defaults */
    char home[4096];
    char state_dir[4096];
    char socket_path[108];
    struct al_config *config;
    struct al_pubkey approver;
    int have_approver;
    struct al_store *store;
    struct al_audit *audit;
    uv_pipe_t server;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t expiry;
    struct conn *conns;
    struct session *sessions; /* newest first */
    size_t n_sessions;
    struct egress_entry egress[EGRESS_KEEP]; /* a ring: egress_n entries from egress_first */
    size_t egress_first, egress_n;
    time_t started;
    int stopping;
    const char *crash_at; /* AIRLOCK_TEST_CRASH: tests kill the daemon at a named step */
};

/* airlockd.c */
int daemon_load_config(struct daemon *d, struct al_config **out);
/* Appends an audit record; a failure to write it is logged (the log is the record). */
void daemon_audit(struct daemon *d, const char *event, cJSON *data);
/* Dies with SIGKILL if the tests asked for a crash at this step. */
void daemon_crash_point(struct daemon *d, const char *step);
void daemon_shutdown(struct daemon *d);

/* server.c */
int server_start(struct daemon *d);
void server_stop(struct daemon *d);
/* Sends an event line to every subscribed connection; consumes ev. */
void server_event(struct daemon *d, cJSON *ev);
/* Writes a reply (consumes it) to c, or nothing if c has gone. */
void conn_reply(struct conn *c, cJSON *reply);
/* An error reply for request id (not consumed) from code r and al_errdetail(). */
cJSON *reply_error(const cJSON *id, int r);
cJSON *reply_ok(const cJSON *id);
/* Switches c to raw bytes for s; the session's output goes to it. */
void conn_attach(struct conn *c, struct session *s);
void conn_send_raw(struct conn *c, const char *data, size_t len);
void conn_close(struct conn *c);

/* session.c */
struct session_start {
    enum al_side side;
    const char *task;
    const char *plan_id; /* delivering this plan, or NULL */
    const char *inbox;   /* host directory for /airlock/inbox, or NULL */
    int gated;           /* start gated; session_release runs the command */
    const char *id;      /* the session's id (session_new_id), or NULL for a new one */
};
void session_new_id(struct daemon *d, enum al_side side, char out[SESSION_ID_LEN + 1]);
void session_attach(struct session *s, struct conn *c);
int session_start(struct daemon *d, const struct session_start *st, struct session **out) AL_WUR;
int session_release(struct session *s) AL_WUR;
struct session *session_find(struct daemon *d, const char *id);
void session_stop(struct session *s, const char *reason);
/* Closes every session's handles (the loop must run to finish). */
void session_close_all(struct daemon *d);
/* Points every running session's proxy at the new configuration (SIGHUP). */
void session_config_changed(struct daemon *d);
/* Frees what is left of every session and the egress records, once the loop has stopped. */
void session_free_all(struct daemon *d);
/* The kept egress records, one per request in the order they were decided (oldest first),
 * as a new array the caller owns; NULL when out of memory. */
cJSON *session_egress_records(const struct daemon *d);
cJSON *session_json(const struct session *s);
/* Appends at most max bytes of the transcript from offset to out and sets next to where the
 * following read starts: offset plus the bytes read, so never less than offset (past the
 * end, no bytes and next = offset). */
int session_transcript(struct session *s, uint64_t offset, size_t max, struct al_buf *out,
                       uint64_t *next) AL_WUR;
/* Queues terminal input from an attached client. */
void session_input(struct session *s, const char *data, size_t len);
void session_detach(struct session *s, struct conn *c);
size_t session_running(const struct daemon *d);

/* crossing.c */
/* Who asked for an approval or a rejection: the control client's peer credentials. */
struct actor {
    long uid, pid;
};
/* Takes the proposals in s's outbox into the store; adds plan objects and refusals to
 * the two arrays (either may be NULL). */
int crossing_collect(struct daemon *d, struct session *s, cJSON *plans, cJSON *refused) AL_WUR;
int crossing_approve(struct daemon *d, const struct actor *by, const char *id, const char *sig,
                     size_t siglen, struct session **delivered) AL_WUR;
int crossing_reject(struct daemon *d, const struct actor *by, const char *id,
                    const char *reason) AL_WUR;
/*
 * Replaces the pending plan id with a new plan of files (paths and bytes not owned; the
 * complete new set, checked as a proposal from an outbox is) from the same side to the
 * same side, for the same session and task: packed, scanned and queued pending under a new
 * id (written to newid), then the original rejected as "edited into <newid>". AL_ENOTFOUND,
 * AL_ESTATE for a plan that is not pending, the packer's or the store's error otherwise,
 * and then nothing has changed.
 */
int crossing_edit(struct daemon *d, const struct actor *by, const char *id,
                  const struct al_plan_file *files, size_t n, char newid[AL_ID_HEXLEN + 1]) AL_WUR;
int crossing_handoff(struct daemon *d, struct session *s, uint64_t offset, uint64_t length,
                     cJSON *plans) AL_WUR;
/*
 * A task typed for a new session is refused (AL_ECANARY, naming the canary) when it
 * carries a configured canary in any form the scanner finds: the task is written into the
 * manifest of every plan the session proposes, which the scanner does not read as text, and
 * an online session's task is its agent's input.
 */
int crossing_check_task(struct daemon *d, const char *task) AL_WUR;
/* Delivers every approved plan (after a restart). */
void crossing_resume(struct daemon *d);
void crossing_expire(struct daemon *d);
cJSON *plan_json(const struct al_plan_record *p);

#endif
