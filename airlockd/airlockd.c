/*
 * airlockd.c: the supervisor's entry point: options, configuration, state directory, the
 * loop and its signals.
 *
 * The daemon runs as the ordinary user, in the foreground unless --daemon is given, and
 * logs to stderr (the journal, under systemd; with --daemon, airlockd.log in the state
 * directory). Nothing it does after the loop has started exits the process: a failed
 * session or a bad request is an event, not a crash.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <airlock/airlock.h>
#include <airlock/client.h>
#include <airlock/log.h>
#include <airlock/paths.h>

static const char usage_text[] =
    "usage: airlockd [--config FILE] [--daemon | --check-config [--print]]\n"
    "       airlockd --help | --version\n"
    "\n"
    "The airlock supervisor: runs compartment sessions, collects their proposals, holds\n"
    "them until a person approves or rejects them, and delivers approved plans into a\n"
    "fresh session on the other side.\n"
    "\n"
    "  --config FILE   configuration (default $XDG_CONFIG_HOME/airlock/airlock.json;\n"
    "                  embedded defaults when that file does not exist)\n"
    "  --daemon        detach from the terminal once the control socket is listening;\n"
    "                  stdin is /dev/null, stdout and stderr are appended to\n"
    "                  $XDG_STATE_HOME/airlock/airlockd.log (created 0600)\n"
    "  --check-config  check the configuration as a start or SIGHUP would, say what\n"
    "                  is wrong (exit 1) or that it is valid (exit 0), and stop\n"
    "  --print         with --check-config: print the effective configuration (the file\n"
    "                  over the defaults) as JSON instead of saying that it is valid\n"
    "\n"
    "State: $XDG_STATE_HOME/airlock/ (plans, sessions, audit.jsonl)\n"
    "Control socket: $XDG_RUNTIME_DIR/airlock/airlockd.sock\n"
    "                (~/.cache/airlock/airlockd.sock where XDG_RUNTIME_DIR is unset)\n"
    "Signals: SIGTERM, SIGINT stop cleanly; SIGHUP reloads the configuration.\n";

static int load_config(struct daemon *d, struct al_config **out);
static int check_own_dirs(const struct daemon *d, const struct al_config *c);

int
daemon_load_config(struct daemon *d, struct al_config **out)
{
    struct al_config *c = NULL;
    int r;

    if ((r = load_config(d, &c)) != 0)
        return r;
    if ((r = check_own_dirs(d, c)) != 0) {
        al_config_free(c);
        return r;
    }
    *out = c;
    return 0;
}

static int
load_config(struct daemon *d, struct al_config **out)
{
    char path[4096];
    const char *cfg_home = getenv("XDG_CONFIG_HOME");
    int r;

    if (d->config_path != NULL) {
        if ((r = al_config_load(d->config_path, d->home, cfg_home, out)) == 0)
            snprintf(d->config_used, sizeof(d->config_used), "%s", d->config_path);
        return r;
    }
    if ((r = al_paths_config(AL_CONFIG_NAME, 0, path, sizeof(path))) != 0)
        return r;
    r = al_config_load(path, d->home, cfg_home, out);
    if (r == -ENOENT) {
        if ((r = al_config_defaults(d->home, cfg_home, out)) == 0)
            d->config_used[0] = '\0';
        return r;
    }
    if (r == 0)
        snprintf(d->config_used, sizeof(d->config_used), "%s", path);
    return r;
}

/* Loads the approver's public key named by the configuration. A missing key is not an
 * error for the daemon: nothing can be approved until `airlock keygen` makes one. */
static void
load_approver(struct daemon *d)
{
    int r = al_pubkey_load(d->config->approver_pubkey, &d->approver);

    d->have_approver = r == 0;
    if (r != 0)
        al_warn("approver key %s: %s (%s); plans cannot be approved until it exists",
                d->config->approver_pubkey, al_strerror(r), al_errdetail());
}

void
daemon_audit(struct daemon *d, const char *event, cJSON *data)
{
    int r = al_audit_append(d->audit, event, data);

    if (r != 0)
        al_error("audit log: %s: %s (%s)", event, al_strerror(r), al_errdetail());
    cJSON_Delete(data);
}

void
daemon_crash_point(struct daemon *d, const char *step)
{
    if (d->crash_at != NULL && strcmp(d->crash_at, step) == 0) {
        al_warn("AIRLOCK_TEST_CRASH: killing myself at %s", step);
        raise(SIGKILL);
    }
}

static void
on_expiry(uv_timer_t *t)
{
    crossing_expire(t->data);
    /* A delivery that failed (no room for a session, a full disk) is tried again. */
    crossing_resume(t->data);
}

/* Whether a is b or lies beneath it. */
static int
within(const char *a, const char *b)
{
    size_t n = strlen(b);

    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/' || (n == 1 && b[0] == '/'));
}

/* The real path of p if it exists, else p as written (already normalised by the parser). */
static void
real_or_as_is(const char *p, char *out, size_t outlen)
{
    char *r = realpath(p, NULL);

    snprintf(out, outlen, "%s", r != NULL ? r : p);
    free(r);
}

/*
 * The daemon's own directories must never be handed to a compartment: with its state
 * directory an agent could read transcripts and plans or write "approved" plans; with the
 * socket's directory it could drive the daemon (its uid is the daemon's). The parser
 * cannot know where they are, so the daemon checks every path it would bind, both ways
 * round, on real paths.
 */
static int
check_own_dirs(const struct daemon *d, const struct al_config *c)
{
    char own[2][4096], sock_dir[sizeof(d->socket_path)], path[4096], *slash;
    const struct al_config_side *cs;
    const char *what;
    size_t i, k, n;
    int side;

    snprintf(sock_dir, sizeof(sock_dir), "%s", d->socket_path);
    if ((slash = strrchr(sock_dir, '/')) != NULL)
        *slash = '\0';
    real_or_as_is(d->state_dir, own[0], sizeof(own[0]));
    real_or_as_is(sock_dir, own[1], sizeof(own[1]));
    for (side = 0; side < 2; side++) {
        cs = &c->side[side];
        n = cs->n_ro_binds + 2;
        for (i = 0; i < n; i++) {
            what = i == 0 ? cs->workspace : i == 1 ? cs->home : cs->ro_binds[i - 2];
            if (what == NULL)
                continue;
            real_or_as_is(what, path, sizeof(path));
            for (k = 0; k < 2; k++)
                if (within(path, own[k]) || within(own[k], path))
                    return al__fail(AL_ECONFIG,
                                    "%s.%s: %s would give the compartment airlockd's "
                                    "own %s directory %s",
                                    al_side_name((enum al_side)side),
                                    i == 0   ? "workspace"
                                    : i == 1 ? "home"
                                             : "ro_binds",
                                    what, k == 0 ? "state" : "control socket", own[k]);
        }
    }
    return 0;
}

static void
reload(struct daemon *d)
{
    struct al_config *c = NULL, *old;
    cJSON *data;
    int r;

    /* Running sessions keep the configuration they were started with: each copied what
     * it needed at start. */
    if ((r = daemon_load_config(d, &c)) != 0) {
        al_error("reload: %s (%s); keeping the running configuration", al_strerror(r),
                 al_errdetail());
        data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "error", al_errname(r));
        cJSON_AddStringToObject(data, "detail", al_errdetail());
        daemon_audit(d, "config.reload_failed", data);
        return;
    }
    /* Running sessions keep their limits and command; their proxies take the new allowlist
     * for new requests (a tightened allowlist should not wait for the session to end). */
    old = d->config;
    d->config = c;
    session_config_changed(d);
    al_config_free(old);
    load_approver(d);
    al_info("configuration reloaded");
    daemon_audit(d, "config.reloaded", NULL);
    data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "event", "config.reloaded");
    server_event(d, data);
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;

    if (signum == SIGHUP)
        reload(d);
    else
        daemon_shutdown(d);
}

void
daemon_shutdown(struct daemon *d)
{
    cJSON *data;

    if (d->stopping)
        return;
    d->stopping = 1;
    al_info("stopping");
    session_close_all(d);
    server_stop(d);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    uv_close((uv_handle_t *)&d->sighup, NULL);
    uv_close((uv_handle_t *)&d->expiry, NULL);
    data = cJSON_CreateObject();
    cJSON_AddNumberToObject(data, "pid", (double)getpid());
    daemon_audit(d, "daemon.stop", data);
}

/*
 * Where a detached daemon's output goes: stdin from /dev/null, stdout and stderr appended
 * to the log file, so that nothing it logs lands in the terminal it was started from (over
 * airlock-tui, say). Both are opened before the fork, so a log file that cannot be opened is
 * said on the caller's stderr and the start fails. The file is the user's own and 0600: the
 * log names sessions, tasks and paths.
 */
static int
open_log(char *path, size_t pathlen, int *null_fd, int *log_fd)
{
    struct stat st;
    int nfd = -1, lfd = -1, r;

    if ((r = al_paths_state("airlockd.log", 1, path, pathlen)) != 0)
        goto out;
    if ((nfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        r = al__fail(-errno, "/dev/null");
        goto out;
    }
    lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
    if (lfd < 0) {
        r = al__fail(-errno, "log file %s", path);
        goto out;
    }
    if (fstat(lfd, &st) != 0) {
        r = al__fail(-errno, "log file %s", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != getuid()) {
        r = al__fail(AL_EFILETYPE, "log file %s: not a regular file of uid %ld", path,
                     (long)getuid());
        goto out;
    }
    /* One left by an earlier version, or made by hand, is narrowed too. */
    if ((st.st_mode & 07777) != 0600 && fchmod(lfd, 0600) != 0) {
        r = al__fail(-errno, "log file %s: chmod 0600", path);
        goto out;
    }
    *null_fd = nfd;
    *log_fd = lfd;
    nfd = lfd = -1; /* transferred */
    /* success */ r = 0;
out:
    if (nfd >= 0)
        close(nfd);
    if (lfd >= 0)
        close(lfd);
    return r;
}

/* Forks into the background once the socket listens; the parent exits when the child
 * says it is ready, so `airlockd --daemon && airlock status` works. The child's stdin,
 * stdout and stderr become null_fd and log_fd (both closed here). */
static int
detach(const char *log_path, int null_fd, int log_fd, int *ready_fd)
{
    int p[2], r;
    pid_t pid;
    char why[4096];
    size_t got = 0;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) != 0) {
        r = al__fail(-errno, "pipe");
        goto out;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        r = al__fail(-errno, "fork");
        close(p[0]);
        close(p[1]);
        goto out;
    }
    if (pid > 0) {
        close(p[1]);
        /* The child writes "1" once it listens, or its reason (report_failure()) and
         * exits: the reason goes to this terminal, where the person asked for the start,
         * as well as to the log. */
        while (got < sizeof(why) && (n = read(p[0], why + got, sizeof(why) - got)) > 0) {
            got += (size_t)n;
            if (got == 1 && why[0] == '1')
                _exit(0);
        }
        if (got > 0)
            fwrite(why, 1, got, stderr);
        fprintf(stderr, "airlockd: the daemon did not start; see %s\n", log_path);
        _exit(1);
    }
    close(p[0]);
    if (setsid() < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
        dup2(log_fd, STDERR_FILENO) < 0) {
        r = al__fail(-errno, "detaching");
        close(p[1]);
        goto out;
    }
    *ready_fd = p[1];
    /* success */ r = 0;
out:
    close(null_fd);
    close(log_fd);
    return r;
}

/*
 * Says why the start failed, on stderr (the terminal, or the log once detached) and, when
 * detached, through the ready pipe to the parent, which prints it where the person typed
 * `airlockd --daemon`. A second daemon on one state directory (-EBUSY from the store) is
 * told where the first one answers, so that `airlock status` can be pointed at it.
 */
static void
report_failure(const struct daemon *d, int r, int ready_fd)
{
    char text[3072], other[AL_PATHS_SOCKET_MAX];
    size_t n;
    int k;

    k = snprintf(text, sizeof(text), "airlockd: %s [%s]: %s\n", al_strerror(r), al_errname(r),
                 al_errdetail());
    n = k < 0 ? 0 : (size_t)k < sizeof(text) ? (size_t)k : sizeof(text) - 1;
    if (r == -EBUSY && d->store == NULL) {
        if (al_client_find_elsewhere(NULL, other, sizeof(other)) != 1)
            k = snprintf(text + n, sizeof(text) - n,
                         "airlockd: it does not answer at %s or another standard place yet; "
                         "'airlock status' reaches it once it listens there\n",
                         d->socket_path);
        else if (strcmp(other, d->socket_path) == 0)
            k = snprintf(text + n, sizeof(text) - n,
                         "airlockd: it is listening at %s: 'airlock status' shows it\n", other);
        else
            k = snprintf(text + n, sizeof(text) - n,
                         "airlockd: it is listening at %s (it was started with another "
                         "XDG_RUNTIME_DIR): 'airlock status --socket %s' shows it\n",
                         other, other);
        if (k > 0)
            n += (size_t)k < sizeof(text) - n ? (size_t)k : sizeof(text) - n - 1;
    }
    fputs(text, stderr);
    fflush(stderr);
    /* One write, under PIPE_BUF, so the parent reads it whole. */
    if (ready_fd >= 0 && write(ready_fd, text, n) < 0)
        al_warn("could not tell the parent why");
}

static int
start_signals(struct daemon *d)
{
    int r;

    uv_signal_init(d->loop, &d->sigterm);
    uv_signal_init(d->loop, &d->sigint);
    uv_signal_init(d->loop, &d->sighup);
    d->sigterm.data = d->sigint.data = d->sighup.data = d;
    if ((r = uv_signal_start(&d->sigterm, on_signal, SIGTERM)) != 0 ||
        (r = uv_signal_start(&d->sigint, on_signal, SIGINT)) != 0 ||
        (r = uv_signal_start(&d->sighup, on_signal, SIGHUP)) != 0)
        return r;
    /* A client that goes away mid-reply must not kill the supervisor. */
    {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"daemon", no_argument, NULL, 'd'},
        {"check-config", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"print", no_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    struct daemon d;
    char audit_path[4096 + 32], log_path[4096];
    int o, r, background = 0, check = 0, print = 0, ready_fd = -1, null_fd = -1, log_fd = -1;
    char *text = NULL;
    cJSON *data;

    al_log_init("airlockd");
    memset(&d, 0, sizeof(d));
    while ((o = getopt_long(argc, argv, "c:dhV", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            d.config_path = optarg;
            break;
        case 'd':
            background = 1;
            break;
        case 'C':
            check = 1;
            break;
        case 'P':
            print = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            puts("airlockd " AIRLOCKD_VERSION);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "airlockd: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    if (check && background) {
        fputs("airlockd: --check-config and --daemon do not go together\n", stderr);
        return 2;
    }
    if (print && !check) {
        fputs("airlockd: --print goes with --check-config\n", stderr);
        return 2;
    }
    if ((r = al_init()) != 0 || (r = al_paths_home(d.home, sizeof(d.home))) != 0)
        goto fail;
    /* The daemon's own directories first: the configuration is checked against them. A
     * check creates nothing. */
    if ((r = al_paths_state("", !check, d.state_dir, sizeof(d.state_dir))) != 0)
        goto fail;
    d.state_dir[strlen(d.state_dir) - 1] = '\0'; /* the trailing "/" of the empty name */
    if ((r = al_paths_socket(!check, d.socket_path, sizeof(d.socket_path))) != 0)
        goto fail;
    if ((r = daemon_load_config(&d, &d.config)) != 0) {
        fprintf(stderr, "airlockd: configuration: %s [%s]: %s\n", al_strerror(r), al_errname(r),
                al_errdetail());
        return 1;
    }
    if (check) {
        load_approver(&d); /* a missing key is a warning, as at a start */
        if (print && (r = al_config_print(d.config, &text)) != 0)
            goto fail;
        if (print)
            puts(text);
        else
            printf("airlockd: configuration %s is valid\n",
                   d.config_used[0] ? d.config_used : "(embedded defaults: no file)");
        free(text);
        al_config_free(d.config);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    load_approver(&d);
    d.crash_at = getenv("AIRLOCK_TEST_CRASH");
    /* Before the loop exists (libuv does not survive a fork untold); the parent waits
     * until the socket listens, so `airlockd --daemon && airlock status` works. */
    if (background && ((r = open_log(log_path, sizeof(log_path), &null_fd, &log_fd)) != 0 ||
                       (r = detach(log_path, null_fd, log_fd, &ready_fd)) != 0))
        goto fail;
    snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", d.state_dir);
    /* The store's lock keeps a second daemon off one state directory (-EBUSY, which
     * report_failure() follows with where the first one answers). */
    if ((r = al_audit_open(audit_path, &d.audit)) != 0 ||
        (r = al_store_open(d.state_dir, &d.store)) != 0)
        goto fail;
    d.loop = uv_default_loop();
    d.started = time(NULL);
    if ((r = start_signals(&d)) != 0 || (r = server_start(&d)) != 0)
        goto fail;
    uv_timer_init(d.loop, &d.expiry);
    d.expiry.data = &d;
    /* Expiry is counted in hours; a minute's resolution is plenty and keeps the idle
     * daemon asleep. */
    uv_timer_start(&d.expiry, on_expiry, 60 * 1000, 60 * 1000);
    data = cJSON_CreateObject();
    cJSON_AddNumberToObject(data, "pid", (double)getpid());
    cJSON_AddStringToObject(data, "config",
                            d.config_used[0] ? d.config_used : "(embedded defaults)");
    daemon_audit(&d, "daemon.start", data);
    al_info("listening on %s", d.socket_path);
    crossing_expire(&d);
    /* Plans approved before a restart, or whose delivery a crash interrupted, go now. */
    crossing_resume(&d);
    if (ready_fd >= 0) {
        if (write(ready_fd, "1", 1) != 1)
            al_warn("could not tell the parent we are ready");
        close(ready_fd);
    }
    uv_run(d.loop, UV_RUN_DEFAULT);
    uv_loop_close(d.loop);
    session_free_all(&d);
    al_store_close(d.store);
    al_audit_close(d.audit);
    al_config_free(d.config);
    return 0;
fail:
    report_failure(&d, r, ready_fd);
    /* Nothing has run yet: what was opened is closed so that a sanitizer build reports
     * real leaks only. */
    free(text);
    al_store_close(d.store);
    al_audit_close(d.audit);
    al_config_free(d.config);
    return 1;
}
