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
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <compartment.h>

static const char run_help[] =
    "usage: airlock run offline|online [OPTIONS] [--] COMMAND [ARG...]\n"
    "\n"
    "Runs COMMAND in a fresh compartment and relays its terminal to this one. The offline\n"
    "compartment sees the workspace and has no network; the online one has no user files\n"
    "and reaches the network only through 127.0.0.1:3128 (answered here with 403 until\n"
    "the supervisor's proxy serves it). Exits with COMMAND's status (128+N for signal N).\n"
    "\n"
    "  --workspace DIR   offline: the directory mounted read-write at /workspace\n"
    "                    (default ~/airlock/workspace)\n"
    "  --inbox DIR       a directory mounted read-only at /airlock/inbox\n"
    "  --memory MB       memory limit (default 4096 offline, 2048 online)\n"
    "  --pids N          process limit (default 512 offline, 256 online)\n"
    "  --wall S          wall-clock limit in seconds (default 3600 offline, 1800 online)\n"
    "  --cpu S           CPU-time limit in seconds (default none)\n"
    "  --outbox KB       size of /airlock/outbox (default 256)\n";

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

/* A denied request on the online listener, until the proxy exists: never a hang. */
static void
answer_listener(int listener)
{
    static const char deny[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                               "Connection: close\r\nX-Airlock: no proxy in airlock run\r\n\r\n";
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd >= 0) {
        ssize_t k = write(fd, deny, sizeof(deny) - 1);

        (void)k;
        close(fd);
    }
}

static volatile sig_atomic_t winch = 1, stop_signal;

static int64_t
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

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
relay(struct al_compartment *c, int64_t deadline)
{
    int pty = al_compartment_pty(c), listener = al_compartment_listener(c), status = 0, in_open;
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
        if (stop_signal || (deadline && now_ms() >= deadline)) {
            if (!stop_signal)
                fprintf(stderr, "\r\nairlock: run: wall-clock limit reached; stopping\r\n");
            al_compartment_kill(c);
        }
        p[0] = (struct pollfd){.fd = pty, .events = POLLIN};
        p[1] = (struct pollfd){.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN};
        p[2] = (struct pollfd){.fd = listener, .events = POLLIN};
        if (poll(p, 3, 1000) < 0 && errno != EINTR)
            break;
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
            if (listener >= 0 && (p[2].revents & POLLIN))
                answer_listener(listener);
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
        if (deadline && now_ms() >= deadline) {
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
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct al_compartment_spec spec = {0};
    struct al_compartment *comp = NULL;
    char wsdefault[4096], *ws = NULL;
    struct termios saved, raw;
    unsigned long long v;
    struct sigaction sa;
    int c, r, raw_mode = 0, status;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(run_help, stdout);
        return CLI_OK;
    }
    if (argc < 2 || al_side_parse(argv[1], &spec.side) != 0)
        return cli_usage("run", "first argument must be 'offline' or 'online'");
    al_limits_default(spec.side, &spec.limits);
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
        case 'h':
            fputs(run_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("run", CLI_BADOPT);
        }
    }
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
    if ((r = al_compartment_start(&spec, &comp)) != 0)
        return cli_fail("run", r);
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
    status = relay(comp, spec.limits.wall_s ? now_ms() + (int64_t)spec.limits.wall_s * 1000 : 0);
    if (raw_mode)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    al_compartment_free(comp);
    return status;
}

static const char check_help[] =
    "usage: airlock check\n"
    "\n"
    "Prints which protections and limits this kernel provides to compartments, then\n"
    "starts one of each and reports whether it came up. Exits 1 if a protection airlock\n"
    "requires is missing.\n";

int
cmd_check(int argc, char **argv)
{
    struct al_kernel k;
    int r, bad = 0;

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
        if (k.apparmor_userns_restricted)
            printf("                     AppArmor restricts them "
                   "(kernel.apparmor_restrict_unprivileged_userns=1); see docs/install.md\n");
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
