/*
 * session.c: one session is one fresh compartment running the configured agent command.
 *
 * The daemon owns the session's pseudo-terminal: everything the agent prints is recorded
 * to the session's transcript (capped) and copied to attached clients; what attached
 * clients type goes to the terminal. The compartment's pidfd tells the loop when it ends,
 * without SIGCHLD. When it ends, its outbox is collected before the compartment (and with
 * it the outbox's tmpfs) is let go.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/log.h>
#include <airlock/timefmt.h>

#define PTY_CHUNK (16 * 1024)
#define INPUT_MAX (64 * 1024) /* terminal input queued from attached clients */
#define TRANSCRIPT_FULL_NOTE "\r\n[airlock: transcript limit reached; recording stopped]\r\n"

static void session_end(struct session *s, int status);

size_t
session_running(const struct daemon *d)
{
    const struct session *s;
    size_t n = 0;

    for (s = d->sessions; s != NULL; s = s->next)
        n += s->state == SESSION_RUNNING;
    return n;
}

struct session *
session_find(struct daemon *d, const char *id)
{
    struct session *s;

    for (s = d->sessions; s != NULL; s = s->next)
        if (strcmp(s->id, id) == 0)
            return s;
    return NULL;
}

static void
session_free(struct session *s)
{
    if (s->transcript_fd >= 0)
        close(s->transcript_fd);
    al_buf_close(&s->input);
    free(s->task);
    free(s->digests);
    free(s->attached);
    free(s);
}

/* Forgets the oldest ended sessions beyond SESSIONS_MAX (their transcripts stay on disk). */
static void
prune(struct daemon *d)
{
    struct session **p, *s;
    size_t n = 0;

    for (p = &d->sessions; *p != NULL;) {
        s = *p;
        if (++n > SESSIONS_MAX && s->state == SESSION_ENDED && s->handles == 0) {
            *p = s->next;
            d->n_sessions--;
            session_free(s);
            continue;
        }
        p = &s->next;
    }
}

cJSON *
session_json(const struct session *s)
{
    cJSON *o = cJSON_CreateObject();
    char t[AL_TIME_LEN + 1];

    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddStringToObject(o, "side", al_side_name(s->side));
    cJSON_AddStringToObject(o, "state", s->state == SESSION_RUNNING ? "running" : "ended");
    cJSON_AddStringToObject(o, "task", s->task);
    if (s->plan[0] != '\0')
        cJSON_AddStringToObject(o, "plan", s->plan);
    else
        cJSON_AddNullToObject(o, "plan");
    if (al_time_format(s->started, t) == 0)
        cJSON_AddStringToObject(o, "started", t);
    if (s->state == SESSION_ENDED && al_time_format(s->ended, t) == 0) {
        cJSON_AddStringToObject(o, "ended", t);
        cJSON_AddNumberToObject(o, "status", s->status);
        cJSON_AddStringToObject(o, "reason", s->reason);
    } else {
        cJSON_AddNullToObject(o, "ended");
        cJSON_AddNullToObject(o, "status");
        cJSON_AddNullToObject(o, "reason");
    }
    cJSON_AddNumberToObject(o, "transcript_bytes", (double)s->transcript_bytes);
    if (s->side == AL_SIDE_ONLINE) {
        cJSON_AddNumberToObject(o, "egress_allowed", (double)s->egress_allowed);
        cJSON_AddNumberToObject(o, "egress_denied", (double)s->egress_denied);
    }
    return o;
}

static void
record(struct session *s, const char *data, size_t len)
{
    size_t room, n;
    ssize_t w;

    if (s->transcript_full)
        return;
    room = TRANSCRIPT_MAX - (size_t)s->transcript_bytes;
    n = len < room ? len : room;
    while (n > 0) {
        w = write(s->transcript_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            al_error("session %s: transcript: %s", s->id, strerror(errno));
            s->transcript_full = 1;
            return;
        }
        s->transcript_bytes += (uint64_t)w;
        data += w;
        n -= (size_t)w;
    }
    if (len > room) {
        s->transcript_full = 1;
        if (write(s->transcript_fd, TRANSCRIPT_FULL_NOTE, sizeof(TRANSCRIPT_FULL_NOTE) - 1) > 0)
            s->transcript_bytes += sizeof(TRANSCRIPT_FULL_NOTE) - 1;
    }
}

/* Reads what the terminal has (at most a few chunks, so one chatty session cannot starve
 * the loop). Returns -1 once the terminal is gone (EIO: every slave fd closed). */
static int
drain_pty(struct session *s, int rounds)
{
    char buf[PTY_CHUNK];
    ssize_t n;
    size_t i;

    while (rounds-- > 0) {
        n = read(al_compartment_pty(s->c), buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)
            return -1;
        record(s, buf, (size_t)n);
        /* Backwards: a client dropped as too slow is swapped out of the list. */
        for (i = s->n_attached; i > 0; i--)
            conn_send_raw(s->attached[i - 1], buf, (size_t)n);
    }
    return 0;
}

static void
flush_input(struct session *s)
{
    ssize_t n;

    while (s->input.len > 0) {
        n = write(al_compartment_pty(s->c), s->input.data, s->input.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        memmove(s->input.data, s->input.data + n, s->input.len - (size_t)n);
        s->input.len -= (size_t)n;
    }
}

static void
on_pty(uv_poll_t *h, int status, int events)
{
    struct session *s = h->data;

    if (status < 0 || s->c == NULL) {
        uv_poll_stop(h);
        return;
    }
    if ((events & UV_READABLE) && drain_pty(s, 4) < 0) {
        /* The agent's side of the terminal is closed; its end comes through the pidfd. */
        uv_poll_stop(h);
        return;
    }
    if (events & UV_WRITABLE)
        flush_input(s);
    uv_poll_start(h, UV_READABLE | (s->input.len > 0 ? UV_WRITABLE : 0), on_pty);
}

void
session_input(struct session *s, const char *data, size_t len)
{
    if (s->state != SESSION_RUNNING || s->c == NULL)
        return;
    /* Typing faster than the agent reads is not worth unbounded memory: the excess is
     * dropped, as a terminal would. */
    if (al_buf_append(&s->input, data, len) != 0)
        return;
    flush_input(s);
    if (s->input.len > 0 && s->pty_open)
        uv_poll_start(&s->pty_poll, UV_READABLE | UV_WRITABLE, on_pty);
}

void
session_detach(struct session *s, struct conn *c)
{
    size_t i;

    for (i = 0; i < s->n_attached; i++)
        if (s->attached[i] == c) {
            s->attached[i] = s->attached[--s->n_attached];
            return;
        }
}

static void
attach_add(struct session *s, struct conn *c)
{
    struct conn **a = realloc(s->attached, (s->n_attached + 1) * sizeof(*a));

    if (a == NULL) {
        conn_close(c);
        return;
    }
    s->attached = a;
    a[s->n_attached++] = c;
}

static void
on_handle_closed(uv_handle_t *h)
{
    struct session *s = h->data;

    if (--s->handles == 0 && s->c != NULL) {
        al_compartment_free(s->c);
        s->c = NULL;
        prune(s->d);
    }
}

static void
on_pidfd(uv_poll_t *h, int status, int events)
{
    struct session *s = h->data;
    int st, r;

    (void)status, (void)events;
    if (s->c == NULL || s->state != SESSION_RUNNING)
        return;
    r = al_compartment_wait(s->c, 0, &st);
    if (r == 1) {
        session_end(s, st);
    } else if (r < 0) {
        /* A pidfd that stays readable would spin the loop: end the session instead. */
        al_error("session %s: waiting for it: %s (%s)", s->id, al_strerror(r), al_errdetail());
        s->reason = "lost";
        al_compartment_kill(s->c);
        session_end(s, 128 + 9);
    }
}

static const char *const verdicts[] = {"allow", "deny", "error"};

/*
 * Keeps a copy of rec as the latest record of its request. A request's "end" takes the
 * place of its "open" while that is still kept, so each request is one entry, in the order
 * the proxy decided them, and a client that asks later sees whether it is still open. The
 * oldest entry goes when EGRESS_KEEP are kept: memory stays bounded however busy the
 * proxies are.
 */
static void
egress_keep(struct daemon *d, const struct session *s, const struct proxy_record *pr,
            const cJSON *o)
{
    struct egress_entry *e;
    cJSON *copy = cJSON_Duplicate(o, 1);
    size_t i;

    if (copy == NULL)
        return;
    if (pr->phase == PROXY_END)
        for (i = 0; i < d->egress_n; i++) {
            e = &d->egress[(d->egress_first + i) % EGRESS_KEEP];
            if (e->request == pr->id && strcmp(e->session, s->id) == 0) {
                cJSON_Delete(e->rec);
                e->rec = copy;
                return;
            }
        }
    if (d->egress_n == EGRESS_KEEP) {
        cJSON_Delete(d->egress[d->egress_first].rec);
        d->egress_first = (d->egress_first + 1) % EGRESS_KEEP;
        d->egress_n--;
    }
    e = &d->egress[(d->egress_first + d->egress_n++) % EGRESS_KEEP];
    memcpy(e->session, s->id, sizeof(e->session));
    e->request = pr->id;
    e->rec = copy;
}

cJSON *
session_egress_records(const struct daemon *d)
{
    cJSON *a = cJSON_CreateArray(), *x;
    size_t i;

    for (i = 0; a != NULL && i < d->egress_n; i++) {
        if ((x = cJSON_Duplicate(d->egress[(d->egress_first + i) % EGRESS_KEEP].rec, 1)) == NULL) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

/* One proxy record: finished requests go to the audit log; both phases to subscribers. */
static void
on_egress(const struct proxy_record *rec, void *arg)
{
    struct session *s = arg;
    cJSON *o = cJSON_CreateObject(), *ev;
    char t[AL_TIME_LEN + 1];

    cJSON_AddStringToObject(o, "session", s->id);
    cJSON_AddStringToObject(o, "phase", rec->phase == PROXY_OPEN ? "open" : "end");
    cJSON_AddStringToObject(o, "verdict", verdicts[rec->verdict]);
    cJSON_AddNumberToObject(o, "request", (double)rec->id);
    cJSON_AddStringToObject(o, "method", rec->method);
    cJSON_AddStringToObject(o, "host", rec->host);
    cJSON_AddNumberToObject(o, "port", rec->port);
    cJSON_AddStringToObject(o, "address", rec->address);
    cJSON_AddStringToObject(o, "source", rec->source);
    cJSON_AddStringToObject(o, "rule", rec->rule);
    cJSON_AddStringToObject(o, "reason", rec->reason);
    cJSON_AddNumberToObject(o, "status", rec->status);
    cJSON_AddNumberToObject(o, "bytes_up", (double)rec->bytes_up);
    cJSON_AddNumberToObject(o, "bytes_down", (double)rec->bytes_down);
    cJSON_AddNumberToObject(o, "duration_ms", (double)rec->duration_ms);
    cJSON_AddNumberToObject(o, "lookups", rec->lookups);
    if (rec->phase == PROXY_END) {
        if (rec->verdict == PROXY_ALLOW)
            s->egress_allowed++;
        else
            s->egress_denied++;
        daemon_audit(s->d, "egress", cJSON_Duplicate(o, 1));
    }
    /* The audit record has its own time; a client that reads the kept records later
     * needs this one. */
    if (al_time_format(time(NULL), t) == 0)
        cJSON_AddStringToObject(o, "time", t);
    egress_keep(s->d, s, rec, o);
    ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "egress");
    cJSON_AddItemToObject(ev, "egress", o); /* transferred */
    server_event(s->d, ev);
}

void
session_config_changed(struct daemon *d)
{
    struct session *s;

    for (s = d->sessions; s != NULL; s = s->next)
        if (s->proxy != NULL)
            proxy_set_config(s->proxy, d->config);
}

static void
on_wall(uv_timer_t *t)
{
    struct session *s = t->data;

    al_info("session %s: wall-clock limit reached", s->id);
    session_stop(s, "wall-clock limit");
}

void
session_stop(struct session *s, const char *reason)
{
    int st = 128 + 9;

    if (s->state != SESSION_RUNNING || s->c == NULL)
        return;
    s->reason = reason;
    al_compartment_kill(s->c);
    /* Its PID namespace dies with its first process, which SIGKILL ends at once: the wait
     * is a reap, not a wait on the agent. */
    if (al_compartment_wait(s->c, 1, &st) != 1)
        al_warn("session %s: no exit status after SIGKILL", s->id);
    session_end(s, st);
}

static void
session_end(struct session *s, int status)
{
    struct daemon *d = s->d;
    cJSON *data, *ev;
    size_t i;
    int r;

    s->state = SESSION_ENDED;
    s->ended = time(NULL);
    s->status = status;
    if (s->reason == NULL && s->c != NULL)
        s->reason = al_compartment_limit_hit(s->c, status);
    if (s->reason == NULL)
        s->reason = status >= 128 ? "signal" : "exit";
    if (s->pty_open)
        (void)drain_pty(s, 64);
    /* Whatever the agent proposed is taken now, while the outbox still exists. */
    if ((r = crossing_collect(d, s, NULL, NULL)) != 0)
        al_error("session %s: outbox: %s (%s)", s->id, al_strerror(r), al_errdetail());
    proxy_stop(s->proxy);
    s->proxy = NULL;
    for (i = s->n_attached; i > 0; i--)
        conn_close(s->attached[i - 1]);
    data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "session", s->id);
    cJSON_AddNumberToObject(data, "status", status);
    cJSON_AddStringToObject(data, "reason", s->reason);
    cJSON_AddNumberToObject(data, "transcript_bytes", (double)s->transcript_bytes);
    daemon_audit(d, "session.end", data);
    al_info("session %s ended: %s, status %d", s->id, s->reason, status);
    ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "session.ended");
    cJSON_AddItemToObject(ev, "session", session_json(s));
    server_event(d, ev);
    if (s->pty_open)
        uv_close((uv_handle_t *)&s->pty_poll, on_handle_closed);
    if (s->pid_open)
        uv_close((uv_handle_t *)&s->pid_poll, on_handle_closed);
    uv_close((uv_handle_t *)&s->wall, on_handle_closed);
}

void
session_close_all(struct daemon *d)
{
    struct session *s;

    for (s = d->sessions; s != NULL; s = s->next)
        if (s->state == SESSION_RUNNING)
            session_stop(s, "daemon shutdown");
}

void
session_free_all(struct daemon *d)
{
    struct session *s;

    while ((s = d->sessions) != NULL) {
        d->sessions = s->next;
        if (s->c != NULL)
            al_compartment_free(s->c);
        session_free(s);
    }
    d->n_sessions = 0;
    while (d->egress_n > 0) {
        cJSON_Delete(d->egress[d->egress_first].rec);
        d->egress_first = (d->egress_first + 1) % EGRESS_KEEP;
        d->egress_n--;
    }
}

int
session_transcript(struct session *s, uint64_t offset, size_t max, struct al_buf *out,
                   uint64_t *next)
{
    size_t want;
    ssize_t n;
    int r;

    /* Past the end: no bytes, and the next read starts where the client asked, never
     * before it (a client that holds more than the session recorded holds another
     * transcript, and sees that from the size being less than its offset). */
    want = 0;
    if (offset < s->transcript_bytes)
        want = s->transcript_bytes - offset < max ? (size_t)(s->transcript_bytes - offset) : max;
    if (want == 0) {
        *next = offset;
        return 0;
    }
    if ((r = al_buf_reserve(out, want)) != 0)
        return r;
    n = pread(s->transcript_fd, out->data + out->len, want, (off_t)offset);
    if (n < 0)
        return al__fail(-errno, "transcript of %s", s->id);
    out->len += (size_t)n;
    out->data[out->len] = '\0';
    *next = offset + (uint64_t)n;
    return 0;
}

/* Expands "{task}" and "{plan}" in one configured argument (the configuration has already
 * refused every other "{...}"). */
static char *
expand(const char *arg, const char *task, const char *plan)
{
    struct al_buf b;
    const char *p = arg;

    al_buf_init(&b, AL_CONFIG_ARG_MAX + 2 * AL_TASK_MAX * AL_CONFIG_ARGV_MAX);
    while (*p != '\0') {
        if (strncmp(p, "{task}", 6) == 0) {
            if (al_buf_append(&b, task, strlen(task)) != 0)
                goto fail;
            p += 6;
        } else if (strncmp(p, "{plan}", 6) == 0) {
            if (al_buf_append(&b, plan, strlen(plan)) != 0)
                goto fail;
            p += 6;
        } else if (al_buf_appendc(&b, *p++) != 0) {
            goto fail;
        }
    }
    if (b.data == NULL && al_buf_appendc(&b, '\0') == 0)
        b.len = 0;
    return al_buf_steal(&b, NULL);
fail:
    al_buf_close(&b);
    return NULL;
}

static void
free_strv(char **v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

static char *
env_entry(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *e = malloc(n);

    if (e != NULL)
        snprintf(e, n, "%s=%s", name, value);
    return e;
}

/* The environment the configuration lets through, plus the plan's variables. */
static char **
build_env(const struct al_config_side *cs, enum al_side side, const char *plan_id)
{
    char **env = calloc(cs->n_env + 3, sizeof(*env));
    const char *v;
    size_t i, n = 0;

    if (env == NULL)
        return NULL;
    for (i = 0; i < cs->n_env; i++) {
        /* The plan's variables are ours to set, or to leave unset: a value from our own
         * environment would name another plan. */
        if (al_config_env_overridden(side, cs->env[i]) || strcmp(cs->env[i], "AIRLOCK_PLAN") == 0 ||
            strcmp(cs->env[i], "AIRLOCK_PLAN_ID") == 0 || (v = getenv(cs->env[i])) == NULL)
            continue;
        if ((env[n++] = env_entry(cs->env[i], v)) == NULL)
            goto fail;
    }
    if (plan_id != NULL) {
        if ((env[n++] = env_entry("AIRLOCK_PLAN", "/airlock/inbox/plan.md")) == NULL ||
            (env[n++] = env_entry("AIRLOCK_PLAN_ID", plan_id)) == NULL)
            goto fail;
    }
    return env;
fail:
    free_strv(env);
    return NULL;
}

static int
make_dirs(const char *path)
{
    char p[4096];
    size_t i, n = strlen(path);

    if (n >= sizeof(p))
        return al__fail(-ENAMETOOLONG, "%s", path);
    memcpy(p, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return al__fail(-errno, "%s", p);
        p[i] = path[i];
    }
    return 0;
}

void
session_new_id(struct daemon *d, enum al_side side, char out[SESSION_ID_LEN + 1])
{
    unsigned char r[4];
    char hex[9];

    do {
        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
        snprintf(out, SESSION_ID_LEN + 1, "%s-%s", al_side_name(side), hex);
    } while (session_find(d, out) != NULL);
}

int
session_start(struct daemon *d, const struct session_start *st, struct session **out)
{
    const struct al_config_side *cs = &d->config->side[st->side];
    struct al_compartment_spec spec;
    struct session *s = NULL;
    char **argv = NULL, **env = NULL, dir[4096 + 64], path[4096 + 96], why[512];
    const char *plan_path = st->plan_id != NULL ? "/airlock/inbox/plan.md" : "";
    cJSON *data, *ev;
    size_t i;
    int r = AL_ENOMEM, pty;

    if (d->stopping)
        return al__fail(AL_ESTATE, "the daemon is stopping");
    if (session_running(d) >= SESSIONS_MAX)
        return al__fail(AL_EQUOTA, "%d sessions are running", SESSIONS_MAX);
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return AL_ENOMEM;
    s->d = d;
    s->side = st->side;
    s->transcript_fd = -1;
    al_buf_init(&s->input, INPUT_MAX);
    if ((s->task = strdup(st->task)) == NULL)
        goto out;
    if (st->plan_id != NULL)
        snprintf(s->plan, sizeof(s->plan), "%s", st->plan_id);
    if (st->id != NULL)
        snprintf(s->id, sizeof(s->id), "%s", st->id);
    else
        session_new_id(d, st->side, s->id);
    snprintf(dir, sizeof(dir), "%s/sessions/%s", d->state_dir, s->id);
    if ((r = make_dirs(dir)) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/transcript", dir);
    s->transcript_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (s->transcript_fd < 0) {
        r = al__fail(-errno, "%s", path);
        goto out;
    }
    r = AL_ENOMEM;
    if ((argv = calloc(cs->argc + 1, sizeof(*argv))) == NULL)
        goto out;
    for (i = 0; i < cs->argc; i++)
        if ((argv[i] = expand(cs->argv[i], st->task, plan_path)) == NULL)
            goto out;
    if ((env = build_env(cs, st->side, st->plan_id)) == NULL)
        goto out;
    if (st->side == AL_SIDE_OFFLINE && (r = make_dirs(cs->workspace)) != 0)
        goto out;
    if (cs->home != NULL && (r = make_dirs(cs->home)) != 0)
        goto out;
    memset(&spec, 0, sizeof(spec));
    spec.side = st->side;
    spec.workspace = cs->workspace;
    spec.inbox = st->inbox;
    spec.argv = argv;
    spec.term = getenv("TERM") != NULL ? getenv("TERM") : "xterm-256color";
    spec.lang = getenv("LANG") != NULL ? getenv("LANG") : "C.UTF-8";
    spec.limits = cs->limits;
    spec.ro_binds = cs->ro_binds;
    spec.n_ro_binds = cs->n_ro_binds;
    spec.home = cs->home;
    spec.env = env;
    spec.gated = st->gated;
    if ((r = al_compartment_start(&spec, &s->c)) != 0) {
        /* The cause (a missing ro_binds path, a refused namespace) is the reply's detail:
         * writing the audit record may overwrite al_errdetail(), so it is kept aside. */
        snprintf(why, sizeof(why), "%s", al_errdetail());
        data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "side", al_side_name(st->side));
        cJSON_AddStringToObject(data, "error", al_errname(r));
        cJSON_AddStringToObject(data, "detail", why);
        daemon_audit(d, "session.failed", data);
        r = al__fail(r, "%s", why);
        goto out;
    }
    s->started = time(NULL);
    pty = al_compartment_pty(s->c);
    if (fcntl(pty, F_SETFL, fcntl(pty, F_GETFL) | O_NONBLOCK) != 0) {
        r = al__fail(-errno, "pty");
        goto out;
    }
    if ((r = uv_poll_init(d->loop, &s->pty_poll, pty)) != 0) {
        r = al__fail(r, "watching the terminal");
        goto out;
    }
    if ((r = uv_poll_init(d->loop, &s->pid_poll, al_compartment_pidfd(s->c))) != 0) {
        /* The handle is in the loop: it must be closed, and the session freed after. */
        s->pty_poll.data = s;
        s->handles = 1;
        s->next = d->sessions;
        d->sessions = s;
        d->n_sessions++;
        s->state = SESSION_ENDED;
        s->reason = "failed to start";
        al_compartment_kill(s->c);
        uv_close((uv_handle_t *)&s->pty_poll, on_handle_closed);
        s = NULL; /* transferred: freed through the close callback and prune */
        r = al__fail(r, "watching the session's end");
        goto out;
    }
    uv_timer_init(d->loop, &s->wall);
    s->pty_poll.data = s->pid_poll.data = s->wall.data = s;
    s->pty_open = s->pid_open = 1;
    s->handles = 3;
    uv_poll_start(&s->pty_poll, UV_READABLE, on_pty);
    uv_poll_start(&s->pid_poll, UV_READABLE, on_pidfd);
    if (cs->limits.wall_s > 0)
        uv_timer_start(&s->wall, on_wall, (uint64_t)cs->limits.wall_s * 1000, 0);
    /* The online side's only way out: the proxy serves the listener made inside its
     * network namespace. Without it the session must not run at all. */
    if (st->side == AL_SIDE_ONLINE &&
        (r = proxy_start(d->loop, al_compartment_listener(s->c), d->config, NULL, on_egress, s,
                         &s->proxy)) != 0) {
        r = al__prefix(r, "starting the egress proxy");
        snprintf(why, sizeof(why), "%s", al_errdetail()); /* stopping writes records */
        s->next = d->sessions;
        d->sessions = s;
        d->n_sessions++;
        session_stop(s, "failed to start");
        s = NULL; /* transferred to the list, ended */
        r = al__fail(r, "%s", why);
        goto out;
    }
    s->next = d->sessions;
    d->sessions = s;
    d->n_sessions++;
    data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "session", s->id);
    cJSON_AddStringToObject(data, "side", al_side_name(s->side));
    cJSON_AddStringToObject(data, "task", s->task);
    if (st->plan_id != NULL)
        cJSON_AddStringToObject(data, "plan", st->plan_id);
    cJSON_AddNumberToObject(data, "pid", (double)al_compartment_pid(s->c));
    cJSON_AddStringToObject(data, "limiter", al_compartment_limiter(s->c));
    daemon_audit(d, "session.start", data);
    al_info("session %s started", s->id);
    ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "session.started");
    cJSON_AddItemToObject(ev, "session", session_json(s));
    server_event(d, ev);
    *out = s;
    s = NULL; /* transferred to the list */
    /* success */ r = 0;
out:
    if (r != 0)
        al_warn("%s session could not start: %s [%s]: %s", al_side_name(st->side), al_strerror(r),
                al_errname(r), al_errdetail());
    free_strv(argv);
    free_strv(env);
    if (s != NULL) {
        if (s->c != NULL)
            al_compartment_free(s->c);
        session_free(s);
    }
    return r;
}

int
session_release(struct session *s)
{
    int r = al_compartment_release(s->c);

    if (r != 0)
        session_stop(s, "failed to start");
    return r;
}

void
session_attach(struct session *s, struct conn *c)
{
    attach_add(s, c);
}
