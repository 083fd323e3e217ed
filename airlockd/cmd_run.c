/* cmd_run.c: `airlock run` (one compartment, directly) and `airlock check`. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include <airlock/config.h>
#include <compartment.h>

#include "proxy.h"

static const char run_help[] =
    "usage: airlock run offline|online [OPTIONS] [--] COMMAND [ARG...]\n"
    "\n"
    "Runs COMMAND in a fresh compartment and relays its terminal to this one. The offline\n"
    "compartment sees the workspace and has no network; the online one has no user files\n"
    "and reaches the network only through 127.0.0.1:3128, served by the egress proxy\n"
    "in this process: only hosts that an --allow rule names, everything else refused\n"
    "with 403 (no --allow: nothing at all). Exits with COMMAND's status (128+N for\n"
    "signal N).\n"
    "\n"
    "  --workspace DIR   offline: the directory mounted read-write at /workspace\n"
    "                    (default ~/airlock/workspace)\n"
    "  --inbox DIR       a directory mounted read-only at /airlock/inbox\n"
    "  --memory MB       memory limit (default 4096 offline, 2048 online)\n"
    "  --pids N          process limit (default 512 offline, 256 online)\n"
    "  --wall S          wall-clock limit in seconds (default 3600 offline, 1800 online)\n"
    "  --cpu S           CPU-time limit in seconds (default none)\n"
    "  --outbox KB       size of /airlock/outbox (default 256)\n"
    "online only (see docs/egress.md):\n"
    "  --allow RULE      allow host[:port], *.domain[:port], 1.2.3.4[:port] or\n"
    "                    [v6][:port]; without a port, 80 and 443 (repeatable)\n"
    "  --resolve HOST:PORT=ADDR:PORT   pin a name to an address instead of DNS; the\n"
    "                    name still needs an --allow rule (repeatable)\n"
    "  --egress-log FILE every proxy record as a JSON line (default: refusals on stderr)\n"
    "  --max-conns N     connections through the proxy at once (default 1024)\n"
    "  --header-timeout S  seconds for a request head to arrive (default 10)\n"
    "  --connect-timeout S seconds to resolve and connect upstream (default 10)\n"
    "  --idle-timeout S  seconds a connection may stay silent (default 300)\n";

static int
number(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

/* The in-process proxy of `airlock run online`: one session, its own loop. */
struct egress {
    uv_loop_t loop;
    struct proxy *proxy;
    struct al_config *cfg;
    FILE *log;
    int raw; /* our terminal is in raw mode: lines end in CRLF */
};

/* Writes s as a JSON string (the record's text is printable ASCII, but be exact). */
static void
json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void
on_record(const struct proxy_record *r, void *arg)
{
    static const char *const verdicts[] = {"allow", "deny", "error"};
    struct egress *e = arg;

    if (e->log != NULL) {
        fprintf(e->log, "{\"phase\":\"%s\",\"id\":%llu,\"verdict\":\"%s\",\"method\":",
                r->phase == PROXY_OPEN ? "open" : "end", (unsigned long long)r->id,
                verdicts[r->verdict]);
        json_str(e->log, r->method);
        fputs(",\"host\":", e->log);
        json_str(e->log, r->host);
        fprintf(e->log, ",\"port\":%u,\"address\":", r->port);
        json_str(e->log, r->address);
        fputs(",\"source\":", e->log);
        json_str(e->log, r->source);
        fputs(",\"rule\":", e->log);
        json_str(e->log, r->rule);
        fputs(",\"reason\":", e->log);
        json_str(e->log, r->reason);
        fprintf(e->log,
                ",\"status\":%d,\"bytes_up\":%llu,\"bytes_down\":%llu,\"ms\":%llu,"
                "\"lookups\":%u}\n",
                r->status, (unsigned long long)r->bytes_up, (unsigned long long)r->bytes_down,
                (unsigned long long)r->duration_ms, r->lookups);
        fflush(e->log);
    } else if (r->phase == PROXY_END && r->verdict == PROXY_DENY) {
        fprintf(stderr, "airlock: egress: refused %s %s:%u: %s%s", r->method, r->host, r->port,
                r->reason, e->raw ? "\r\n" : "\n");
    }
}

/* Builds the configuration of `--allow` and `--resolve` through the configuration parser,
 * so that the rules mean exactly what they mean in airlock.json. */
static int
egress_config(char **allow, size_t n_allow, char **resolve, size_t n_resolve,
              struct al_config **out)
{
    cJSON *root = cJSON_CreateObject(), *online = NULL, *arr = NULL, *pins = NULL;
    const char *home = getenv("HOME");
    char *text = NULL, *eq;
    size_t i;
    int r = AL_ENOMEM;

    if (home == NULL || home[0] != '/')
        home = "/nonexistent";
    if (root == NULL || (online = cJSON_AddObjectToObject(root, "online")) == NULL ||
        (arr = cJSON_AddArrayToObject(online, "allow")) == NULL ||
        (pins = cJSON_AddObjectToObject(online, "resolve")) == NULL)
        goto out;
    for (i = 0; i < n_allow; i++)
        if (!cJSON_AddItemToArray(arr, cJSON_CreateString(allow[i])))
            goto out;
    for (i = 0; i < n_resolve; i++) {
        char key[512];

        if ((eq = strchr(resolve[i], '=')) == NULL || (size_t)(eq - resolve[i]) >= sizeof(key)) {
            r = al__fail(AL_EINVAL, "--resolve %s: expected HOST:PORT=ADDR:PORT", resolve[i]);
            goto out;
        }
        memcpy(key, resolve[i], (size_t)(eq - resolve[i]));
        key[eq - resolve[i]] = '\0';
        if (cJSON_GetObjectItemCaseSensitive(pins, key) != NULL) {
            r = al__fail(AL_EINVAL, "--resolve %s: that name is pinned twice", key);
            goto out;
        }
        if (cJSON_AddStringToObject(pins, key, eq + 1) == NULL)
            goto out;
    }
    if ((text = cJSON_PrintUnformatted(root)) == NULL)
        goto out;
    r = al_config_parse(text, strlen(text), home, NULL, out);
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return r;
}

static volatile sig_atomic_t winch = 1, stop_signal;

static void
on_winch(int sig)
{
    (void)sig;
    winch = 1;
}

static void
on_stop(int sig)
{
    stop_signal = sig;
}

/* Relays bytes between our terminal (or pipes) and the session's pty until it ends. */
static int
relay(struct al_compartment *c, struct egress *e, int64_t deadline)
{
    int pty = al_compartment_pty(c), status = 0, in_open, timeout;
    struct pollfd p[3];
    char buf[8192];
    ssize_t n;

    in_open = 1;
    for (;;) {
        if (winch && isatty(STDIN_FILENO)) {
            struct winsize ws;

            if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(pty, TIOCSWINSZ, &ws);
            winch = 0;
        }
        if (stop_signal || (deadline && cli_now_ms() >= deadline)) {
            if (!stop_signal)
                fprintf(stderr, "\r\nairlock: run: wall-clock limit reached; stopping\r\n");
            al_compartment_kill(c);
        }
        p[0] = (struct pollfd){.fd = pty, .events = POLLIN};
        p[1] = (struct pollfd){.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN};
        /* The proxy's loop is one more descriptor here (its epoll set), run without
         * blocking whenever it is ready or one of its timers is due. */
        p[2] = (struct pollfd){.fd = e != NULL ? uv_backend_fd(&e->loop) : -1, .events = POLLIN};
        timeout = e != NULL ? uv_backend_timeout(&e->loop) : -1;
        if (timeout < 0 || timeout > 1000)
            timeout = 1000;
        if (poll(p, 3, timeout) < 0 && errno != EINTR)
            break;
        if (e != NULL)
            uv_run(&e->loop, UV_RUN_NOWAIT);
        if (p[0].revents & POLLIN) {
            n = read(pty, buf, sizeof(buf));
            if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) != n)
                break;
            if (n > 0)
                continue;
        } else if (!(p[0].revents & (POLLHUP | POLLERR))) {
            if (p[1].revents & (POLLIN | POLLHUP)) {
                n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n <= 0) {
                    in_open = 0;
                    /* End of our input: pass an end-of-file to the session. */
                    buf[0] = 4;
                    if (write(pty, buf, 1) < 0)
                        break;
                } else if (write(pty, buf, (size_t)n) != n) {
                    break;
                }
            }
            continue;
        }
        /* The pty hung up: every process holding the slave has ended. */
        break;
    }
    /* Every terminal is closed, but the command may live on without one: the wall-clock
     * limit still holds until the compartment has ended. */
    for (;;) {
        int r = al_compartment_wait_until(c, deadline, &status);

        if (r < 0)
            return 1;
        if (r == 1)
            return status;
        if (deadline && cli_now_ms() >= deadline) {
            fprintf(stderr, "airlock: run: wall-clock limit reached; stopping\n");
            al_compartment_kill(c);
            deadline = 0;
        } else if (stop_signal) {
            al_compartment_kill(c);
        }
    }
}

int
cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"workspace", required_argument, NULL, 'w'},
                                         {"inbox", required_argument, NULL, 'i'},
                                         {"memory", required_argument, NULL, 'M'},
                                         {"pids", required_argument, NULL, 'P'},
                                         {"wall", required_argument, NULL, 'W'},
                                         {"cpu", required_argument, NULL, 'C'},
                                         {"outbox", required_argument, NULL, 'O'},
                                         {"allow", required_argument, NULL, 'a'},
                                         {"resolve", required_argument, NULL, 'r'},
                                         {"egress-log", required_argument, NULL, 'L'},
                                         {"max-conns", required_argument, NULL, 'm'},
                                         {"header-timeout", required_argument, NULL, 'H'},
                                         {"connect-timeout", required_argument, NULL, 'T'},
                                         {"idle-timeout", required_argument, NULL, 'I'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct al_compartment_spec spec = {0};
    struct al_compartment *comp = NULL;
    char wsdefault[4096], *ws = NULL;
    struct termios saved, raw;
    unsigned long long v;
    struct sigaction sa;
    int c, r, raw_mode = 0, status, egress_opts = 0;
    char *allow[AL_CONFIG_ALLOW_MAX], *resolve[AL_CONFIG_RESOLVE_MAX];
    size_t n_allow = 0, n_resolve = 0;
    const char *log_path = NULL;
    struct proxy_limits lim;
    struct egress eg;
    struct rlimit rl;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(run_help, stdout);
        return CLI_OK;
    }
    if (argc < 2 || al_side_parse(argv[1], &spec.side) != 0)
        return cli_usage("run", "first argument must be 'offline' or 'online'");
    al_limits_default(spec.side, &spec.limits);
    proxy_limits_default(&lim);
    lim.max_conns = 1024;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            ws = optarg;
            break;
        case 'i':
            spec.inbox = optarg;
            break;
        case 'M':
            if (number(optarg, 1 << 20, &v) != 0)
                return cli_usage("run", "--memory takes megabytes");
            spec.limits.memory_bytes = v << 20;
            break;
        case 'P':
            if (number(optarg, 1 << 20, &v) != 0)
                return cli_usage("run", "--pids takes a count");
            spec.limits.pids = (uint32_t)v;
            break;
        case 'W':
            if (number(optarg, 1 << 30, &v) != 0)
                return cli_usage("run", "--wall takes seconds");
            spec.limits.wall_s = (uint32_t)v;
            break;
        case 'C':
            if (number(optarg, 1 << 30, &v) != 0)
                return cli_usage("run", "--cpu takes seconds");
            spec.limits.cpu_s = (uint32_t)v;
            break;
        case 'O':
            if (number(optarg, 1 << 20, &v) != 0 || v == 0)
                return cli_usage("run", "--outbox takes kilobytes");
            spec.limits.outbox_bytes = v << 10;
            break;
        case 'a':
            if (n_allow >= AL_CONFIG_ALLOW_MAX)
                return cli_usage("run", "too many --allow rules");
            allow[n_allow++] = optarg;
            egress_opts = 1;
            break;
        case 'r':
            if (n_resolve >= AL_CONFIG_RESOLVE_MAX)
                return cli_usage("run", "too many --resolve pins");
            resolve[n_resolve++] = optarg;
            egress_opts = 1;
            break;
        case 'L':
            log_path = optarg;
            egress_opts = 1;
            break;
        case 'm':
            if (number(optarg, 1 << 20, &v) != 0 || v == 0)
                return cli_usage("run", "--max-conns takes a count");
            lim.max_conns = (uint32_t)v;
            egress_opts = 1;
            break;
        case 'H':
        case 'T':
        case 'I':
            if (number(optarg, 86400, &v) != 0 || v == 0)
                return cli_usage("run", "the timeouts take seconds (1..86400)");
            if (c == 'H')
                lim.header_timeout_ms = (uint32_t)v * 1000;
            else if (c == 'T')
                lim.connect_timeout_ms = (uint32_t)v * 1000;
            else
                lim.idle_timeout_ms = (uint32_t)v * 1000;
            egress_opts = 1;
            break;
        case 'h':
            fputs(run_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("run", CLI_BADOPT);
        }
    }
    if (egress_opts && spec.side != AL_SIDE_ONLINE)
        return cli_usage("run", "--allow, --resolve and the proxy options are for online");
    if (optind >= argc)
        return cli_usage("run", "needs a command");
    if (spec.side == AL_SIDE_ONLINE && ws != NULL)
        return cli_usage("run", "the online compartment has no workspace");
    if (spec.side == AL_SIDE_OFFLINE && ws == NULL) {
        const char *home = getenv("HOME");

        if (home == NULL || home[0] != '/')
            return cli_usage("run", "--workspace is required when HOME is not set");
        snprintf(wsdefault, sizeof(wsdefault), "%s/airlock/workspace", home);
        ws = wsdefault;
    }
    spec.workspace = ws;
    if (ws != NULL && access(ws, R_OK | W_OK | X_OK) != 0)
        return cli_fail("run", al__fail(-errno, "workspace %s", ws));
    spec.argv = argv + optind;
    spec.term = getenv("TERM");
    spec.lang = getenv("LANG");
    memset(&eg, 0, sizeof(eg));
    if (spec.side == AL_SIDE_ONLINE) {
        if ((r = egress_config(allow, n_allow, resolve, n_resolve, &eg.cfg)) != 0)
            return cli_fail("run", r);
        if (log_path != NULL &&
            (eg.log = strcmp(log_path, "-") == 0 ? stderr : fopen(log_path, "ae")) == NULL) {
            r = al__fail(-errno, "--egress-log %s", log_path);
            al_config_free(eg.cfg);
            return cli_fail("run", r);
        }
        /* Each tunnel holds two descriptors here: take the whole hard limit. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if ((r = al_compartment_start(&spec, &comp)) != 0) {
        al_config_free(eg.cfg);
        return cli_fail("run", r);
    }
    if (spec.side == AL_SIDE_ONLINE) {
        if ((r = uv_loop_init(&eg.loop)) != 0 ||
            (r = proxy_start(&eg.loop, al_compartment_listener(comp), eg.cfg, &lim, on_record, &eg,
                             &eg.proxy)) != 0) {
            al_compartment_kill(comp);
            al_compartment_free(comp);
            al_config_free(eg.cfg);
            return cli_fail("run", al__fail(r, "starting the egress proxy"));
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* Our terminal becomes a plain pipe to the session's: its pty does the line editing. */
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
        raw = saved;
        cfmakeraw(&raw);
        raw_mode = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    eg.raw = raw_mode;
    status = relay(comp, eg.proxy != NULL ? &eg : NULL,
                   spec.limits.wall_s ? cli_now_ms() + (int64_t)spec.limits.wall_s * 1000 : 0);
    if (raw_mode)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    if (eg.proxy != NULL) {
        proxy_stop(eg.proxy);
        uv_run(&eg.loop, UV_RUN_DEFAULT);
        uv_loop_close(&eg.loop);
    }
    if (eg.log != NULL && eg.log != stderr)
        fclose(eg.log);
    al_config_free(eg.cfg);
    al_compartment_free(comp);
    return status;
}

static const char check_help[] =
    "usage: airlock check\n"
    "\n"
    "Prints which protections and limits this kernel provides to compartments, then\n"
    "starts one of each and reports whether it came up. Exits 1 if a protection airlock\n"
    "requires is missing. Where AppArmor refuses user namespaces (Ubuntu 23.10 and later)\n"
    "it says so and names the AppArmor profile that allows airlock.\n";

/*
 * What to do under Ubuntu's AppArmor restriction on user namespaces: the profile that grants
 * airlock and airlockd the `userns` permission, how to load it, and where the documentation
 * says more. Printed indented under the line it explains.
 */
static void
apparmor_advice(void)
{
    static const char ind[] = "                     ";
    char profile[4096], doc[4096], self[4096];
    const char *p = cli_installed_file(AIRLOCK_BIN_TO_DATADIR, AIRLOCK_DATADIR, "apparmor/airlock",
                                       "examples/apparmor/airlock", profile, sizeof(profile));
    const char *d = cli_installed_file(AIRLOCK_BIN_TO_DOCDIR, AIRLOCK_DOCDIR, "docs/install.md",
                                       "docs/install.md", doc, sizeof(doc));
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    self[n > 0 ? n : 0] = '\0';
    printf("%sAppArmor restricts unprivileged user namespaces on this host\n"
           "%s(kernel.apparmor_restrict_unprivileged_userns=1), and no AppArmor\n"
           "%sprofile gives airlock the userns permission. Install airlock's profile\n"
           "%sand load it:\n",
           ind, ind, ind, ind);
    printf("%s  sudo install -m 644 %s /etc/apparmor.d/airlock\n"
           "%s  sudo apparmor_parser -r /etc/apparmor.d/airlock\n",
           ind, p != NULL ? p : "examples/apparmor/airlock", ind);
    /* The profile attaches by path (@{airlock_bin} in examples/apparmor/airlock). */
    if (strcmp(self, "/usr/bin/airlock") != 0 && strcmp(self, "/usr/local/bin/airlock") != 0)
        printf("%sThe profile covers /usr/bin and /usr/local/bin; this airlock is\n"
               "%s%s: add its directory to the profile's\n"
               "%s@{airlock_bin} line first.\n",
               ind, ind, self[0] ? self : "elsewhere", ind);
    printf("%sSee \"Ubuntu 23.10 and later: AppArmor's restriction\" in\n%s%s.\n", ind, ind,
           d != NULL ? d : "docs/install.md");
}

int
cmd_check(int argc, char **argv)
{
    struct al_kernel k;
    int r, bad = 0, advised = 0;

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            fputs(check_help, stdout);
            return CLI_OK;
        }
        return cli_usage("check", "takes no arguments");
    }
    if ((r = al_kernel_probe(&k)) != 0)
        return cli_fail("check", r);
    printf("user namespaces      %s\n", k.userns == 0 ? "yes" : strerror(-k.userns));
    if (k.userns != 0) {
        bad = 1;
        /* The restriction refuses the clone with EPERM (EACCES on some kernels); any other
         * error (ENOSPC: user.max_user_namespaces) has another cause. */
        if ((k.userns == -EPERM || k.userns == -EACCES) && k.apparmor_userns_restricted)
            apparmor_advice();
    }
    printf("landlock             %s (ABI %d)\n", k.landlock_abi ? "yes" : "MISSING",
           k.landlock_abi);
    if (!k.landlock_abi)
        bad = 1;
    printf("  file system rules  %s\n", k.landlock_abi >= 1 ? "yes" : "no");
    printf("  network rules      %s\n", k.landlock_abi >= 4 ? "yes" : "no (needs ABI 4)");
    printf("  socket and signal scoping %s\n", k.landlock_abi >= 6 ? "yes" : "no (needs ABI 6)");
    printf("seccomp filters      %s\n", k.seccomp ? "yes" : "MISSING");
    if (!k.seccomp)
        bad = 1;
    printf("memory, pids limits  %s\n",
           k.cgroup == 1 ? "cgroup v1" : "rlimits (RLIMIT_AS, RLIMIT_NPROC)");
    printf("cpu, files limits    rlimits (RLIMIT_CPU, RLIMIT_NOFILE)\n");
    printf("wall-clock limit     enforced by the supervisor\n");
    if (!bad) {
        for (int s = 0; s < 2; s++) {
            char tmpl[] = "/tmp/airlock-check-XXXXXX";
            char *true_argv[] = {"true", NULL};
            struct al_compartment_spec spec = {.side = (enum al_side)s, .argv = true_argv};
            struct al_compartment *comp = NULL;
            int st = -1;

            al_limits_default(spec.side, &spec.limits);
            if (spec.side == AL_SIDE_OFFLINE && (spec.workspace = mkdtemp(tmpl)) == NULL)
                return cli_fail("check", -errno);
            r = al_compartment_start(&spec, &comp);
            if (r == 0)
                r = al_compartment_wait(comp, 1, &st) == 1 && st == 0 ? 0 : AL_ESANDBOX;
            printf("%-7s compartment   %s%s%s\n", al_side_name(spec.side),
                   r == 0 ? "starts" : "FAILS: ", r == 0 ? "" : al_strerror(r), r == 0 ? "" : "");
            if (r != 0) {
                printf("                     %s\n", al_errdetail());
                bad = 1;
                /* Ubuntu 24.04 may make the namespace without capabilities instead of
                 * refusing it: the probe passed and a later step failed with EPERM or
                 * EACCES, which child_failed() in compartments/spawn.c marks with the
                 * sysctl's name when the restriction is on. */
                if (strstr(al_errdetail(), "kernel.apparmor_restrict_unprivileged_userns=1") !=
                        NULL &&
                    !advised) {
                    apparmor_advice();
                    advised = 1;
                }
            }
            al_compartment_free(comp);
            if (spec.workspace != NULL)
                rmdir(spec.workspace);
        }
    }
    printf("%s\n", bad ? "airlock check: a required protection is missing"
                       : "airlock check: every required protection is in force");
    return bad ? CLI_FAIL : CLI_OK;
}
