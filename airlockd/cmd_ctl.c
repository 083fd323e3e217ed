/*
 * cmd_ctl.c: the commands that talk to airlockd over its control socket
 * (docs/formats/control.md): the connection and its request/reply exchange, the options
 * they share, and the commands that act on a session or plan by id and print a line or a
 * table: status, start, sessions, stop, collect, plans, reject and handoff. What puts a
 * plan or a session's terminal in front of the person (show ID, export, approve,
 * transcript, attach) is in cmd_review.c.
 *
 * Everything the daemon sends is treated as text that may have come from a compartment
 * (task, reasons, error details, transcripts): it reaches the terminal only through
 * al_render_escape(), except the bytes of an attached session, which are a terminal's
 * own output by design.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <airlock/client.h>
#include <airlock/paths.h>
#include <airlock/render.h>

#define SESSION_ARG_MAX 64

void
cli_put_escaped(FILE *f, const char *s)
{
    struct al_buf b;
    size_t n = strlen(s);

    al_buf_init(&b, n * 10 + 64);
    if (al_render_escape(s, n, AL_RENDER_ESCAPE_NEWLINE, &b) == 0 && b.len > 0)
        fwrite(b.data, 1, b.len, f);
    else if (n > 0)
        fputs("?", f);
    al_buf_close(&b);
}

const char *
cli_json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *
cli_id_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsObject(v) && cli_json_str(v, "id") != NULL)
        return cli_json_str(v, "id");
    return "?";
}

long long
cli_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(long long)v->valuedouble)
        return -1;
    return (long long)v->valuedouble;
}

/* Prints a daemon's error reply as "airlock: <cmd>: <message> [<ENAME>]: <detail>". */
static int
reply_error(const char *cmd, const cJSON *reply)
{
    const char *name = cli_json_str(reply, "error"), *msg = cli_json_str(reply, "message"),
               *detail = cli_json_str(reply, "detail");

    fputs("airlock: ", stderr);
    cli_put_escaped(stderr, cmd);
    fputs(": ", stderr);
    cli_put_escaped(stderr, msg != NULL ? msg : "airlockd refused the request");
    fputs(" [", stderr);
    cli_put_escaped(stderr, name != NULL ? name : "?");
    fputs("]", stderr);
    if (detail != NULL && detail[0] != '\0') {
        fputs(": ", stderr);
        cli_put_escaped(stderr, detail);
    }
    fputc('\n', stderr);
    return CLI_FAIL;
}

/*
 * Says that nothing answered at path (connect's errno e) in the common error form, and
 * what to do. A socket the person named (--socket, AIRLOCK_SOCKET) is theirs to fix. The
 * default one is where a daemon started in this environment would listen; one started
 * with another XDG_RUNTIME_DIR (unset, say) listens at another standard place, which is
 * looked for and named, but not used: the person chooses which daemon to talk to.
 */
static int
unreachable(const char *cmd, const char *sock, const char *path, int e)
{
    char other[AL_PATHS_SOCKET_MAX];

    cli_fail(cmd, al__fail(-e, "cannot reach airlockd at %s", path));
    /* A stale AIRLOCK_SOCKET (a demo that has ended) is the likelier cause then. */
    if (sock == NULL && al_paths_socket_env() != NULL) {
        fputs("airlock: that is AIRLOCK_SOCKET; unset it to reach your own airlockd.\n", stderr);
    } else if (sock == NULL && al_client_find_elsewhere(path, other, sizeof(other)) == 1) {
        fputs("airlock: airlockd is not at ", stderr);
        cli_put_escaped(stderr, path);
        fputs(", but one is listening at ", stderr);
        cli_put_escaped(stderr, other);
        fputs(": use --socket ", stderr);
        cli_put_escaped(stderr, other);
        fputs(" or AIRLOCK_SOCKET=", stderr);
        cli_put_escaped(stderr, other);
        fputs("\n", stderr);
    } else {
        fputs("airlock: is it running? Start it with 'airlockd --daemon', or with "
              "'systemctl --user start airlockd' where its unit is installed.\n",
              stderr);
    }
    return CLI_FAIL;
}

int
cli_ctl_open(struct cli_ctl *c, const char *cmd, const char *sock)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char path[4096];
    int r, e;

    c->fd = -1;
    c->cmd = cmd;
    c->next_id = 1;
    al_ctl_reader_init(&c->rd, AL_CTL_REPLY_MAX);
    if (sock != NULL && cli_copy(path, sizeof(path), sock) != 0)
        return cli_usage(cmd, "--socket path too long");
    if (sock == NULL && (r = al_paths_client_socket(path, sizeof(path))) != 0)
        return cli_fail(cmd, r);
    if (strlen(path) >= sizeof(sa.sun_path))
        return cli_fail(cmd, al__fail(-ENAMETOOLONG, "%s: too long for a socket address", path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return cli_fail(cmd, al__fail(-errno, "socket"));
    if (connect(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        e = errno;
        close(c->fd);
        c->fd = -1;
        return unreachable(cmd, sock, path, e);
    }
    return CLI_OK;
}

void
cli_ctl_close(struct cli_ctl *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    al_ctl_reader_close(&c->rd);
}

cJSON *
cli_ctl_request(struct cli_ctl *c, const char *op)
{
    cJSON *req = cJSON_CreateObject();

    if (req == NULL || cJSON_AddStringToObject(req, "op", op) == NULL ||
        cJSON_AddNumberToObject(req, "tag", c->next_id++) == NULL) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

static int
send_all(int fd, const char *p, size_t n)
{
    ssize_t k;

    while (n > 0) {
        k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int
cli_ctl_call(struct cli_ctl *c, cJSON *req, cJSON **reply)
{
    const cJSON *ok, *id, *want;
    char chunk[65536];
    struct al_buf out;
    cJSON *msg = NULL;
    ssize_t n;
    int r, rc = CLI_FAIL;

    al_buf_init(&out, AL_CTL_REQUEST_MAX + 1);
    if (req == NULL) {
        rc = cli_fail(c->cmd, AL_ENOMEM);
        goto out;
    }
    want = cJSON_GetObjectItemCaseSensitive(req, "tag");
    if ((r = al_ctl_emit(req, &out)) != 0) {
        rc = cli_fail(c->cmd, r == AL_ETOOBIG
                                  ? al__fail(r, "request longer than %d bytes", AL_CTL_REQUEST_MAX)
                                  : r);
        goto out;
    }
    if ((r = send_all(c->fd, out.data, out.len)) != 0) {
        rc = cli_fail(c->cmd, al__fail(r, "sending to airlockd"));
        goto out;
    }
    for (;;) {
        r = al_ctl_next(&c->rd, &msg);
        if (r < 0) {
            rc = cli_fail(c->cmd, al__prefix(r, "a reply from airlockd"));
            goto out;
        }
        if (r == 1) {
            ok = cJSON_GetObjectItemCaseSensitive(msg, "ok");
            if (ok == NULL && cJSON_GetObjectItemCaseSensitive(msg, "event") != NULL) {
                cJSON_Delete(msg); /* not asked for; a later protocol may send some */
                msg = NULL;
                continue;
            }
            id = cJSON_GetObjectItemCaseSensitive(msg, "tag");
            if (!cJSON_IsBool(ok) || (id != NULL && want != NULL && !cJSON_Compare(id, want, 1))) {
                rc = cli_fail(c->cmd, al__fail(AL_EPROTO, "a reply from airlockd without \"ok\" "
                                                          "or for another request"));
                goto out;
            }
            if (cJSON_IsFalse(ok)) {
                rc = reply_error(c->cmd, msg);
                goto out;
            }
            *reply = msg;
            msg = NULL; /* transferred */
            rc = CLI_OK;
            goto out;
        }
        n = recv(c->fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cli_fail(c->cmd, al__fail(-errno, "reading from airlockd"));
            goto out;
        }
        if (n == 0) {
            rc = cli_fail(c->cmd,
                          al__fail(AL_EPROTO, "airlockd closed the connection before replying"));
            goto out;
        }
        if ((r = al_ctl_feed(&c->rd, chunk, (size_t)n)) != 0) {
            rc = cli_fail(c->cmd, al__prefix(r, "a reply from airlockd"));
            goto out;
        }
    }
out:
    cJSON_Delete(msg);
    cJSON_Delete(req);
    al_buf_close(&out);
    return rc;
}

/* One request on a fresh connection: open, call, close. */
static int
call_once(const char *cmd, const char *sock, cJSON *(*build)(struct cli_ctl *, void *), void *arg,
          cJSON **reply)
{
    struct cli_ctl c;
    int rc;

    if ((rc = cli_ctl_open(&c, cmd, sock)) == CLI_OK)
        rc = cli_ctl_call(&c, build(&c, arg), reply);
    cli_ctl_close(&c);
    return rc;
}

/* A decimal number with digits only, at most 2^53 (what a JSON number carries exactly). */
static int
parse_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_C(1) << 53) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > (UINT64_C(1) << 53))
        return -1;
    *out = v;
    return 0;
}

int
cli_ctl_parse(int argc, char **argv, const char *help, unsigned allowed, int npos,
              struct cli_ctl_args *a)
{
    static const struct {
        unsigned flag;
        struct option opt;
    } all[] = {
        {0, {"socket", required_argument, NULL, 'S'}},
        {0, {"help", no_argument, NULL, 'h'}},
        {CLI_OPT_JSON, {"json", no_argument, NULL, 'j'}},
        {CLI_OPT_KEY, {"key", required_argument, NULL, 'k'}},
        {CLI_OPT_SIGNATURE, {"signature", required_argument, NULL, 'x'}},
        {CLI_OPT_REASON, {"reason", required_argument, NULL, 'r'}},
        {CLI_OPT_RANGE, {"offset", required_argument, NULL, 'o'}},
        {CLI_OPT_RANGE, {"length", required_argument, NULL, 'l'}},
        {CLI_OPT_RAW, {"raw", no_argument, NULL, 'R'}},
        {CLI_OPT_MAXBYTES, {"max-bytes", required_argument, NULL, 'm'}},
    };
    struct option opts[sizeof(all) / sizeof(all[0]) + 1];
    struct sockaddr_un sa;
    const char *cmd = argv[0];
    size_t i, n = 0;
    int c;

    memset(a, 0, sizeof(*a));
    al_plan_limits_default(&a->lim);
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i].flag == 0 || (allowed & all[i].flag))
            opts[n++] = all[i].opt;
    memset(&opts[n], 0, sizeof(opts[n]));
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (strlen(optarg) >= sizeof(sa.sun_path))
                return cli_usage(cmd, "--socket path too long for a socket address");
            a->sock = optarg;
            break;
        case 'j':
            a->json = 1;
            break;
        case 'k':
            a->key = optarg;
            break;
        case 'x':
            a->signature = optarg;
            break;
        case 'r':
            a->reason = optarg;
            break;
        case 'o':
            if (parse_count(optarg, &a->offset) != 0)
                return cli_usage(cmd, "--offset takes a byte count");
            a->have_offset = 1;
            break;
        case 'l':
            if (parse_count(optarg, &a->length) != 0)
                return cli_usage(cmd, "--length takes a byte count");
            a->have_length = 1;
            break;
        case 'R':
            a->raw = 1;
            break;
        case 'm':
            if (cli_max_bytes(optarg, &a->lim) != 0)
                return cli_usage(cmd, "--max-bytes takes a byte count up to 64M");
            a->have_lim = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default:
            return cli_usage(cmd, CLI_BADOPT);
        }
    }
    if (npos < 0 ? argc - optind < -npos : argc - optind != npos) {
        char msg[64];

        snprintf(msg, sizeof(msg),
                 npos < 0    ? "needs at least %d arguments"
                 : npos == 0 ? "takes no arguments"
                 : npos == 1 ? "needs exactly one argument"
                             : "needs exactly %d arguments",
                 npos < 0 ? -npos : npos);
        return cli_usage(cmd, msg);
    }
    a->pos = argv + optind;
    a->npos = argc - optind;
    return -1;
}

/* How many lowercase hex digits s starts with. */
static size_t
hex_run(const char *s)
{
    size_t i = 0;

    while ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
        i++;
    return i;
}

int
cli_plan_id(const char *s)
{
    return hex_run(s) == AL_ID_HEXLEN && s[AL_ID_HEXLEN] == '\0';
}

int
cli_session_arg(const char *cmd, const char *s)
{
    if (s[0] == '\0' || strlen(s) > SESSION_ARG_MAX)
        return cli_usage(cmd, "a session id is 1 to 64 bytes");
    return -1;
}

/*
 * Appends JSON text to out with every byte outside printable ASCII written as a \u escape,
 * so --json output is safe on a terminal and still the same JSON. cJSON leaves DEL and
 * all of UTF-8 raw; both can only occur inside strings, where \u escapes mean the same.
 */
static int
json_ascii(const char *s, struct al_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    int r = 0, k, i;

    while (r == 0 && *p != '\0') {
        if (*p >= 0x20 && *p < 0x7f) {
            r = al_buf_appendc(out, (char)*p++);
            continue;
        }
        k = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : 0;
        cp = k == 3 ? *p & 0x07u : k == 2 ? *p & 0x0fu : k == 1 ? *p & 0x1fu : *p;
        for (i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                cp = 0xfffd, k = i - 1; /* not UTF-8: al_json_parse lets none through */
                break;
            }
            cp = cp << 6 | (p[i] & 0x3fu);
        }
        p += k + 1;
        if (cp >= 0x10000)
            r = al_buf_printf(out, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
                              0xdc00 + ((cp - 0x10000) & 0x3ff));
        else
            r = al_buf_printf(out, "\\u%04x", cp);
    }
    return r;
}

/* Prints v as one line of JSON (for --json). */
static int
print_json(const char *cmd, const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    struct al_buf b;
    int r;

    if (text == NULL)
        return cli_fail(cmd, AL_ENOMEM);
    al_buf_init(&b, strlen(text) * 12 + 2);
    if ((r = json_ascii(text, &b)) == 0 && (r = al_buf_appendc(&b, '\n')) == 0)
        fwrite(b.data, 1, b.len, stdout);
    cJSON_free(text);
    al_buf_close(&b);
    return r != 0 ? cli_fail(cmd, r) : CLI_OK;
}

/* Prints at most about max bytes of a one-line field, cut at a character, escaped. */
static void
put_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    char *cut;

    if (n <= max) {
        cli_put_escaped(stdout, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    if ((cut = strndup(s, max)) == NULL)
        return;
    cli_put_escaped(stdout, cut);
    fputs("...", stdout);
    free(cut);
}

/* Prints one string field padded to width (escaped; the daemon's ids need no escaping). */
static void
put_col(const char *s, int width)
{
    struct al_buf b;

    if (s == NULL)
        s = "-";
    al_buf_init(&b, strlen(s) * 10 + 64);
    if (al_render_escape(s, strlen(s), AL_RENDER_ESCAPE_NEWLINE, &b) == 0 &&
        al_buf_appendc(&b, '\0') == 0)
        printf("%-*s  ", width, b.data);
    else
        printf("%-*s  ", width, "?");
    al_buf_close(&b);
}

static cJSON *
build_plain(struct cli_ctl *c, void *op)
{
    return cli_ctl_request(c, op);
}

static const char status_help[] =
    "usage: airlock status [--socket PATH]\n"
    "\n"
    "Asks airlockd how it is: its pid and uptime, state directory, configuration,\n"
    "approver key, running sessions and plans by state.\n"
    "\n"
    "  --socket PATH  airlockd's control socket (default $AIRLOCK_SOCKET when set, else\n"
    "                 $XDG_RUNTIME_DIR/airlock/airlockd.sock, or\n"
    "                 ~/.cache/airlock/airlockd.sock where XDG_RUNTIME_DIR is unset)\n";

int
cmd_status(int argc, char **argv)
{
    struct cli_ctl_args a;
    const cJSON *plans, *p;
    cJSON *reply = NULL;
    long long up;
    int rc;

    if ((rc = cli_ctl_parse(argc, argv, status_help, 0, 0, &a)) >= 0)
        return rc;
    if ((rc = call_once("status", a.sock, build_plain, "status", &reply)) != CLI_OK)
        return rc;
    up = cli_json_num(reply, "uptime_s");
    printf("airlockd  pid %lld, up %lldd %02lldh %02lldm %02llds\nstate     ",
           cli_json_num(reply, "pid"), up / 86400, up % 86400 / 3600, up % 3600 / 60, up % 60);
    cli_put_escaped(stdout,
                    cli_json_str(reply, "state_dir") ? cli_json_str(reply, "state_dir") : "-");
    fputs("\nconfig    ", stdout);
    cli_put_escaped(stdout, cli_json_str(reply, "config") ? cli_json_str(reply, "config")
                                                          : "(built-in defaults)");
    fputs("\napprover  ", stdout);
    if (cli_json_str(reply, "approver") != NULL) {
        fputs("key ", stdout);
        cli_put_escaped(stdout, cli_json_str(reply, "approver"));
    } else {
        fputs("(none configured)", stdout);
    }
    printf("\nsessions  %lld running\nplans     ", cli_json_num(reply, "sessions"));
    plans = cJSON_GetObjectItemCaseSensitive(reply, "plans");
    rc = 0;
    cJSON_ArrayForEach(p, plans)
    {
        if (p->string == NULL)
            continue;
        printf("%s%lld ", rc++ ? ", " : "", cJSON_IsNumber(p) ? (long long)p->valuedouble : -1);
        cli_put_escaped(stdout, p->string);
    }
    fputs(rc ? "\n" : "none\n", stdout);
    cJSON_Delete(reply);
    return CLI_OK;
}

static const char start_help[] =
    "usage: airlock start [--socket PATH] offline|online TASK\n"
    "\n"
    "Starts a fresh session of the offline or online compartment running the configured\n"
    "agent with TASK (at most 16 KiB), and prints the new session's id.\n"
    "\n"
    "  --socket PATH  airlockd's control socket\n";

struct start_arg {
    const char *side, *task;
};

static cJSON *
build_start(struct cli_ctl *c, void *p)
{
    const struct start_arg *s = p;
    cJSON *req = cli_ctl_request(c, "start");

    if (req != NULL && (cJSON_AddStringToObject(req, "side", s->side) == NULL ||
                        cJSON_AddStringToObject(req, "task", s->task) == NULL)) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

int
cmd_start(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct start_arg s;
    enum al_side side;
    cJSON *reply = NULL;
    int rc;

    if ((rc = cli_ctl_parse(argc, argv, start_help, 0, 2, &a)) >= 0)
        return rc;
    s.side = a.pos[0];
    s.task = a.pos[1];
    if (al_side_parse(s.side, &side) != 0)
        return cli_usage("start", "the side is 'offline' or 'online'");
    if (strlen(s.task) > AL_TASK_MAX)
        return cli_usage("start", "TASK is at most 16 KiB");
    if ((rc = call_once("start", a.sock, build_start, &s, &reply)) != CLI_OK)
        return rc;
    cli_put_escaped(stdout, cli_id_of(cJSON_GetObjectItemCaseSensitive(reply, "session")));
    fputc('\n', stdout);
    cJSON_Delete(reply);
    return CLI_OK;
}

static const char sessions_help[] =
    "usage: airlock sessions [--json] [--socket PATH]\n"
    "\n"
    "Lists airlockd's sessions, oldest first: id, side, state, start time and task.\n"
    "\n"
    "  --json         print the daemon's session objects as one line of JSON\n"
    "  --socket PATH  airlockd's control socket\n";

int
cmd_sessions(int argc, char **argv)
{
    struct cli_ctl_args a;
    const cJSON *list, *s;
    const char *st, *why;
    cJSON *reply = NULL;
    char state[96];
    long long status;
    int rc, n = 0;

    if ((rc = cli_ctl_parse(argc, argv, sessions_help, CLI_OPT_JSON, 0, &a)) >= 0)
        return rc;
    if ((rc = call_once("sessions", a.sock, build_plain, "sessions", &reply)) != CLI_OK)
        return rc;
    list = cJSON_GetObjectItemCaseSensitive(reply, "sessions");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(reply);
        return cli_fail("sessions", al__fail(AL_EPROTO, "the reply has no \"sessions\" array"));
    }
    if (a.json) {
        rc = print_json("sessions", list);
        cJSON_Delete(reply);
        return rc;
    }
    cJSON_ArrayForEach(s, list)
    {
        if (n++ == 0)
            printf("%-18s  %-7s  %-28s  %-20s  %s\n", "SESSION", "SIDE", "STATE", "STARTED",
                   "TASK");
        status = cli_json_num(s, "status");
        why = cli_json_str(s, "reason") ? cli_json_str(s, "reason") : "?";
        st = cli_json_str(s, "state") ? cli_json_str(s, "state") : "?";
        if (strcmp(st, "ended") != 0)
            snprintf(state, sizeof(state), "%.40s", st);
        else if (status >= 0)
            snprintf(state, sizeof(state), "ended (%.40s, status %lld)", why, status);
        else
            snprintf(state, sizeof(state), "ended (%.40s)", why);
        put_col(cli_json_str(s, "id"), 18);
        put_col(cli_json_str(s, "side"), 7);
        put_col(state, 28);
        put_col(cli_json_str(s, "started"), 20);
        put_cut(cli_json_str(s, "task") ? cli_json_str(s, "task") : "", 60);
        fputc('\n', stdout);
    }
    if (n == 0)
        printf("no sessions\n");
    cJSON_Delete(reply);
    return CLI_OK;
}

/* The requests with one argument, a session or a plan id. */
struct id_arg {
    const char *op, *key, *value;
};

static cJSON *
build_id(struct cli_ctl *c, void *p)
{
    const struct id_arg *s = p;
    cJSON *req = cli_ctl_request(c, s->op);

    if (req == NULL)
        return NULL;
    if (cJSON_AddStringToObject(req, s->key, s->value) == NULL) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

static const char stop_help[] = "usage: airlock stop [--socket PATH] SESSION\n"
                                "\n"
                                "Stops a running session and waits until it has ended.\n";

int
cmd_stop(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct id_arg s = {"stop", "session", NULL};
    const cJSON *sess;
    cJSON *reply = NULL;
    int rc;

    if ((rc = cli_ctl_parse(argc, argv, stop_help, 0, 1, &a)) >= 0 ||
        (rc = cli_session_arg("stop", a.pos[0])) >= 0)
        return rc;
    s.value = a.pos[0];
    if ((rc = call_once("stop", a.sock, build_id, &s, &reply)) != CLI_OK)
        return rc;
    sess = cJSON_GetObjectItemCaseSensitive(reply, "session");
    cli_put_escaped(stdout, cJSON_IsObject(sess) && cli_json_str(sess, "id")
                                ? cli_json_str(sess, "id")
                                : s.value);
    fputs(" ended", stdout);
    if (cJSON_IsObject(sess) && cli_json_str(sess, "reason") != NULL) {
        fputs(": ", stdout);
        cli_put_escaped(stdout, cli_json_str(sess, "reason"));
        if (cli_json_num(sess, "status") >= 0)
            printf(", status %lld", cli_json_num(sess, "status"));
    }
    fputc('\n', stdout);
    cJSON_Delete(reply);
    return CLI_OK;
}

void
cli_plan_line(const cJSON *p)
{
    put_col(cli_json_str(p, "id"), 32);
    cli_put_escaped(stdout, cli_json_str(p, "from") ? cli_json_str(p, "from") : "?");
    fputs(" -> ", stdout);
    cli_put_escaped(stdout, cli_json_str(p, "to") ? cli_json_str(p, "to") : "?");
    fputs("  ", stdout);
    cli_put_escaped(stdout, cli_json_str(p, "state") ? cli_json_str(p, "state") : "?");
    printf("  %lld bytes  %lld finding%s\n", cli_json_num(p, "size"), cli_json_num(p, "findings"),
           cli_json_num(p, "findings") == 1 ? "" : "s");
}

static const char collect_help[] =
    "usage: airlock collect [--socket PATH] SESSION\n"
    "\n"
    "Collects what SESSION proposed in its outbox: each proposal becomes a pending plan\n"
    "(listed with its id), or is refused with the reason (kept for inspection in the\n"
    "state directory's refused/).\n";

int
cmd_collect(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct id_arg s = {"collect", "session", NULL};
    const cJSON *p;
    cJSON *reply = NULL;
    int rc, n = 0;

    if ((rc = cli_ctl_parse(argc, argv, collect_help, 0, 1, &a)) >= 0 ||
        (rc = cli_session_arg("collect", a.pos[0])) >= 0)
        return rc;
    s.value = a.pos[0];
    if ((rc = call_once("collect", a.sock, build_id, &s, &reply)) != CLI_OK)
        return rc;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(reply, "plans"))
    {
        fputs("plan     ", stdout);
        cli_plan_line(p);
        n++;
    }
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(reply, "refused"))
    {
        fputs("refused  ", stdout);
        cli_put_escaped(stdout, cli_json_str(p, "name") ? cli_json_str(p, "name") : "?");
        fputs(": ", stdout);
        cli_put_escaped(stdout, cli_json_str(p, "reason") ? cli_json_str(p, "reason") : "");
        fputs(" [", stdout);
        cli_put_escaped(stdout, cli_json_str(p, "error") ? cli_json_str(p, "error") : "?");
        printf("] (kept as refused/%lld)\n", cli_json_num(p, "kept"));
        n++;
    }
    if (n == 0)
        printf("nothing to collect\n");
    cJSON_Delete(reply);
    return CLI_OK;
}

int
cli_plan_arg(const char *cmd, const char *sock, const char *arg, char id[AL_ID_HEXLEN + 1])
{
    const cJSON *list, *p;
    cJSON *reply = NULL;
    size_t n = strlen(arg), matches = 0;
    int rc;

    if (cli_plan_id(arg)) {
        memcpy(id, arg, AL_ID_HEXLEN + 1);
        return CLI_OK;
    }
    if (hex_run(arg) != n || n < CLI_PLAN_PREFIX_MIN || n > AL_ID_HEXLEN)
        return cli_usage(cmd, "a plan id is 32 lowercase hex digits, or at least the first 4 of "
                              "them ('airlock plans' lists the plans)");
    /* The start of an id, as the UI shows it: it must name exactly one plan. */
    if ((rc = call_once(cmd, sock, build_plain, "plans", &reply)) != CLI_OK)
        return rc;
    list = cJSON_GetObjectItemCaseSensitive(reply, "plans");
    cJSON_ArrayForEach(p, list)
    {
        const char *pid = cli_json_str(p, "id");

        if (pid != NULL && cli_plan_id(pid) && strncmp(pid, arg, n) == 0 && matches++ == 0)
            memcpy(id, pid, AL_ID_HEXLEN + 1);
    }
    cJSON_Delete(reply);
    if (matches == 1)
        return CLI_OK;
    if (matches == 0)
        return cli_fail(cmd, al__fail(AL_ENOTFOUND,
                                      "no plan's id starts with %s ('airlock "
                                      "plans' lists the plans)",
                                      arg));
    return cli_fail(cmd, al__fail(AL_ENOTFOUND, "%zu plans' ids start with %s: give more of the id",
                                  matches, arg));
}

static const char plans_help[] =
    "usage: airlock plans [--json] [--socket PATH]\n"
    "\n"
    "Lists airlockd's plans, oldest first: id, direction, state, size, scanner findings\n"
    "and task.\n"
    "\n"
    "  --json         print the daemon's plan objects as one line of JSON\n"
    "  --socket PATH  airlockd's control socket\n";

int
cmd_plans(int argc, char **argv)
{
    struct cli_ctl_args a;
    const cJSON *list, *p;
    cJSON *reply = NULL;
    char route[40];
    int rc, n = 0;

    if ((rc = cli_ctl_parse(argc, argv, plans_help, CLI_OPT_JSON, 0, &a)) >= 0)
        return rc;
    if ((rc = call_once("plans", a.sock, build_plain, "plans", &reply)) != CLI_OK)
        return rc;
    list = cJSON_GetObjectItemCaseSensitive(reply, "plans");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(reply);
        return cli_fail("plans", al__fail(AL_EPROTO, "the reply has no \"plans\" array"));
    }
    if (a.json) {
        rc = print_json("plans", list);
        cJSON_Delete(reply);
        return rc;
    }
    cJSON_ArrayForEach(p, list)
    {
        if (n++ == 0)
            printf("%-32s  %-17s  %-10s  %8s  %8s  %s\n", "PLAN", "ROUTE", "STATE", "BYTES",
                   "FINDINGS", "TASK");
        snprintf(route, sizeof(route), "%.7s -> %.7s",
                 cli_json_str(p, "from") ? cli_json_str(p, "from") : "?",
                 cli_json_str(p, "to") ? cli_json_str(p, "to") : "?");
        put_col(cli_json_str(p, "id"), 32);
        put_col(route, 17);
        put_col(cli_json_str(p, "state"), 10);
        printf("%8lld  %8lld  ", cli_json_num(p, "size"), cli_json_num(p, "findings"));
        put_cut(cli_json_str(p, "task") ? cli_json_str(p, "task") : "", 50);
        fputc('\n', stdout);
    }
    if (n == 0)
        printf("no plans\n");
    cJSON_Delete(reply);
    return CLI_OK;
}

static const char reject_help[] =
    "usage: airlock reject [--reason TEXT] [--socket PATH] PLAN-ID\n"
    "\n"
    "Rejects a pending plan; it is never delivered. --reason is recorded with it.\n";

struct reject_arg {
    const char *id, *reason;
};

static cJSON *
build_reject(struct cli_ctl *c, void *p)
{
    const struct reject_arg *s = p;
    struct id_arg ia = {"reject", "id", s->id};
    cJSON *req = build_id(c, &ia);

    if (req != NULL && s->reason != NULL &&
        cJSON_AddStringToObject(req, "reason", s->reason) == NULL) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

int
cmd_reject(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct reject_arg s;
    cJSON *reply = NULL;
    char whole[AL_ID_HEXLEN + 1];
    int rc;

    if ((rc = cli_ctl_parse(argc, argv, reject_help, CLI_OPT_REASON, 1, &a)) >= 0)
        return rc;
    if (a.reason != NULL && strlen(a.reason) > 1024)
        return cli_usage("reject", "--reason is at most 1024 bytes");
    if ((rc = cli_plan_arg("reject", a.sock, a.pos[0], whole)) != CLI_OK)
        return rc;
    s.id = whole;
    s.reason = a.reason;
    if ((rc = call_once("reject", a.sock, build_reject, &s, &reply)) != CLI_OK)
        return rc;
    printf("rejected %s\n", s.id);
    cJSON_Delete(reply);
    return CLI_OK;
}

static const char handoff_help[] =
    "usage: airlock handoff [--offset N] [--length N] [--socket PATH] SESSION\n"
    "\n"
    "Proposes SESSION's transcript, or the byte range --offset/--length of it, as a plan\n"
    "to the other side. The plan is pending until approved like any other.\n";

static cJSON *
build_handoff(struct cli_ctl *c, void *p)
{
    const struct cli_ctl_args *a = p;
    cJSON *req = cli_ctl_request(c, "handoff");

    if (req == NULL || cJSON_AddStringToObject(req, "session", a->pos[0]) == NULL ||
        (a->have_offset && cJSON_AddNumberToObject(req, "offset", (double)a->offset) == NULL) ||
        (a->have_length && cJSON_AddNumberToObject(req, "length", (double)a->length) == NULL)) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

int
cmd_handoff(int argc, char **argv)
{
    struct cli_ctl_args a;
    cJSON *reply = NULL;
    const cJSON *p;
    int rc;

    if ((rc = cli_ctl_parse(argc, argv, handoff_help, CLI_OPT_RANGE, 1, &a)) >= 0 ||
        (rc = cli_session_arg("handoff", a.pos[0])) >= 0)
        return rc;
    if ((rc = call_once("handoff", a.sock, build_handoff, &a, &reply)) != CLI_OK)
        return rc;
    /* One plan, addressed to the other side; airlockd answers with a "plans" array. */
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(reply, "plans"))
    {
        fputs("plan     ", stdout);
        cli_plan_line(p);
    }
    if ((p = cJSON_GetObjectItemCaseSensitive(reply, "plan")) != NULL) {
        fputs("plan     ", stdout);
        cli_plan_line(p);
    }
    cJSON_Delete(reply);
    return CLI_OK;
}
